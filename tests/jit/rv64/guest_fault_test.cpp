// GuestFaultTrap with GuestMemory's code pages: a store into a guest-writable page that holds
// translated code faults on the host, is let through and recorded; a store into a page the guest
// may not write stays the guest's fault; kernel-side writes record code pages too.
#include "jit/rv64/guest_fault.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <utility>
#include <vector>

#include "vm/memory.hpp"
#include "vm/rv64/guest_memory.hpp"

namespace strata::jit::rv64 {
namespace {

using vm::rv64::GuestMemory;
using vm::rv64::kGuestOrigin;
using vm::rv64::kPageSize;
using vm::rv64::kPermExec;
using vm::rv64::kPermRead;
using vm::rv64::kPermWrite;

constexpr uint64_t kRwx = 0x10000;  // guest read-write-execute: JIT buffers
constexpr uint64_t kRx = 0x11000;   // guest read-execute: ordinary .text

class CodePageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(linear_.init_mapped(vm::LinearMemory::kPageSize));
    mem_ = std::make_unique<GuestMemory>(linear_);
    mem_->set_perms(kRwx, kPageSize, kPermRead | kPermWrite | kPermExec);
    mem_->set_perms(kRx, kPageSize, kPermRead | kPermExec);
    ASSERT_TRUE(mem_->enable_host_protection());
  }

  // The host address of guest `addr`, as translated code reaches it (no KernelAccess).
  volatile uint32_t* guest_word(uint64_t addr) {
    return reinterpret_cast<volatile uint32_t*>(linear_.data() + (addr - kGuestOrigin));
  }
  std::vector<uint64_t> written() {
    std::vector<uint64_t> pages;
    mem_->take_written_code([&](uint64_t page) { pages.push_back(page); });
    return pages;
  }

  vm::LinearMemory linear_;
  std::unique_ptr<GuestMemory> mem_;
};

TEST_F(CodePageTest, StoreIntoCodePageIsRetriedKeptAndRecorded) {
  GuestFaultTrap t(linear_.data(), linear_.size(), &GuestMemory::resolve_code_write, mem_.get());
  *guest_word(kRwx + 8) = 1;  // not code yet: no fault
  EXPECT_EQ(mem_->code_write_stats().stores, 0u);
  mem_->protect_code(kRwx + 8, 8);
  *guest_word(kRwx + 8) = 0x00200513;
  EXPECT_EQ(*guest_word(kRwx + 8), 0x00200513u);
  EXPECT_EQ(mem_->code_write_stats().stores, 1u);
  EXPECT_EQ(written(), std::vector<uint64_t>{kRwx});
  // Written and forgotten: writable until code is translated from it again.
  *guest_word(kRwx + 12) = 7;
  EXPECT_EQ(mem_->code_write_stats().stores, 1u);
  EXPECT_FALSE(mem_->has_written_code());
  mem_->protect_code(kRwx, 4);
  *guest_word(kRwx + 12) = 8;
  EXPECT_EQ(*guest_word(kRwx + 12), 8u);
  EXPECT_EQ(mem_->code_write_stats().stores, 2u);
  EXPECT_EQ(written(), std::vector<uint64_t>{kRwx});
}

TEST_F(CodePageTest, StoreIntoReadOnlyCodeIsTheGuestsFault) {
  mem_->protect_code(kRx, 16);
  GuestFaultTrap t(linear_.data(), linear_.size(), &GuestMemory::resolve_code_write, mem_.get());
  if (sigsetjmp(t.jump, 0) == 0) {
    t.armed = 1;
    *guest_word(kRx + 4) = 1;
    t.armed = 0;
    FAIL() << "a store into guest read-only code did not fault";
  }
  t.armed = 0;
  EXPECT_EQ(t.fault_offset() + kGuestOrigin, kRx + 4);
  EXPECT_TRUE(t.fault_was_write());
  EXPECT_FALSE(mem_->has_written_code());
  EXPECT_EQ(mem_->code_write_stats().stores, 0u);
}

TEST_F(CodePageTest, CodePageMadeReadOnlyAfterTranslationIsTheGuestsFault) {
  mem_->protect_code(kRwx, 16);
  mem_->set_perms(kRwx, kPageSize, kPermRead | kPermExec);  // mprotect(PROT_READ | PROT_EXEC)
  GuestFaultTrap t(linear_.data(), linear_.size(), &GuestMemory::resolve_code_write, mem_.get());
  if (sigsetjmp(t.jump, 0) == 0) {
    t.armed = 1;
    *guest_word(kRwx + 20) = 1;
    t.armed = 0;
    FAIL() << "a store into code the guest made read-only did not fault";
  }
  t.armed = 0;
  EXPECT_EQ(t.fault_offset() + kGuestOrigin, kRwx + 20);
  EXPECT_FALSE(mem_->has_written_code());
  // Writable again: a store is let through and recorded as before.
  mem_->set_perms(kRwx, kPageSize, kPermRead | kPermWrite | kPermExec);
  *guest_word(kRwx + 20) = 5;
  EXPECT_EQ(*guest_word(kRwx + 20), 5u);
  EXPECT_EQ(written(), std::vector<uint64_t>{kRwx});
}

TEST_F(CodePageTest, KernelWritesRecordCodePagesAndReadsDoNot) {
  mem_->protect_code(kRwx, 16);
  uint32_t v = 0;
  {
    GuestMemory::KernelAccess kernel(*mem_);
    ASSERT_TRUE(std::as_const(*mem_).read(kRwx, &v, 4));
  }
  EXPECT_FALSE(mem_->has_written_code());
  v = 0x00300513;
  {
    // No GuestFaultTrap: the kernel side must not depend on the fault handler.
    GuestMemory::KernelAccess kernel(*mem_);
    ASSERT_TRUE(mem_->write(kRwx + 4, &v, 4));
  }
  EXPECT_EQ(*guest_word(kRwx + 4), v);
  EXPECT_EQ(mem_->code_write_stats().kernel_writes, 1u);
  EXPECT_EQ(mem_->code_write_stats().stores, 0u);
  EXPECT_EQ(written(), std::vector<uint64_t>{kRwx});
}

}  // namespace
}  // namespace strata::jit::rv64

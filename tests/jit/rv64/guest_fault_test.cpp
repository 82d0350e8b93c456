// GuestFaultTrap with GuestMemory's code pages: a store into a guest-writable page that holds
// translated code faults on the host, is let through and recorded; a store into a page the guest
// may not write stays the guest's fault; kernel-side writes record code pages too. Shared file
// pages: code protection works on them, and an access past the file's end is the guest's SIGBUS.
#include "jit/rv64/guest_fault.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

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

// A memfd shared over the two guest pages at kRwx (kRx included), as a guest mmap with
// MAP_SHARED makes it.
class SharedPageTest : public CodePageTest {
 protected:
  void SetUp() override {
    CodePageTest::SetUp();
    fd_ = ::memfd_create("guest_fault_test", MFD_CLOEXEC);
    ASSERT_GE(fd_, 0);
  }
  void TearDown() override {
    if (fd_ >= 0) ::close(fd_);
  }
  void share(uint64_t file_size) {
    ASSERT_EQ(::ftruncate(fd_, static_cast<off_t>(file_size)), 0);
    ASSERT_EQ(mem_->map_shared(kRwx, 2 * kPageSize, fd_, 0, true), 0);
    mem_->set_perms(kRwx, 2 * kPageSize, kPermRead | kPermWrite | kPermExec);
  }
  int fd_ = -1;
};

TEST_F(SharedPageTest, StoreIntoSharedCodePageIsRetriedAndReachesTheFile) {
  share(2 * kPageSize);
  GuestFaultTrap t(linear_.data(), linear_.size(), &GuestMemory::resolve_code_write, mem_.get());
  mem_->protect_code(kRwx, 4);
  *guest_word(kRwx + 4) = 0x00100513;
  EXPECT_EQ(mem_->code_write_stats().stores, 1u);
  EXPECT_EQ(written(), std::vector<uint64_t>{kRwx});
  uint32_t in_file = 0;
  ASSERT_EQ(::pread(fd_, &in_file, 4, 4), 4);
  EXPECT_EQ(in_file, 0x00100513u);
}

TEST_F(SharedPageTest, AccessPastTheEndOfTheFileIsTheGuestsSigbus) {
  share(kPageSize);  // the second page lies past the end
  GuestFaultTrap t(linear_.data(), linear_.size(), &GuestMemory::resolve_code_write, mem_.get());
  *guest_word(kRwx) = 3;
  if (sigsetjmp(t.jump, 0) == 0) {
    t.armed = 1;
    (void)*guest_word(kRwx + kPageSize + 8);
    t.armed = 0;
    FAIL() << "a load past the end of a shared file did not fault";
  }
  t.armed = 0;
  EXPECT_EQ(t.fault_signal(), SIGBUS);
  EXPECT_EQ(t.fault_offset() + kGuestOrigin, kRwx + kPageSize + 8);
  EXPECT_FALSE(t.fault_was_write());
  // A file that grows makes the page accessible, as on Linux.
  ASSERT_EQ(::ftruncate(fd_, 2 * kPageSize), 0);
  *guest_word(kRwx + kPageSize + 8) = 4;
  EXPECT_EQ(*guest_word(kRwx + kPageSize + 8), 4u);
  // Protection faults stay SIGSEGV.
  constexpr uint64_t kReadOnly = kRwx + 3 * kPageSize;
  mem_->set_perms(kReadOnly, kPageSize, kPermRead);
  if (sigsetjmp(t.jump, 0) == 0) {
    t.armed = 1;
    *guest_word(kReadOnly) = 1;
    t.armed = 0;
    FAIL() << "a store into a read-only page did not fault";
  }
  t.armed = 0;
  EXPECT_EQ(t.fault_signal(), SIGSEGV);
}

}  // namespace
}  // namespace strata::jit::rv64

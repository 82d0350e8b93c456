// The hart's memory slow path (jit/rv64/sys_memory.hpp) called directly, on hand-built Sv39
// tables: translation, faults reported through the state page, A/D, SUM, misaligned accesses
// across pages, atomics, LR/SC and devices.
#include <cstring>

#include <gtest/gtest.h>

#include "tests/jit/rv64sys/test_host.hpp"
#include "tests/support/host_thp.hpp"
#include "vm/rv64/guest_layout.hpp"
#include "vm/rv64sys/sys_layout.hpp"
#include "vm/rv64sys/traps.hpp"

namespace strata::jit::rv64sys::test {
namespace {

namespace state = vm::rv64::state;
namespace sysstate = vm::rv64sys::sysstate;
using vm::rv64sys::Priv;
using vm::rv64sys::SysExit;

constexpr std::uint64_t kRamBase = 0x8000'0000;
constexpr std::uint64_t kRoot = kRamBase + 0x10000, kL1 = kRamBase + 0x11000,
                        kL0 = kRamBase + 0x12000;
constexpr std::uint64_t kV = 1, kR = 2, kW = 4, kU = 16, kA = 64, kD = 128;
constexpr std::uint64_t kPc = 0x4000'0abc;

std::uint64_t pte(std::uint64_t pa, std::uint64_t flags) {
  return (pa >> 2) | flags;
}

class HartMemory : public ::testing::TestWithParam<JitMode> {
 protected:
  void SetUp() override {
    HartOptions opts;
    opts.ram_size = 1 << 20;
    opts.jit = GetParam();
    opts.sbi = false;
    auto h = Hart::create(opts, host_);
    ASSERT_TRUE(h.has_value()) << h.error().message;
    hart_ = std::move(*h);
    host_.hart = hart_.get();
    // va 0x4000_0000 + i * 4 KiB -> the pages below; 0x4000_1000 unmapped.
    set(kRoot + 8, pte(kL1, kV));
    set(kL1, pte(kL0, kV));
    set(kL0 + 0 * 8, pte(kRamBase + 0x20000, kV | kR | kW | kA | kD));
    set(kL0 + 2 * 8, pte(kRamBase + 0x21000, kV | kR | kA));                 // read-only
    set(kL0 + 3 * 8, pte(kRamBase + 0x22000, kV | kR | kW));                 // clean: A = D = 0
    set(kL0 + 4 * 8, pte(kRamBase + 0x23000, kV | kR | kW | kU | kA | kD));  // user
    set(kL0 + 5 * 8, pte(kRamBase + 0x30000, kV | kR | kW | kA | kD));
    set(kL0 + 6 * 8, pte(kRamBase + 0x25000, kV | kR | kW | kA | kD));  // after 5, not adjacent
    hart_->reset(0, Priv::Supervisor, 0);
    hart_->csrs().satp = (std::uint64_t{8} << 60) | (kRoot >> 12);
  }
  void set(std::uint64_t pa, std::uint64_t v) { std::memcpy(ram(pa), &v, 8); }
  std::uint64_t get(std::uint64_t pa) {
    std::uint64_t v = 0;
    std::memcpy(&v, ram(pa), 8);
    return v;
  }
  std::uint8_t* ram(std::uint64_t pa) { return hart_->ram() + (pa - kRamBase); }
  rv64::SysMemory& mem() { return hart_->memory_slow_path(); }
  std::uint64_t exit_reason() const { return hart_->state_word(state::kExit); }
  void expect_trap(std::uint64_t cause, std::uint64_t tval) {
    EXPECT_EQ(exit_reason(), static_cast<std::uint64_t>(SysExit::Trap));
    EXPECT_EQ(hart_->state_word(sysstate::kTrapCause), cause);
    EXPECT_EQ(hart_->state_word(sysstate::kTrapTval), tval);
    EXPECT_EQ(hart_->state_word(state::kPc), kPc);
    hart_->reset(0, hart_->priv(), 0);  // clears the exit for the next call
  }

  TestHost host_;
  std::unique_ptr<Hart> hart_;
};

TEST_P(HartMemory, LoadsAndStoresThroughTheTables) {
  mem().sys_store(0x4000'0010, 0x8899aabbccddeeffull, 8, kPc);
  EXPECT_EQ(exit_reason(), 0u);
  EXPECT_EQ(get(kRamBase + 0x20010), 0x8899aabbccddeeffull);
  EXPECT_EQ(mem().sys_load(0x4000'0010, 8, false, kPc), 0x8899aabbccddeeffull);
  EXPECT_EQ(mem().sys_load(0x4000'0010, 1, true, kPc), ~std::uint64_t{0});  // 0xff
  EXPECT_EQ(mem().sys_load(0x4000'0010, 2, false, kPc), 0xeeffu);
  EXPECT_EQ(mem().sys_load(0x4000'0014, 4, true, kPc), 0xffffffff8899aabbull);
  EXPECT_EQ(exit_reason(), 0u);
}

TEST_P(HartMemory, FaultsAreWrittenToTheStatePage) {
  EXPECT_EQ(mem().sys_load(0x4000'1008, 8, false, kPc), 0u);
  expect_trap(vm::rv64sys::kCauseLoadPage, 0x4000'1008);
  mem().sys_store(0x4000'2000, 1, 4, kPc);  // read-only
  expect_trap(vm::rv64sys::kCauseStorePage, 0x4000'2000);
  EXPECT_EQ(mem().sys_load(0x4000'2000, 4, false, kPc), 0u);
  EXPECT_EQ(exit_reason(), 0u);
  mem().sys_load(0x8000'0000'0000ull, 8, false, kPc);  // not canonical
  expect_trap(vm::rv64sys::kCauseLoadPage, 0x8000'0000'0000ull);
}

TEST_P(HartMemory, StoreSetsAccessedAndDirty) {
  EXPECT_EQ(get(kL0 + 3 * 8) & (kA | kD), 0u);
  mem().sys_load(0x4000'3000, 8, false, kPc);
  EXPECT_EQ(get(kL0 + 3 * 8) & (kA | kD), kA);
  mem().sys_store(0x4000'3000, 42, 8, kPc);
  EXPECT_EQ(get(kL0 + 3 * 8) & (kA | kD), kA | kD);
  EXPECT_EQ(get(kRamBase + 0x22000), 42u);
}

TEST_P(HartMemory, SupervisorNeedsSumForUserPages) {
  mem().sys_load(0x4000'4000, 8, false, kPc);
  expect_trap(vm::rv64sys::kCauseLoadPage, 0x4000'4000);
  hart_->csrs().mstatus |= vm::rv64sys::mstatus::kSum;
  set(kRamBase + 0x23000, 7);
  EXPECT_EQ(mem().sys_load(0x4000'4000, 8, false, kPc), 7u);
  EXPECT_EQ(exit_reason(), 0u);
  // U-mode reads it without SUM; a supervisor page faults for U.
  hart_->reset(0, Priv::User, 0);
  EXPECT_EQ(mem().sys_load(0x4000'4000, 8, false, kPc), 7u);
  mem().sys_load(0x4000'0000, 8, false, kPc);
  expect_trap(vm::rv64sys::kCauseLoadPage, 0x4000'0000);
}

TEST_P(HartMemory, MisalignedAcrossPagesMappedApart) {
  mem().sys_store(0x4000'5ffd, 0x1122334455667788ull, 8, kPc);
  EXPECT_EQ(exit_reason(), 0u);
  EXPECT_EQ(ram(kRamBase + 0x30ffd)[0], 0x88);
  EXPECT_EQ(ram(kRamBase + 0x30fff)[0], 0x66);
  EXPECT_EQ(ram(kRamBase + 0x25000)[0], 0x55);
  EXPECT_EQ(ram(kRamBase + 0x25004)[0], 0x11);
  EXPECT_EQ(mem().sys_load(0x4000'5ffd, 8, false, kPc), 0x1122334455667788ull);
  // The second page unmapped: a fault naming it, and nothing written to the first.
  std::memset(ram(kRamBase + 0x20ff8), 0, 8);
  mem().sys_store(0x4000'0ffc, ~std::uint64_t{0}, 8, kPc);
  expect_trap(vm::rv64sys::kCauseStorePage, 0x4000'1000);
  EXPECT_EQ(get(kRamBase + 0x20ff8), 0u);
}

TEST_P(HartMemory, AtomicsAndReservations) {
  set(kRamBase + 0x20100, 10);
  EXPECT_EQ(mem().sys_amo(0x4000'0100, 5, 8, rv64::AmoOp::Add, kPc), 10u);
  EXPECT_EQ(get(kRamBase + 0x20100), 15u);
  set(kRamBase + 0x20108, 0xffff'ffff);  // -1 as a word
  EXPECT_EQ(mem().sys_amo(0x4000'0108, 3, 4, rv64::AmoOp::Max, kPc), ~std::uint64_t{0});
  EXPECT_EQ(get(kRamBase + 0x20108), 3u);
  mem().sys_amo(0x4000'0102, 1, 4, rv64::AmoOp::Swap, kPc);
  expect_trap(vm::rv64sys::kCauseMisalignedStore, 0x4000'0102);
  mem().sys_lr(0x4000'0104, 8, kPc);
  expect_trap(vm::rv64sys::kCauseMisalignedLoad, 0x4000'0104);
  // SC without a reservation fails; after LR it stores once.
  EXPECT_EQ(mem().sys_sc(0x4000'0100, 99, 8, kPc), 1u);
  EXPECT_EQ(mem().sys_lr(0x4000'0100, 8, kPc), 15u);
  EXPECT_EQ(mem().sys_sc(0x4000'0100, 99, 8, kPc), 0u);
  EXPECT_EQ(get(kRamBase + 0x20100), 99u);
  EXPECT_EQ(mem().sys_sc(0x4000'0100, 100, 8, kPc), 1u);
  EXPECT_EQ(get(kRamBase + 0x20100), 99u);
  mem().sys_amo(0x4000'2000, 1, 8, rv64::AmoOp::Or, kPc);  // read-only page
  expect_trap(vm::rv64sys::kCauseStorePage, 0x4000'2000);
}

TEST_P(HartMemory, DevicesAndNothing) {
  hart_->reset(0, Priv::Machine, 0);  // physical
  EXPECT_EQ(mem().sys_load(TestHost::kScratch, 4, false, kPc), TestHost::kScratchValue);
  EXPECT_EQ(exit_reason(), 0u);
  mem().sys_store(TestHost::kUart, 'x', 1, kPc);
  EXPECT_EQ(host_.uart, "x");
  mem().sys_load(0x20'0000, 4, false, kPc);
  expect_trap(vm::rv64sys::kCauseLoadAccess, 0x20'0000);
  mem().sys_store(0x20'0000, 1, 8, kPc);
  expect_trap(vm::rv64sys::kCauseStoreAccess, 0x20'0000);
  // A page-table entry outside RAM is an access fault of the walk.
  hart_->reset(0, Priv::Supervisor, 0);
  hart_->csrs().satp = (std::uint64_t{8} << 60) | (0x1000'0000 >> 12);
  mem().sys_load(0x4000'0000, 8, false, kPc);
  expect_trap(vm::rv64sys::kCauseLoadAccess, 0x4000'0000);
}

TEST_P(HartMemory, DebuggerReadsWithoutSideEffects) {
  set(kRamBase + 0x22008, 0x5a5a);
  std::uint64_t v = 0;
  ASSERT_TRUE(hart_->read_memory(0x4000'3008, {reinterpret_cast<std::uint8_t*>(&v), 8}));
  EXPECT_EQ(v, 0x5a5au);
  EXPECT_EQ(get(kL0 + 3 * 8) & (kA | kD), 0u);  // no A set by looking
  auto bad = hart_->read_memory(0x4000'1000, {reinterpret_cast<std::uint8_t*>(&v), 8});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("0x40001000"), std::string::npos);
  EXPECT_EQ(*hart_->read_reg("satp"), (std::uint64_t{8} << 60) | (kRoot >> 12));
  EXPECT_EQ(*hart_->read_reg("priv"), 1u);
  EXPECT_FALSE(hart_->read_reg("nosuch"));
}

INSTANTIATE_TEST_SUITE_P(Tiers, HartMemory, ::testing::Values(JitMode::Off, JitMode::Baseline),
                         [](const auto& param_info) {
                           return std::string(param_info.param == JitMode::Off ? "Interpreter"
                                                                               : "Baseline");
                         });

// The hart's RAM leaves huge pages to the host unless asked (HartOptions::ram_huge_pages): under
// the host's `madvise` THP mode it is THP-eligible exactly when asked.
TEST(HartRam, AsksForHugePagesOnlyWhenTold) {
  std::string mode;
  if (!strata::test::host_thp_mode_is_madvise(&mode))
    GTEST_SKIP() << "the host's THP mode is not madvise: " << mode;
  for (const bool huge : {false, true}) {
    TestHost host;
    HartOptions opts;
    opts.ram_size = 4 << 20;
    opts.ram_huge_pages = huge;
    auto h = Hart::create(opts, host);
    ASSERT_TRUE(h.has_value()) << h.error().message;
    const std::optional<bool> eligible = strata::test::thp_eligible((*h)->ram());
    ASSERT_TRUE(eligible.has_value()) << "no THPeligible line for the RAM's mapping";
    EXPECT_EQ(*eligible, huge);
  }
}

}  // namespace
}  // namespace strata::jit::rv64sys::test

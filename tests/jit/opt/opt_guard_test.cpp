// The LLVM tier under a guard after the guest memory (OptRequest::guard_bytes, what user mode's
// runner promises): accesses through one guest register share one bounds check, as do accesses
// a little above a checked address (guard_checks.hpp), the code still
// computes what the interpreter computes, and an access that runs past the memory's end faults in
// the guard, where the runner's fault trap catches it, instead of being trapped by the check.
#include <csetjmp>
#include <cstring>
#include <deque>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "jit/opt/opt_loader.hpp"
#include "jit/rv64/guest_fault.hpp"
#include "tests/jit/rv64/translate_test_support.hpp"

namespace strata::jit::rv64::test {
namespace {

constexpr uint64_t kCodeVa = 0x10000;
constexpr uint64_t kBytes = 4 * vm::LinearMemory::kPageSize;
constexpr uint64_t kDataVa = 0x20000;

// A copy loop unrolled four times, as glibc's word copy is: four loads through x10, four stores
// through x11, both pointers stepped once per iteration; x16 counts the iterations.
std::vector<uint32_t> copy_loop() {
  return {rv::ld(5, 10, 0),     rv::ld(6, 10, 8),     rv::ld(7, 10, 16),    rv::ld(28, 10, 24),
          rv::sd(5, 11, 0),     rv::sd(6, 11, 8),     rv::sd(7, 11, 16),    rv::sd(28, 11, 24),
          rv::addi(10, 10, 32), rv::addi(11, 11, 32), rv::addi(16, 16, -1), rv::bne(16, 0, -44)};
}

// Stores through registers derived from x11 (glibc's word copy stores through a0 = a5 + 32,
// a3 = a5 + 24): x11 + 4000 lies above x11, whose check covers it under the guard; x11 - 8
// below. (A check admits addresses up to 2 KiB past the end, the translator's shadow bias, so
// the covered store is far enough above for its own check to fail there.)
std::vector<uint32_t> spread_stores() {
  return {rv::addi(12, 11, 2000), rv::addi(12, 12, 2000), rv::addi(14, 11, -8),
          rv::sd(5, 11, 0),       rv::sd(5, 12, 0),       rv::sd(5, 14, 0),
          rv::addi(11, 11, 32),   rv::addi(16, 16, -1),   rv::bne(16, 0, -32)};
}

struct Machine {
  explicit Machine(uint64_t guard) : inst(std::move(*make_guest_instance(kBytes, guard))) {}
  std::unique_ptr<vm::Instance> inst;
  std::deque<vm::FuncInfo> funcs;

  uint8_t* linear() { return inst->memory.data(); }
  void set(uint64_t off, uint64_t v) { std::memcpy(linear() + off, &v, 8); }
  uint64_t get(uint64_t off) {
    uint64_t v;
    std::memcpy(&v, linear() + off, 8);
    return v;
  }
  vm::FuncInfo& func(const TranslatedBlock& tb) {
    funcs.emplace_back();
    init_block_func(funcs.back(), tb.fn, *inst, static_cast<uint32_t>(funcs.size()));
    return funcs.back();
  }
  vm::ExecStatus run(vm::FuncInfo& fn) {
    vm::ExecState st{vm::Limits{}};
    vm::HostContext cx{1, 2};
    vm::Value result{};
    vm::Trap trap;
    return vm::execute(st, cx, &fn, nullptr, &result, &trap);
  }
  // x10 = from, x11 = to, x16 = iterations, the slice far from its end.
  void start(uint64_t from, uint64_t to, uint64_t iterations) {
    set(vm::rv64::x_offset(10), from);
    set(vm::rv64::x_offset(11), to);
    set(vm::rv64::x_offset(16), iterations);
    set(state::kSliceLeft, uint64_t{1} << 40);
  }
};

uint64_t linear_of(uint64_t va) {
  return va - vm::rv64::kGuestOrigin;
}

// Compiles the copy loop on a machine with `guard` bytes after its memory: its loop's checks.
uint64_t loop_checks(opt::OptTier& tier, Machine& m, const TranslatedBlock& tb,
                     vm::JitEntry* entry) {
  *entry = tier.translate(m.func(tb), tb.fn, /*guest_unit=*/true);
  EXPECT_NE(*entry, nullptr);
  return tier.stats().last_loop_memory_checks;
}

// Runs `tb` in the interpreter from `m`'s memory and registers as they are, then through `entry`
// from the same state: both return, and leave the same memory (registers included: the state
// page is part of it).
void expect_same_as_interpreter(Machine& m, const TranslatedBlock& tb, vm::JitEntry entry) {
  const std::vector<uint8_t> before(m.linear(), m.linear() + kBytes);
  EXPECT_EQ(m.run(m.func(tb)), vm::ExecStatus::Returned);
  const std::vector<uint8_t> interpreted(m.linear(), m.linear() + kBytes);
  std::memcpy(m.linear(), before.data(), kBytes);
  vm::FuncInfo& compiled = m.func(tb);
  vm::set_jit_entry(compiled, entry);
  EXPECT_EQ(m.run(compiled), vm::ExecStatus::Returned);
  EXPECT_EQ(0, std::memcmp(interpreted.data(), m.linear(), kBytes));
}

TEST(OptGuard, AccessesThroughOneRegisterShareOneCheck) {
  auto tier = opt::OptTier::load();
  ASSERT_TRUE(tier.has_value()) << tier.error().message;
  const TranslatedBlock tb = translate_words(copy_loop(), kCodeVa);
  Machine guarded(kUserGuardBytes), plain(0);
  vm::JitEntry with_guard = nullptr, without = nullptr;
  // One check per pointer: the loads' x10 and the stores' x11.
  EXPECT_EQ(loop_checks(**tier, guarded, tb, &with_guard), 2u);
  // Without the guard each access checks its own end.
  EXPECT_EQ(loop_checks(**tier, plain, tb, &without), 8u);
  ASSERT_NE(with_guard, nullptr);

  // Same memory and registers as the interpreter after 16 iterations.
  for (unsigned i = 0; i < 64; ++i)
    guarded.set(linear_of(kDataVa) + 8 * i, 0x9e3779b97f4a7c15 * (i + 1));
  guarded.start(kDataVa, kDataVa + 0x1000, 16);
  expect_same_as_interpreter(guarded, tb, with_guard);
  EXPECT_EQ(guarded.get(linear_of(kDataVa) + 0x1000 + 8 * 63), 0x9e3779b97f4a7c15 * 64);
}

TEST(OptGuard, ACheckAPassedOneCoversGoes) {
  auto tier = opt::OptTier::load();
  ASSERT_TRUE(tier.has_value()) << tier.error().message;
  const TranslatedBlock tb = translate_words(spread_stores(), kCodeVa);
  Machine guarded(kUserGuardBytes), plain(0);
  vm::JitEntry with_guard = nullptr, without = nullptr;
  // x11's check and x11 - 8's: x11 + 4000 is covered.
  EXPECT_EQ(loop_checks(**tier, guarded, tb, &with_guard), 2u);
  EXPECT_EQ(loop_checks(**tier, plain, tb, &without), 3u);
  ASSERT_NE(with_guard, nullptr);

  guarded.set(vm::rv64::x_offset(5), 0x0123456789abcdef);
  guarded.start(0, kDataVa + 8, 20);
  expect_same_as_interpreter(guarded, tb, with_guard);
}

// Runs `fn` on `m` under a fault trap over its memory and guard, as the runner does: whether a
// host fault ended it, and at which offset of the linear memory, reading or writing.
struct Fault {
  bool faulted = false;
  uint64_t offset = 0;
  bool write = false;
};

Fault run_trapped(Machine& m, vm::FuncInfo& fn) {
  GuestFaultTrap trap(m.linear(), kBytes + m.inst->memory.guard());
  volatile bool faulted = false;
  if (sigsetjmp(trap.jump, 0) == 0) {
    trap.armed = 1;
    m.run(fn);
    trap.armed = 0;
  } else {
    faulted = true;
  }
  if (!faulted) return {};
  return {true, trap.fault_offset(), trap.fault_was_write()};
}

// x11 is the memory's last 8 bytes, x11 + 4000 past the end: its check, gone, would have
// trapped; the store faults in the guard instead, 3992 bytes past the end.
TEST(OptGuard, AnAccessWhoseCheckWentFaultsInTheGuard) {
  auto tier = opt::OptTier::load();
  ASSERT_TRUE(tier.has_value()) << tier.error().message;
  const TranslatedBlock tb = translate_words(spread_stores(), kCodeVa);
  Machine guarded(kUserGuardBytes);
  vm::JitEntry entry = nullptr;
  loop_checks(**tier, guarded, tb, &entry);
  ASSERT_NE(entry, nullptr);
  const uint64_t end_va = kBytes + vm::rv64::kGuestOrigin;
  guarded.start(0, end_va - 8, 1);
  vm::FuncInfo& fn = guarded.func(tb);
  vm::set_jit_entry(fn, entry);
  const Fault f = run_trapped(guarded, fn);
  ASSERT_TRUE(f.faulted) << "the store past the end did not fault";
  EXPECT_EQ(f.offset, kBytes + 3992);
  EXPECT_TRUE(f.write);
}

// The last load of the first iteration reads 8 bytes of which 4 lie past the end: under the
// guard it faults there (the runner's SIGSEGV at that address), without one the check traps.
TEST(OptGuard, AnAccessRunningPastTheEndFaultsInTheGuard) {
  auto tier = opt::OptTier::load();
  ASSERT_TRUE(tier.has_value()) << tier.error().message;
  const TranslatedBlock tb = translate_words(copy_loop(), kCodeVa);
  const uint64_t end_va = kBytes + vm::rv64::kGuestOrigin;
  const uint64_t from = end_va - 28;  // loads at end-28, -20, -12 fit; end-4 does not

  Machine plain(0);
  vm::JitEntry checked = nullptr;
  loop_checks(**tier, plain, tb, &checked);
  ASSERT_NE(checked, nullptr);
  plain.start(from, kDataVa, 1);
  vm::FuncInfo& fn = plain.func(tb);
  vm::set_jit_entry(fn, checked);
  EXPECT_EQ(plain.run(fn), vm::ExecStatus::Trapped);

  Machine guarded(kUserGuardBytes);
  vm::JitEntry entry = nullptr;
  loop_checks(**tier, guarded, tb, &entry);
  ASSERT_NE(entry, nullptr);
  guarded.start(from, kDataVa, 1);
  vm::FuncInfo& gfn = guarded.func(tb);
  vm::set_jit_entry(gfn, entry);
  const Fault f = run_trapped(guarded, gfn);
  ASSERT_TRUE(f.faulted) << "the load past the end did not fault";
  EXPECT_EQ(f.offset, kBytes);  // the guard's first byte
  EXPECT_FALSE(f.write);
}

}  // namespace
}  // namespace strata::jit::rv64::test

// On-stack replacement (vm/interp.hpp "Tiering", BaselineJit::arm_osr): an interpreted
// activation whose fuel slice runs out at a back-edge continues in baseline code at that branch.
// Every test compares with the interpreter: result, trap (kind, message, full trace with pc and
// line), fuel used and output; small fuel slices move activations after a few iterations, at
// every depth of a recursion and in callees as well as in the entry frame.
#include <gtest/gtest.h>

#include "jit/baseline/auto_tier.hpp"
#include "tests/jit/baseline_support.hpp"
#include "tests/jit/tier_programs.hpp"
#include "vm/debug/svi_vcpu.hpp"
#include "vm/interp.hpp"

namespace strata::jit::baseline::test {
namespace {

using strata::jit::testing::load_test_program;
using strata::jit::testing::read_output;
using strata::jit::testing::run_test_program;

struct OsrOutcome {
  std::string text;
  uint64_t osr_entries = 0;
  std::vector<std::string> compiled;  // names of functions with code at exit
};

// How a run tiers: not at all (the interpreter), or call counting at `threshold` plus OSR with
// slices of `slice` units (slice 0: no OSR).
struct Tiering {
  uint32_t threshold = 0;
  uint32_t slice = 0;
};

OsrOutcome run_osr(const std::string& src, Tiering t, const std::string& fn,
                   std::vector<Value> args, vm::Limits limits = {}) {
  OsrOutcome out;
  int fd = memfd_create("osr_test_out", MFD_CLOEXEC);
  auto p = load_test_program(src, fn, limits, fd);
  if (p == nullptr) {
    ::close(fd);
    return out;
  }
  auto cache = CodeCache::create({.capacity_bytes = size_t{4} << 20});
  EXPECT_TRUE(cache.has_value());
  BaselineJit j(**cache);
  std::optional<AutoTier> tier;
  if (t.threshold != 0) {
    tier.emplace(j, **cache, t.threshold);
    tier->arm(*p);
    if (t.slice != 0) j.arm_osr(*p, t.slice);
  }
  vm::RunResult r;
  bool has_result = false;
  if (run_test_program(*p, fn, args, &r, &has_result)) {
    out.text = describe(r, has_result) +
               fmt::format("\nfuel {}\nstdout:\n{}", p->fuel_used(), read_output(fd));
  }
  ::close(fd);
  for (const vm::FuncInfo& f : p->main_instance().funcs)
    if (f.jit_entry != nullptr) out.compiled.push_back(f.name);
  out.osr_entries = j.osr_entries();
  if (tier) {
    EXPECT_EQ(tier->failed(), 0u);
  }
  return out;
}

// The interpreter and OSR with slices of `slice` units agree; returns the OSR outcome.
OsrOutcome same_osr(const std::string& src, uint32_t slice, const std::string& fn,
                    std::vector<Value> args, vm::Limits limits = {}) {
  const OsrOutcome a = run_osr(src, {}, fn, args, limits);
  OsrOutcome b = run_osr(src, {1000, slice}, fn, args, limits);
  EXPECT_EQ(a.text, b.text) << "slice " << slice << ", program:\n" << src;
  return b;
}

constexpr uint32_t kSlices[] = {1, 2, 3, 7, 64};

constexpr const char* kLoop = R"(
.func main(%n: i64) -> i64 export
  .reg %i: i64, %s: i64, %t: i64
  li %i, 0
  li %s, 0
loop:
  muli %t, %i, 3
  add %s, %s, %t
  xori %s, %s, 5
  addi %i, %i, 1
  blt %i, %n, loop
  ret %s
.end
)";

TEST(Osr, LongLoopInTheEntryFrameMovesToCompiledCodeOnce) {
  // The default slice: 200000 iterations fill three slices, the first one moves main.
  OsrOutcome r = same_osr(kLoop, vm::ExecState::kFuelSlice, "main", {vi(200000)});
  EXPECT_EQ(r.osr_entries, 1u);
  EXPECT_EQ(r.compiled, std::vector<std::string>{"main"});
  // A loop shorter than a slice stays interpreted.
  OsrOutcome short_loop = same_osr(kLoop, vm::ExecState::kFuelSlice, "main", {vi(1000)});
  EXPECT_EQ(short_loop.osr_entries, 0u);
  EXPECT_TRUE(short_loop.compiled.empty());
  // Without OSR armed, call counting alone never promotes a function called once.
  OsrOutcome no_osr = run_osr(kLoop, {1000, 0}, "main", {vi(200000)});
  EXPECT_EQ(no_osr.osr_entries, 0u);
  EXPECT_TRUE(no_osr.compiled.empty());
  for (uint32_t s : kSlices) EXPECT_EQ(same_osr(kLoop, s, "main", {vi(500)}).osr_entries, 1u);
}

TEST(Osr, FuelRunsOutAtTheSameBranchAsInTheInterpreter) {
  for (uint64_t fuel : {1, 2, 3, 4, 5, 6, 7, 8, 63, 64, 65, 100, 1000}) {
    vm::Limits l;
    l.fuel = fuel;
    for (uint32_t s : kSlices) {
      OsrOutcome r = same_osr(kLoop, s, "main", {vi(100000)}, l);
      EXPECT_NE(r.text.find("out of fuel"), std::string::npos) << r.text;
    }
  }
}

// Traps in the middle of a moved loop: an explicit trap and an index out of bounds, with the
// trap's pc and line those of the interpreter.
TEST(Osr, TrapsMidLoopMatchTheInterpreter) {
  const char* src = R"(
.func explicit(%n: i64, %k: i64) -> i64 export
  .reg %i: i64
  li %i, 0
loop:
  beq %i, %k, bad
  addi %i, %i, 1
  blt %i, %n, loop
  ret %i
bad:
  trap 9
.end
.func bounds(%n: i64, %k: i64) -> i64 export
  .reg %i: i64, %a: ref
  anew.i %a, %k
  li %i, 0
loop:
  aset.i %a, %i, %i
  addi %i, %i, 1
  blt %i, %n, loop
  ret %i
.end
)";
  for (uint32_t s : kSlices) {
    for (int64_t k : {0, 1, 5, 40, 333}) {
      OsrOutcome e = same_osr(src, s, "explicit", {vi(1000), vi(k)});
      EXPECT_NE(e.text.find("explicit trap: code 9"), std::string::npos) << e.text;
      OsrOutcome b = same_osr(src, s, "bounds", {vi(1000), vi(k)});
      EXPECT_NE(b.text.find("out of bounds"), std::string::npos) << b.text;
    }
  }
  // Moved mid-loop before it traps: the trap is raised by compiled code.
  EXPECT_EQ(same_osr(src, 7, "explicit", {vi(1000), vi(333)}).osr_entries, 1u);
}

TEST(Osr, NestedLoopsMoveAtTheBranchThatEmptiedTheSlice) {
  const char* src = R"(
.func main(%n: i64, %m: i64) -> i64 export
  .reg %i: i64, %j: i64, %s: i64, %t: i64
  li %i, 0
  li %s, 0
outer:
  li %j, 0
inner:
  mul %t, %i, %j
  add %s, %s, %t
  addi %j, %j, 1
  blt %j, %m, inner
  addi %i, %i, 1
  blt %i, %n, outer
  ret %s
.end
)";
  for (uint32_t s : kSlices) {
    for (int64_t m : {1, 2, 3, 13}) {
      OsrOutcome r = same_osr(src, s, "main", {vi(200), vi(m)});
      EXPECT_EQ(r.osr_entries, 1u) << "slice " << s << " m " << m;
    }
  }
}

// Loops that call functions: the moved frame calls interpreted and compiled callees and receives
// their results; a callee's own loop moves too (an activation that is not the entry frame), and
// it returns into its interpreted caller. The output of a host call in the loop is the same.
TEST(Osr, LoopsCallingFunctionsAndLoopsInCallees) {
  const char* src = R"(
.import "std.io" print_i64(i64)
.func spin(%x: i64) -> i64
  .reg %i: i64, %k: i64
  li %i, 0
  andi %k, %x, 15
loop:
  addi %i, %i, 2
  addi %k, %k, -1
  bgt %k, %i, loop
  add %i, %i, %x
  ret %i
.end
.func leaf(%x: i64) -> i64
  addi %x, %x, 7
  ret %x
.end
.func main(%n: i64) -> i64 export
  .reg %i: i64, %s: i64, %t: i64, %m: i64
  li %i, 0
  li %s, 0
loop:
  call %t, spin(%i)
  add %s, %s, %t
  call %t, leaf(%s)
  xor %s, %s, %t
  andi %m, %i, 63
  bnz %m, skip
  callh print_i64(%s)
skip:
  addi %i, %i, 1
  blt %i, %n, loop
  ret %s
.end
)";
  for (uint32_t s : kSlices) {
    OsrOutcome r = same_osr(src, s, "main", {vi(300)});
    EXPECT_GE(r.osr_entries, 2u) << "slice " << s;  // main and at least one spin activation
  }
}

// The default slice: a callee's long loop moves (its caller has no loop and stays interpreted),
// then returns into its interpreted caller; its second call enters the compiled code directly.
TEST(Osr, LongLoopInACalleeMovesAndReturnsIntoItsCaller) {
  const char* src = jit::testing::kLongLoopCalledTwice;
  OsrOutcome r = same_osr(src, vm::ExecState::kFuelSlice, "main", {vi(200000)});
  EXPECT_NE(r.text.find("returned 0x61a80"), std::string::npos) << r.text;
  EXPECT_EQ(r.osr_entries, 1u);
  EXPECT_EQ(r.compiled, std::vector<std::string>{"spin"});
}

// A loop at every level of a recursion: activations move at various depths, interpreted and
// compiled frames of the same function interleave, and a trap at the bottom has the
// interpreter's trace through all of them.
TEST(Osr, LoopsInRecursiveFunctions) {
  const char* src = R"(
.func rec(%n: i64) -> i64 export
  .reg %k: i64, %s: i64, %m: i64, %lim: i64
  li %k, 0
  li %s, 0
  li %lim, 5
loop:
  add %s, %s, %k
  addi %k, %k, 1
  blt %k, %lim, loop
  bz %n, bottom
  addi %m, %n, -1
  call %m, rec(%m)
  add %s, %s, %m
  ret %s
bottom:
  ret %s
.end
.func boom(%n: i64) -> i64 export
  .reg %k: i64, %m: i64, %lim: i64
  li %k, 0
  li %lim, 4
loop:
  addi %k, %k, 1
  blt %k, %lim, loop
  bz %n, bad
  addi %m, %n, -1
  call %m, boom(%m)
  ret %m
bad:
  trap 3
.end
)";
  // A slice that runs out at a call promotes the function for its next call instead, after
  // which the deeper frames start compiled: not every slice size moves an activation.
  uint64_t moved = 0;
  for (uint32_t s : kSlices) {
    moved += same_osr(src, s, "rec", {vi(200)}).osr_entries;
    OsrOutcome b = same_osr(src, s, "boom", {vi(60)});
    EXPECT_NE(b.text.find("explicit trap: code 3"), std::string::npos) << b.text;
    moved += b.osr_entries;
  }
  EXPECT_GE(moved, 3u);
}

// A moved loop that allocates: its ref registers stay in the frame, where the collector finds
// them, through many collections.
TEST(Osr, AllocatingLoopKeepsItsObjectsAlive) {
  const char* src = jit::testing::kAllocationHeavyLoopKeepsRegisterRefsAlive;
  OsrOutcome r = same_osr(src, vm::ExecState::kFuelSlice, "f", {vi(150000)});
  EXPECT_NE(r.text.find(fmt::format("returned {:#x}", 150000ll * 149999 / 2)), std::string::npos)
      << r.text;
  EXPECT_EQ(r.osr_entries, 1u);
  EXPECT_EQ(same_osr(src, 3, "f", {vi(2000)}).osr_entries, 1u);
}

// A tier that keeps counting the calls of a function it compiled, as opt::OptAutoTier does while
// the optimized code is pending: each count enters the compiled code.
struct KeepCountingTier {
  BaselineJit* jit;
  static bool promote(void* self, vm::FuncInfo& fn) {
    if (fn.jit_entry != nullptr) return true;
    const bool ok = static_cast<KeepCountingTier*>(self)->jit->compile(fn);
    if (ok) fn.call_code = &vm::kCountCallWord;
    return ok;
  }
};

// A function moved by OSR is hot: its next calls enter its compiled code at once, also under a
// tier that keeps counting them, instead of starting interpreted until the call threshold.
TEST(Osr, AFunctionMovedOnceStartsCompiledAtItsNextCalls) {
  const char* src = R"(
.func spin(%n: i64) -> i64
  .reg %i: i64
  li %i, 0
loop:
  addi %i, %i, 1
  blt %i, %n, loop
  ret %i
.end
.func main(%n: i64) -> i64 export
  .reg %a: i64, %s: i64, %k: i64, %five: i64
  li %s, 0
  li %k, 0
  li %five, 5
again:
  call %a, spin(%n)
  add %s, %s, %a
  addi %k, %k, 1
  blt %k, %five, again
  ret %s
.end
)";
  const OsrOutcome interpreted = run_osr(src, {}, "main", {vi(200000)});
  int fd = memfd_create("osr_test_out", MFD_CLOEXEC);
  auto p = load_test_program(src, "main", {}, fd);
  ASSERT_NE(p, nullptr);
  auto cache = CodeCache::create({.capacity_bytes = size_t{4} << 20});
  ASSERT_TRUE(cache.has_value());
  BaselineJit j(**cache);
  KeepCountingTier keep{&j};
  p->set_tier_up(vm::TierUp{&KeepCountingTier::promote, &keep, 1000});
  j.arm_osr(*p);
  std::vector<Value> args{vi(200000)};
  auto r = p->call("main", args);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(describe(*r, true) + fmt::format("\nfuel {}\nstdout:\n", p->fuel_used()),
            interpreted.text);
  EXPECT_EQ(j.osr_entries(), 1u);
  ::close(fd);
}

// The debugger runs its own code copies (with break words) in the interpreter: a program armed
// for OSR runs there without moving any activation into compiled code, however long its loop.
TEST(Osr, NeverUnderTheDebugger) {
  const char* src = R"(
.func main() -> i64 export
  .reg %i: i64, %n: i64
  li %i, 0
  li %n, 300000
loop:
  addi %i, %i, 1
  blt %i, %n, loop
  andi %i, %i, 127
  ret %i
.end
)";
  for (bool debugged : {false, true}) {
    int fd = memfd_create("osr_test_out", MFD_CLOEXEC);
    auto p = load_test_program(src, "", {}, fd);
    ASSERT_NE(p, nullptr);
    auto cache = CodeCache::create({.capacity_bytes = size_t{4} << 20});
    ASSERT_TRUE(cache.has_value());
    BaselineJit j(**cache);
    AutoTier tier(j, **cache);
    tier.arm(*p);
    j.arm_osr(*p, 3);
    if (debugged) {
      auto v = vm::SviVcpu::create(std::move(p), {});
      ASSERT_TRUE(v.has_value()) << v.error().message;
      auto stop = (*v)->run(vm::RunLimit{});
      ASSERT_TRUE(stop.has_value()) << stop.error().message;
      EXPECT_EQ(stop->kind, vm::StopReason::Kind::Exited) << stop->message;
      EXPECT_EQ(stop->code, 300000 & 127);
      EXPECT_EQ(j.osr_entries(), 0u);
    } else {
      vm::RunResult r = p->run_main({});
      EXPECT_EQ(r.exit_code, 300000 & 127);
      EXPECT_EQ(j.osr_entries(), 1u);
    }
    ::close(fd);
  }
}

}  // namespace
}  // namespace strata::jit::baseline::test

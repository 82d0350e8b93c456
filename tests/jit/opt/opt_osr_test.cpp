// On-stack replacement into the optimizing tier (jit/opt/opt_auto.hpp, ON-STACK REPLACEMENT): a
// single activation's long loop moves interpreter -> baseline -> optimized code at back-edges,
// or straight from the interpreter into optimized code. Every run is compared with the
// interpreter's: result, trap (kind, message, trace with function, pc and line), fuel used and
// output. The compiles are synchronous (OptAutoTier::set_osr_synchronous), so each test knows
// which slice check enters the optimized code, whatever the machine's load.
#include <gtest/gtest.h>

#include "jit/opt/opt_auto.hpp"
#include "tests/jit/opt/opt_support.hpp"
#include "tests/jit/tier_programs.hpp"

namespace strata::jit::opt::test {
namespace {

using strata::jit::testing::load_test_program;
using strata::jit::testing::read_output;
using strata::jit::testing::run_test_program;

struct OsrRun {
  std::string text;
  uint64_t into_opt = 0;       // activations moved into optimized code
  uint64_t into_baseline = 0;  // activations moved into baseline code
  std::string stats;
};

// How a run tiers: the interpreter alone, or --jit=auto with OSR every `slice` units of fuel and
// an optimized entry queued after `samples` slices at one loop.
struct Osr {
  bool on = false;
  uint32_t slice = vm::ExecState::kFuelSlice;
  uint32_t samples = OptAutoTier::kDefaultOsrSamples;
};

OsrRun run(const std::string& src, Osr osr, const std::string& fn, std::vector<Value> args,
           vm::Limits limits = {}) {
  OsrRun out;
  int fd = memfd_create("opt_osr_test_out", MFD_CLOEXEC);
  auto p = load_test_program(src, fn, limits, fd);
  if (p == nullptr) {
    ::close(fd);
    return out;
  }
  auto cache = CodeCache::create({});
  EXPECT_TRUE(cache.has_value());
  baseline::BaselineJit jit(**cache);
  OptAutoTier tier(jit, **cache);
  if (osr.on) {
    tier.arm(*p);
    tier.arm_osr(*p, osr.slice, osr.samples);
    tier.set_osr_synchronous(true);
  }
  vm::RunResult r;
  bool has_result = false;
  if (run_test_program(*p, fn, args, &r, &has_result))
    out.text = describe(r, has_result) +
               fmt::format("\nfuel {}\nstdout:\n{}", p->fuel_used(), read_output(fd));
  ::close(fd);
  out.into_opt = tier.osr_opt_entries();
  out.into_baseline = jit.osr_entries();
  out.stats = tier.format_stats();
  return out;
}

// The interpreter and OSR agree; returns the OSR run.
OsrRun same(const std::string& src, Osr osr, const std::string& fn, std::vector<Value> args,
            vm::Limits limits = {}) {
  const OsrRun a = run(src, {}, fn, args, limits);
  osr.on = true;
  OsrRun b = run(src, osr, fn, args, limits);
  EXPECT_EQ(a.text, b.text) << "slice " << osr.slice << ", samples " << osr.samples
                            << ", program:\n"
                            << src;
  EXPECT_EQ(b.stats.find("opt: declined"), std::string::npos) << b.stats;
  return b;
}

constexpr uint32_t kSlices[] = {1, 2, 3, 7, 64};

constexpr const char* kLoopInMain = R"(
.func main() -> i64 export
  .reg %n: i64, %i: i64, %s: i64, %t: i64, %m: i64
  li %n, 300000
  li %m, 1000003
  li %i, 0
  li %s, 0
loop:
  muli %t, %i, 31
  add %s, %s, %t
  rem %s, %s, %m
  addi %i, %i, 1
  blt %i, %n, loop
  ret %s
.end
)";

TEST(OptOsr, LongLoopInMainEndsInOptimizedCode) {
  // The default slice and samples: the first slice moves main into baseline code, four more
  // queue the loop, the next check enters it.
  OsrRun r = same(kLoopInMain, {}, "", {});
  EXPECT_EQ(r.into_baseline, 1u);
  EXPECT_EQ(r.into_opt, 1u);
  EXPECT_NE(r.stats.find("osr: 1 activations moved into optimized code"), std::string::npos)
      << r.stats;
  EXPECT_NE(r.stats.find("opt: 1 OSR entries compiled"), std::string::npos) << r.stats;
  // One sample: the interpreter's first slice check enters optimized code, baseline never runs.
  OsrRun direct = same(kLoopInMain, {.slice = 64, .samples = 1}, "", {});
  EXPECT_EQ(direct.into_baseline, 0u);
  EXPECT_EQ(direct.into_opt, 1u);
  // Too short a loop for an optimized entry: it stays in baseline code and LLVM never compiles.
  OsrRun short_loop = same(kLoopInMain, {.slice = 100000}, "", {});
  EXPECT_EQ(short_loop.into_baseline, 1u);
  EXPECT_EQ(short_loop.into_opt, 0u);
  EXPECT_NE(short_loop.stats.find("opt: not loaded"), std::string::npos) << short_loop.stats;
}

// The entry's registers come from base[]: i64, f64 and ref values, a null ref and registers not
// yet written, all carried across the move and used after the loop.
TEST(OptOsr, RegistersOfEveryTypeSurviveTheMove) {
  const char* src = R"(
.import "std.io" println_i64(i64)
.struct Box { v: i64, w: f64 }
.func f(%n: i64, %x: f64) -> f64 export
  .reg %i: i64, %s: i64, %acc: f64, %half: f64, %arr: ref, %box: ref, %none: ref, %late: i64
  .reg %k: i64, %y: f64, %ln: i64
  lf %half, 0.5
  anew.f %arr, %n
  rnew %box, Box
  null %none
  li %i, 0
loop:
  i2f %y, %i
  fmul %y, %y, %half
  fadd %acc, %acc, %y
  fadd %acc, %acc, %x
  aset.f %arr, %i, %acc
  add %s, %s, %i
  rset %box, %s, Box.v
  addi %i, %i, 1
  blt %i, %n, loop
  li %late, 11
  add %s, %s, %late
  rget %k, %box, Box.v
  add %s, %s, %k
  alen %ln, %arr
  add %s, %s, %ln
  isnull %k, %none
  add %s, %s, %k
  callh println_i64(%s)
  addi %i, %i, -1
  aget.f %y, %arr, %i
  fadd %y, %y, %acc
  ret %y
.end
)";
  for (uint32_t s : kSlices) {
    for (uint32_t samples : {1u, 2u}) {
      OsrRun r = same(src, {.slice = s, .samples = samples}, "f", {vi(5000), vf(0.25)});
      EXPECT_EQ(r.into_opt, 1u) << "slice " << s << " samples " << samples << "\n" << r.stats;
      EXPECT_EQ(r.into_baseline, samples == 1 ? 0u : 1u);
    }
  }
}

// A trap raised by the optimized code an activation moved into: kind, message, and a trace whose
// function, pc and line are the interpreter's, in the moved frame and in a callee below it.
TEST(OptOsr, TrapsInOptimizedCodeMatchTheInterpreter) {
  const char* src = R"(
.func divide(%x: i64, %y: i64) -> i64
  div %x, %x, %y
  ret %x
.end
.func quotient(%n: i64, %k: i64) -> i64 export
  .reg %i: i64, %s: i64, %d: i64
  li %i, 0
loop:
  sub %d, %k, %i
  call %d, divide(%n, %d)
  add %s, %s, %d
  addi %i, %i, 1
  blt %i, %n, loop
  ret %s
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
)";
  // Odd slices: quotient's loop charges two units per iteration (its call and its back-edge),
  // so an even slice always runs out at the same one of them.
  for (uint32_t s : {3u, 7u}) {
    for (uint32_t samples : {1u, 2u}) {
      const Osr osr{.slice = s, .samples = samples};
      OsrRun q = same(src, osr, "quotient", {vi(5000), vi(900)});
      EXPECT_NE(q.text.find("divide by zero"), std::string::npos) << q.text;
      EXPECT_NE(q.text.find("at t.divide"), std::string::npos) << q.text;
      EXPECT_EQ(q.into_opt, 1u) << q.stats;
      OsrRun b = same(src, osr, "bounds", {vi(5000), vi(700)});
      EXPECT_NE(b.text.find("out of bounds"), std::string::npos) << b.text;
      EXPECT_EQ(b.into_opt, 1u) << b.stats;
      OsrRun e = same(src, osr, "explicit", {vi(5000), vi(800)});
      EXPECT_NE(e.text.find("explicit trap: code 9"), std::string::npos) << e.text;
      EXPECT_EQ(e.into_opt, 1u) << e.stats;
    }
  }
}

// Fuel runs out at the same branch, whether the budget ends before, at or after the move.
TEST(OptOsr, FuelRunsOutAtTheSameBranchAsInTheInterpreter) {
  for (uint64_t fuel : {1, 2, 3, 5, 8, 63, 64, 65, 129, 1000, 4097}) {
    vm::Limits l;
    l.fuel = fuel;
    for (uint32_t s : {1u, 2u, 64u}) {
      OsrRun r = same(kLoopInMain, {.slice = s, .samples = 1}, "", {}, l);
      EXPECT_NE(r.text.find("out of fuel"), std::string::npos) << r.text;
    }
  }
}

// Nested loops: the entry is at the header of the loop whose back-edge emptied the slice, an
// inner or an outer one; the loops around it keep working (their back-edges now lead through
// it) and so do the loops after it.
TEST(OptOsr, NestedLoopsEnterAtTheLoopThatRanOutOfFuel) {
  const char* src = R"(
.func main(%n: i64, %m: i64) -> i64 export
  .reg %i: i64, %j: i64, %k: i64, %s: i64, %t: i64, %three: i64
  li %three, 3
  li %i, 0
  li %s, 0
outer:
  li %j, 0
middle:
  li %k, 0
inner:
  mul %t, %j, %k
  add %s, %s, %t
  addi %k, %k, 1
  blt %k, %three, inner
  xor %s, %s, %j
  addi %j, %j, 1
  blt %j, %m, middle
  add %s, %s, %i
  addi %i, %i, 1
  blt %i, %n, outer
  li %i, 0
after:
  addi %s, %s, 7
  addi %i, %i, 1
  blt %i, %m, after
  ret %s
.end
)";
  for (uint32_t s : kSlices) {
    for (int64_t m : {1, 2, 5, 40}) {
      for (uint32_t samples : {1u, 2u, 4u}) {
        OsrRun r = same(src, {.slice = s, .samples = samples}, "main", {vi(400), vi(m)});
        EXPECT_EQ(r.into_opt, 1u) << "slice " << s << " m " << m << "\n" << r.stats;
      }
    }
  }
}

// A register set by `li` before the loop is a constant in the optimized entry only when nothing
// else writes it: here %k is rewritten in the loop, %c only on some iterations (so it is 0 or 9
// when the activation moves), and %m by a call.
TEST(OptOsr, RegistersWrittenInTheLoopAreNotTakenForConstants) {
  const char* src = R"(
.func seven() -> i64
  .reg %r: i64
  li %r, 7
  ret %r
.end
.func main(%n: i64) -> i64 export
  .reg %i: i64, %s: i64, %k: i64, %c: i64, %m: i64, %t: i64
  li %k, 5
  li %m, 3
  li %i, 0
loop:
  add %s, %s, %k
  add %s, %s, %c
  rem %t, %s, %m
  add %s, %s, %t
  andi %t, %i, 255
  bnz %t, skip
  li %k, 6
  li %c, 9
  call %m, seven()
skip:
  addi %i, %i, 1
  blt %i, %n, loop
  ret %s
.end
)";
  for (uint32_t s : kSlices) {
    OsrRun r = same(src, {.slice = s, .samples = 1}, "main", {vi(3000)});
    EXPECT_EQ(r.into_opt, 1u) << r.stats;
  }
}

// A callee's long loop moves and returns into its caller (interpreted or in baseline code); its
// optimized entry, queued when the first slice ran out in it, is installed before its loop gets
// an OSR entry and its next call enters it. Allocation inside a moved loop keeps the frame's
// refs alive through collections.
TEST(OptOsr, LoopsInCalleesAndAllocatingLoops) {
  OsrRun callee =
      same(jit::testing::kLongLoopCalledTwice, {.slice = 64, .samples = 2}, "main", {vi(200000)});
  EXPECT_NE(callee.text.find("returned 0x61a80"), std::string::npos) << callee.text;
  EXPECT_GE(callee.into_opt, 1u) << callee.stats;
  OsrRun alloc =
      same(jit::testing::kAllocationHeavyLoopKeepsRegisterRefsAlive, {}, "f", {vi(600000)});
  EXPECT_NE(alloc.text.find(fmt::format("returned {:#x}", 600000ll * 599999 / 2)),
            std::string::npos)
      << alloc.text;
  EXPECT_EQ(alloc.into_opt, 1u) << alloc.stats;
}

// The compiler builds an OSR entry only at a loop header.
TEST(OptOsr, EntriesOnlyAtLoopHeaders) {
  int fd = memfd_create("opt_osr_test_out", MFD_CLOEXEC);
  auto p = load_test_program(kLoopInMain, "", {}, fd);
  ::close(fd);
  ASSERT_NE(p, nullptr);
  auto tier = OptTier::load();
  ASSERT_TRUE(tier.has_value()) << tier.error().message;
  const vm::FuncInfo& main = p->main_instance().funcs[0];
  EXPECT_NE((*tier)->translate_osr(main, 4), nullptr);  // `loop:`
  EXPECT_EQ((*tier)->translate_osr(main, 5), nullptr);
  EXPECT_EQ((*tier)->translate_osr(main, 0), nullptr);
  EXPECT_EQ((*tier)->translate_osr(main, 1000), nullptr);
  const OptStats st = (*tier)->stats();
  EXPECT_EQ(st.osr_compiled, 1u);
  EXPECT_EQ(st.declined, 3u);
  ASSERT_FALSE(st.declined_reasons.empty());
  EXPECT_NE(st.declined_reasons[0].find("no backward branch to pc 5"), std::string::npos)
      << st.declined_reasons[0];
}

}  // namespace
}  // namespace strata::jit::opt::test

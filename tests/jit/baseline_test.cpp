// The baseline tier against the interpreter, per opcode family: same results, same traps (kind,
// message, function, pc, line), same fuel, same output. Programs are small SASM snippets.
#include <cmath>
#include <limits>

#include "tests/jit/baseline_support.hpp"
#include "tests/jit/tier_programs.hpp"

namespace strata::jit::baseline::test {
namespace {

using strata::jit::testing::binary_fn;
using strata::jit::testing::fused_fn;
using strata::jit::testing::kAllocationHeavyLoopKeepsRegisterRefsAlive;
using strata::jit::testing::kCalls;
using strata::jit::testing::kDeepRecursionAndDepthLimit;
using strata::jit::testing::kExitFromDeepInsideCompiledCode;
using strata::jit::testing::kFloats;
using strata::jit::testing::kFuelRunsOutAtTheSameBranch;
using strata::jit::testing::kInf;
using strata::jit::testing::kInts;
using strata::jit::testing::kLoadsStoresBoundsAndBulkOps;
using strata::jit::testing::kMax;
using strata::jit::testing::kMin;
using strata::jit::testing::kNaN;
using strata::jit::testing::kRecordsArraysStrings;
using strata::jit::testing::kTrapsInsideCompiledCodeReportTheInterpretersTrace;
using strata::jit::testing::unary_fn;

TEST(BaselineInt, BinaryOps) {
  for (const char* op : {"add", "sub", "mul", "mulh", "mulhu", "div", "rem", "divu", "remu",
                         "and", "or",  "xor", "shl",  "shr",   "sar", "eq",  "ne",   "lt",
                         "le",  "gt",  "ge",  "ltu",  "leu",   "gtu", "geu"}) {
    const std::string src = binary_fn(op, "i64", "i64");
    for (int64_t x : kInts)
      for (int64_t y : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{3}, int64_t{64}, kMin, kMax})
        same(src, "f", {vi(x), vi(y)});
  }
}

TEST(BaselineInt, UnaryAndImmediateOps) {
  for (const char* op : {"neg", "not", "sext8", "sext16", "sext32", "zext8", "zext16", "zext32"})
    for (int64_t x : kInts) same(unary_fn(op, "i64", "i64"), "f", {vi(x)});
  for (const char* op : {"addi", "muli", "andi", "ori", "xori", "shli", "shri", "sari"})
    for (int imm : {0, 1, 5, 63, 64, 127, -1, -32768, 32767}) {
      if (imm < 0 && (std::string_view(op).starts_with("sh") || op[1] == 'a')) continue;
      if (std::string_view(op).ends_with("li") && imm < 0) continue;
      const std::string src = fmt::format(
          ".func f(%x: i64) -> i64 export\n  .reg %r: i64\n  {} %r, %x, {}\n  ret %r\n.end\n", op,
          imm);
      for (int64_t x : kInts) same(src, "f", {vi(x)});
    }
}

TEST(BaselineInt, MovesAndConstants) {
  same(R"(
.func f(%x: i64) -> i64 export
  .reg %a: i64, %b: i64, %k: i64, %r: ref, %g: ref, %z: i64
  li %a, -123456789
  mov %b, %a
  ldk %k, 81985529216486895
  null %r
  isnull %z, %r
  fnref %g, f
  add %b, %b, %k
  add %b, %b, %z
  nop
  ret %b
.end
)",
       "f", {vi(1)});
}

TEST(BaselineInt, DivideByZeroTrapsLikeTheInterpreter) {
  const std::string t = same(binary_fn("div", "i64", "i64"), "f", {vi(5), vi(0)});
  EXPECT_NE(t.find("trapped integer divide by zero"), std::string::npos) << t;
  EXPECT_NE(t.find("pc 0 line 3"), std::string::npos) << t;
}

TEST(BaselineFloat, BinaryOps) {
  for (const char* op : {"fadd", "fsub", "fmul", "fdiv", "fmin", "fmax"})
    for (double x : kFloats)
      for (double y : kFloats) same(binary_fn(op, "f64", "f64"), "f", {vf(x), vf(y)});
  for (const char* op : {"feq", "fne", "flt", "fle", "fgt", "fge"})
    for (double x : kFloats)
      for (double y : kFloats) same(binary_fn(op, "f64", "i64"), "f", {vf(x), vf(y)});
}

// FMA3 or the C library's fma: the interpreter's result bit for bit, signed zeros, overflow and
// NaNs included, and the product not rounded on its own.
TEST(BaselineFloat, FusedMultiplyAdd) {
  for (double x : kFloats)
    for (double y : kFloats)
      for (double z : {0.0, -0.0, 1.5, -2.5, 1e300, kInf, kNaN, -9.3e18})
        same(fused_fn(), "f", {vf(x), vf(y), vf(z)});
  same(fused_fn(), "f", {vf(1 + 0x1p-52), vf(1 - 0x1p-52), vf(-1.0)});
  same(fused_fn(), "f", {vf(3.0), vf(-0.5), vf(1.5)});
}

TEST(BaselineFloat, UnaryOpsAndConversions) {
  for (const char* op : {"fneg", "fabs", "fsqrt", "ffloor", "fceil", "ftrunc", "fnearest"})
    for (double x : kFloats) same(unary_fn(op, "f64", "f64"), "f", {vf(x)});
  for (double x : kFloats) {
    same(unary_fn("f2i", "f64", "i64"), "f", {vf(x)});
    same(unary_fn("fbits", "f64", "i64"), "f", {vf(x)});
  }
  for (int64_t x : kInts) {
    same(unary_fn("i2f", "i64", "f64"), "f", {vi(x)});
    same(unary_fn("bitsf", "i64", "f64"), "f", {vi(x)});
  }
}

// Every conditional branch, taken and not taken, forward and backward.
TEST(BaselineControl, Branches) {
  for (const char* op : {"beq", "bne", "blt", "ble", "bgt", "bge", "bltu", "bgeu"}) {
    const std::string src = fmt::format(R"(
.func f(%x: i64, %y: i64) -> i64 export
  .reg %r: i64, %n: i64
  li %r, 0
  li %n, 3
  {0} %x, %y, yes
  li %r, 100
  ret %r
yes:
back:
  addi %r, %r, 1
  addi %n, %n, -1
  {0} %x, %y, again
  ret %r
again:
  bnz %n, back
  ret %r
.end
)",
                                        op);
    for (int64_t x : {int64_t{-1}, int64_t{0}, int64_t{1}, kMin})
      for (int64_t y : {int64_t{-1}, int64_t{0}, int64_t{1}}) same(src, "f", {vi(x), vi(y)});
  }
  for (const char* op : {"bflt", "bfle", "bfgt", "bfge"}) {
    const std::string src = fmt::format(R"(
.func f(%x: f64, %y: f64) -> i64 export
  .reg %r: i64
  li %r, 1
  {} %x, %y, yes
  li %r, 2
yes:
  ret %r
.end
)",
                                        op);
    for (double x : {-1.0, 0.0, 1.0, kNaN})
      for (double y : {-1.0, 0.0, -0.0, kNaN}) same(src, "f", {vf(x), vf(y)});
  }
  const std::string nulls = R"(
.func f(%x: i64) -> i64 export
  .reg %r: i64, %p: ref
  li %r, 0
  bz %x, skip
  ldk %p, "s"
skip:
  bnull %p, isnull
  addi %r, %r, 10
isnull:
  bnonnull %p, done
  addi %r, %r, 1
done:
  ret %r
.end
)";
  same(nulls, "f", {vi(0)});
  same(nulls, "f", {vi(1)});
}

TEST(BaselineControl, CallsHostCallsAndIndirectCalls) {
  const std::string t = same(kCalls);
  EXPECT_NE(t.find("6765\n610\n"), std::string::npos) << t;
}

TEST(BaselineControl, TrapsInsideCompiledCodeReportTheInterpretersTrace) {
  const char* src = kTrapsInsideCompiledCodeReportTheInterpretersTrace;
  EXPECT_NE(same(src, "outer", {vi(0)}).find("explicit trap: code 42"), std::string::npos);
  EXPECT_NE(same(src, "outer", {vi(3)}).find(".inner pc 3 line"), std::string::npos);
  same(src, "calli_null", {vi(1)});
  EXPECT_NE(same(src, "calli_sig", {vi(1)}).find("calli expects"), std::string::npos);
  same(src, "native_trap", {vi(1)});
}

TEST(BaselineControl, ExitFromDeepInsideCompiledCode) {
  const char* src = kExitFromDeepInsideCompiledCode;
  EXPECT_NE(same(src).find("exited 7"), std::string::npos);
}

// A compiled loop sees the host's stop request at its next fuel check (Interrupted).
TEST(BaselineControl, StopRequestInterruptsACompiledLoop) {
  auto m = as::assemble(R"(
.func spin() -> i64 export
  .reg %i: i64
  li %i, 0
loop:
  addi %i, %i, 1
  jmp loop
.end
)",
                        "t.sasm");
  ASSERT_TRUE(m.has_value());
  auto p = vm::Program::load_library(std::move(*m), {});
  ASSERT_TRUE(p.has_value());
  auto cache = CodeCache::create({.capacity_bytes = size_t{4} << 20});
  ASSERT_TRUE(cache.has_value());
  BaselineJit j(**cache);
  j.compile_program(**p);
  ASSERT_EQ(j.stats().compiled, 1u);
  (*p)->request_stop();
  auto r = (*p)->call("spin", {});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->kind, vm::RunResult::Kind::Trapped);
  EXPECT_EQ(r->trap->kind, vm::TrapKind::Interrupted);
  ASSERT_EQ(r->trap->trace.size(), 1u);
  EXPECT_EQ(r->trap->trace[0].pc, 2u);  // the backward jmp
}

TEST(BaselineControl, DeepRecursionAndDepthLimit) {
  const char* src = kDeepRecursionAndDepthLimit;
  EXPECT_NE(same(src, "down", {vi(20000)}).find("returned 0x4e20"), std::string::npos);
  vm::Limits l;
  l.max_call_depth = 500;
  EXPECT_NE(same(src, "down", {vi(1000)}, l).find("call depth limit"), std::string::npos);
}

TEST(BaselineControl, FuelRunsOutAtTheSameBranch) {
  const char* src = kFuelRunsOutAtTheSameBranch;
  for (uint64_t fuel : {1, 2, 99, 100, 101, 65536, 65537, 200000}) {
    vm::Limits l;
    l.fuel = fuel;
    same(src, "spin", {vi(150000)}, l);
    same(src, "calls", {vi(100000)}, l);
  }
  same(src, "spin", {vi(300000)});
}

TEST(BaselineObjects, RecordsArraysStrings) {
  const char* src = kRecordsArraysStrings;
  for (int64_t k = 0; k <= 7; ++k) same(src, "f", {vi(k)});
}

TEST(BaselineMemory, LoadsStoresBoundsAndBulkOps) {
  const char* src = kLoadsStoresBoundsAndBulkOps;
  for (int64_t addr : {int64_t{0}, int64_t{100}, int64_t{65536 - 32}, int64_t{65536 - 31},
                       int64_t{65536}, int64_t{-1}, kMax})
    for (int64_t v : {int64_t{0x0102030405060708}, int64_t{-1}, int64_t{0x7ff8000000000001}})
      same(src, "f", {vi(addr), vi(v)});
  for (int64_t addr : {int64_t{0}, int64_t{65436}, int64_t{65437}, int64_t{-50}})
    same(src, "big", {vi(addr)});
}

// Refs that live only in registers (the VM stack) across many allocations and collections.
TEST(BaselineGc, AllocationHeavyLoopKeepsRegisterRefsAlive) {
  const char* src = kAllocationHeavyLoopKeepsRegisterRefsAlive;
  EXPECT_NE(same(src, "f", {vi(200000)}).find("returned 0x4a8164160"), std::string::npos);
}

// The emitter keeps an instruction's result in rax for the next instruction when it reads it
// first (Emitter::load_rax). Every way into an instruction other than falling through must
// reload it: a forward branch's target, a loop header reached by its back-edge, and a backward
// branch itself, re-entered after the refuel helper call at the end of each fuel slice (the
// loop runs past several slices).
TEST(BaselineRaxForwarding, JumpTargetsReloadWhatFallingThroughKeeps) {
  const char* src = R"(
.func f(%x: i64, %n: i64, %c: i64) -> i64 export
  .reg %a: i64, %s: i64, %t: i64
  li %s, 0
  addi %a, %x, 1
loop:
  addi %t, %a, 3
  add %s, %s, %t
  bz %c, skip
  addi %a, %a, 7
  addi %c, %c, -1
  mov %t, %c
skip:
  addi %t, %t, 1
  xor %s, %s, %t
  addi %a, %a, 1
  addi %n, %n, -1
  bnz %n, loop
  addi %n, %a, 2
  blt %n, %x, done
  sext8 %t, %n
  add %s, %s, %t
done:
  zext8 %t, %s
  add %s, %s, %t
  ret %s
.end
)";
  for (int64_t n : {int64_t{1}, int64_t{3}, int64_t{200000}})
    for (int64_t c : {int64_t{0}, int64_t{2}, int64_t{1000000}})
      for (int64_t x : {int64_t{5}, int64_t{-300}, kMax}) same(src, "f", {vi(x), vi(n), vi(c)});
}

}  // namespace
}  // namespace strata::jit::baseline::test

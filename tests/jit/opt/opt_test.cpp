// The optimizing tier against the interpreter, per opcode family: same results, same traps (kind,
// message, function, pc, line), same fuel, same output; functions compiled by LLVM call and are
// called by interpreted and baseline functions. Also: LLVM is mapped only once the tier is
// loaded. The programs are the baseline tier's (tests/jit/baseline_test.cpp).
#include <cmath>
#include <limits>

#include "tests/jit/opt/opt_support.hpp"
#include "tests/jit/tier_programs.hpp"

namespace strata::jit::opt::test {
namespace {

using strata::jit::testing::binary_fn;
using strata::jit::testing::kAllocationHeavyLoopKeepsRegisterRefsAlive;
using strata::jit::testing::kCalls;
using strata::jit::testing::kDeepRecursionAndDepthLimit;
using strata::jit::testing::kExitFromDeepInsideCompiledCode;
using strata::jit::testing::kFloats;
using strata::jit::testing::kFuelRunsOutAtTheSameBranch;
using strata::jit::testing::kInts;
using strata::jit::testing::kLoadsStoresBoundsAndBulkOps;
using strata::jit::testing::kMax;
using strata::jit::testing::kMin;
using strata::jit::testing::kNaN;
using strata::jit::testing::kRecordsArraysStrings;
using strata::jit::testing::kTrapsInsideCompiledCodeReportTheInterpretersTrace;
using strata::jit::testing::unary_fn;

// A single-function program: only the all-opt mode differs from the interpreter.
const std::vector<Mode> kOptOnly = {Mode::kOpt};

std::string first(const std::vector<std::string>& v) {
  return v.empty() ? std::string() : v[0];
}

// Must run first in its process (ctest runs each test alone): nothing before it loads the tier.
TEST(OptLoad, LLVMIsMappedOnlyOnceTheTierIsLoaded) {
  EXPECT_FALSE(llvm_is_loaded());
  RunOutcome a = run(unary_fn("neg", "i64", "i64"), Mode::kInterp, "f", {{vi(5)}});
  ASSERT_EQ(a.texts.size(), 1u);
  EXPECT_FALSE(llvm_is_loaded()) << "an interpreted run mapped LLVM";
  auto tier = OptTier::load();
  ASSERT_TRUE(tier.has_value()) << tier.error().message;
  EXPECT_TRUE(llvm_is_loaded());
  const OptStats s = (*tier)->stats();
  EXPECT_GT(s.load_ns, 0u);
  EXPECT_NE(s.module_path.find("libstrata_opt.so"), std::string::npos);
  // Both steps of the load take CPU time (relocations and static constructors; the LLJIT), and
  // neither takes more than the whole load's wall time.
  EXPECT_GT(s.load_dlopen_cpu_ns, 0u);
  EXPECT_GT(s.load_create_cpu_ns, 0u);
  EXPECT_LE(s.load_dlopen_cpu_ns + s.load_create_cpu_ns, s.load_ns);
  EXPECT_NE((*tier)->format_stats().find("opt: module load CPU time: dlopen "), std::string::npos)
      << (*tier)->format_stats();
}

TEST(OptInt, BinaryOps) {
  std::vector<std::vector<Value>> calls;
  for (int64_t x : kInts)
    for (int64_t y : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{3}, int64_t{64}, kMin, kMax})
      calls.push_back({vi(x), vi(y)});
  for (const char* op : {"add", "sub", "mul", "mulh", "mulhu", "div", "rem", "divu", "remu",
                         "and", "or",  "xor", "shl",  "shr",   "sar", "eq",  "ne",   "lt",
                         "le",  "gt",  "ge",  "ltu",  "leu",   "gtu", "geu"})
    same(binary_fn(op, "i64", "i64"), "f", calls, {}, kOptOnly);
}

TEST(OptInt, UnaryAndImmediateOps) {
  std::vector<std::vector<Value>> calls;
  for (int64_t x : kInts) calls.push_back({vi(x)});
  for (const char* op : {"neg", "not", "sext8", "sext16", "sext32", "zext8", "zext16", "zext32"})
    same(unary_fn(op, "i64", "i64"), "f", calls, {}, kOptOnly);
  for (const char* op : {"addi", "muli", "andi", "ori", "xori", "shli", "shri", "sari"})
    for (int imm : {0, 1, 5, 63, 64, 127, -1, -32768, 32767}) {
      if (imm < 0 && (std::string_view(op).starts_with("sh") || op[1] == 'a')) continue;
      if (std::string_view(op).ends_with("li") && imm < 0) continue;
      const std::string src = fmt::format(
          ".func f(%x: i64) -> i64 export\n  .reg %r: i64\n  {} %r, %x, {}\n  ret %r\n.end\n", op,
          imm);
      same(src, "f", calls, {}, kOptOnly);
    }
}

TEST(OptInt, DivideByZeroTrapsLikeTheInterpreter) {
  const std::string t =
      first(same(binary_fn("div", "i64", "i64"), "f", {{vi(5), vi(0)}}, {}, kOptOnly));
  EXPECT_NE(t.find("trapped integer divide by zero"), std::string::npos) << t;
  EXPECT_NE(t.find("pc 0 line 3"), std::string::npos) << t;
}

TEST(OptFloat, BinaryOps) {
  std::vector<std::vector<Value>> calls;
  for (double x : kFloats)
    for (double y : kFloats) calls.push_back({vf(x), vf(y)});
  for (const char* op : {"fadd", "fsub", "fmul", "fdiv", "fmin", "fmax"})
    same(binary_fn(op, "f64", "f64"), "f", calls, {}, kOptOnly);
  for (const char* op : {"feq", "fne", "flt", "fle", "fgt", "fge"})
    same(binary_fn(op, "f64", "i64"), "f", calls, {}, kOptOnly);
}

// llvm.fma: the interpreter's result bit for bit (signed zeros, overflow, NaNs), one rounding.
TEST(OptFloat, FusedMultiplyAdd) {
  std::vector<std::vector<Value>> calls;
  for (double x : kFloats)
    for (double y : kFloats)
      for (double z : {0.0, -0.0, 1.5, -2.5, 1e300, std::numeric_limits<double>::infinity(), kNaN})
        calls.push_back({vf(x), vf(y), vf(z)});
  calls.push_back({vf(1 + 0x1p-52), vf(1 - 0x1p-52), vf(-1.0)});
  calls.push_back({vf(3.0), vf(-0.5), vf(1.5)});
  same(strata::jit::testing::fused_fn(), "f", calls, {}, kOptOnly);
}

TEST(OptFloat, UnaryOpsAndConversions) {
  std::vector<std::vector<Value>> fcalls, icalls;
  for (double x : kFloats) fcalls.push_back({vf(x)});
  for (int64_t x : kInts) icalls.push_back({vi(x)});
  for (const char* op : {"fneg", "fabs", "fsqrt", "ffloor", "fceil", "ftrunc", "fnearest"})
    same(unary_fn(op, "f64", "f64"), "f", fcalls, {}, kOptOnly);
  same(unary_fn("f2i", "f64", "i64"), "f", fcalls, {}, kOptOnly);
  same(unary_fn("fbits", "f64", "i64"), "f", fcalls, {}, kOptOnly);
  same(unary_fn("i2f", "i64", "f64"), "f", icalls, {}, kOptOnly);
  same(unary_fn("bitsf", "i64", "f64"), "f", icalls, {}, kOptOnly);
}

// Every conditional branch, taken and not taken, forward and backward.
TEST(OptControl, Branches) {
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
    std::vector<std::vector<Value>> calls;
    for (int64_t x : {int64_t{-1}, int64_t{0}, int64_t{1}, kMin})
      for (int64_t y : {int64_t{-1}, int64_t{0}, int64_t{1}}) calls.push_back({vi(x), vi(y)});
    same(src, "f", calls, {}, kOptOnly);
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
    std::vector<std::vector<Value>> calls;
    for (double x : {-1.0, 0.0, 1.0, kNaN})
      for (double y : {-1.0, 0.0, -0.0, kNaN}) calls.push_back({vf(x), vf(y)});
    same(src, "f", calls, {}, kOptOnly);
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
  same(nulls, "f", {{vi(0)}, {vi(1)}}, {}, kOptOnly);
}

TEST(OptControl, CallsHostCallsAndIndirectCalls) {
  const std::string t = first(same(kCalls));
  EXPECT_NE(t.find("6765\n610\n"), std::string::npos) << t;
}

TEST(OptControl, TrapsInsideCompiledCodeReportTheInterpretersTrace) {
  const char* src = kTrapsInsideCompiledCodeReportTheInterpretersTrace;
  EXPECT_NE(first(same(src, "outer", {{vi(0)}})).find("explicit trap: code 42"), std::string::npos);
  EXPECT_NE(first(same(src, "outer", {{vi(3)}})).find(".inner pc 3 line"), std::string::npos);
  same(src, "calli_null", {{vi(1)}});
  EXPECT_NE(first(same(src, "calli_sig", {{vi(1)}})).find("calli expects"), std::string::npos);
  same(src, "native_trap", {{vi(1)}});
}

TEST(OptControl, ExitFromDeepInsideCompiledCode) {
  const char* src = kExitFromDeepInsideCompiledCode;
  EXPECT_NE(first(same(src)).find("exited 7"), std::string::npos);
}

TEST(OptControl, DeepRecursionAndDepthLimit) {
  const char* src = kDeepRecursionAndDepthLimit;
  EXPECT_NE(first(same(src, "down", {{vi(20000)}})).find("returned 0x4e20"), std::string::npos);
  vm::Limits l;
  l.max_call_depth = 500;
  EXPECT_NE(first(same(src, "down", {{vi(1000)}}, l)).find("call depth limit"), std::string::npos);
}

TEST(OptControl, FuelRunsOutAtTheSameBranch) {
  const char* src = kFuelRunsOutAtTheSameBranch;
  for (uint64_t fuel : {1, 2, 99, 100, 101, 65536, 65537, 200000}) {
    vm::Limits l;
    l.fuel = fuel;
    same(src, "spin", {{vi(150000)}}, l);
    same(src, "calls", {{vi(100000)}}, l);
  }
  same(src, "spin", {{vi(300000)}});
}

TEST(OptObjects, RecordsArraysStrings) {
  const char* src = kRecordsArraysStrings;
  std::vector<std::vector<Value>> calls;
  for (int64_t k = 0; k <= 7; ++k) calls.push_back({vi(k)});
  same(src, "f", calls, {}, kOptOnly);
}

TEST(OptMemory, LoadsStoresBoundsAndBulkOps) {
  const char* src = kLoadsStoresBoundsAndBulkOps;
  std::vector<std::vector<Value>> calls, big;
  for (int64_t addr : {int64_t{0}, int64_t{100}, int64_t{65536 - 32}, int64_t{65536 - 31},
                       int64_t{65536}, int64_t{-1}, kMax})
    for (int64_t v : {int64_t{0x0102030405060708}, int64_t{-1}, int64_t{0x7ff8000000000001}})
      calls.push_back({vi(addr), vi(v)});
  same(src, "f", calls);
  for (int64_t addr : {int64_t{0}, int64_t{65436}, int64_t{65437}, int64_t{-50}})
    big.push_back({vi(addr)});
  same(src, "big", big);
}

// Refs that live only in registers across many allocations and collections.
TEST(OptGc, AllocationHeavyLoopKeepsRegisterRefsAlive) {
  const char* src = kAllocationHeavyLoopKeepsRegisterRefsAlive;
  EXPECT_NE(first(same(src, "f", {{vi(200000)}}, {}, kOptOnly)).find("returned 0x4a8164160"),
            std::string::npos);
}

}  // namespace
}  // namespace strata::jit::opt::test

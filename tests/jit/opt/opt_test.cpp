// The optimizing tier against the interpreter, per opcode family: same results, same traps (kind,
// message, function, pc, line), same fuel, same output; functions compiled by LLVM call and are
// called by interpreted and baseline functions. Also: libLLVM is mapped only once the tier is
// loaded. The programs are the baseline tier's (tests/jit/baseline_test.cpp).
#include <cmath>
#include <limits>

#include "tests/jit/opt/opt_support.hpp"

namespace strata::jit::opt::test {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

const std::vector<int64_t> kInts = {0,
                                    1,
                                    -1,
                                    2,
                                    7,
                                    -7,
                                    63,
                                    64,
                                    65,
                                    255,
                                    256,
                                    -129,
                                    40000,
                                    kMin,
                                    kMax,
                                    kMin + 1,
                                    0x123456789abcdef0};
const std::vector<double> kFloats = {0.0,     -0.0, 1.5,   -2.5, 0.5,    2.5,     -0.5, 1e300,
                                     -1e-300, kInf, -kInf, kNaN, 9.3e18, -9.3e18, 3.0};

std::string binary_fn(std::string_view op, std::string_view t, std::string_view tr) {
  return fmt::format(
      ".func f(%x: {0}, %y: {0}) -> {1} export\n  .reg %r: {1}\n  {2} %r, %x, %y\n"
      "  ret %r\n.end\n",
      t, tr, op);
}
std::string unary_fn(std::string_view op, std::string_view t, std::string_view tr) {
  return fmt::format(
      ".func f(%x: {0}) -> {1} export\n  .reg %r: {1}\n  {2} %r, %x\n"
      "  ret %r\n.end\n",
      t, tr, op);
}

// A single-function program: only the all-opt mode differs from the interpreter.
const std::vector<Mode> kOptOnly = {Mode::kOpt};

std::string first(const std::vector<std::string>& v) {
  return v.empty() ? std::string() : v[0];
}

// Must run first in its process (ctest runs each test alone): nothing before it loads the tier.
TEST(OptLoad, LibLLVMIsMappedOnlyOnceTheTierIsLoaded) {
  EXPECT_FALSE(llvm_is_loaded());
  RunOutcome a = run(unary_fn("neg", "i64", "i64"), Mode::kInterp, "f", {{vi(5)}});
  ASSERT_EQ(a.texts.size(), 1u);
  EXPECT_FALSE(llvm_is_loaded()) << "an interpreted run mapped libLLVM";
  auto tier = OptTier::load();
  ASSERT_TRUE(tier.has_value()) << tier.error().message;
  EXPECT_TRUE(llvm_is_loaded());
  EXPECT_GT((*tier)->stats().load_ns, 0u);
  EXPECT_NE((*tier)->stats().module_path.find("libstrata_opt.so"), std::string::npos);
}

TEST(OptInt, BinaryOps) {
  std::vector<std::vector<Value>> calls;
  for (int64_t x : kInts)
    for (int64_t y : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{3}, int64_t{64}, kMin, kMax})
      calls.push_back({vi(x), vi(y)});
  for (const char* op :
       {"add", "sub", "mul", "div", "rem", "divu", "remu", "and", "or",  "xor", "shl", "shr",
        "sar", "eq",  "ne",  "lt",  "le",  "gt",   "ge",   "ltu", "leu", "gtu", "geu"})
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

const char* kCalls = R"(
.import "std.io" println_i64(i64)
.func fib(%n: i64) -> i64
  .reg %a: i64, %b: i64, %two: i64
  li %two, 2
  blt %n, %two, small
  addi %a, %n, -1
  call %a, fib(%a)
  addi %b, %n, -2
  call %b, fib(%b)
  add %a, %a, %b
  ret %a
small:
  ret %n
.end
.func many(%a: i64, %b: i64, %c: i64, %d: i64, %e: i64, %f: f64) -> f64
  .reg %s: i64, %g: f64
  add %s, %a, %b
  add %s, %s, %c
  add %s, %s, %d
  sub %s, %s, %e
  i2f %g, %s
  fadd %g, %g, %f
  ret %g
.end
.func side(%x: i64)
  callh println_i64(%x)
  retv
.end
.func main() -> i64 export
  .reg %n: i64, %r: i64, %f: ref, %x: f64, %one: i64
  li %n, 20
  call %r, fib(%n)
  callh println_i64(%r)
  fnref %f, fib
  li %n, 15
  calli %r, %f : (i64) -> i64 (%n)
  call side(%r)
  li %one, 1
  lf %x, 0.25
  call %x, many(%one, %one, %n, %r, %one, %x)
  f2i %r, %x
  ret %r
.end
)";

TEST(OptControl, CallsHostCallsAndIndirectCalls) {
  const std::string t = first(same(kCalls));
  EXPECT_NE(t.find("6765\n610\n"), std::string::npos) << t;
}

TEST(OptControl, TrapsInsideCompiledCodeReportTheInterpretersTrace) {
  const char* src = R"(
.import "std.str" to_i64(ref) -> i64
.func inner(%x: i64) -> i64
  .reg %z: i64
  li %z, 0
  bnz %x, bad
  trap 42
bad:
  div %x, %x, %z
  ret %x
.end
.func outer(%x: i64) -> i64 export
  .reg %r: i64, %g: ref
  call %r, inner(%x)
  ret %r
.end
.func calli_null(%x: i64) -> i64 export
  .reg %r: i64, %g: ref
  calli %r, %g : (i64) -> i64 (%x)
  ret %r
.end
.func calli_sig(%x: i64) -> i64 export
  .reg %r: i64, %g: ref
  fnref %g, wrong
  calli %r, %g : (i64) -> i64 (%x)
  ret %r
.end
.func wrong(%x: f64) -> f64
  ret %x
.end
.func native_trap(%x: i64) -> i64 export
  .reg %r: i64, %s: ref
  callh %r, to_i64(%s)
  ret %r
.end
)";
  EXPECT_NE(first(same(src, "outer", {{vi(0)}})).find("explicit trap: code 42"), std::string::npos);
  EXPECT_NE(first(same(src, "outer", {{vi(3)}})).find(".inner pc 3 line"), std::string::npos);
  same(src, "calli_null", {{vi(1)}});
  EXPECT_NE(first(same(src, "calli_sig", {{vi(1)}})).find("calli expects"), std::string::npos);
  same(src, "native_trap", {{vi(1)}});
}

TEST(OptControl, ExitFromDeepInsideCompiledCode) {
  const char* src = R"(
.import "std.sys" exit(i64)
.import "std.io" println_i64(i64)
.func leave(%n: i64) -> i64
  callh println_i64(%n)
  callh exit(%n)
  ret %n
.end
.func main() -> i64 export
  .reg %n: i64
  li %n, 7
  call %n, leave(%n)
  li %n, 1
  ret %n
.end
)";
  EXPECT_NE(first(same(src)).find("exited 7"), std::string::npos);
}

TEST(OptControl, DeepRecursionAndDepthLimit) {
  const char* src = R"(
.func down(%n: i64) -> i64 export
  .reg %m: i64
  bz %n, zero
  addi %m, %n, -1
  call %m, down(%m)
  addi %m, %m, 1
  ret %m
zero:
  ret %n
.end
)";
  EXPECT_NE(first(same(src, "down", {{vi(20000)}})).find("returned 0x4e20"), std::string::npos);
  vm::Limits l;
  l.max_call_depth = 500;
  EXPECT_NE(first(same(src, "down", {{vi(1000)}}, l)).find("call depth limit"), std::string::npos);
}

TEST(OptControl, FuelRunsOutAtTheSameBranch) {
  const char* src = R"(
.func spin(%n: i64) -> i64 export
  .reg %i: i64
  li %i, 0
loop:
  addi %i, %i, 1
  blt %i, %n, loop
  ret %i
.end
.func calls(%n: i64) -> i64 export
  .reg %i: i64, %r: i64
  li %i, 0
loop:
  call %r, leaf(%i)
  addi %i, %i, 1
  blt %i, %n, loop
  ret %i
.end
.func leaf(%x: i64) -> i64
  ret %x
.end
)";
  for (uint64_t fuel : {1, 2, 99, 100, 101, 65536, 65537, 200000}) {
    vm::Limits l;
    l.fuel = fuel;
    same(src, "spin", {{vi(150000)}}, l);
    same(src, "calls", {{vi(100000)}}, l);
  }
  same(src, "spin", {{vi(300000)}});
}

TEST(OptObjects, RecordsArraysStrings) {
  const char* src = R"(
.struct P { x: i64, y: f64, next: ref }
.struct Q { a: i64 }
.func f(%k: i64) -> i64 export
  .reg %p: ref, %q: ref, %a: ref, %b: ref, %s: ref, %x: i64, %i: i64, %y: f64, %t: ref
  rnew %p, P
  li %x, 5
  rset %p, %x, P.x
  lf %y, 2.5
  rset %p, %y, P.y
  rnew %q, P
  rset %q, %p, P.next
  rget %t, %q, P.next
  rget %x, %t, P.x
  anew.i %a, %x
  li %i, 3
  aset.i %a, %i, %x
  aget.i %x, %a, %i
  anew.b %b, %x
  li %i, 300
  li %x, 4
  aset.b %b, %x, %i
  aget.b %i, %b, %x
  add %x, %x, %i
  alen %i, %b
  add %x, %x, %i
  anew.r %t, %i
  li %i, 1
  aset.r %t, %i, %p
  aget.r %q, %t, %i
  rget %y, %q, P.y
  anew.f %t, %i
  li %i, 0
  aset.f %t, %i, %y
  aget.f %y, %t, %i
  f2i %i, %y
  add %x, %x, %i
  ldk %s, "hello"
  slen %i, %s
  add %x, %x, %i
  li %i, 1
  sbyte %i, %s, %i
  add %x, %x, %i
  req %i, %p, %q
  add %x, %x, %i
  bz %k, done
  li %i, 1
  beq %k, %i, k1
  li %i, 2
  beq %k, %i, k2
  li %i, 3
  beq %k, %i, k3
  li %i, 4
  beq %k, %i, k4
  li %i, 5
  beq %k, %i, k5
  li %i, 6
  beq %k, %i, k6
  li %i, -1
  anew.i %a, %i
  ret %x
k1:
  aget.i %x, %a, %k
  li %k, 5
  aget.i %x, %a, %k
  ret %x
k2:
  aget.f %y, %a, %k
  ret %x
k3:
  null %p
  rget %x, %p, P.x
  ret %x
k4:
  rnew %p, Q
  rget %x, %p, P.x
  ret %x
k5:
  alen %x, %s
  ret %x
k6:
  sbyte %x, %s, %k
  ret %x
done:
  ret %x
.end
)";
  std::vector<std::vector<Value>> calls;
  for (int64_t k = 0; k <= 7; ++k) calls.push_back({vi(k)});
  same(src, "f", calls, {}, kOptOnly);
}

TEST(OptMemory, LoadsStoresBoundsAndBulkOps) {
  const char* src = R"(
.memory 65536 max 196608
.func f(%addr: i64, %v: i64) -> i64 export
  .reg %x: i64, %y: i64, %s: i64, %g: f64, %n: i64
  st.i64 %addr, %v, 0
  ld.i8 %x, %addr, 0
  ld.u8 %y, %addr, 1
  add %s, %x, %y
  ld.i16 %x, %addr, 2
  ld.u16 %y, %addr, 2
  add %s, %s, %x
  add %s, %s, %y
  ld.i32 %x, %addr, 4
  ld.u32 %y, %addr, 4
  add %s, %s, %x
  add %s, %s, %y
  st.i8 %addr, %v, 9
  st.i16 %addr, %v, 10
  st.i32 %addr, %v, 12
  ld.i64 %x, %addr, 8
  add %s, %s, %x
  bitsf %g, %v
  st.f32 %addr, %g, 16
  ld.f32 %g, %addr, 16
  st.f64 %addr, %g, 24
  ld.f64 %g, %addr, 24
  fbits %x, %g
  xor %s, %s, %x
  msize %x
  add %s, %s, %x
  li %n, 16
  mcopy %addr, %addr, %n
  li %x, 7
  mfill %addr, %x, %n
  ld.u8 %x, %addr, 15
  add %s, %s, %x
  li %n, 1
  mgrow %x, %n
  add %s, %s, %x
  msize %x
  add %s, %s, %x
  ret %s
.end
.func big(%addr: i64) -> i64 export
  .reg %n: i64, %x: i64
  li %n, 100
  mfill %addr, %n, %n
  mcopy %addr, %n, %n
  ret %n
.end
)";
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
  const char* src = R"(
.struct Node { v: i64, next: ref }
.func f(%n: i64) -> i64 export
  .reg %head: ref, %node: ref, %i: i64, %s: i64, %junk: ref, %len: i64
  li %i, 0
  li %len, 64
loop:
  rnew %node, Node
  rset %node, %i, Node.v
  rset %node, %head, Node.next
  mov %head, %node
  anew.i %junk, %len
  addi %i, %i, 1
  blt %i, %n, loop
  li %s, 0
walk:
  bnull %head, done
  rget %i, %head, Node.v
  add %s, %s, %i
  rget %head, %head, Node.next
  jmp walk
done:
  ret %s
.end
)";
  EXPECT_NE(first(same(src, "f", {{vi(200000)}}, {}, kOptOnly)).find("returned 0x4a8164160"),
            std::string::npos);
}

}  // namespace
}  // namespace strata::jit::opt::test

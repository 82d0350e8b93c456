// SASM programs and operand tables that the baseline tier's and the optimizing tier's differential
// tests both run
// tests (tests/jit/baseline_test.cpp, tests/jit/opt/opt_test.cpp): one copy, so the tiers are
// held to the same programs.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace strata::jit::testing {

// Operand values every arithmetic test runs, and one-instruction functions around an opcode.
inline constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
inline const double kNaN = std::numeric_limits<double>::quiet_NaN();
inline const double kInf = std::numeric_limits<double>::infinity();

inline const std::vector<int64_t> kInts = {0,
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
inline const std::vector<double> kFloats = {
    0.0, -0.0, 1.5, -2.5, 0.5, 2.5, -0.5, 1e300, -1e-300, kInf, -kInf, kNaN, 9.3e18, -9.3e18, 3.0};

inline std::string binary_fn(std::string_view op, std::string_view t, std::string_view tr) {
  return fmt::format(
      ".func f(%x: {0}, %y: {0}) -> {1} export\n  .reg %r: {1}\n  {2} %r, %x, %y\n"
      "  ret %r\n.end\n",
      t, tr, op);
}
// f(x, y, z) = fmadd: z = x * y + z, one rounding.
inline std::string fused_fn() {
  return ".func f(%x: f64, %y: f64, %z: f64) -> f64 export\n  fmadd %z, %x, %y\n  ret %z\n"
         ".end\n";
}
inline std::string unary_fn(std::string_view op, std::string_view t, std::string_view tr) {
  return fmt::format(
      ".func f(%x: {0}) -> {1} export\n  .reg %r: {1}\n  {2} %r, %x\n"
      "  ret %r\n.end\n",
      t, tr, op);
}

inline constexpr const char* kCalls = R"(
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

inline constexpr const char* kTrapsInsideCompiledCodeReportTheInterpretersTrace = R"(
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

inline constexpr const char* kExitFromDeepInsideCompiledCode = R"(
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

inline constexpr const char* kDeepRecursionAndDepthLimit = R"(
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

inline constexpr const char* kFuelRunsOutAtTheSameBranch = R"(
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

inline constexpr const char* kRecordsArraysStrings = R"(
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

inline constexpr const char* kLoadsStoresBoundsAndBulkOps = R"(
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

inline constexpr const char* kAllocationHeavyLoopKeepsRegisterRefsAlive = R"(
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

// main calls spin twice; spin's loop runs n times (a long loop in a callee: promoted at its
// next call by the auto tier, moved mid-loop by OSR).
inline constexpr const char* kLongLoopCalledTwice = R"(
.func spin(%n: i64) -> i64
  .reg %i: i64
  li %i, 0
loop:
  addi %i, %i, 1
  blt %i, %n, loop
  ret %i
.end
.func main(%n: i64) -> i64 export
  .reg %a: i64, %b: i64
  call %a, spin(%n)
  call %b, spin(%n)
  add %a, %a, %b
  ret %a
.end
)";

}  // namespace strata::jit::testing

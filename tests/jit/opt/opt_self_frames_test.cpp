// The frames of a recursive body (jit/opt/self_call.cpp, self_inline.cpp): a self-call does not
// push the callee's Frame record (the body writes it before anything can read it), the body
// returns its frame for the caller to find its own, and every other level runs inlined into its
// caller. Traces, limits and the windows the runtime reads must stay the interpreter's at both
// levels (odd and even depths), and after the frame array and the VM stack moved mid-recursion.
#include <string>

#include "tests/jit/opt/opt_support.hpp"

namespace strata::jit::opt::test {
namespace {

bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

// fib that traps (code %k) at the first leaf reached with %n == %at after %skip such leaves:
// the trace then runs through both call sites at levels of either parity.
constexpr const char* kFibTrap = R"(
.func fib(%n: i64, %at: i64, %skip: i64) -> i64 export
  .reg %a: i64, %b: i64, %two: i64, %left: i64
  li %two, 2
  blt %n, %two, small
  addi %a, %n, -1
  call %a, fib(%a, %at, %skip)
  addi %b, %n, -2
  addi %left, %skip, -1
  call %b, fib(%b, %at, %left)
  add %a, %a, %b
  ret %a
small:
  bne %n, %at, done
  bnz %skip, done
  trap 7
done:
  ret %n
.end
)";

TEST(OptSelfFrames, TrapDeepInARecursionHasTheInterpretersTrace) {
  int trapped = 0;
  for (int n : {2, 3, 4, 7, 8, 12})
    for (int at : {0, 1})
      for (int skip : {0, 1, 2, 5}) {
        const std::string t = same(kFibTrap, "fib", {{vi(n), vi(at), vi(skip)}})[0];
        trapped += contains(t, "trapped") ? 1 : 0;
      }
  EXPECT_GT(trapped, 20);  // the sweep does reach traps, at many depths
}

// kFib (opt_support.hpp), a fib of few registers, under call-depth limits of both parities: the
// limit falls on an inlined level or on a called one.
TEST(OptSelfFrames, CallDepthLimitAtEitherLevel) {
  for (uint32_t depth : {2u, 3u, 10u, 11u, 20u, 21u, 24u, 25u, 26u}) {
    vm::Limits l;
    l.max_call_depth = depth;
    const std::string t = same(kFib, "fib", {{vi(24)}}, l)[0];
    EXPECT_EQ(contains(t, "call depth limit of " + std::to_string(depth) + " frames reached"),
              depth < 24)  // fib(24) nests 24 frames: fib(24) down to fib(1)
        << depth << ": " << t;
  }
}

// Recursion deeper than the first frame array (4096 records) and the first VM stack (32768
// registers), so both grow while the callers' frames are live; on the way back every level calls
// `other` with arguments the runtime copies from its window (`other` is function 0: interpreted
// while `deep` runs in the opt tier in the opt-odd+interp mode), and a second self-call passes a
// ref, so a level that kept the old window would hand over stale values.
std::string deep_program() {
  std::string pad;
  for (int k = 0; k < 12; ++k) pad += fmt::format(", %p{}: {}", k, k % 2 == 0 ? "ref" : "i64");
  return fmt::format(R"(
.struct Box {{ v: i64 }}
.func other(%a: i64, %b: i64) -> i64
  .reg %c: i64
  muli %c, %a, 3
  andi %b, %b, 1023
  add %c, %c, %b
  ret %c
.end
.func deep(%n: i64, %t: ref, %stop: i64) -> i64 export
  .reg %m: i64, %r: i64, %s: i64, %box: ref, %zero: i64{}
  bz %n, bottom
  rnew %box, Box
  rset %box, %n, Box.v
  addi %m, %n, -1
  call %r, deep(%m, %box, %stop)
  call %s, other(%n, %r)
  add %r, %r, %s
  li %zero, 0
  call %s, deep(%zero, %box, %zero)
  add %r, %r, %s
  ret %r
bottom:
  bnz %stop, boom
  bnull %t, none
  rget %r, %t, Box.v
  ret %r
none:
  ret %n
boom:
  trap 3
.end
)",
                     pad);
}

TEST(OptSelfFrames, FramesAndStackGrowingMidRecursionKeepTheWindows) {
  const std::string src = deep_program();
  const std::vector<std::string> r =
      same(src, "deep",
           {{vi(6000), Value::from_r(nullptr), vi(0)}, {vi(5000), Value::from_r(nullptr), vi(1)}});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_TRUE(contains(r[0], "returned")) << r[0].substr(0, 200);
  EXPECT_TRUE(contains(r[1], "trapped")) << r[1].substr(0, 200);
}

}  // namespace
}  // namespace strata::jit::opt::test

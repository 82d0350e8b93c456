// Execution limits: fuel (calls + backward branches), call depth, VM stack size, stop requests.
#include <chrono>
#include <thread>

#include "tests/vm/vm_test_util.hpp"

namespace strata::vm::test {
namespace {

constexpr std::string_view kLoops = R"(
.func count(%n: i64) -> i64 export
  .reg %i: i64
  li %i, 0
top:
  bge %i, %n, done
  addi %i, %i, 1
  j top
done:
  ret %i
.end
.func leaf() -> i64
  ret 1
.end
.func calls(%n: i64) -> i64 export
  .reg %i: i64, %t: i64
  li %i, 0
top:
  bge %i, %n, done
  call %t, leaf()
  add %i, %i, %t
  j top
done:
  ret %i
.end
.func forever() export
top:
  j top
.end
.func down(%n: i64) -> i64 export
  addi %n, %n, 1
  call %n, down(%n)
  ret %n
.end
)";

std::unique_ptr<Program> with_fuel(uint64_t fuel) {
  LoadOptions o;
  o.limits.fuel = fuel;
  return load_lib(sasm(kLoops, "loops.sasm"), o);
}

TEST(Fuel, CountsBackwardBranchesAndCalls) {
  auto p = with_fuel(0);
  ASSERT_TRUE(p);
  EXPECT_EQ(call_ok(*p, "count", {vi(1000)}).i, 1000);
  EXPECT_EQ(p->fuel_used(), 1000u);
  EXPECT_EQ(call_ok(*p, "calls", {vi(500)}).i, 500);
  EXPECT_EQ(p->fuel_used(), 1000u + 2 * 500);
}

TEST(Fuel, ExactBudgetSucceedsOneLessTraps) {
  auto p = with_fuel(100000);
  ASSERT_TRUE(p);
  EXPECT_EQ(call_ok(*p, "count", {vi(100000)}).i, 100000);
  auto q = with_fuel(99999);
  ASSERT_TRUE(q);
  Trap t = call_trap(*q, "count", {vi(100000)});
  EXPECT_EQ(t.kind, TrapKind::OutOfFuel);
  ASSERT_EQ(t.trace.size(), 1u);
  EXPECT_EQ(t.trace[0].function, "count");
  EXPECT_EQ(t.trace[0].pc, 3u);  // the backward jump
  EXPECT_EQ(t.message, "fuel limit of 99999 units used up");
}

TEST(Fuel, InfiniteLoopEndsAndCallsCount) {
  auto p = with_fuel(1000000);
  ASSERT_TRUE(p);
  EXPECT_EQ(call_trap(*p, "forever").kind, TrapKind::OutOfFuel);
  auto q = with_fuel(10);
  ASSERT_TRUE(q);
  Trap t = call_trap(*q, "calls", {vi(100)});
  EXPECT_EQ(t.kind, TrapKind::OutOfFuel);
}

TEST(Depth, DeepRecursionTrapsAndTheHostSurvives) {
  LoadOptions o;
  o.limits.max_call_depth = 1000;
  auto p = load_lib(sasm(kLoops, "loops.sasm"), o);
  ASSERT_TRUE(p);
  Trap t = call_trap(*p, "down", {vi(0)});
  EXPECT_EQ(t.kind, TrapKind::StackOverflow);
  EXPECT_EQ(t.trace.size(), 1000u);
  EXPECT_EQ(t.trace[0].function, "down");
  EXPECT_EQ(t.trace[0].pc, 1u);
  // The program still runs after the overflow.
  EXPECT_EQ(call_ok(*p, "count", {vi(5)}).i, 5);
}

TEST(Depth, DefaultLimitIsReachedWithoutHostOverflow) {
  auto p = load_lib(sasm(kLoops, "loops.sasm"));
  ASSERT_TRUE(p);
  Trap t = call_trap(*p, "down", {vi(0)});
  EXPECT_EQ(t.kind, TrapKind::StackOverflow);
  EXPECT_EQ(t.trace.size(), 100000u);
}

TEST(Depth, HugeFramesGrowThenHitTheStackBound) {
  // 60000 registers per frame: the VM stack grows several times, then passes its bound long
  // before the depth limit.
  ModuleBuilder b;
  std::vector<ValType> locals(60000 - 1, I);
  b.func("big", {I}, I, locals,
         {abc(Op::AddI, 0, 0, 1), abc(Op::Call, 0, 0), args(0), abc(Op::Ret, 0)});
  auto p = load_lib(std::move(b.m));
  ASSERT_TRUE(p);
  Trap t = call_trap(*p, "big", {vi(0)});
  EXPECT_EQ(t.kind, TrapKind::StackOverflow);
  EXPECT_GT(t.trace.size(), 100u);
  EXPECT_LT(t.trace.size(), 1000u);
}

TEST(Stop, RequestStopInterruptsARunningProgram) {
  auto p = load_lib(sasm(kLoops, "loops.sasm"));
  ASSERT_TRUE(p);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    p->request_stop();
  });
  Trap t = call_trap(*p, "forever");
  stopper.join();
  EXPECT_EQ(t.kind, TrapKind::Interrupted);
  // The request is consumed: the next run is not interrupted.
  EXPECT_EQ(call_ok(*p, "count", {vi(200000)}).i, 200000);
}

}  // namespace
}  // namespace strata::vm::test

// Calls and returns inside a region (translator.cpp, "Calls and returns stay inside the region"),
// and the order the region's budget is spent in; each unit run by the interpreter and the
// baseline JIT (the rig compares them).
#include "translate_test_support.hpp"

namespace strata::jit::rv64::test {
namespace {

// A recursion: f counts x10 down, calling itself, and returns through the return point.
//    0: beq  x10, x0, 16    f: the base case returns
//    4: addi x10, x10, -1
//    8: jal  x1, 0          the recursive call (f is the region's entry: already in it)
//   12: jal  x0, 20         the return point
//   16: jalr x0, 0(x1)      ret
//   20: ecall
std::vector<uint32_t> recursion() {
  return {rv::beq(10, 0, 16), rv::addi(10, 10, -1), rv::jal(1, -8),
          rv::jal(0, 8),      rv::jalr(0, 1, 0),    rv::kEcall};
}

TEST(Rv64TranslateCalls, ARecursionReturnsInsideTheUnit) {
  Rig r;
  r.limits = RegionLimits{};
  r.code(recursion());
  r.set_x(10, 2);
  r.set_x(1, kCode + 0x800);  // f's own caller, outside the region
  r.set_state(state::kSliceLeft, 100);
  const Outcome o = r.run();
  ASSERT_EQ(o.status, vm::ExecStatus::Returned);
  // Two calls and the return at the base case stayed inside: the unit ends at the ecall.
  EXPECT_EQ(o.ret, (kCode + 20) | 1);
  EXPECT_EQ(r.x(10), 0u);
  EXPECT_EQ(r.x(1), kCode + 12);
  // f twice (3 each), the base case (2), the return point and the ecall.
  EXPECT_EQ(r.state(state::kInstret), 10u);
  // Each call (a back-edge to the entry) and the return counted the slice down.
  EXPECT_EQ(static_cast<int64_t>(r.state(state::kSliceLeft)), 97);
  EXPECT_TRUE(r.last_block().has_loop);
}

TEST(Rv64TranslateCalls, AReturnToAnAddressThatIsNoReturnPointLeaves) {
  Rig r;
  r.limits = RegionLimits{};
  r.code(recursion());
  r.set_x(10, 0);  // the base case at once: the return goes to f's caller
  r.set_x(1, kCode + 0x800);
  const Outcome o = r.run();
  ASSERT_EQ(o.status, vm::ExecStatus::Returned);
  EXPECT_EQ(o.ret, kCode + 0x800);
  EXPECT_EQ(r.state(state::kInstret), 2u);
}

// A call to new code admits no return point (it would pull the caller's rest into the unit):
// the callee's return leaves for it.
//    0: jal  x1, 12         call g
//    4: addi x7, x7, 1      the return point
//    8: ecall
//   12: addi x6, x6, 1      g
//   16: jalr x0, 0(x1)
TEST(Rv64TranslateCalls, ACallToNewCodeReturnsThroughTheRunner) {
  Rig r;
  r.limits = RegionLimits{};
  r.code({rv::jal(1, 12), rv::addi(7, 7, 1), rv::kEcall, rv::addi(6, 6, 1), rv::jalr(0, 1, 0)});
  const Outcome o = r.run();
  ASSERT_EQ(o.status, vm::ExecStatus::Returned);
  EXPECT_EQ(o.ret, kCode + 4);
  EXPECT_EQ(r.x(6), 1u);
  EXPECT_EQ(r.x(7), 0u);
  EXPECT_EQ(r.last_block().guest_blocks, 2u);  // the entry and g
}

// Calls to a callee already in the region return inside it, each to its own return point: the
// comparison picks the caller. g joins the region as a branch target before the calls.
//    0: bne  x5, x0, 8      never taken (x5 = 0): g is admitted, the entry falls through
//    4: jal  x0, 16
//    8: addi x6, x6, 1      g
//   12: jalr x0, 0(x1)
//   16: jal  x1, -8         call g (in the region: return point 20)
//   20: addi x7, x7, 1
//   24: jal  x1, -16        call g again (return point 28)
//   28: addi x7, x7, 10
//   32: ecall
std::vector<uint32_t> two_calls() {
  return {rv::bne(5, 0, 8),  rv::jal(0, 12),  rv::addi(6, 6, 1),  rv::jalr(0, 1, 0), rv::jal(1, -8),
          rv::addi(7, 7, 1), rv::jal(1, -16), rv::addi(7, 7, 10), rv::kEcall};
}

TEST(Rv64TranslateCalls, ReturnsFromACalleeAlreadyInTheRegionFindTheirCaller) {
  Rig r;
  r.limits = RegionLimits{};
  r.code(two_calls());
  const Outcome o = r.run();
  ASSERT_EQ(o.status, vm::ExecStatus::Returned);
  EXPECT_EQ(o.ret, (kCode + 32) | 1);
  EXPECT_EQ(r.x(6), 2u);
  EXPECT_EQ(r.x(7), 11u);
  EXPECT_EQ(r.x(1), kCode + 28);
  EXPECT_EQ(r.state(state::kInstret), 11u);
}

// A return counts the slice down like a back-edge to an inner header: past the overdraw it
// leaves for its return point.
TEST(Rv64TranslateCalls, AReturnLeavesForItsPointWhenTheSliceRunsOut) {
  Rig r;
  r.limits = RegionLimits{};
  r.code(two_calls());
  // At the floor: the first call is no back-edge (g was not emitted yet when it was), the
  // return is one and goes past the floor.
  r.set_state(state::kSliceLeft, static_cast<uint64_t>(-vm::rv64::kSliceOverdraw));
  const Outcome o = r.run();
  ASSERT_EQ(o.status, vm::ExecStatus::Returned);
  EXPECT_EQ(o.ret, kCode + 20);  // left for the return point, a normal exit
  EXPECT_EQ(r.x(6), 1u);
  EXPECT_EQ(r.state(state::kInstret), 5u);
}

// The budget goes to the blocks fewest jumps from the entry: with room for four blocks, the
// taken branch's target (one jump away) is in the unit, not the end of a chain of jumps.
//    0: bne  x6, x0, 40     taken target 40: one jump away
//    4: jal  x0, 4 ...      a chain of jumps, one block each
//   40: ecall
TEST(Rv64TranslateCalls, TheBudgetGoesToTheBlocksFewestJumpsAway) {
  Rig r;
  r.limits = RegionLimits{64, 4};
  std::vector<uint32_t> code(11, rv::jal(0, 4));
  code[0] = rv::bne(6, 0, 40);
  code[10] = rv::kEcall;
  r.code(code);
  r.set_x(6, 1);
  const Outcome o = r.run();
  ASSERT_EQ(o.status, vm::ExecStatus::Returned);
  EXPECT_EQ(o.ret, (kCode + 40) | 1);  // the ecall ran inside the unit
  EXPECT_EQ(r.last_block().guest_blocks, 4u);
}

}  // namespace
}  // namespace strata::jit::rv64::test

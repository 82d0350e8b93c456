// Regions (translator.hpp): several guest blocks in one SVI function, internal branches and loops,
// each run by the interpreter and the baseline JIT (the rig compares them).
#include "translate_test_support.hpp"

namespace strata::jit::rv64::test {
namespace {

// A loop whose exit (the ecall) is emitted before the block that writes x7: the writeback at the
// ecall must still store x7 (emission order is not execution order).
//   0: addi x6, x0, 5      entry
//   4: jal  x0, 12
//   8: nop                 (never run)
//  12: bne  x6, x0, 20     loop head; falls through to the ecall
//  16: ecall
//  20: addi x7, x7, 3      body
//  24: addi x6, x6, -1
//  28: jal  x0, 12
std::vector<uint32_t> counted_loop() {
  return {rv::addi(6, 0, 5), rv::jal(0, 8),     rv::kNop,           rv::bne(6, 0, 8),
          rv::kEcall,        rv::addi(7, 7, 3), rv::addi(6, 6, -1), rv::jal(0, -16)};
}

TEST(Rv64TranslateRegion, LoopRunsInsideOneUnitWithExactInstret) {
  Rig r;
  r.limits = RegionLimits{};
  r.code(counted_loop());
  r.set_x(7, 100);
  r.set_state(state::kInstret, 1000);
  const Outcome o = r.run();
  ASSERT_EQ(o.status, vm::ExecStatus::Returned);
  EXPECT_EQ(o.ret, (kCode + 16) | 1);
  EXPECT_EQ(r.state(state::kExit), 1u);  // ExitReason::Ecall
  EXPECT_EQ(r.x(7), 115u);
  EXPECT_EQ(r.x(6), 0u);
  // entry 2 + 5 * (head 1 + body 3) + head 1 + the ecall 1
  EXPECT_EQ(r.state(state::kInstret), 1000u + 24u);
  const TranslatedBlock& t = r.last_block();
  EXPECT_TRUE(t.has_loop);
  EXPECT_EQ(t.guest_blocks, 4u);  // entry, head, ecall, body
  EXPECT_EQ(t.guest_insns, 7u);
  const std::vector<std::pair<uint64_t, uint64_t>> want = {{kCode, kCode + 8},
                                                           {kCode + 12, kCode + 32}};
  EXPECT_EQ(t.ranges, want);
}

// Each back-edge counts the time slice down. A back-edge to the unit's entry leaves the unit
// once the slice is below zero, for the loop header with every register stored, like any exit.
TEST(Rv64TranslateRegion, BackEdgeToTheEntryLeavesWhenTheSliceRunsOut) {
  Rig r;
  r.limits = RegionLimits{};
  r.code(counted_loop());
  r.set_x(6, 5);
  r.set_x(7, 100);
  r.set_state(state::kInstret, 1000);
  r.set_state(state::kSliceLeft, 2);
  const Outcome o = r.run(kCode + 12);  // entered at the loop head
  ASSERT_EQ(o.status, vm::ExecStatus::Returned);
  EXPECT_EQ(o.ret, kCode + 12);  // the loop head, a normal exit
  EXPECT_EQ(r.x(7), 109u);       // three passes through the body
  EXPECT_EQ(r.x(6), 2u);
  EXPECT_EQ(r.state(state::kInstret), 1000u + 3u * 4u);
  EXPECT_EQ(static_cast<int64_t>(r.state(state::kSliceLeft)), -1);
}

// A back-edge to another header leaves only once the slice is kSliceOverdraw below zero, so the
// loop is found again through the unit it was entered by (guest_layout.hpp).
TEST(Rv64TranslateRegion, BackEdgeToAnInnerHeaderLeavesPastTheOverdraw) {
  Rig r;
  r.limits = RegionLimits{};
  r.code(counted_loop());
  r.set_x(7, 100);
  r.set_state(state::kInstret, 1000);
  r.set_state(state::kSliceLeft, static_cast<uint64_t>(2 - vm::rv64::kSliceOverdraw));
  const Outcome o = r.run();
  ASSERT_EQ(o.status, vm::ExecStatus::Returned);
  EXPECT_EQ(o.ret, kCode + 12);  // the loop head, a normal exit
  EXPECT_EQ(r.x(7), 109u);       // three passes through the body
  EXPECT_EQ(r.x(6), 2u);
  EXPECT_EQ(r.state(state::kInstret), 1000u + 2u + 3u * 4u);
  EXPECT_EQ(static_cast<int64_t>(r.state(state::kSliceLeft)), -1 - vm::rv64::kSliceOverdraw);
}

// The words `li r, -kSliceOverdraw` of a unit: the overdraw's floor, set once by the prologue
// for every back-edge to an inner header.
size_t overdraw_floors(const TranslatedBlock& t) {
  size_t n = 0;
  for (const isa::Word w : t.fn.code)
    n += isa::op_of(w) == isa::Op::Li && isa::sbc_of(w) == -vm::rv64::kSliceOverdraw;
  return n;
}

TEST(Rv64TranslateRegion, OnlyBackEdgesToInnerHeadersUseTheOverdrawFloor) {
  Rig r;
  r.limits = RegionLimits{};
  r.code(counted_loop());
  r.set_x(6, 2);
  ASSERT_EQ(r.run(kCode + 12).status, vm::ExecStatus::Returned);  // the header is the entry
  EXPECT_EQ(overdraw_floors(r.last_block()), 0u);
  ASSERT_EQ(r.run().status, vm::ExecStatus::Returned);  // the header is inside
  EXPECT_EQ(overdraw_floors(r.last_block()), 1u);
}

TEST(Rv64TranslateRegion, BackEdgeToAnInnerHeaderKeepsLoopingBelowZero) {
  Rig r;
  r.limits = RegionLimits{};
  r.code(counted_loop());
  r.set_x(7, 100);
  r.set_state(state::kSliceLeft, 2);
  const Outcome o = r.run();
  ASSERT_EQ(o.status, vm::ExecStatus::Returned);
  EXPECT_EQ(o.ret, (kCode + 16) | 1);  // the ecall after all five passes
  EXPECT_EQ(r.x(7), 115u);
  EXPECT_EQ(static_cast<int64_t>(r.state(state::kSliceLeft)), 2 - 5);
}

TEST(Rv64TranslateRegion, AnEmptySliceLeavesAtTheFirstBackEdge) {
  Rig r;
  r.limits = RegionLimits{};
  // 0: jal x0, 0 -- a loop of one instruction, to itself.
  r.code({rv::jal(0, 0)});
  r.set_state(state::kSliceLeft, 0);  // what request_stop() stores, seen at the unit's entry
  const Outcome o = r.run();
  ASSERT_EQ(o.status, vm::ExecStatus::Returned);
  EXPECT_EQ(o.ret, kCode);
  EXPECT_TRUE(r.last_block().has_loop);
}

TEST(Rv64TranslateRegion, SingleBlockModeLeavesAtEveryBranch) {
  Rig r;  // translate_block
  r.code(counted_loop());
  const Outcome o = r.run();
  EXPECT_EQ(o.ret, kCode + 12);
  EXPECT_FALSE(r.last_block().has_loop);
  EXPECT_EQ(r.last_block().guest_blocks, 1u);
}

TEST(Rv64TranslateRegion, EnteredInTheMiddle) {
  Rig r;
  r.limits = RegionLimits{};
  r.code(counted_loop());
  r.set_x(6, 2);
  r.set_x(7, 0);
  const Outcome o = r.run(kCode + 12);
  EXPECT_EQ(o.ret, (kCode + 16) | 1);
  EXPECT_EQ(r.x(7), 6u);
  EXPECT_EQ(r.last_block().start, kCode + 12);
  EXPECT_EQ(r.state(state::kInstret), 2u * 4u + 2u);
}

TEST(Rv64TranslateRegion, InstretCsrInsideALoopCountsEveryIteration) {
  // x8 = instret at each iteration's start; 3 iterations of 3 instructions after one.
  Rig r;
  r.limits = RegionLimits{};
  r.code({rv::addi(6, 0, 3), rv::csrrs(8, 0xC02, 0), rv::addi(6, 6, -1), rv::bne(6, 0, -8),
          rv::kEcall});
  r.set_state(state::kInstret, 50);
  const Outcome o = r.run();
  EXPECT_EQ(o.ret, (kCode + 16) | 1);
  EXPECT_EQ(r.x(8), 50u + 1u + 3u * 2u);  // read at the start of the third iteration
  EXPECT_EQ(r.state(state::kInstret), 50u + 1u + 3u * 3u + 1u);
}

TEST(Rv64TranslateRegion, FaultInsideALoopNamesTheGuestPcAndAddress) {
  // ld x6, 0(x5); x5 += 0x10000 until the load leaves the guest space (kTop = 0x107000).
  Rig r;
  r.limits = RegionLimits{};
  r.code({rv::ld(6, 5, 8), rv::add(5, 5, 7), rv::bne(5, 0, -8), rv::kEcall});
  r.set_x(5, kData);
  r.set_x(7, 0x10000);
  const Outcome o = r.run();
  ASSERT_EQ(o.status, vm::ExecStatus::Trapped);
  EXPECT_EQ(o.trap_kind, vm::TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(guest_pc_of(r.last_block(), o.trap_pc), kCode);
  ASSERT_TRUE(o.fault_linear.has_value());
  EXPECT_EQ(*o.fault_linear + vm::rv64::kGuestOrigin, uint64_t{0x110000} + 8);
}

TEST(Rv64TranslateRegion, StaysInTheEntryPageAndTheNext) {
  // jal to two pages ahead leaves the region; to the next page joins it.
  Rig r;
  r.limits = RegionLimits{};
  r.code({rv::jal(0, 0x1000)});
  r.code({rv::jal(0, 0x1000)}, kCode + 0x1000);
  r.code({rv::kEcall}, kCode + 0x2000);
  const Outcome o = r.run();
  EXPECT_EQ(o.ret, kCode + 0x2000);
  EXPECT_EQ(r.last_block().guest_blocks, 2u);
  EXPECT_EQ(r.state(state::kInstret), 2u);
}

TEST(Rv64TranslateRegion, LimitsBoundTheRegion) {
  // A chain of jumps: each block one instruction, each target new.
  Rig r;
  r.limits = RegionLimits{8, 4};
  std::vector<uint32_t> chain(20, rv::jal(0, 4));
  r.code(chain);
  const Outcome o = r.run();
  EXPECT_EQ(o.ret, kCode + 16);
  EXPECT_EQ(r.last_block().guest_blocks, 4u);
  EXPECT_EQ(r.state(state::kInstret), 4u);
}

TEST(Rv64TranslateRegion, UnfetchableSuccessorIsAnExitNotAnError) {
  Rig r;
  r.limits = RegionLimits{};
  r.code({rv::beq(0, 0, 8), rv::kEcall});
  r.fetch_end = kCode + 8;
  const Outcome o = r.run();
  EXPECT_EQ(o.ret, kCode + 8);
}

TEST(Rv64TranslateRegion, OnlyLiveRegistersAreLoadedAndOnlyWrittenOnesStored) {
  // x5 is written before any read: no load. x6 is only read: no store.
  Rig r;
  r.limits = RegionLimits{};
  r.code({rv::addi(5, 0, 1), rv::add(5, 5, 6), rv::kEcall});
  r.set_x(6, 41);
  const Outcome o = r.run();
  EXPECT_EQ(o.ret, (kCode + 8) | 1);
  EXPECT_EQ(r.x(5), 42u);
  unsigned loads_x5 = 0, stores_x6 = 0;
  for (isa::Word w : r.last_block().fn.code) {
    if (isa::op_of(w) == isa::Op::LdI64 && isa::b_of(w) == 0 &&
        isa::c_of(w) == vm::rv64::x_offset(5))
      ++loads_x5;
    if (isa::op_of(w) == isa::Op::StI64 && isa::a_of(w) == 0 &&
        isa::c_of(w) == vm::rv64::x_offset(6))
      ++stores_x6;
  }
  EXPECT_EQ(loads_x5, 0u);
  EXPECT_EQ(stores_x6, 0u);
}

// RegionLimits::only (a unit retranslated for the LLVM tier with the blocks that ran): a block
// not listed is an exit like a target outside the region, so the loop still runs inside the
// unit and leaves where the unlisted block starts, with every register stored.
TEST(Rv64TranslateRegion, OnlyTheListedBlocksJoinTheRegion) {
  Rig r;
  const std::vector<uint64_t> only = {kCode + 12, kCode + 20};  // not the ecall's block
  r.limits = RegionLimits{};
  r.limits.only = &only;
  r.code(counted_loop());
  r.set_x(7, 100);
  r.set_state(state::kInstret, 1000);
  const Outcome o = r.run();
  ASSERT_EQ(o.status, vm::ExecStatus::Returned);
  EXPECT_EQ(o.ret, kCode + 16);  // a normal exit to the block left out
  EXPECT_EQ(r.x(7), 115u);
  EXPECT_EQ(r.x(6), 0u);
  EXPECT_EQ(r.state(state::kInstret), 1000u + 23u);  // the ecall has not run
  const TranslatedBlock& t = r.last_block();
  EXPECT_TRUE(t.has_loop);
  EXPECT_EQ(t.guest_blocks, 3u);  // entry, head, body
  EXPECT_EQ(t.guest_insns, 6u);
}

// TranslatedBlock::block_starts names each block's first instruction: the probes that record
// which blocks ran sit there.
TEST(Rv64TranslateRegion, BlockStartsAreEachBlocksFirstInstruction) {
  Rig r;
  r.limits = RegionLimits{};
  r.code(counted_loop());
  r.set_x(7, 100);
  ASSERT_EQ(r.run().status, vm::ExecStatus::Returned);
  const TranslatedBlock& t = r.last_block();
  std::vector<uint64_t> starts;
  uint32_t last = 0;
  for (const auto& [svi, guest] : t.block_starts) {
    EXPECT_GE(svi, last);
    last = svi;
    EXPECT_EQ(guest_pc_of(t, svi), guest);
    // The word before belongs to another guest instruction (the entry's: to the prologue).
    if (guest != t.start) {
      EXPECT_NE(guest_pc_of(t, svi - 1), guest);
    }
    starts.push_back(guest);
  }
  std::sort(starts.begin(), starts.end());
  const std::vector<uint64_t> want = {kCode, kCode + 12, kCode + 16, kCode + 20};
  EXPECT_EQ(starts, want);
}

}  // namespace
}  // namespace strata::jit::rv64::test

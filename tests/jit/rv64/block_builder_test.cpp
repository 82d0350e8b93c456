// BlockBuilder's slot plan (block_builder.hpp): which guest registers the prologue loads and
// which each writeback stores, read off the finished SVI code. The Exact plan is a dataflow over
// the unit's basic blocks; these units have branches into the middle of straight code, loops and
// several exits, so a block boundary or a successor the analysis missed changes the sets.
#include <algorithm>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "jit/rv64/block_builder.hpp"
#include "vm/rv64/guest_layout.hpp"

namespace strata::jit::rv64 {
namespace {

using isa::Op;

struct Plan {
  std::set<unsigned> loaded;               // guest x registers the prologue loads
  std::vector<std::set<unsigned>> stored;  // per `ret`, in code order: x registers stored
};

unsigned x_of_offset(uint32_t off) {
  for (unsigned i = 1; i < 32; ++i)
    if (vm::rv64::x_offset(i) == off) return i;
  return 0;  // instret, the slice or a float register: not asked about here
}

// The unit's exit to guest pc `pc` (a temporary holding it, returned).
void exit_to(BlockBuilder& b, uint32_t pc) {
  const uint16_t t = b.tmp();
  b.emit_abx(Op::Li, t, pc);
  b.emit_return(t);
}

Plan plan_of(const isa::Function& fn) {
  Plan p;
  size_t i = 0;
  for (; i < fn.code.size(); ++i) {
    const isa::Word w = fn.code[i];
    if (isa::op_of(w) != Op::LdI64 || isa::b_of(w) != BlockBuilder::kZero) break;
    if (unsigned x = x_of_offset(isa::c_of(w))) p.loaded.insert(x);
  }
  std::set<unsigned> pending;
  for (; i < fn.code.size(); ++i) {
    const isa::Word w = fn.code[i];
    if (isa::op_of(w) == Op::StI64 && isa::a_of(w) == BlockBuilder::kZero) {
      if (unsigned x = x_of_offset(isa::c_of(w))) pending.insert(x);
    } else if (isa::op_of(w) == Op::Ret) {
      p.stored.push_back(pending);
      pending.clear();
    } else {
      pending.clear();
    }
  }
  return p;
}

TEST(BlockBuilderPlan, StraightCodeLoadsWhatItReadsAndStoresWhatItWrites) {
  BlockBuilder b;
  b.begin_insn(0);
  const uint16_t src = b.xreg(6);
  b.emit(Op::AddI, b.xdef(5), src, 1);
  exit_to(b, 8);
  const Plan p = plan_of(b.finish("straight"));
  EXPECT_EQ(p.loaded, (std::set<unsigned>{6}));
  ASSERT_EQ(p.stored.size(), 1u);
  EXPECT_EQ(p.stored[0], (std::set<unsigned>{5}));
}

// x7 is written on one arm only: the writeback after the merge stores it on both, so the prologue
// must load it for the arm that did not write it.
TEST(BlockBuilderPlan, AWriteOnOneArmIsLoadedForTheOther) {
  BlockBuilder b;
  b.begin_insn(0);
  const BlockBuilder::Label skip = b.new_label();
  b.branch1(Op::Bz, b.xreg(10), skip);
  b.begin_insn(4);
  b.emit_abx(Op::Li, b.xdef(7), 1);
  b.bind(skip);
  b.begin_insn(8);
  exit_to(b, 12);
  const Plan p = plan_of(b.finish("arm"));
  EXPECT_EQ(p.loaded, (std::set<unsigned>{7, 10}));
  ASSERT_EQ(p.stored.size(), 1u);
  EXPECT_EQ(p.stored[0], (std::set<unsigned>{7}));
}

// A unit with two exits: the first taken on x11 == 0, before anything is written; the second
// after x9 = 3 and x5 = x6 + 1.
Plan two_exits_plan(SlotPlanKind kind) {
  BlockBuilder b(16, kind);
  b.begin_insn(0);
  const BlockBuilder::Label late = b.new_label();
  b.branch1(Op::Bnz, b.xreg(11), late);
  b.begin_insn(4);
  exit_to(b, 4);
  b.bind(late);
  b.begin_insn(8);
  b.emit_abx(Op::Li, b.xdef(9), 3);
  b.emit(Op::AddI, b.xdef(5), b.xreg(6), 1);
  exit_to(b, 12);
  return plan_of(b.finish("exits"));
}

// The early exit stores nothing; the late one stores x9 and x5. x9 and x5 are written before
// any read on every path, so they are not loaded.
TEST(BlockBuilderPlan, EachExitStoresWhatPathsToItWrote) {
  const Plan p = two_exits_plan(SlotPlanKind::Exact);
  EXPECT_EQ(p.loaded, (std::set<unsigned>{6, 11}));
  ASSERT_EQ(p.stored.size(), 2u);
  EXPECT_EQ(p.stored[0], (std::set<unsigned>{}));
  EXPECT_EQ(p.stored[1], (std::set<unsigned>{5, 9}));
}

// x12 is written before the loop, so it is not loaded; x13 is read in the loop before the loop
// writes it, so it is; both are stored at the exit.
TEST(BlockBuilderPlan, ALoopsBackEdgeCarriesWhatItsHeadReads) {
  BlockBuilder b;
  b.begin_insn(0);
  b.emit_abx(Op::Li, b.xdef(12), 0);
  const BlockBuilder::Label head = b.new_label();
  b.bind(head);
  b.begin_block();
  b.begin_insn(4);
  const uint16_t x13 = b.xreg(13);
  b.emit(Op::Add, b.xdef(12), b.xreg(12), x13);
  b.begin_insn(8);
  b.emit(Op::AddI, b.xdef(13), b.xreg(13), static_cast<uint16_t>(-1));
  b.begin_insn(12);
  b.branch1(Op::Bnz, b.xreg(13), head);
  b.begin_insn(16);
  exit_to(b, 20);
  const Plan p = plan_of(b.finish("loop"));
  EXPECT_EQ(p.loaded, (std::set<unsigned>{13}));
  ASSERT_EQ(p.stored.size(), 1u);
  EXPECT_EQ(p.stored[0], (std::set<unsigned>{12, 13}));
}

// An exit inside a loop, reached before the body writes x14 on the first pass but after it on
// later passes: the back-edge makes x14 dirty there, so it is stored, and so loaded.
TEST(BlockBuilderPlan, AnExitInALoopStoresWhatALaterPassWrote) {
  BlockBuilder b;
  b.begin_insn(0);
  const BlockBuilder::Label head = b.new_label(), out = b.new_label();
  b.bind(head);
  b.begin_insn(4);
  b.branch1(Op::Bz, b.xreg(15), out);
  b.begin_insn(8);
  b.emit_abx(Op::Li, b.xdef(14), 1);
  b.emit(Op::AddI, b.xdef(15), b.xreg(15), static_cast<uint16_t>(-1));
  b.branch1(Op::Jmp, 0, head);
  b.bind(out);
  b.begin_insn(12);
  exit_to(b, 16);
  const Plan p = plan_of(b.finish("loop-exit"));
  EXPECT_EQ(p.loaded, (std::set<unsigned>{14, 15}));
  ASSERT_EQ(p.stored.size(), 1u);
  EXPECT_EQ(p.stored[0], (std::set<unsigned>{14, 15}));
}

// The Whole plan (the full-system hart's): every register the unit names is loaded, the ones
// it only writes too, and every exit stores every register the unit writes, whichever path led
// there. The early exit stores x5 and x9 as loaded, unchanged.
TEST(BlockBuilderPlan, WholeLoadsEveryRegisterNamedAndEachExitStoresEveryOneWritten) {
  const Plan p = two_exits_plan(SlotPlanKind::Whole);
  EXPECT_EQ(p.loaded, (std::set<unsigned>{5, 6, 9, 11}));
  ASSERT_EQ(p.stored.size(), 2u);
  EXPECT_EQ(p.stored[0], (std::set<unsigned>{5, 9}));
  EXPECT_EQ(p.stored[1], (std::set<unsigned>{5, 9}));
}

}  // namespace
}  // namespace strata::jit::rv64

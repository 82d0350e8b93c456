// Instruction words: every opcode of the table encodes and decodes; field accessors at the edges.
#include <gtest/gtest.h>

#include <set>

#include "isa/insn.hpp"

namespace strata::isa {
namespace {

TEST(Insn, EveryOpcodeRoundTripsThroughTheWord) {
  ASSERT_EQ(std::size(kOpInfo), kOpCount);
  for (size_t i = 0; i < kOpCount; ++i) {
    const Op op = static_cast<Op>(i);
    const OpInfo& oi = kOpInfo[i];
    SCOPED_TRACE(std::string(oi.mnemonic));
    EXPECT_TRUE(is_valid_op(static_cast<uint16_t>(i)));
    EXPECT_EQ(&info(op), &kOpInfo[i]);
    // Distinct, non-zero patterns in every field, so a swapped shift shows.
    const Word w = make_abc(op, 0x1234, 0xbeef, 0x8001);
    EXPECT_EQ(op_of(w), op);
    EXPECT_EQ(a_of(w), 0x1234);
    EXPECT_EQ(b_of(w), 0xbeef);
    EXPECT_EQ(c_of(w), 0x8001);
    EXPECT_EQ(sc_of(w), -32767);
    EXPECT_EQ(bc_of(w), 0x8001beefu);
    const Word x = make_abx(op, 0xffff, 0xfffffffeu);
    EXPECT_EQ(op_of(x), op);
    EXPECT_EQ(a_of(x), 0xffff);
    EXPECT_EQ(bc_of(x), 0xfffffffeu);
    EXPECT_EQ(sbc_of(x), -2);
    EXPECT_EQ(b_of(x), 0xfffe);
    EXPECT_EQ(c_of(x), 0xffff);
    // The mnemonic maps back to the opcode.
    auto back = op_from_mnemonic(oi.mnemonic);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, op);
  }
}

TEST(Insn, MnemonicsAreUniqueAndUnknownOnesRejected) {
  std::set<std::string_view> seen;
  for (const auto& oi : kOpInfo) EXPECT_TRUE(seen.insert(oi.mnemonic).second) << oi.mnemonic;
  EXPECT_FALSE(op_from_mnemonic("").has_value());
  EXPECT_FALSE(op_from_mnemonic("ADD").has_value());
  EXPECT_FALSE(op_from_mnemonic("add ").has_value());
}

TEST(Insn, OpcodeValidityBoundary) {
  EXPECT_TRUE(is_valid_op(static_cast<uint16_t>(kOpCount - 1)));
  EXPECT_FALSE(is_valid_op(static_cast<uint16_t>(kOpCount)));
  EXPECT_FALSE(is_valid_op(0xffff));
}

TEST(Insn, TableRowsAreWellFormed) {
  for (const auto& oi : kOpInfo) {
    SCOPED_TRACE(std::string(oi.mnemonic));
    // A wide operand occupies b:c, so c is unused.
    EXPECT_FALSE(is_wide(oi.a));
    EXPECT_FALSE(is_wide(oi.c));
    if (is_wide(oi.b)) {
      EXPECT_EQ(oi.c, Operand::__);
    }
    EXPECT_EQ((oi.flags & kBranch) != 0, oi.b == Operand::J32 || oi.c == Operand::J16);
    const bool any_rule_reg =
        oi.a == Operand::Dx || oi.a == Operand::Ux || oi.b == Operand::Dx || oi.b == Operand::Ux;
    const uint32_t rules = kSameAB | kConstA | kFieldA | kFieldB | kResultA | kRetA;
    EXPECT_EQ(any_rule_reg, (oi.flags & rules) != 0);
    EXPECT_FALSE(oi.semantics.empty());
  }
}

TEST(Insn, SignedFieldEdges) {
  EXPECT_EQ(sc_of(make_abc(Op::Nop, 0, 0, 0x7fff)), 32767);
  EXPECT_EQ(sc_of(make_abc(Op::Nop, 0, 0, 0x8000)), -32768);
  EXPECT_EQ(sc_of(make_abc(Op::Nop, 0, 0, 0xffff)), -1);
  EXPECT_EQ(sbc_of(make_abx(Op::Nop, 0, 0x7fffffffu)), INT32_MAX);
  EXPECT_EQ(sbc_of(make_abx(Op::Nop, 0, 0x80000000u)), INT32_MIN);
  EXPECT_EQ(sbc_of(make_abx(Op::Jmp, 0, static_cast<uint32_t>(-1))), -1);
  // Fields do not bleed into each other.
  EXPECT_EQ(make_abc(Op::Nop, 0xffff, 0, 0), Word(0xffff) << kAShift);
  EXPECT_EQ(make_abc(Op::Nop, 0, 0, 0xffff), Word(0xffff) << kCShift);
  EXPECT_EQ(make_abx(static_cast<Op>(0xffff), 0, 0), Word(0xffff));
}

TEST(Insn, ArgumentWords) {
  const Word w = make_args(1, 0xffff, 3, 0x8000);
  EXPECT_EQ(arg_of(w, 0), 1);
  EXPECT_EQ(arg_of(w, 1), 0xffff);
  EXPECT_EQ(arg_of(w, 2), 3);
  EXPECT_EQ(arg_of(w, 3), 0x8000);
  EXPECT_EQ(make_args(7), Word(7));
  EXPECT_EQ(arg_words(0), 0u);
  EXPECT_EQ(arg_words(1), 1u);
  EXPECT_EQ(arg_words(4), 1u);
  EXPECT_EQ(arg_words(5), 2u);
  EXPECT_EQ(arg_words(65535), 16384u);
}

}  // namespace
}  // namespace strata::isa

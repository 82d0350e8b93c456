// RV64I computation and the M extension through the translator (both SVI tiers).
#include <cstdint>
#include <limits>

#include "translate_test_support.hpp"

namespace strata::jit::rv64::test {
namespace {

constexpr uint64_t kMin64 = uint64_t{1} << 63;
constexpr uint64_t kAll = ~uint64_t{0};

// Runs `insn` (rd = x7, rs1 = x5, rs2 = x6) with x5 = a, x6 = b; returns x7.
uint64_t op2(uint32_t insn, uint64_t a, uint64_t b) {
  Rig r;
  r.set_x(5, a);
  r.set_x(6, b);
  r.set_x(7, 0xdeadbeef);
  r.code({insn, rv::jal(0, 0x40)});
  const Outcome o = r.run();
  EXPECT_EQ(o.status, vm::ExecStatus::Returned);
  EXPECT_EQ(o.ret, kCode + 4 + 0x40);
  EXPECT_EQ(r.x(5), a);  // sources untouched
  EXPECT_EQ(r.x(6), b);
  return r.x(7);
}

TEST(Rv64TranslateAlu, RegisterRegister) {
  EXPECT_EQ(op2(rv::add(7, 5, 6), 5, kAll), 4u);
  EXPECT_EQ(op2(rv::sub(7, 5, 6), 0, 1), kAll);
  EXPECT_EQ(op2(rv::xor_(7, 5, 6), 0xff00, 0x0ff0), 0xf0f0u);
  EXPECT_EQ(op2(rv::or_(7, 5, 6), 0xff00, 0x0ff0), 0xfff0u);
  EXPECT_EQ(op2(rv::and_(7, 5, 6), 0xff00, 0x0ff0), 0x0f00u);
  EXPECT_EQ(op2(rv::slt(7, 5, 6), kAll, 0), 1u);
  EXPECT_EQ(op2(rv::slt(7, 5, 6), 0, kAll), 0u);
  EXPECT_EQ(op2(rv::sltu(7, 5, 6), kAll, 0), 0u);
  EXPECT_EQ(op2(rv::sltu(7, 5, 6), 0, kAll), 1u);
  EXPECT_EQ(op2(rv::slt(7, 5, 6), 3, 3), 0u);
}

TEST(Rv64TranslateAlu, ShiftsUseSixBitsOfTheAmount) {
  EXPECT_EQ(op2(rv::sll(7, 5, 6), 1, 63), kMin64);
  EXPECT_EQ(op2(rv::sll(7, 5, 6), 1, 64 + 3), 8u);  // only rs2[5:0]
  EXPECT_EQ(op2(rv::srl(7, 5, 6), kMin64, 63), 1u);
  EXPECT_EQ(op2(rv::sra(7, 5, 6), kMin64, 63), kAll);
  EXPECT_EQ(op2(rv::sra(7, 5, 6), kMin64, 0x7c1), 0xc000000000000000u);
}

TEST(Rv64TranslateAlu, ImmediateForms) {
  EXPECT_EQ(op2(rv::addi(7, 5, -2048), 0, 0), static_cast<uint64_t>(-2048));
  EXPECT_EQ(op2(rv::addi(7, 5, 2047), 1, 0), 2048u);
  EXPECT_EQ(op2(rv::slti(7, 5, -1), static_cast<uint64_t>(-2), 0), 1u);
  EXPECT_EQ(op2(rv::slti(7, 5, -1), 0, 0), 0u);
  // sltiu compares with the sign-extended immediate as unsigned: x < 0xff..ff for all but -1.
  EXPECT_EQ(op2(rv::sltiu(7, 5, -1), kAll - 1, 0), 1u);
  EXPECT_EQ(op2(rv::sltiu(7, 5, -1), kAll, 0), 0u);
  EXPECT_EQ(op2(rv::sltiu(7, 5, 1), 0, 0), 1u);                      // seqz
  EXPECT_EQ(op2(rv::xori(7, 5, -1), 0x1234, 0), ~uint64_t{0x1234});  // not
  EXPECT_EQ(op2(rv::ori(7, 5, -2048), 1, 0), 0xfffffffffffff801u);
  EXPECT_EQ(op2(rv::andi(7, 5, -16), kAll, 0), 0xfffffffffffffff0u);
  EXPECT_EQ(op2(rv::slli(7, 5, 63), 3, 0), kMin64);
  EXPECT_EQ(op2(rv::srli(7, 5, 63), kAll, 0), 1u);
  EXPECT_EQ(op2(rv::srai(7, 5, 63), kMin64, 0), kAll);
  EXPECT_EQ(op2(rv::srai(7, 5, 4), 0x80, 0), 8u);
}

TEST(Rv64TranslateAlu, WordFormsSignExtendBit31) {
  EXPECT_EQ(op2(rv::addw(7, 5, 6), 0x7fffffff, 1), 0xffffffff80000000u);
  EXPECT_EQ(op2(rv::addw(7, 5, 6), 0x1234567800000001, 0), 1u);  // upper bits ignored
  EXPECT_EQ(op2(rv::subw(7, 5, 6), 0, 1), kAll);
  EXPECT_EQ(op2(rv::subw(7, 5, 6), 0x80000000, 1), 0x7fffffffu);
  EXPECT_EQ(op2(rv::addiw(7, 5, 1), 0x7fffffff, 0), 0xffffffff80000000u);
  EXPECT_EQ(op2(rv::addiw(7, 5, 0), 0xffffffff, 0), kAll);  // sext.w
  EXPECT_EQ(op2(rv::sllw(7, 5, 6), 1, 31), 0xffffffff80000000u);
  EXPECT_EQ(op2(rv::sllw(7, 5, 6), 1, 32 + 1), 2u);  // only rs2[4:0]
  EXPECT_EQ(op2(rv::srlw(7, 5, 6), 0xffffffff80000000, 31), 1u);
  EXPECT_EQ(op2(rv::srlw(7, 5, 6), 0xffffffff80000000, 0), 0xffffffff80000000u);
  EXPECT_EQ(op2(rv::srlw(7, 5, 6), 0x0000000180000000, 1), 0x40000000u);
  EXPECT_EQ(op2(rv::sraw(7, 5, 6), 0x80000000, 31), kAll);
  EXPECT_EQ(op2(rv::sraw(7, 5, 6), 0x7fffffff00000000, 4), 0u);
  EXPECT_EQ(op2(rv::slliw(7, 5, 31), 1, 0), 0xffffffff80000000u);
  EXPECT_EQ(op2(rv::srliw(7, 5, 31), 0x80000000, 0), 1u);
  EXPECT_EQ(op2(rv::srliw(7, 5, 0), 0x80000000, 0), 0xffffffff80000000u);
  EXPECT_EQ(op2(rv::srliw(7, 5, 1), 0xffffffff'ffffffff, 0), 0x7fffffffu);  // bit 31 clear
  EXPECT_EQ(op2(rv::srliw(7, 5, 4), 0x1234'5678'f000000f, 0), 0x0f000000u);
  EXPECT_EQ(op2(rv::sraiw(7, 5, 31), 0x80000000, 0), kAll);
  EXPECT_EQ(op2(rv::sraiw(7, 5, 4), 0x1'7fffffff, 0), 0x07ffffffu);
}

TEST(Rv64TranslateAlu, LuiAndAuipcAreConstants) {
  EXPECT_EQ(op2(rv::lui(7, 0x12345000), 0, 0), 0x12345000u);
  EXPECT_EQ(op2(rv::lui(7, 0x80000000), 0, 0), 0xffffffff80000000u);
  EXPECT_EQ(op2(rv::auipc(7, 0x1000), 0, 0), kCode + 0x1000);
  EXPECT_EQ(op2(rv::auipc(7, 0xfffff000), 0, 0), kCode - 0x1000);
}

TEST(Rv64TranslateAlu, RdEqualsSource) {
  Rig r;
  r.set_x(5, 0x10);
  r.set_x(6, 3);
  r.code({rv::sub(5, 6, 5), rv::sllw(6, 5, 6), rv::jal(0, 8)});
  r.run();
  EXPECT_EQ(r.x(5), static_cast<uint64_t>(3 - 0x10));
  EXPECT_EQ(r.x(6), static_cast<uint64_t>(static_cast<int64_t>(
                        static_cast<int32_t>(static_cast<uint32_t>(3 - 0x10) << 3))));
}

TEST(Rv64TranslateAlu, WritesToX0Vanish) {
  Rig r;
  r.set_x(5, 7);
  r.code({rv::addi(0, 5, 1), rv::lui(0, 0x1000), rv::mul(0, 5, 5), rv::div(0, 5, 0),
          rv::add(6, 0, 5), rv::jal(0, 8)});
  r.run();
  EXPECT_EQ(r.x(0), 0u);
  EXPECT_EQ(r.x(6), 7u);  // x0 still reads as zero afterwards
}

// ---- M ----

TEST(Rv64TranslateMul, MulAndHighHalves) {
  EXPECT_EQ(op2(rv::mul(7, 5, 6), kAll, kAll), 1u);
  EXPECT_EQ(op2(rv::mul(7, 5, 6), 0x100000000, 0x100000000), 0u);
  EXPECT_EQ(op2(rv::mulh(7, 5, 6), kAll, kAll), 0u);                       // (-1)(-1) = 1
  EXPECT_EQ(op2(rv::mulh(7, 5, 6), kMin64, kMin64), 0x4000000000000000u);  // 2^126
  EXPECT_EQ(op2(rv::mulh(7, 5, 6), kMin64, 1), kAll);  // negative: high all ones
  EXPECT_EQ(op2(rv::mulhu(7, 5, 6), kAll, kAll), kAll - 1);
  EXPECT_EQ(op2(rv::mulhu(7, 5, 6), kMin64, 2), 1u);
  EXPECT_EQ(op2(rv::mulhsu(7, 5, 6), kAll, kAll), kAll);  // -1 * (2^64-1): high = -1
  EXPECT_EQ(op2(rv::mulhsu(7, 5, 6), 2, kAll), 1u);
  EXPECT_EQ(op2(rv::mulhsu(7, 5, 6), kMin64, kMin64), 0xc000000000000000u);  // -2^63 * 2^63
  EXPECT_EQ(op2(rv::mulw(7, 5, 6), 0x10000, 0x8000), 0xffffffff80000000u);
  EXPECT_EQ(op2(rv::mulw(7, 5, 6), 0xffffffff00000003, 0x5), 15u);
}

TEST(Rv64TranslateMul, DivisionByZero) {
  EXPECT_EQ(op2(rv::div(7, 5, 6), 42, 0), kAll);
  EXPECT_EQ(op2(rv::divu(7, 5, 6), 42, 0), kAll);
  EXPECT_EQ(op2(rv::rem(7, 5, 6), static_cast<uint64_t>(-42), 0), static_cast<uint64_t>(-42));
  EXPECT_EQ(op2(rv::remu(7, 5, 6), 42, 0), 42u);
  EXPECT_EQ(op2(rv::divw(7, 5, 6), 42, 0x100000000), kAll);  // divisor's low word is 0
  EXPECT_EQ(op2(rv::divuw(7, 5, 6), 42, 0), kAll);
  EXPECT_EQ(op2(rv::remw(7, 5, 6), 0x1'80000000, 0), 0xffffffff80000000u);  // sext32(dividend)
  EXPECT_EQ(op2(rv::remuw(7, 5, 6), 0x1'80000000, 0), 0xffffffff80000000u);
  EXPECT_EQ(op2(rv::remuw(7, 5, 6), 0x1'00000005, 0), 5u);
}

TEST(Rv64TranslateMul, SignedOverflow) {
  EXPECT_EQ(op2(rv::div(7, 5, 6), kMin64, kAll), kMin64);
  EXPECT_EQ(op2(rv::rem(7, 5, 6), kMin64, kAll), 0u);
  EXPECT_EQ(op2(rv::divw(7, 5, 6), 0x80000000, kAll), 0xffffffff80000000u);
  EXPECT_EQ(op2(rv::remw(7, 5, 6), 0x80000000, kAll), 0u);
  // The unsigned forms see no overflow: 2^63 / (2^64-1) = 0, remainder the dividend.
  EXPECT_EQ(op2(rv::divu(7, 5, 6), kMin64, kAll), 0u);
  EXPECT_EQ(op2(rv::remu(7, 5, 6), kMin64, kAll), kMin64);
  EXPECT_EQ(op2(rv::divuw(7, 5, 6), 0x80000000, kAll), 0u);
  EXPECT_EQ(op2(rv::remuw(7, 5, 6), 0x80000000, kAll), 0xffffffff80000000u);
}

TEST(Rv64TranslateMul, OrdinaryDivision) {
  EXPECT_EQ(op2(rv::div(7, 5, 6), static_cast<uint64_t>(-7), 2), static_cast<uint64_t>(-3));
  EXPECT_EQ(op2(rv::rem(7, 5, 6), static_cast<uint64_t>(-7), 2), static_cast<uint64_t>(-1));
  EXPECT_EQ(op2(rv::divu(7, 5, 6), kAll, 2), kAll >> 1);
  EXPECT_EQ(op2(rv::remu(7, 5, 6), kAll, 10), 5u);
  EXPECT_EQ(op2(rv::divw(7, 5, 6), 0xfffffff9, 2), static_cast<uint64_t>(-3));  // -7 / 2
  EXPECT_EQ(op2(rv::remw(7, 5, 6), 0xfffffff9, 2), kAll);
  EXPECT_EQ(op2(rv::divuw(7, 5, 6), 0xfffffffe, 1), kAll - 1);  // 0xfffffffe sign-extended
  EXPECT_EQ(op2(rv::remuw(7, 5, 6), 0xffffffff, 0x10), 0xfu);
}

TEST(Rv64TranslateMul, DivisorIsDestination) {
  Rig r;
  r.set_x(5, 100);
  r.set_x(6, 0);
  r.code({rv::div(6, 5, 6), rv::jal(0, 8)});  // rd = rs2 = 0: result is -1, not a trap
  EXPECT_EQ(r.run().status, vm::ExecStatus::Returned);
  EXPECT_EQ(r.x(6), kAll);
}

}  // namespace
}  // namespace strata::jit::rv64::test

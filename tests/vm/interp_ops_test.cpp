// Per-opcode semantics on hand-built one-instruction functions: i64 wrapping and division
// rules, shifts, extensions, f64 NaN/zero rules, conversions.
#include <cmath>
#include <limits>

#include "tests/vm/vm_test_util.hpp"

namespace strata::vm::test {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// f(x: tb, y: tc) -> ta { a = op x, y; ret a }
Value binop(Op op, ValType ta, ValType tb, ValType tc, Value x, Value y) {
  ModuleBuilder b;
  b.func("f", {tb, tc}, ta, {ta}, {abc(op, 2, 0, 1), abc(Op::Ret, 2)});
  auto p = load_lib(std::move(b.m));
  return p ? call_ok(*p, "f", {x, y}) : Value{};
}
Trap binop_trap(Op op, Value x, Value y) {
  ModuleBuilder b;
  b.func("f", {I, I}, I, {I}, {abc(op, 2, 0, 1), abc(Op::Ret, 2)});
  auto p = load_lib(std::move(b.m));
  return p ? call_trap(*p, "f", {x, y}) : Trap{};
}
// f(x: tb) -> ta { a = op x ; ret a }
Value unop(Op op, ValType ta, ValType tb, Value x) {
  ModuleBuilder b;
  b.func("f", {tb}, ta, {ta}, {abc(op, 1, 0), abc(Op::Ret, 1)});
  auto p = load_lib(std::move(b.m));
  return p ? call_ok(*p, "f", {x}) : Value{};
}
// f(x: i64) -> i64 { a = op x, imm ; ret a }
int64_t immop(Op op, int64_t x, int16_t imm) {
  ModuleBuilder b;
  b.func("f", {I}, I, {I}, {abc(op, 1, 0, static_cast<uint16_t>(imm)), abc(Op::Ret, 1)});
  auto p = load_lib(std::move(b.m));
  return p ? call_ok(*p, "f", {vi(x)}).i : 0;
}
int64_t ii(Op op, int64_t x, int64_t y) {
  return binop(op, I, I, I, vi(x), vi(y)).i;
}
double ff(Op op, double x, double y) {
  return binop(op, F, F, F, vf(x), vf(y)).f;
}
int64_t fcmp(Op op, double x, double y) {
  return binop(op, I, F, F, vf(x), vf(y)).i;
}
bool same_bits(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

TEST(IntOps, ArithmeticWraps) {
  EXPECT_EQ(ii(Op::Add, kMax, 1), kMin);
  EXPECT_EQ(ii(Op::Sub, kMin, 1), kMax);
  EXPECT_EQ(ii(Op::Mul, kMax, 2), -2);
  EXPECT_EQ(ii(Op::Mul, -7, 6), -42);
  EXPECT_EQ(unop(Op::Neg, I, I, vi(kMin)).i, kMin);
  EXPECT_EQ(unop(Op::Not, I, I, vi(0)).i, -1);
}

TEST(IntOps, Division) {
  EXPECT_EQ(ii(Op::Div, 7, 2), 3);
  EXPECT_EQ(ii(Op::Div, -7, 2), -3);
  EXPECT_EQ(ii(Op::Rem, -7, 2), -1);
  EXPECT_EQ(ii(Op::Rem, 7, -2), 1);
  EXPECT_EQ(ii(Op::Div, kMin, -1), kMin);
  EXPECT_EQ(ii(Op::Rem, kMin, -1), 0);
  EXPECT_EQ(ii(Op::Div, kMax, -1), -kMax);
  EXPECT_EQ(ii(Op::DivU, -1, 2), kMax);
  EXPECT_EQ(ii(Op::RemU, -1, 10), 5);  // 18446744073709551615 % 10
  for (Op op : {Op::Div, Op::Rem, Op::DivU, Op::RemU}) {
    Trap t = binop_trap(op, vi(1), vi(0));
    EXPECT_EQ(t.kind, TrapKind::DivideByZero);
    ASSERT_EQ(t.trace.size(), 1u);
    EXPECT_EQ(t.trace[0].function, "f");
    EXPECT_EQ(t.trace[0].pc, 0u);
  }
}

TEST(IntOps, ShiftsTakeAmountMod64) {
  EXPECT_EQ(ii(Op::Shl, 1, 65), 2);
  EXPECT_EQ(ii(Op::Shl, 1, 63), kMin);
  EXPECT_EQ(ii(Op::Shr, -1, 60), 15);
  EXPECT_EQ(ii(Op::Sar, -16, 2), -4);
  EXPECT_EQ(ii(Op::Sar, kMin, 64), kMin);
  EXPECT_EQ(ii(Op::Shr, -8, -1), 1);  // amount 63
  EXPECT_EQ(immop(Op::ShlI, 3, 66), 12);
  EXPECT_EQ(immop(Op::ShrI, -1, 63), 1);
  EXPECT_EQ(immop(Op::SarI, -1, 63), -1);
}

TEST(IntOps, Immediates) {
  EXPECT_EQ(immop(Op::AddI, 10, -3), 7);
  EXPECT_EQ(immop(Op::AddI, kMax, 1), kMin);
  EXPECT_EQ(immop(Op::MulI, 5, -2), -10);
  EXPECT_EQ(immop(Op::AndI, -1, -256), -256);  // sign-extended mask
  EXPECT_EQ(immop(Op::AndI, 0x12345, 0xff), 0x45);
  EXPECT_EQ(immop(Op::OrI, 0, -1), -1);
  EXPECT_EQ(immop(Op::XorI, 5, 3), 6);
}

TEST(IntOps, Comparisons) {
  EXPECT_EQ(ii(Op::Lt, -1, 0), 1);
  EXPECT_EQ(ii(Op::LtU, -1, 0), 0);
  EXPECT_EQ(ii(Op::GtU, -1, 0), 1);
  EXPECT_EQ(ii(Op::Le, 3, 3), 1);
  EXPECT_EQ(ii(Op::Ge, 2, 3), 0);
  EXPECT_EQ(ii(Op::GeU, 0, -1), 0);
  EXPECT_EQ(ii(Op::LeU, 0, -1), 1);
  EXPECT_EQ(ii(Op::Eq, 4, 4), 1);
  EXPECT_EQ(ii(Op::Ne, 4, 4), 0);
  EXPECT_EQ(ii(Op::Gt, kMax, kMin), 1);
}

TEST(IntOps, Extensions) {
  EXPECT_EQ(unop(Op::Sext8, I, I, vi(0x80)).i, -128);
  EXPECT_EQ(unop(Op::Sext16, I, I, vi(0x18000)).i, -32768);
  EXPECT_EQ(unop(Op::Sext32, I, I, vi(0xffffffffll)).i, -1);
  EXPECT_EQ(unop(Op::Zext8, I, I, vi(-1)).i, 255);
  EXPECT_EQ(unop(Op::Zext16, I, I, vi(-1)).i, 65535);
  EXPECT_EQ(unop(Op::Zext32, I, I, vi(-1)).i, 0xffffffffll);
}

TEST(IntOps, LoadImmediateAndConstants) {
  ModuleBuilder b;
  uint32_t k = b.konst(int64_t{kMin});
  uint32_t kf = b.konst(2.5);
  b.func("li", {}, I, {I}, {abx(Op::Li, 0, -123456), abc(Op::Ret, 0)});
  b.func("ldk", {}, I, {I}, {abx(Op::Ldk, 0, static_cast<int32_t>(k)), abc(Op::Ret, 0)});
  b.func("ldkf", {}, F, {F}, {abx(Op::Ldk, 0, static_cast<int32_t>(kf)), abc(Op::Ret, 0)});
  b.func("mov", {I}, I, {I}, {abc(Op::Mov, 1, 0), abc(Op::Ret, 1)});
  auto p = load_lib(std::move(b.m));
  ASSERT_TRUE(p);
  EXPECT_EQ(call_ok(*p, "li").i, -123456);
  EXPECT_EQ(call_ok(*p, "ldk").i, kMin);
  EXPECT_EQ(call_ok(*p, "ldkf").f, 2.5);
  EXPECT_EQ(call_ok(*p, "mov", {vi(9)}).i, 9);
}

TEST(FloatOps, Arithmetic) {
  EXPECT_EQ(ff(Op::FAdd, 0.1, 0.2), 0.1 + 0.2);
  EXPECT_EQ(ff(Op::FSub, 1.0, 0.25), 0.75);
  EXPECT_EQ(ff(Op::FMul, 1.5, -2.0), -3.0);
  EXPECT_EQ(ff(Op::FDiv, 1.0, 0.0), kInf);
  EXPECT_TRUE(std::isnan(ff(Op::FDiv, 0.0, 0.0)));
  EXPECT_EQ(unop(Op::FSqrt, F, F, vf(2.0)).f, std::sqrt(2.0));
  EXPECT_TRUE(same_bits(unop(Op::FNeg, F, F, vf(0.0)).f, -0.0));
  EXPECT_EQ(unop(Op::FAbs, F, F, vf(-3.5)).f, 3.5);
  EXPECT_EQ(unop(Op::FFloor, F, F, vf(-1.5)).f, -2.0);
  EXPECT_EQ(unop(Op::FCeil, F, F, vf(-1.5)).f, -1.0);
  EXPECT_EQ(unop(Op::FTrunc, F, F, vf(-1.7)).f, -1.0);
}

TEST(FloatOps, NearestTiesToEven) {
  EXPECT_EQ(unop(Op::FNearest, F, F, vf(2.5)).f, 2.0);
  EXPECT_EQ(unop(Op::FNearest, F, F, vf(3.5)).f, 4.0);
  EXPECT_TRUE(same_bits(unop(Op::FNearest, F, F, vf(-0.5)).f, -0.0));
  EXPECT_EQ(unop(Op::FNearest, F, F, vf(-2.5)).f, -2.0);
  EXPECT_EQ(unop(Op::FNearest, F, F, vf(2.6)).f, 3.0);
}

TEST(FloatOps, MinMaxNaNAndSignedZero) {
  EXPECT_TRUE(std::isnan(ff(Op::FMin, kNaN, 1.0)));
  EXPECT_TRUE(std::isnan(ff(Op::FMin, 1.0, kNaN)));
  EXPECT_TRUE(std::isnan(ff(Op::FMax, 1.0, kNaN)));
  EXPECT_EQ(ff(Op::FMin, 1.0, 2.0), 1.0);
  EXPECT_EQ(ff(Op::FMax, 1.0, 2.0), 2.0);
  EXPECT_TRUE(same_bits(ff(Op::FMin, 0.0, -0.0), -0.0));
  EXPECT_TRUE(same_bits(ff(Op::FMin, -0.0, 0.0), -0.0));
  EXPECT_TRUE(same_bits(ff(Op::FMax, -0.0, 0.0), 0.0));
  EXPECT_EQ(ff(Op::FMax, -kInf, -1.0), -1.0);
}

TEST(FloatOps, ComparisonsWithNaN) {
  EXPECT_EQ(fcmp(Op::FEq, kNaN, kNaN), 0);
  EXPECT_EQ(fcmp(Op::FNe, kNaN, kNaN), 1);
  EXPECT_EQ(fcmp(Op::FLt, kNaN, 1.0), 0);
  EXPECT_EQ(fcmp(Op::FGe, kNaN, 1.0), 0);
  EXPECT_EQ(fcmp(Op::FLe, 1.0, 1.0), 1);
  EXPECT_EQ(fcmp(Op::FGt, 2.0, 1.0), 1);
  EXPECT_EQ(fcmp(Op::FEq, 0.0, -0.0), 1);
}

TEST(FloatOps, Conversions) {
  auto f2i = [](double x) { return unop(Op::F2I, I, F, vf(x)).i; };
  EXPECT_EQ(f2i(-2.9), -2);
  EXPECT_EQ(f2i(2.9), 2);
  EXPECT_EQ(f2i(kNaN), 0);
  EXPECT_EQ(f2i(kInf), kMax);
  EXPECT_EQ(f2i(-kInf), kMin);
  EXPECT_EQ(f2i(9.3e18), kMax);
  EXPECT_EQ(f2i(-9.3e18), kMin);
  EXPECT_EQ(f2i(-9223372036854775808.0), kMin);
  EXPECT_EQ(unop(Op::I2F, F, I, vi(-3)).f, -3.0);
  EXPECT_EQ(unop(Op::FBits, I, F, vf(1.0)).i, 0x3ff0000000000000ll);
  EXPECT_EQ(unop(Op::BitsF, F, I, vi(0x4000000000000000ll)).f, 2.0);
}

}  // namespace
}  // namespace strata::vm::test

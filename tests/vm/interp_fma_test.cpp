// The f64 fused multiply-add (fmadd a, b, c: a = b * c + a): one rounding, IEEE results for
// signed zeros, overflow, infinities and NaNs. The JIT tiers are compared with this interpreter
// (tests/jit/baseline_test.cpp, tests/jit/opt/opt_test.cpp).
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "tests/vm/vm_test_util.hpp"

namespace strata::vm::test {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

bool same_bits(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

// f(x, y, z: f64) -> f64 { fmadd z, x, y ; ret z }
double fused(double x, double y, double z) {
  ModuleBuilder b;
  b.func("f", {F, F, F}, F, {F}, {abc(Op::FMAdd, 2, 0, 1), abc(Op::Ret, 2)});
  auto p = load_lib(std::move(b.m));
  return p ? call_ok(*p, "f", {vf(x), vf(y), vf(z)}).f : 0.0;
}

TEST(FloatOps, FusedMultiplyAddRoundsOnce) {
  // (1 + 2^-52)(1 - 2^-52) - 1 = -2^-104 exactly; a product rounded first would give 0.
  const double u = 0x1p-52;
  EXPECT_EQ(fused(1 + u, 1 - u, -1.0), -0x1p-104);
  EXPECT_EQ((1 + u) * (1 - u) - 1.0, 0.0);
  EXPECT_EQ(fused(1.5, 2.0, 0.25), 3.25);
}

TEST(FloatOps, FusedMultiplyAddSpecialValues) {
  EXPECT_EQ(fused(0x1p1000, 0x1p1000, -kInf), -kInf);
  EXPECT_EQ(fused(0x1p1000, 0x1p1000, 0.0), kInf);     // overflow
  EXPECT_TRUE(same_bits(fused(2.0, -3.0, 6.0), 0.0));  // an exact zero is +0
  EXPECT_TRUE(same_bits(fused(-0.0, 1.0, -0.0), -0.0));
  EXPECT_TRUE(std::isnan(fused(kInf, 0.0, 1.0)));
  EXPECT_TRUE(std::isnan(fused(1.0, 1.0, kNaN)));
}

}  // namespace
}  // namespace strata::vm::test

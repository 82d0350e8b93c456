// The fused multiply-add family: one rounding, the four sign variants, zeros, NaNs, RMM.
#include <cfloat>

#include "tests/jit/rv64/float_test_rig.hpp"

namespace strata::jit::rv64::ftest {
namespace {

// a * b = 1 - 2^-54 exactly; rounded alone it would be 1.0 (a tie, to even), so only a fused
// operation sees the 2^-54.
const uint64_t kA = bd(1.0 + 0x1p-27), kB = bd(1.0 - 0x1p-27);

TEST(RvFloatFma, DoubleIsFusedWithTheRightSigns) {
  Rig r;
  EXPECT_EQ(r.one(fp::fmadd(D, 4, 1, 2, 3), kA, kB, bd(-1.0)), bd(-0x1p-54));  //  ab + c
  EXPECT_EQ(r.one(fp::fmsub(D, 4, 1, 2, 3), kA, kB, bd(1.0)), bd(-0x1p-54));   //  ab - c
  EXPECT_EQ(r.one(fp::fnmsub(D, 4, 1, 2, 3), kA, kB, bd(1.0)), bd(0x1p-54));   // -ab + c
  EXPECT_EQ(r.one(fp::fnmadd(D, 4, 1, 2, 3), kA, kB, bd(-1.0)), bd(0x1p-54));  // -ab - c
  EXPECT_EQ(r.fflags(), 0u);                                                   // exact
  EXPECT_EQ(r.one(fp::fmadd(D, 4, 1, 2, 3), bd(2.0), bd(3.0), bd(1.0)), bd(7.0));
  EXPECT_EQ(r.one(fp::fmsub(D, 4, 1, 2, 3), bd(2.0), bd(3.0), bd(1.0)), bd(5.0));
  EXPECT_EQ(r.one(fp::fnmsub(D, 4, 1, 2, 3), bd(2.0), bd(3.0), bd(1.0)), bd(-5.0));
  EXPECT_EQ(r.one(fp::fnmadd(D, 4, 1, 2, 3), bd(2.0), bd(3.0), bd(1.0)), bd(-7.0));
}

TEST(RvFloatFma, SingleIsFused) {
  Rig r;
  const uint64_t a = bs(1.0f + 0x1p-12f), b = bs(1.0f - 0x1p-12f);
  EXPECT_EQ(r.one(fp::fmadd(S, 4, 1, 2, 3), a, b, bs(-1.0f)), bs(-0x1p-24f));
  EXPECT_EQ(r.one(fp::fnmadd(S, 4, 1, 2, 3), a, b, bs(-1.0f)), bs(0x1p-24f));
  EXPECT_EQ(r.fflags(), 0u);
  EXPECT_EQ(r.one(fp::fmsub(S, 4, 1, 2, 3), bs(2.0f), bs(3.0f), bs(1.0f)), bs(5.0f));
  EXPECT_EQ(r.one(fp::fnmsub(S, 4, 1, 2, 3), bs(2.0f), bs(3.0f), bs(1.0f)), bs(-5.0f));
}

TEST(RvFloatFma, SignsOfExactZeros) {
  Rig r;
  // (+0) + (+0) = +0; -(+0) - (+0) = -0; -(+0) + (+0) = +0 (RNE), -0 under RDN.
  EXPECT_EQ(r.one(fp::fmadd(D, 4, 1, 2, 3), bd(1.0), bd(0.0), bd(0.0)), bd(0.0));
  EXPECT_EQ(r.one(fp::fnmadd(D, 4, 1, 2, 3), bd(1.0), bd(0.0), bd(0.0)), bd(-0.0));
  EXPECT_EQ(r.one(fp::fnmsub(D, 4, 1, 2, 3), bd(1.0), bd(0.0), bd(0.0)), bd(0.0));
  EXPECT_EQ(r.one(fp::fnmsub(D, 4, 1, 2, 3, RDN), bd(1.0), bd(0.0), bd(0.0)), bd(-0.0));
  EXPECT_EQ(r.one(fp::fmsub(S, 4, 1, 2, 3), bs(-1.0f), bs(0.0f), bs(0.0f)), bs(-0.0f));
  EXPECT_EQ(r.fflags(), 0u);
}

TEST(RvFloatFma, InfinityTimesZeroIsInvalidEvenWithAQuietNanAddend) {
  Rig r;
  EXPECT_EQ(r.one(fp::fmadd(D, 4, 1, 2, 3), bd(INFINITY), bd(0.0), kQnanD), kQnanD);
  EXPECT_EQ(r.fflags(), NV);
  EXPECT_EQ(r.one(fp::fnmadd(S, 4, 1, 2, 3), bs(0.0f), bs(-INFINITY), kQnanS), kQnanS);
  EXPECT_EQ(r.fflags(), NV);
  EXPECT_EQ(r.one(fp::fmadd(D, 4, 1, 2, 3), bd(INFINITY), bd(1.0), bd(-INFINITY)), kQnanD);
  EXPECT_EQ(r.fflags(), NV);
  // A quiet NaN addend alone: canonical NaN, no flag.
  EXPECT_EQ(r.one(fp::fmadd(D, 4, 1, 2, 3), bd(2.0), bd(1.0), 0x7ff8000000000042ull), kQnanD);
  EXPECT_EQ(r.fflags(), 0u);
}

TEST(RvFloatFma, RoundingModesAndFlags) {
  Rig r;
  // 1*1 + 2^-53: a tie between 1 and 1 + 2^-52.
  EXPECT_EQ(r.one(fp::fmadd(D, 4, 1, 2, 3, RNE), bd(1.0), bd(1.0), bd(0x1p-53)), bd(1.0));
  EXPECT_EQ(r.one(fp::fmadd(D, 4, 1, 2, 3, RMM), bd(1.0), bd(1.0), bd(0x1p-53)), bd(1.0 + 0x1p-52));
  EXPECT_EQ(r.one(fp::fmadd(D, 4, 1, 2, 3, RUP), bd(1.0), bd(1.0), bd(0x1p-80)), bd(1.0 + 0x1p-52));
  EXPECT_EQ(r.one(fp::fnmadd(D, 4, 1, 2, 3, RDN), bd(1.0), bd(1.0), bd(0x1p-80)),
            bd(-1.0 - 0x1p-52));
  EXPECT_EQ(r.fflags(), NX);
  EXPECT_EQ(r.one(fp::fmadd(S, 4, 1, 2, 3, RMM), bs(1.0f), bs(1.0f), bs(0x1p-24f)),
            box(0x3f800001u));
  EXPECT_EQ(r.one(fp::fmadd(S, 4, 1, 2, 3, RNE), bs(1.0f), bs(1.0f), bs(0x1p-24f)), bs(1.0f));
  EXPECT_EQ(r.one(fp::fmadd(D, 4, 1, 2, 3), bd(DBL_MAX), bd(2.0), bd(-DBL_MAX)), bd(DBL_MAX));
  EXPECT_EQ(r.fflags(), 0u);  // the product alone would overflow; fused, it is exact
  EXPECT_EQ(r.one(fp::fmadd(D, 4, 1, 2, 3), bd(DBL_MAX), bd(2.0), bd(0.0)), bd(INFINITY));
  EXPECT_EQ(r.fflags(), OF | NX);
}

}  // namespace
}  // namespace strata::jit::rv64::ftest

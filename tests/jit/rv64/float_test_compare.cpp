// F/D comparisons, fmin/fmax and fclass.
#include <cfloat>

#include "tests/jit/rv64/float_test_rig.hpp"

namespace strata::jit::rv64::ftest {
namespace {

constexpr uint64_t kSnanD = 0x7ff0000000000001ull;
constexpr uint64_t kSnanS = 0xffffffff7f800001ull;

// Runs compare `insn` (rd = x10) on (a, b); returns x10, and the flags through `flags`.
uint64_t cmp(Rig& r, uint32_t insn, uint64_t a, uint64_t b, uint64_t& flags) {
  r.set_x(10, 0x77);
  r.one(insn, a, b);
  flags = r.fflags();
  return r.x(10);
}

TEST(RvFloatCompare, OrderedResults) {
  Rig r;
  uint64_t fl = 0;
  EXPECT_EQ(cmp(r, fp::flt(D, 10, 1, 2), bd(1.0), bd(2.0), fl), 1u);
  EXPECT_EQ(cmp(r, fp::flt(D, 10, 1, 2), bd(2.0), bd(1.0), fl), 0u);
  EXPECT_EQ(cmp(r, fp::fle(D, 10, 1, 2), bd(2.0), bd(2.0), fl), 1u);
  EXPECT_EQ(cmp(r, fp::fle(D, 10, 1, 2), bd(2.0), bd(1.0), fl), 0u);
  EXPECT_EQ(cmp(r, fp::feq(D, 10, 1, 2), bd(2.0), bd(2.0), fl), 1u);
  EXPECT_EQ(cmp(r, fp::feq(D, 10, 1, 2), bd(2.0), bd(-2.0), fl), 0u);
  // -0 and +0 are equal.
  EXPECT_EQ(cmp(r, fp::feq(D, 10, 1, 2), bd(-0.0), bd(0.0), fl), 1u);
  EXPECT_EQ(cmp(r, fp::flt(D, 10, 1, 2), bd(-0.0), bd(0.0), fl), 0u);
  EXPECT_EQ(cmp(r, fp::fle(S, 10, 1, 2), bs(0.0f), bs(-0.0f), fl), 1u);
  EXPECT_EQ(cmp(r, fp::flt(S, 10, 1, 2), bs(-INFINITY), bs(-FLT_MAX), fl), 1u);
  EXPECT_EQ(fl, 0u);
}

TEST(RvFloatCompare, FeqIsQuietFltAndFleSignal) {
  Rig r;
  uint64_t fl = 0;
  EXPECT_EQ(cmp(r, fp::feq(D, 10, 1, 2), kQnanD, bd(1.0), fl), 0u);
  EXPECT_EQ(fl, 0u);
  EXPECT_EQ(cmp(r, fp::feq(D, 10, 1, 2), bd(1.0), kSnanD, fl), 0u);
  EXPECT_EQ(fl, NV);
  EXPECT_EQ(cmp(r, fp::flt(D, 10, 1, 2), kQnanD, bd(1.0), fl), 0u);
  EXPECT_EQ(fl, NV);
  EXPECT_EQ(cmp(r, fp::fle(D, 10, 1, 2), bd(1.0), kQnanD, fl), 0u);
  EXPECT_EQ(fl, NV);
  EXPECT_EQ(cmp(r, fp::feq(S, 10, 1, 2), kQnanS, kQnanS, fl), 0u);
  EXPECT_EQ(fl, 0u);
  EXPECT_EQ(cmp(r, fp::feq(S, 10, 1, 2), kSnanS, bs(1.0f), fl), 0u);
  EXPECT_EQ(fl, NV);
  EXPECT_EQ(cmp(r, fp::fle(S, 10, 1, 2), kQnanS, bs(1.0f), fl), 0u);
  EXPECT_EQ(fl, NV);
  // An unboxed single is the canonical (quiet) NaN: feq stays quiet, flt signals.
  EXPECT_EQ(cmp(r, fp::feq(S, 10, 1, 2), 0x000000003f800000ull, bs(1.0f), fl), 0u);
  EXPECT_EQ(fl, 0u);
  EXPECT_EQ(cmp(r, fp::flt(S, 10, 1, 2), bs(0.0f), 0x000000003f800000ull, fl), 0u);
  EXPECT_EQ(fl, NV);
}

TEST(RvFloatCompare, MinMaxNumbersAndZeros) {
  Rig r;
  EXPECT_EQ(r.one(fp::fmin(D, 4, 1, 2), bd(1.0), bd(2.0)), bd(1.0));
  EXPECT_EQ(r.one(fp::fmax(D, 4, 1, 2), bd(1.0), bd(2.0)), bd(2.0));
  EXPECT_EQ(r.one(fp::fmin(D, 4, 1, 2), bd(0.0), bd(-0.0)), bd(-0.0));
  EXPECT_EQ(r.one(fp::fmin(D, 4, 1, 2), bd(-0.0), bd(0.0)), bd(-0.0));
  EXPECT_EQ(r.one(fp::fmax(D, 4, 1, 2), bd(-0.0), bd(0.0)), bd(0.0));
  EXPECT_EQ(r.one(fp::fmax(D, 4, 1, 2), bd(0.0), bd(-0.0)), bd(0.0));
  EXPECT_EQ(r.one(fp::fmin(S, 4, 1, 2), bs(-0.0f), bs(0.0f)), bs(-0.0f));
  EXPECT_EQ(r.one(fp::fmax(S, 4, 1, 2), bs(-0.0f), bs(0.0f)), bs(0.0f));
  EXPECT_EQ(r.one(fp::fmin(S, 4, 1, 2), bs(-INFINITY), bs(3.0f)), bs(-INFINITY));
  EXPECT_EQ(r.one(fp::fmax(S, 4, 1, 2), bs(-INFINITY), bs(3.0f)), bs(3.0f));
  EXPECT_EQ(r.fflags(), 0u);
}

TEST(RvFloatCompare, MinMaxWithNans) {
  Rig r;
  // One quiet NaN: the other operand, no flag.
  EXPECT_EQ(r.one(fp::fmin(D, 4, 1, 2), kQnanD, bd(2.0)), bd(2.0));
  EXPECT_EQ(r.fflags(), 0u);
  EXPECT_EQ(r.one(fp::fmax(D, 4, 1, 2), bd(-2.0), 0xfff8000000000005ull), bd(-2.0));
  EXPECT_EQ(r.fflags(), 0u);
  // A signalling NaN: still the other operand, but NV.
  EXPECT_EQ(r.one(fp::fmin(D, 4, 1, 2), kSnanD, bd(2.0)), bd(2.0));
  EXPECT_EQ(r.fflags(), NV);
  EXPECT_EQ(r.one(fp::fmax(S, 4, 1, 2), bs(5.0f), kSnanS), bs(5.0f));
  EXPECT_EQ(r.fflags(), NV);
  // Both NaN: the canonical NaN.
  EXPECT_EQ(r.one(fp::fmin(D, 4, 1, 2), 0x7ff8000000000123ull, 0xfff8000000000456ull), kQnanD);
  EXPECT_EQ(r.fflags(), 0u);
  EXPECT_EQ(r.one(fp::fmax(D, 4, 1, 2), kSnanD, kQnanD), kQnanD);
  EXPECT_EQ(r.fflags(), NV);
  EXPECT_EQ(r.one(fp::fmax(S, 4, 1, 2), box(0x7fc00123u), box(0xffc00001u)), kQnanS);
  // An unboxed single is a NaN: the other operand wins.
  EXPECT_EQ(r.one(fp::fmin(S, 4, 1, 2), 0x00000000bf800000ull, bs(3.0f)), bs(3.0f));
  EXPECT_EQ(r.fflags(), 0u);
}

uint64_t klass(Rig& r, int fmt, uint64_t v) {
  r.set_x(10, 0x77);
  r.one(fp::fclass(fmt, 10, 1), v);
  EXPECT_EQ(r.fflags(), 0u);
  return r.x(10);
}

TEST(RvFloatCompare, FclassDoubleAllTenClasses) {
  Rig r;
  EXPECT_EQ(klass(r, D, bd(-INFINITY)), 1u << 0);
  EXPECT_EQ(klass(r, D, bd(-1.5)), 1u << 1);
  EXPECT_EQ(klass(r, D, 0x800fffffffffffffull), 1u << 2);  // negative subnormal
  EXPECT_EQ(klass(r, D, bd(-0.0)), 1u << 3);
  EXPECT_EQ(klass(r, D, bd(0.0)), 1u << 4);
  EXPECT_EQ(klass(r, D, 1), 1u << 5);  // the least positive subnormal
  EXPECT_EQ(klass(r, D, bd(DBL_MIN)), 1u << 6);
  EXPECT_EQ(klass(r, D, bd(INFINITY)), 1u << 7);
  EXPECT_EQ(klass(r, D, kSnanD), 1u << 8);
  EXPECT_EQ(klass(r, D, 0xfff8000000000000ull), 1u << 9);
}

TEST(RvFloatCompare, FclassSingleAllTenClasses) {
  Rig r;
  EXPECT_EQ(klass(r, S, bs(-INFINITY)), 1u << 0);
  EXPECT_EQ(klass(r, S, bs(-FLT_MAX)), 1u << 1);
  EXPECT_EQ(klass(r, S, box(0x80000001u)), 1u << 2);
  EXPECT_EQ(klass(r, S, bs(-0.0f)), 1u << 3);
  EXPECT_EQ(klass(r, S, bs(0.0f)), 1u << 4);
  EXPECT_EQ(klass(r, S, box(0x007fffffu)), 1u << 5);
  EXPECT_EQ(klass(r, S, bs(1.0f)), 1u << 6);
  EXPECT_EQ(klass(r, S, bs(INFINITY)), 1u << 7);
  EXPECT_EQ(klass(r, S, kSnanS), 1u << 8);
  EXPECT_EQ(klass(r, S, kQnanS), 1u << 9);
  // Not boxed: the canonical NaN, a quiet one.
  EXPECT_EQ(klass(r, S, 0x000000003f800000ull), 1u << 9);
}

}  // namespace
}  // namespace strata::jit::rv64::ftest

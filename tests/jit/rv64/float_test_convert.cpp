// fcvt: float -> integer saturation and rounding, integer -> float rounding, single <-> double.
#include <cfloat>

#include "tests/jit/rv64/float_test_rig.hpp"

namespace strata::jit::rv64::ftest {
namespace {

enum Kind : unsigned { W = 0, Wu = 1, L = 2, Lu = 3 };

struct ToInt {
  uint64_t value;
  uint64_t flags;
};

// fcvt.{kind}.{fmt} x10, f1 with rounding mode rm.
ToInt to_int(Rig& r, int fmt, Kind k, uint64_t v, unsigned rm = RTZ) {
  r.set_x(10, 0x77);
  r.one(fp::fcvt_to_int(fmt, k, 10, 1, rm), v);
  return {r.x(10), r.fflags()};
}

#define EXPECT_CVT(call, want_value, want_flags) \
  do {                                           \
    const ToInt got_ = (call);                   \
    EXPECT_EQ(got_.value, want_value);           \
    EXPECT_EQ(got_.flags, want_flags);           \
  } while (0)

TEST(RvFloatConvert, SaturationTableDouble) {
  Rig r;
  const uint64_t nan = kQnanD, pinf = bd(INFINITY), ninf = bd(-INFINITY);
  // w: [-2^31, 2^31 - 1]
  EXPECT_CVT(to_int(r, D, W, nan), 0x7fffffffu, NV);
  EXPECT_CVT(to_int(r, D, W, pinf), 0x7fffffffu, NV);
  EXPECT_CVT(to_int(r, D, W, ninf), 0xffffffff80000000ull, NV);
  EXPECT_CVT(to_int(r, D, W, bd(0x1p31)), 0x7fffffffu, NV);
  EXPECT_CVT(to_int(r, D, W, bd(-0x1p31)), 0xffffffff80000000ull, 0u);
  EXPECT_CVT(to_int(r, D, W, bd(-2147483649.0)), 0xffffffff80000000ull, NV);
  EXPECT_CVT(to_int(r, D, W, bd(2147483647.0)), 0x7fffffffu, 0u);
  EXPECT_CVT(to_int(r, D, W, bd(-7.0)), ~uint64_t{6}, 0u);
  // wu: [0, 2^32 - 1], results sign-extended from bit 31
  EXPECT_CVT(to_int(r, D, Wu, nan), ~uint64_t{0}, NV);
  EXPECT_CVT(to_int(r, D, Wu, pinf), ~uint64_t{0}, NV);
  EXPECT_CVT(to_int(r, D, Wu, ninf), 0u, NV);
  EXPECT_CVT(to_int(r, D, Wu, bd(-1.0)), 0u, NV);
  EXPECT_CVT(to_int(r, D, Wu, bd(0x1p32)), ~uint64_t{0}, NV);
  EXPECT_CVT(to_int(r, D, Wu, bd(4294967295.0)), ~uint64_t{0}, 0u);
  EXPECT_CVT(to_int(r, D, Wu, bd(3e9)), 0xffffffffb2d05e00ull, 0u);
  EXPECT_CVT(to_int(r, D, Wu, bd(7.0)), 7u, 0u);
  // l: [-2^63, 2^63)
  EXPECT_CVT(to_int(r, D, L, nan), 0x7fffffffffffffffull, NV);
  EXPECT_CVT(to_int(r, D, L, pinf), 0x7fffffffffffffffull, NV);
  EXPECT_CVT(to_int(r, D, L, ninf), 0x8000000000000000ull, NV);
  EXPECT_CVT(to_int(r, D, L, bd(0x1p63)), 0x7fffffffffffffffull, NV);
  EXPECT_CVT(to_int(r, D, L, bd(-0x1p63)), 0x8000000000000000ull, 0u);
  EXPECT_CVT(to_int(r, D, L, bd(-0x1p64)), 0x8000000000000000ull, NV);
  EXPECT_CVT(to_int(r, D, L, bd(0x1p62)), 0x4000000000000000ull, 0u);
  // lu: [0, 2^64)
  EXPECT_CVT(to_int(r, D, Lu, nan), ~uint64_t{0}, NV);
  EXPECT_CVT(to_int(r, D, Lu, pinf), ~uint64_t{0}, NV);
  EXPECT_CVT(to_int(r, D, Lu, ninf), 0u, NV);
  EXPECT_CVT(to_int(r, D, Lu, bd(0x1p64)), ~uint64_t{0}, NV);
  EXPECT_CVT(to_int(r, D, Lu, bd(0x1p64 - 2048)), 0xfffffffffffff800ull, 0u);
  EXPECT_CVT(to_int(r, D, Lu, bd(-1.0)), 0u, NV);
  EXPECT_CVT(to_int(r, D, Lu, bd(0x1p63)), 0x8000000000000000ull, 0u);
}

TEST(RvFloatConvert, SaturationTableSingle) {
  Rig r;
  EXPECT_CVT(to_int(r, S, W, kQnanS), 0x7fffffffu, NV);
  EXPECT_CVT(to_int(r, S, W, 0x000000003f800000ull), 0x7fffffffu, NV);  // unboxed: NaN
  EXPECT_CVT(to_int(r, S, W, bs(-INFINITY)), 0xffffffff80000000ull, NV);
  EXPECT_CVT(to_int(r, S, W, bs(0x1p31f)), 0x7fffffffu, NV);
  EXPECT_CVT(to_int(r, S, Wu, bs(-3.0f)), 0u, NV);
  EXPECT_CVT(to_int(r, S, Wu, box(0x7f800001u)), ~uint64_t{0}, NV);  // sNaN
  EXPECT_CVT(to_int(r, S, L, bs(0x1p63f)), 0x7fffffffffffffffull, NV);
  EXPECT_CVT(to_int(r, S, L, bs(-0x1p63f)), 0x8000000000000000ull, 0u);
  EXPECT_CVT(to_int(r, S, Lu, bs(0x1p64f)), ~uint64_t{0}, NV);
  EXPECT_CVT(to_int(r, S, Lu, bs(INFINITY)), ~uint64_t{0}, NV);
  EXPECT_CVT(to_int(r, S, Lu, bs(0x1p63f)), 0x8000000000000000ull, 0u);
}

TEST(RvFloatConvert, RoundingModesAndInexact) {
  Rig r;
  //                       RNE RTZ RDN RUP RMM
  const int64_t pos[] = {2, 2, 2, 3, 3};       // 2.5
  const int64_t neg[] = {-2, -2, -3, -2, -3};  // -2.5
  const int64_t odd[] = {4, 3, 3, 4, 4};       // 3.5
  for (unsigned rm = 0; rm <= 4; ++rm) {
    EXPECT_CVT(to_int(r, D, W, bd(2.5), rm), static_cast<uint64_t>(pos[rm]), NX);
    EXPECT_CVT(to_int(r, D, L, bd(-2.5), rm), static_cast<uint64_t>(neg[rm]), NX);
    EXPECT_CVT(to_int(r, S, L, bs(3.5f), rm), static_cast<uint64_t>(odd[rm]), NX);
    EXPECT_CVT(to_int(r, S, W, bs(-2.5f), rm), static_cast<uint64_t>(neg[rm]), NX);
  }
  // Whether it fits is judged after rounding.
  EXPECT_CVT(to_int(r, D, W, bd(2147483647.5), RTZ), 0x7fffffffu, NX);
  EXPECT_CVT(to_int(r, D, W, bd(2147483647.5), RNE), 0x7fffffffu, NV);
  EXPECT_CVT(to_int(r, D, W, bd(-2147483648.5), RNE), 0xffffffff80000000ull, NX);
  EXPECT_CVT(to_int(r, D, W, bd(-2147483648.5), RDN), 0xffffffff80000000ull, NV);
  // A negative value that rounds to zero is a valid unsigned 0 (inexact); one that rounds to
  // -1 is invalid.
  EXPECT_CVT(to_int(r, D, Wu, bd(-0.4), RNE), 0u, NX);
  EXPECT_CVT(to_int(r, D, Lu, bd(-0.6), RTZ), 0u, NX);
  EXPECT_CVT(to_int(r, D, Lu, bd(-0.6), RNE), 0u, NV);
  EXPECT_CVT(to_int(r, S, Wu, bs(-0.5f), RMM), 0u, NV);
  EXPECT_CVT(to_int(r, D, Wu, bd(-0.0), RNE), 0u, 0u);
  // Dynamic rounding.
  r.set_x(10, 0);
  r.one(fp::fcvt_to_int(D, L, 10, 1, DYN), bd(-2.5), 0, 0, RDN);
  EXPECT_EQ(r.x(10), static_cast<uint64_t>(-3));
}

// fcvt.{fmt}.{kind} f4, x11.
uint64_t from_int(Rig& r, int fmt, Kind k, uint64_t v, unsigned rm = RNE) {
  r.set_x(11, v);
  return r.one(fp::fcvt_from_int(fmt, k, 4, 11, rm), 0);
}

TEST(RvFloatConvert, IntegerToSingle) {
  Rig r;
  const uint64_t big = (1u << 24) + 1;  // 2^24 + 1: a tie between 2^24 and 2^24 + 2
  EXPECT_EQ(from_int(r, S, W, big, RNE), box(0x4b800000u));
  EXPECT_EQ(r.fflags(), NX);
  EXPECT_EQ(from_int(r, S, W, big, RTZ), box(0x4b800000u));
  EXPECT_EQ(from_int(r, S, W, big, RUP), box(0x4b800001u));
  EXPECT_EQ(from_int(r, S, W, big, RMM), box(0x4b800001u));
  EXPECT_EQ(from_int(r, S, W, static_cast<uint64_t>(-static_cast<int64_t>(big)), RDN),
            box(0xcb800001u));
  EXPECT_EQ(from_int(r, S, W, 0x1234567800000003ull), bs(3.0f));  // only the low 32 bits
  EXPECT_EQ(r.fflags(), 0u);
  EXPECT_EQ(from_int(r, S, W, 0xffffffffu), bs(-1.0f));
  EXPECT_EQ(from_int(r, S, Wu, 0xffffffffu), bs(0x1p32f));
  EXPECT_EQ(r.fflags(), NX);
  EXPECT_EQ(from_int(r, S, Wu, 0xffffffffu, RTZ), box(0x4f7fffffu));
  EXPECT_EQ(from_int(r, S, L, 0x7fffffffffffffffull), bs(0x1p63f));
  EXPECT_EQ(from_int(r, S, L, 0x8000000000000000ull), bs(-0x1p63f));
  EXPECT_EQ(r.fflags(), 0u);
  EXPECT_EQ(from_int(r, S, Lu, ~uint64_t{0}), bs(0x1p64f));
  EXPECT_EQ(r.fflags(), NX);
  EXPECT_EQ(from_int(r, S, Lu, ~uint64_t{0}, RTZ), box(0x5f7fffffu));
  EXPECT_EQ(from_int(r, S, Lu, (uint64_t{1} << 40) + (uint64_t{1} << 16), RMM), box(0x53800001u));
}

TEST(RvFloatConvert, IntegerToDouble) {
  Rig r;
  const uint64_t big = (uint64_t{1} << 53) + 1;
  EXPECT_EQ(from_int(r, D, L, big, RNE), bd(0x1p53));
  EXPECT_EQ(r.fflags(), NX);
  EXPECT_EQ(from_int(r, D, L, big, RMM), bd(0x1p53 + 2));
  EXPECT_EQ(from_int(r, D, L, big, RUP), bd(0x1p53 + 2));
  EXPECT_EQ(from_int(r, D, L, static_cast<uint64_t>(-static_cast<int64_t>(big)), RMM),
            bd(-0x1p53 - 2));
  EXPECT_EQ(from_int(r, D, Lu, ~uint64_t{0}), bd(0x1p64));
  EXPECT_EQ(from_int(r, D, Lu, ~uint64_t{0}, RTZ), 0x43efffffffffffffull);
  EXPECT_EQ(from_int(r, D, L, static_cast<uint64_t>(-12345)), bd(-12345.0));
  EXPECT_EQ(r.fflags(), 0u);
  // The exact int32 conversions (inline SVI): only the low 32 bits count.
  EXPECT_EQ(from_int(r, D, W, 0xdeadbeef00000007ull), bd(7.0));
  EXPECT_EQ(from_int(r, D, W, 0x00000000fffffffbull), bd(-5.0));
  EXPECT_EQ(from_int(r, D, Wu, 0x12345678ffffffffull), bd(4294967295.0));
  EXPECT_EQ(r.fflags(), 0u);
}

TEST(RvFloatConvert, ExactConversionsStillCheckTheRoundingMode) {
  Rig r;
  r.set_x(11, 3);
  r.set_f(4, bd(42.0));
  EXPECT_EQ(r.run(fp::fcvt_from_int(D, W, 4, 11, 5)), kPc | 1);
  EXPECT_EQ(r.state(state::kExit), static_cast<uint64_t>(vm::rv64::ExitReason::Illegal));
  EXPECT_EQ(r.f(4), bd(42.0));
  r.set_fcsr(6u << 5);
  EXPECT_EQ(r.run(fp::fcvt_d_s(4, 1, DYN)), kPc | 1);
  EXPECT_EQ(r.f(4), bd(42.0));
}

TEST(RvFloatConvert, DoubleToSingle) {
  Rig r;
  const uint64_t tie = bd(1.0 + 0x1p-24);
  EXPECT_EQ(r.one(fp::fcvt_s_d(4, 1, RNE), tie), bs(1.0f));
  EXPECT_EQ(r.fflags(), NX);
  EXPECT_EQ(r.one(fp::fcvt_s_d(4, 1, RMM), tie), box(0x3f800001u));
  EXPECT_EQ(r.one(fp::fcvt_s_d(4, 1, RUP), bd(1.0 + 0x1p-40)), box(0x3f800001u));
  EXPECT_EQ(r.one(fp::fcvt_s_d(4, 1, RNE), bd(1e300)), bs(INFINITY));
  EXPECT_EQ(r.fflags(), OF | NX);
  EXPECT_EQ(r.one(fp::fcvt_s_d(4, 1, RTZ), bd(1e300)), bs(FLT_MAX));
  EXPECT_EQ(r.one(fp::fcvt_s_d(4, 1, RNE), bd(DBL_MIN)), bs(0.0f));
  EXPECT_EQ(r.fflags(), UF | NX);
  EXPECT_EQ(r.one(fp::fcvt_s_d(4, 1, RUP), bd(DBL_MIN)), box(1u));
  EXPECT_EQ(r.one(fp::fcvt_s_d(4, 1, RMM), bd(0x1p-150)), box(1u));  // half the least subnormal
  EXPECT_EQ(r.fflags(), UF | NX);
  EXPECT_EQ(r.one(fp::fcvt_s_d(4, 1), bd(-0.0)), bs(-0.0f));
  EXPECT_EQ(r.one(fp::fcvt_s_d(4, 1), 0x7ff0000000000001ull), kQnanS);
  EXPECT_EQ(r.fflags(), NV);
  EXPECT_EQ(r.one(fp::fcvt_s_d(4, 1), 0xfff8000000000001ull), kQnanS);
  EXPECT_EQ(r.fflags(), 0u);
}

TEST(RvFloatConvert, SingleToDouble) {
  Rig r;
  EXPECT_EQ(r.one(fp::fcvt_d_s(4, 1), bs(1.5f)), bd(1.5));
  EXPECT_EQ(r.one(fp::fcvt_d_s(4, 1), box(0x00000001u)), bd(0x1p-149));
  EXPECT_EQ(r.one(fp::fcvt_d_s(4, 1), bs(-INFINITY)), bd(-INFINITY));
  EXPECT_EQ(r.fflags(), 0u);
  EXPECT_EQ(r.one(fp::fcvt_d_s(4, 1), box(0x7f800001u)), kQnanD);
  EXPECT_EQ(r.fflags(), NV);
  EXPECT_EQ(r.one(fp::fcvt_d_s(4, 1), 0x000000003f800000ull), kQnanD);  // unboxed
  EXPECT_EQ(r.fflags(), 0u);
}

}  // namespace
}  // namespace strata::jit::rv64::ftest

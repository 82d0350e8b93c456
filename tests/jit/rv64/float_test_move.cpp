// F/D transfers and sign injection: flw/fsw/fld/fsd, fmv.*, fsgnj* (inline SVI, no helpers).
#include "tests/jit/rv64/float_test_rig.hpp"

namespace strata::jit::rv64::ftest {
namespace {

TEST(RvFloatMove, FlwNanBoxesWhateverTheSign) {
  Rig r;
  r.set_x(5, kData);
  r.poke<uint32_t>(kData + 8, 0xc0490fdbu);  // -pi: a sign extension would differ from a box
  r.poke<uint32_t>(kData + 12, 0x3f800000u);
  r.run({fp::flw(4, 5, 8), fp::flw(6, 5, 12)});
  EXPECT_EQ(r.f(4), 0xffffffffc0490fdbull);
  EXPECT_EQ(r.f(6), 0xffffffff3f800000ull);
}

TEST(RvFloatMove, FswStoresTheLowHalfEvenWhenNotBoxed) {
  Rig r;
  r.set_x(5, kData);
  r.poke<uint64_t>(kData - 8, 0x1111111111111111ull);
  r.set_f(1, 0x123456789abcdef0ull);  // not a boxed single: a transfer ignores that
  r.run(fp::fsw(1, 5, -4));
  EXPECT_EQ(r.peek<uint64_t>(kData - 8), 0x9abcdef011111111ull);
}

TEST(RvFloatMove, FldFsdKeepSignallingNanPayloads) {
  Rig r;
  r.set_x(5, kData);
  r.poke<uint64_t>(kData + 16, 0x7ff0000000000001ull);
  r.run({fp::fld(7, 5, 16), fp::fsd(7, 5, 24)});
  EXPECT_EQ(r.f(7), 0x7ff0000000000001ull);
  EXPECT_EQ(r.peek<uint64_t>(kData + 24), 0x7ff0000000000001ull);
}

TEST(RvFloatMove, FmvXWSignExtendsTheLowHalfWithoutUnboxing) {
  Rig r;
  r.set_f(1, box(0x80000001u));
  r.set_f(2, 0x000000007fffffffull);  // not boxed: fmv.x.w still moves the low bits
  r.run({fp::fmv_x_w(10, 1), fp::fmv_x_w(11, 2)});
  EXPECT_EQ(r.x(10), 0xffffffff80000001ull);
  EXPECT_EQ(r.x(11), 0x7fffffffull);
}

TEST(RvFloatMove, FmvWXBoxesAndDoubleMovesAreBitExact) {
  Rig r;
  r.set_x(11, 0x1234567887654321ull);
  r.set_x(12, 0x7ff4000000000abcull);
  r.set_f(9, 0xfff0000000000123ull);
  r.run({fp::fmv_w_x(4, 11), fp::fmv_d_x(5, 12), fp::fmv_x_d(13, 9)});
  EXPECT_EQ(r.f(4), 0xffffffff87654321ull);
  EXPECT_EQ(r.f(5), 0x7ff4000000000abcull);
  EXPECT_EQ(r.x(13), 0xfff0000000000123ull);
}

TEST(RvFloatMove, FsgnjSingle) {
  Rig r;
  EXPECT_EQ(r.one(fp::fsgnj(S, 4, 1, 2), bs(1.5f), bs(-0.0f)), bs(-1.5f));
  EXPECT_EQ(r.one(fp::fsgnj(S, 4, 1, 2), bs(-1.5f), bs(+0.0f)), bs(1.5f));
  EXPECT_EQ(r.one(fp::fsgnjn(S, 4, 1, 2), bs(1.5f), bs(-2.0f)), bs(1.5f));
  EXPECT_EQ(r.one(fp::fsgnjn(S, 4, 1, 2), bs(1.5f), bs(+0.0f)), bs(-1.5f));
  EXPECT_EQ(r.one(fp::fsgnjx(S, 4, 1, 2), bs(-1.5f), bs(-3.0f)), bs(1.5f));
  EXPECT_EQ(r.one(fp::fsgnjx(S, 4, 1, 2), bs(-1.5f), bs(3.0f)), bs(-1.5f));
  EXPECT_EQ(r.one(fp::fsgnjx(S, 4, 1, 2), bs(0.0f), bs(-0.0f)), bs(-0.0f));
  EXPECT_EQ(r.fflags(), 0u);  // sign injection never raises a flag
}

TEST(RvFloatMove, FsgnjSingleReadsAnUnboxedOperandAsTheCanonicalNan) {
  Rig r;
  // rs1 not boxed: the magnitude is the canonical NaN's, the sign rs2's.
  EXPECT_EQ(r.one(fp::fsgnj(S, 4, 1, 2), 0x000000003fc00000ull, bs(-1.0f)), box(0xffc00000u));
  // rs2 not boxed: its sign is the canonical NaN's (positive), even with bit 31 set.
  EXPECT_EQ(r.one(fp::fsgnj(S, 4, 1, 2), bs(-1.5f), 0x0000000080000000ull), bs(1.5f));
  // A boxed NaN keeps its payload: sign injection is not arithmetic.
  EXPECT_EQ(r.one(fp::fsgnjn(S, 4, 1, 1), box(0x7fc00001u)), box(0xffc00001u));
}

TEST(RvFloatMove, FsgnjDoubleZerosAndAliasing) {
  Rig r;
  EXPECT_EQ(r.one(fp::fsgnj(D, 4, 1, 2), bd(0.0), bd(-0.0)), bd(-0.0));
  EXPECT_EQ(r.one(fp::fsgnjn(D, 4, 1, 2), bd(-0.0), bd(-0.0)), bd(0.0));
  EXPECT_EQ(r.one(fp::fsgnjx(D, 4, 1, 2), bd(-2.5), bd(-1.0)), bd(2.5));
  EXPECT_EQ(r.one(fp::fsgnjx(D, 4, 1, 2), 0x7ff0000000000001ull, bd(-1.0)), 0xfff0000000000001ull);
  // fneg.d f1, f1: rd is also both sources.
  r.set_f(1, bd(3.25));
  r.run(fp::fsgnjn(D, 1, 1, 1));
  EXPECT_EQ(r.f(1), bd(-3.25));
}

// fmv.d, fneg.d and fabs.d (one source register for both operands) have their own one-word
// translation: bit-exact on NaN payloads, infinities, zeros and subnormals, no flags.
TEST(RvFloatMove, DoubleSignMovesFromOneRegisterAreBitExact) {
  Rig r;
  const uint64_t values[] = {bd(0.0),
                             bd(-0.0),
                             bd(1.5),
                             bd(-1e300),
                             1,
                             0x800fffffffffffffull,
                             0x7ff0000000000000ull,
                             0xfff0000000000000ull,
                             0x7ff4000000000abcull /* sNaN */,
                             0xfff8000000000001ull};
  for (uint64_t v : values) {
    EXPECT_EQ(r.one(fp::fsgnj(D, 4, 1, 1), v), v);
    EXPECT_EQ(r.one(fp::fsgnjn(D, 4, 1, 1), v), v ^ (uint64_t{1} << 63));
    EXPECT_EQ(r.one(fp::fsgnjx(D, 4, 1, 1), v), v & ~(uint64_t{1} << 63));
  }
  EXPECT_EQ(r.fflags(), 0u);
  // In place: fabs.d f1, f1 and fmv.d f2, f2.
  r.set_f(1, bd(-7.0));
  r.set_f(2, 0x7ff4000000000001ull);
  r.run({fp::fsgnjx(D, 1, 1, 1), fp::fsgnj(D, 2, 2, 2)});
  EXPECT_EQ(r.f(1), bd(7.0));
  EXPECT_EQ(r.f(2), 0x7ff4000000000001ull);
}

}  // namespace
}  // namespace strata::jit::rv64::ftest

// F/D arithmetic: fadd/fsub/fmul/fdiv/fsqrt results, every fflags bit, canonical NaNs, the five
// rounding modes (RMM ties included), dynamic rounding through frm and the illegal ones.
#include <cfenv>
#include <cfloat>

#include "tests/jit/rv64/float_test_rig.hpp"

namespace strata::jit::rv64::ftest {
namespace {

constexpr uint32_t kOneS = 0x3f800000u;
constexpr uint64_t kOneD = 0x3ff0000000000000ull;

TEST(RvFloatArith, BasicResultsWithoutFlags) {
  Rig r;
  EXPECT_EQ(r.one(fp::fadd(S, 4, 1, 2), bs(1.5f), bs(2.25f)), bs(3.75f));
  EXPECT_EQ(r.one(fp::fsub(S, 4, 1, 2), bs(1.5f), bs(2.25f)), bs(-0.75f));
  EXPECT_EQ(r.one(fp::fmul(S, 4, 1, 2), bs(1.5f), bs(-4.0f)), bs(-6.0f));
  EXPECT_EQ(r.one(fp::fdiv(S, 4, 1, 2), bs(7.5f), bs(2.5f)), bs(3.0f));
  EXPECT_EQ(r.one(fp::fsqrt(S, 4, 1), bs(6.25f)), bs(2.5f));
  EXPECT_EQ(r.one(fp::fadd(D, 4, 1, 2), bd(1.5), bd(2.25)), bd(3.75));
  EXPECT_EQ(r.one(fp::fsub(D, 4, 1, 2), bd(1.5), bd(2.25)), bd(-0.75));
  EXPECT_EQ(r.one(fp::fmul(D, 4, 1, 2), bd(1.5), bd(-4.0)), bd(-6.0));
  EXPECT_EQ(r.one(fp::fdiv(D, 4, 1, 2), bd(7.5), bd(2.5)), bd(3.0));
  EXPECT_EQ(r.one(fp::fsqrt(D, 4, 1), bd(6.25)), bd(2.5));
  EXPECT_EQ(r.one(fp::fsqrt(D, 4, 1), bd(-0.0)), bd(-0.0));  // sqrt(-0) = -0, valid
  EXPECT_EQ(r.fflags(), 0u);
  // x - x is +0 in every mode but RDN, where it is -0.
  EXPECT_EQ(r.one(fp::fsub(D, 4, 1, 2, RNE), bd(2.0), bd(2.0)), bd(0.0));
  EXPECT_EQ(r.one(fp::fsub(D, 4, 1, 2, RDN), bd(2.0), bd(2.0)), bd(-0.0));
}

TEST(RvFloatArith, InvalidGivesTheCanonicalNan) {
  Rig r;
  EXPECT_EQ(r.one(fp::fdiv(D, 4, 1, 2), bd(0.0), bd(0.0)), kQnanD);
  EXPECT_EQ(r.fflags(), NV);
  EXPECT_EQ(r.one(fp::fsqrt(D, 4, 1), bd(-1.0)), kQnanD);
  EXPECT_EQ(r.fflags(), NV);
  EXPECT_EQ(r.one(fp::fsub(D, 4, 1, 2), bd(INFINITY), bd(INFINITY)), kQnanD);
  EXPECT_EQ(r.fflags(), NV);
  EXPECT_EQ(r.one(fp::fmul(S, 4, 1, 2), bs(INFINITY), bs(0.0f)), kQnanS);
  EXPECT_EQ(r.fflags(), NV);
  EXPECT_EQ(r.one(fp::fsqrt(S, 4, 1), bs(-2.0f)), kQnanS);
  EXPECT_EQ(r.fflags(), NV);
}

TEST(RvFloatArith, NanOperandsGiveTheCanonicalNanAndOnlySignallingOnesRaiseNv) {
  Rig r;
  // A quiet NaN with a payload and its sign set: quiet, so no flag; the result is canonical.
  EXPECT_EQ(r.one(fp::fadd(D, 4, 1, 2), 0xfff8000000000123ull, bd(1.0)), kQnanD);
  EXPECT_EQ(r.fflags(), 0u);
  EXPECT_EQ(r.one(fp::fmul(D, 4, 1, 2), bd(1.0), 0x7ff0000000000001ull), kQnanD);
  EXPECT_EQ(r.fflags(), NV);
  EXPECT_EQ(r.one(fp::fadd(S, 4, 1, 2), box(0xffc00123u), bs(1.0f)), kQnanS);
  EXPECT_EQ(r.fflags(), 0u);
  EXPECT_EQ(r.one(fp::fadd(S, 4, 1, 2), box(0x7f800001u), bs(1.0f)), kQnanS);
  EXPECT_EQ(r.fflags(), NV);
}

TEST(RvFloatArith, AnUnboxedSingleOperandReadsAsTheCanonicalNan) {
  Rig r;
  // 1.0f in the low half but the high half is not all ones: a quiet NaN, so no flag.
  EXPECT_EQ(r.one(fp::fadd(S, 4, 1, 2), 0x000000003f800000ull, bs(1.0f)), kQnanS);
  EXPECT_EQ(r.fflags(), 0u);
  EXPECT_EQ(r.one(fp::fmul(S, 4, 1, 2), bs(2.0f), bd(2.0)), kQnanS);
  EXPECT_EQ(r.fflags(), 0u);
}

TEST(RvFloatArith, DivideByZero) {
  Rig r;
  EXPECT_EQ(r.one(fp::fdiv(D, 4, 1, 2), bd(1.0), bd(0.0)), bd(INFINITY));
  EXPECT_EQ(r.fflags(), DZ);
  EXPECT_EQ(r.one(fp::fdiv(D, 4, 1, 2), bd(-1.0), bd(0.0)), bd(-INFINITY));
  EXPECT_EQ(r.fflags(), DZ);
  EXPECT_EQ(r.one(fp::fdiv(S, 4, 1, 2), bs(1.0f), bs(-0.0f)), bs(-INFINITY));
  EXPECT_EQ(r.fflags(), DZ);
}

TEST(RvFloatArith, OverflowDependsOnTheRoundingMode) {
  Rig r;
  const uint64_t max = bd(DBL_MAX);
  EXPECT_EQ(r.one(fp::fmul(D, 4, 1, 2, RNE), max, bd(2.0)), bd(INFINITY));
  EXPECT_EQ(r.fflags(), OF | NX);
  EXPECT_EQ(r.one(fp::fmul(D, 4, 1, 2, RTZ), max, bd(2.0)), max);
  EXPECT_EQ(r.fflags(), OF | NX);
  EXPECT_EQ(r.one(fp::fmul(D, 4, 1, 2, RDN), max, bd(2.0)), max);
  EXPECT_EQ(r.one(fp::fmul(D, 4, 1, 2, RUP), max, bd(2.0)), bd(INFINITY));
  EXPECT_EQ(r.one(fp::fmul(D, 4, 1, 2, RMM), max, bd(2.0)), bd(INFINITY));
  EXPECT_EQ(r.fflags(), OF | NX);
  EXPECT_EQ(r.one(fp::fmul(D, 4, 1, 2, RDN), max, bd(-2.0)), bd(-INFINITY));
  EXPECT_EQ(r.one(fp::fadd(S, 4, 1, 2, RNE), bs(FLT_MAX), bs(FLT_MAX)), bs(INFINITY));
  EXPECT_EQ(r.fflags(), OF | NX);
  EXPECT_EQ(r.one(fp::fadd(S, 4, 1, 2, RTZ), bs(FLT_MAX), bs(FLT_MAX)), bs(FLT_MAX));
  // The RMM overflow threshold is half an ulp above the largest finite value, a tie included.
  EXPECT_EQ(r.one(fp::fadd(D, 4, 1, 2, RMM), max, bd(0x1p970)), bd(INFINITY));
  EXPECT_EQ(r.fflags(), OF | NX);
  EXPECT_EQ(r.one(fp::fadd(D, 4, 1, 2, RMM), max, bd(0x1p969)), max);
  EXPECT_EQ(r.fflags(), NX);
}

TEST(RvFloatArith, UnderflowOnlyWhenTinyAndInexact) {
  Rig r;
  EXPECT_EQ(r.one(fp::fdiv(D, 4, 1, 2), bd(DBL_MIN), bd(2.0)), bd(DBL_MIN / 2));  // exact
  EXPECT_EQ(r.fflags(), 0u);
  EXPECT_EQ(r.one(fp::fdiv(D, 4, 1, 2), bd(DBL_MIN), bd(3.0)), 0x0005555555555555ull);
  EXPECT_EQ(r.fflags(), UF | NX);
  EXPECT_EQ(r.one(fp::fmul(S, 4, 1, 2), bs(FLT_MIN), bs(0.1f)), box(0x000ccccdu));
  EXPECT_EQ(r.fflags(), UF | NX);
  EXPECT_EQ(r.one(fp::fmul(S, 4, 1, 2, RTZ), bs(FLT_MIN), bs(0.1f)), box(0x000ccccc));
  // The smallest subnormal halved: RNE rounds the tie to 0, RMM away to the subnormal.
  EXPECT_EQ(r.one(fp::fmul(D, 4, 1, 2, RNE), 1, bd(0.5)), bd(0.0));
  EXPECT_EQ(r.fflags(), UF | NX);
  EXPECT_EQ(r.one(fp::fmul(D, 4, 1, 2, RMM), 1, bd(0.5)), 1u);
  EXPECT_EQ(r.fflags(), UF | NX);
}

TEST(RvFloatArith, InexactAlone) {
  Rig r;
  EXPECT_EQ(r.one(fp::fdiv(D, 4, 1, 2), bd(1.0), bd(3.0)), bd(1.0 / 3.0));
  EXPECT_EQ(r.fflags(), NX);
  EXPECT_EQ(r.one(fp::fdiv(S, 4, 1, 2), bs(1.0f), bs(3.0f)), bs(1.0f / 3.0f));
  EXPECT_EQ(r.fflags(), NX);
}

// 1 + 2^-24 in single is a tie between 1 and its successor; -(1 + 2^-24) its mirror.
TEST(RvFloatArith, EachRoundingModeOnASingleTie) {
  Rig r;
  const uint64_t one = box(kOneS), up = box(kOneS + 1), tiny = bs(0x1p-24f);
  const uint64_t mone = box(0x80000000u | kOneS), mup = box(0x80000000u | (kOneS + 1));
  const uint64_t want_pos[] = {one, one, one, up, up};  // RNE RTZ RDN RUP RMM
  const uint64_t want_neg[] = {mone, mone, mup, mone, mup};
  for (unsigned rm = 0; rm <= 4; ++rm) {
    EXPECT_EQ(r.one(fp::fadd(S, 4, 1, 2, rm), one, tiny), want_pos[rm]) << "rm " << rm;
    EXPECT_EQ(r.fflags(), NX);
    EXPECT_EQ(r.one(fp::fsub(S, 4, 1, 2, rm), mone, tiny), want_neg[rm]) << "rm " << rm;
    EXPECT_EQ(r.fflags(), NX);
  }
}

TEST(RvFloatArith, RmmRoundsNonTiesToNearest) {
  Rig r;
  const uint64_t one = box(kOneS), up = box(kOneS + 1);
  EXPECT_EQ(r.one(fp::fadd(S, 4, 1, 2, RMM), one, bs(0x1p-25f)), one);       // quarter ulp
  EXPECT_EQ(r.one(fp::fadd(S, 4, 1, 2, RMM), one, bs(0x3p-25f)), up);        // 3/4 ulp
  EXPECT_EQ(r.one(fp::fadd(D, 4, 1, 2, RMM), bd(1.0), bd(0x1p-54)), kOneD);  // quarter ulp
  EXPECT_EQ(r.fflags(), NX);
}

TEST(RvFloatArith, RmmTiesGoAwayFromZeroForEveryOperation) {
  Rig r;
  // add: 1 + 2^-53 is a tie; RNE keeps the even 1, RMM goes up.
  EXPECT_EQ(r.one(fp::fadd(D, 4, 1, 2, RNE), bd(1.0), bd(0x1p-53)), kOneD);
  EXPECT_EQ(r.one(fp::fadd(D, 4, 1, 2, RMM), bd(1.0), bd(0x1p-53)), kOneD + 1);
  EXPECT_EQ(r.one(fp::fadd(D, 4, 1, 2, RMM), bd(-1.0), bd(-0x1p-53)), bd(-1.0) + 1);
  // mul: (1 + 3*2^-52) * 1.5 = 1.5 + 4.5 ulp: RNE to 4 ulp (even), RMM to 5.
  EXPECT_EQ(r.one(fp::fmul(D, 4, 1, 2, RNE), 0x3ff0000000000003ull, bd(1.5)),
            0x3ff8000000000004ull);
  EXPECT_EQ(r.one(fp::fmul(D, 4, 1, 2, RMM), 0x3ff0000000000003ull, bd(1.5)),
            0x3ff8000000000005ull);
  EXPECT_EQ(r.fflags(), NX);
  // div in the subnormal range: 5 * 2^-1074 / 2 = 2.5 quanta.
  EXPECT_EQ(r.one(fp::fdiv(D, 4, 1, 2, RNE), 5, bd(2.0)), 2u);
  EXPECT_EQ(r.one(fp::fdiv(D, 4, 1, 2, RMM), 5, bd(2.0)), 3u);
  EXPECT_EQ(r.fflags(), UF | NX);
  EXPECT_EQ(r.one(fp::fdiv(D, 4, 1, 2, RMM), 0x8000000000000005ull, bd(2.0)),
            0x8000000000000003ull);
  // single mul: (1 + 2^-23) * (1 + 2^-1) = 1.5 + 1.5 ulp -> 1.5 + 2 ulp either way (away = even);
  // (1 + 3*2^-23) * 1.5 = 1.5 + 4.5 ulp.
  EXPECT_EQ(r.one(fp::fmul(S, 4, 1, 2, RNE), box(kOneS + 3), bs(1.5f)), box(0x3fc00004u));
  EXPECT_EQ(r.one(fp::fmul(S, 4, 1, 2, RMM), box(kOneS + 3), bs(1.5f)), box(0x3fc00005u));
  // sqrt is never a tie: RMM agrees with RNE (sqrt 2 rounds up), RTZ is one ulp lower.
  EXPECT_EQ(r.one(fp::fsqrt(D, 4, 1, RNE), bd(2.0)), 0x3ff6a09e667f3bcdull);
  EXPECT_EQ(r.one(fp::fsqrt(D, 4, 1, RMM), bd(2.0)), 0x3ff6a09e667f3bcdull);
  EXPECT_EQ(r.one(fp::fsqrt(D, 4, 1, RTZ), bd(2.0)), 0x3ff6a09e667f3bccull);
  EXPECT_EQ(r.fflags(), NX);
  EXPECT_EQ(r.one(fp::fsqrt(S, 4, 1, RUP), bs(2.0f)), box(0x3fb504f4u));
  EXPECT_EQ(r.one(fp::fsqrt(S, 4, 1, RDN), bs(2.0f)), box(0x3fb504f3u));
}

TEST(RvFloatArith, FlagsAccumulateAndFrmIsKept) {
  Rig r;
  r.set_f(1, bd(1.0));
  r.set_f(2, bd(3.0));
  r.set_f(5, bd(0.0));
  r.set_fcsr((RUP << 5) | DZ);
  // 1/3 (NX), then 0/0 (NV): the flags pile up on the DZ already there.
  r.run({fp::fdiv(D, 4, 1, 2), fp::fdiv(D, 6, 5, 5)});
  EXPECT_EQ(r.state(state::kFcsr), (RUP << 5) | DZ | NX | NV);
}

TEST(RvFloatArith, DynamicRoundingReadsFrm) {
  Rig r;
  const uint64_t one = box(kOneS), up = box(kOneS + 1), tiny = bs(0x1p-24f);
  EXPECT_EQ(r.one(fp::fadd(S, 4, 1, 2, DYN), one, tiny, 0, RNE), one);
  EXPECT_EQ(r.one(fp::fadd(S, 4, 1, 2, DYN), one, tiny, 0, RMM), up);
  EXPECT_EQ(r.one(fp::fadd(S, 4, 1, 2, DYN), one, tiny, 0, RUP), up);
  EXPECT_EQ(r.state(state::kFcsr), (RUP << 5) | NX);
  EXPECT_EQ(r.one(fp::fsqrt(D, 4, 1, DYN), bd(2.0), 0, 0, RTZ), 0x3ff6a09e667f3bccull);
}

TEST(RvFloatArith, InvalidFrmWithDynamicRoundingIsAnIllegalInstruction) {
  for (unsigned frm : {5u, 6u, 7u}) {
    Rig r;
    r.set_f(1, bd(1.0));
    r.set_f(2, bd(2.0));
    r.set_f(4, bd(42.0));
    r.set_fcsr(frm << 5);
    const uint32_t insn = fp::fadd(D, 4, 1, 2, DYN);
    // The instruction after it must not run either.
    EXPECT_EQ(r.run({fp::fsgnj(D, 7, 2, 2), insn, fp::fsgnj(D, 8, 1, 1)}), (kPc + 4) | 1);
    EXPECT_EQ(r.state(state::kExit), static_cast<uint64_t>(vm::rv64::ExitReason::Illegal));
    EXPECT_EQ(r.state(state::kPc), kPc + 4);
    EXPECT_EQ(r.state(state::kExitArg), insn);
    EXPECT_EQ(r.f(4), bd(42.0));  // untouched
    EXPECT_EQ(r.f(7), bd(2.0));   // the instruction before it completed
    EXPECT_EQ(r.f(8), 0u);
    EXPECT_EQ(r.state(state::kFcsr), frm << 5);
  }
}

TEST(RvFloatArith, ReservedStaticRoundingModeIsAnIllegalInstruction) {
  for (unsigned rm : {5u, 6u}) {
    Rig r;
    r.set_f(1, bd(1.0));
    r.set_f(4, bd(42.0));
    const uint32_t insn = fp::fsqrt(D, 4, 1, rm);
    EXPECT_EQ(r.run(insn), kPc | 1);
    EXPECT_EQ(r.state(state::kExit), static_cast<uint64_t>(vm::rv64::ExitReason::Illegal));
    EXPECT_EQ(r.state(state::kExitArg), insn);
    EXPECT_EQ(r.f(4), bd(42.0));
  }
}

// A host not in its default mode sends everything to the slow path, which computes in the
// guest's mode and puts the host's mode back after each helper. (The host's sticky exception
// flags are scratch for the helpers: float_env.hpp.)
TEST(RvFloatArith, HostRoundingModeIsRestoredOnTheSlowPath) {
  Rig r;
  ASSERT_EQ(std::fesetround(FE_UPWARD), 0);
  // The guest's RNE applies, not the host's upward mode.
  EXPECT_EQ(r.one(fp::fadd(S, 4, 1, 2, RNE), box(kOneS), bs(0x1p-24f)), box(kOneS));
  EXPECT_EQ(r.fflags(), NX);
  EXPECT_EQ(r.one(fp::fdiv(D, 4, 1, 2, RTZ), bd(1.0), bd(3.0)), 0x3fd5555555555555ull);
  EXPECT_EQ(r.one(fp::fadd(D, 4, 1, 2, RMM), bd(1.0), bd(0x1p-53)), kOneD + 1);
  EXPECT_EQ(r.one(fp::fcvt_s_d(4, 1, RDN), bd(1.0 / 3.0)), box(0x3eaaaaaau));
  r.one(fp::fcvt_to_int(D, 0, 10, 1, RDN), 0x7ff0000000000001ull);
  EXPECT_EQ(r.fflags(), NV);
  EXPECT_EQ(std::fegetround(), FE_UPWARD);
  std::fesetround(FE_TONEAREST);
}

// The fast path never changes the host's rounding mode, and a guest's static mode still wins
// over it: RTZ on the guest side while the host stays round-to-nearest.
TEST(RvFloatArith, HostRoundingModeIsKeptOnTheFastPath) {
  Rig r;
  ASSERT_EQ(std::fegetround(), FE_TONEAREST);
  EXPECT_EQ(r.one(fp::fdiv(D, 4, 1, 2, RNE), bd(1.0), bd(3.0)), 0x3fd5555555555555ull);
  EXPECT_EQ(r.one(fp::fdiv(D, 4, 1, 2, RUP), bd(1.0), bd(3.0)), 0x3fd5555555555556ull);
  EXPECT_EQ(r.one(fp::fdiv(S, 4, 1, 2, RTZ), bs(1.0f), bs(3.0f)), box(0x3eaaaaaau));
  EXPECT_EQ(std::fegetround(), FE_TONEAREST);
}

}  // namespace
}  // namespace strata::jit::rv64::ftest

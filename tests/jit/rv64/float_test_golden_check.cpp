// Every golden case (float_test_golden.hpp) through translate_float and the helpers, on the
// interpreter and the baseline JIT: same result bits and same fflags as the RISC-V machine.
#include <cfenv>

#include <fmt/format.h>

#include "tests/jit/rv64/float_test_golden.hpp"
#include "tests/jit/rv64/float_test_rig.hpp"

namespace strata::jit::rv64::ftest {
namespace {

struct Shape {
  uint32_t insn;  // f results in f4, x results in x10; f sources f1..f3, an x source x11
  bool x_source;
  bool x_result;
};

Shape shape(G op, unsigned rm) {
  switch (op) {
    case G::AddS: return {fp::fadd(S, 4, 1, 2, rm), false, false};
    case G::SubS: return {fp::fsub(S, 4, 1, 2, rm), false, false};
    case G::MulS: return {fp::fmul(S, 4, 1, 2, rm), false, false};
    case G::DivS: return {fp::fdiv(S, 4, 1, 2, rm), false, false};
    case G::SqrtS: return {fp::fsqrt(S, 4, 1, rm), false, false};
    case G::MaddS: return {fp::fmadd(S, 4, 1, 2, 3, rm), false, false};
    case G::NmsubS: return {fp::fnmsub(S, 4, 1, 2, 3, rm), false, false};
    case G::AddD: return {fp::fadd(D, 4, 1, 2, rm), false, false};
    case G::SubD: return {fp::fsub(D, 4, 1, 2, rm), false, false};
    case G::MulD: return {fp::fmul(D, 4, 1, 2, rm), false, false};
    case G::DivD: return {fp::fdiv(D, 4, 1, 2, rm), false, false};
    case G::SqrtD: return {fp::fsqrt(D, 4, 1, rm), false, false};
    case G::MaddD: return {fp::fmadd(D, 4, 1, 2, 3, rm), false, false};
    case G::MsubD: return {fp::fmsub(D, 4, 1, 2, 3, rm), false, false};
    case G::NmaddD: return {fp::fnmadd(D, 4, 1, 2, 3, rm), false, false};
    case G::CvtSD: return {fp::fcvt_s_d(4, 1, rm), false, false};
    case G::CvtWD: return {fp::fcvt_to_int(D, 0, 10, 1, rm), false, true};
    case G::CvtWuD: return {fp::fcvt_to_int(D, 1, 10, 1, rm), false, true};
    case G::CvtLD: return {fp::fcvt_to_int(D, 2, 10, 1, rm), false, true};
    case G::CvtLuD: return {fp::fcvt_to_int(D, 3, 10, 1, rm), false, true};
    case G::CvtWS: return {fp::fcvt_to_int(S, 0, 10, 1, rm), false, true};
    case G::CvtLuS: return {fp::fcvt_to_int(S, 3, 10, 1, rm), false, true};
    case G::CvtSL: return {fp::fcvt_from_int(S, 2, 4, 11, rm), true, false};
    case G::CvtSLu: return {fp::fcvt_from_int(S, 3, 4, 11, rm), true, false};
    case G::CvtDL: return {fp::fcvt_from_int(D, 2, 4, 11, rm), true, false};
    case G::CvtDLu: return {fp::fcvt_from_int(D, 3, 4, 11, rm), true, false};
    case G::CvtSW: return {fp::fcvt_from_int(S, 0, 4, 11, rm), true, false};
  }
  return {0, false, false};
}

void check_all_cases() {
  Rig r;
  ASSERT_GT(golden_cases().size(), 1000u);
  for (size_t i = 0; i < golden_cases().size(); ++i) {
    const Golden& g = golden_cases()[i];
    const Shape sh = shape(g.op, g.rm);
    r.set_x(10, 0x77);
    r.set_x(11, sh.x_source ? g.a : 0);
    const uint64_t f4 = r.one(sh.insn, g.a, g.b, g.c);
    const uint64_t got = sh.x_result ? r.x(10) : f4;
    const std::string what = fmt::format("case {} (op {} rm {}): a={:#x} b={:#x} c={:#x}", i,
                                         static_cast<int>(g.op), g.rm, g.a, g.b, g.c);
    EXPECT_EQ(got, g.want) << what;
    EXPECT_EQ(r.fflags(), g.flags) << what;
  }
}

// With the host in its default mode, RNE add/sub/mul/div/sqrt on ordinary values take the fast
// path (float_fast.hpp); everything else the exact slow path.
TEST(RvFloatGolden, MatchesARiscvMachineInEveryRoundingMode) {
  check_all_cases();
}

// With the host rounding upward the fast path stands aside: every case through the slow path,
// which must still compute in the guest's mode, not the host's.
TEST(RvFloatGolden, MatchesARiscvMachineThroughTheSlowPathOnly) {
  ASSERT_EQ(std::fesetround(FE_UPWARD), 0);
  check_all_cases();
  std::fesetround(FE_TONEAREST);
}

}  // namespace
}  // namespace strata::jit::rv64::ftest

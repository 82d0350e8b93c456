// Generator of float_test_golden.cpp: runs F/D instructions on a RISC-V machine (qemu-riscv64,
// exact on rounding, fflags and NaNs) and prints the test with every result and flag set it saw.
// Not part of the build; rerun it by hand when the case list changes:
//
//   riscv64-linux-gnu-g++ -std=c++20 -O1 -static -o /tmp/golden_gen \
//       tests/jit/rv64/float_test_golden_gen.cpp
//   qemu-riscv64 /tmp/golden_gen > tests/jit/rv64/float_test_golden.cpp
//   clang-format -i tests/jit/rv64/float_test_golden.cpp
//
// The operands are pseudo-random (a fixed seed) with a bias toward what is hard to get right:
// exact ties (where RNE and RMM differ), results near the subnormal and overflow boundaries,
// signed zeros, infinities and NaNs.
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace {

struct Res {
  uint64_t bits;
  uint64_t flags;
};

uint64_t dbits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}
double dval(uint64_t b) {
  double d;
  std::memcpy(&d, &b, 8);
  return d;
}
uint64_t sbits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return 0xffffffff00000000ull | b;
}
float sval(uint64_t b) {
  const auto u = static_cast<uint32_t>(b);
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Each (mnemonic, rounding mode) needs its own asm string: one switch per instruction shape.
#define RM_SWITCH(rm, ASM)      \
  switch (rm) {                 \
    case 0: ASM("rne"); break;  \
    case 1: ASM("rtz"); break;  \
    case 2: ASM("rdn"); break;  \
    case 3: ASM("rup"); break;  \
    default: ASM("rmm"); break; \
  }

#define DEF_BIN(fn, T, mn, val, bits)                \
  Res fn(int rm, uint64_t a, uint64_t b, uint64_t) { \
    T x = val(a), y = val(b), r;                     \
    uint64_t fl;                                     \
    RM_SWITCH(rm, ASM_BIN)                           \
    return {bits(r), fl};                            \
  }
#define DEF_FMA(fn, T, mn, val, bits)                  \
  Res fn(int rm, uint64_t a, uint64_t b, uint64_t c) { \
    T x = val(a), y = val(b), z = val(c), r;           \
    uint64_t fl;                                       \
    RM_SWITCH(rm, ASM_FMA)                             \
    return {bits(r), fl};                              \
  }
#define DEF_UN(fn, TR, TA, mn, val, bits)          \
  Res fn(int rm, uint64_t a, uint64_t, uint64_t) { \
    TA x = val(a);                                 \
    TR r;                                          \
    uint64_t fl;                                   \
    RM_SWITCH(rm, ASM_UN)                          \
    return {bits(r), fl};                          \
  }

uint64_t ibits(int64_t v) {
  return static_cast<uint64_t>(v);
}
int64_t ival(uint64_t v) {
  return static_cast<int64_t>(v);
}

#define ASM_BIN(RM)                                                           \
  asm volatile("csrw fflags, zero\n\t" MN " %0, %2, %3, " RM "\n\tfrflags %1" \
               : "=f"(r), "=r"(fl)                                            \
               : "f"(x), "f"(y))
#define ASM_FMA(RM)                                                               \
  asm volatile("csrw fflags, zero\n\t" MN " %0, %2, %3, %4, " RM "\n\tfrflags %1" \
               : "=f"(r), "=r"(fl)                                                \
               : "f"(x), "f"(y), "f"(z))
#define ASM_UN(RM)                                                        \
  asm volatile("csrw fflags, zero\n\t" MN " %0, %2, " RM "\n\tfrflags %1" \
               : UN_OUT(r), "=r"(fl)                                      \
               : UN_IN(x))

#define FOUT(r) "=f"(r)
#define XOUT(r) "=r"(r)
#define FIN(x) "f"(x)
#define XIN(x) "r"(x)

#define MN "fadd.s"
DEF_BIN(add_s, float, MN, sval, sbits)
#undef MN
#define MN "fsub.s"
DEF_BIN(sub_s, float, MN, sval, sbits)
#undef MN
#define MN "fmul.s"
DEF_BIN(mul_s, float, MN, sval, sbits)
#undef MN
#define MN "fdiv.s"
DEF_BIN(div_s, float, MN, sval, sbits)
#undef MN
#define MN "fadd.d"
DEF_BIN(add_d, double, MN, dval, dbits)
#undef MN
#define MN "fsub.d"
DEF_BIN(sub_d, double, MN, dval, dbits)
#undef MN
#define MN "fmul.d"
DEF_BIN(mul_d, double, MN, dval, dbits)
#undef MN
#define MN "fdiv.d"
DEF_BIN(div_d, double, MN, dval, dbits)
#undef MN
#define MN "fmadd.s"
DEF_FMA(madd_s, float, MN, sval, sbits)
#undef MN
#define MN "fnmsub.s"
DEF_FMA(nmsub_s, float, MN, sval, sbits)
#undef MN
#define MN "fmadd.d"
DEF_FMA(madd_d, double, MN, dval, dbits)
#undef MN
#define MN "fmsub.d"
DEF_FMA(msub_d, double, MN, dval, dbits)
#undef MN
#define MN "fnmadd.d"
DEF_FMA(nmadd_d, double, MN, dval, dbits)
#undef MN
#define MN "fsqrt.s"
#define UN_OUT FOUT
#define UN_IN FIN
DEF_UN(sqrt_s, float, float, MN, sval, sbits)
#undef UN_OUT
#undef UN_IN
#undef MN
#define MN "fsqrt.d"
#define UN_OUT FOUT
#define UN_IN FIN
DEF_UN(sqrt_d, double, double, MN, dval, dbits)
#undef UN_OUT
#undef UN_IN
#undef MN
#define MN "fcvt.s.d"
#define UN_OUT FOUT
#define UN_IN FIN
DEF_UN(cvt_s_d, float, double, MN, dval, sbits)
#undef UN_OUT
#undef UN_IN
#undef MN
#define MN "fcvt.w.d"
#define UN_OUT XOUT
#define UN_IN FIN
DEF_UN(cvt_w_d, int64_t, double, MN, dval, ibits)
#undef UN_OUT
#undef UN_IN
#undef MN
#define MN "fcvt.wu.d"
#define UN_OUT XOUT
#define UN_IN FIN
DEF_UN(cvt_wu_d, int64_t, double, MN, dval, ibits)
#undef UN_OUT
#undef UN_IN
#undef MN
#define MN "fcvt.l.d"
#define UN_OUT XOUT
#define UN_IN FIN
DEF_UN(cvt_l_d, int64_t, double, MN, dval, ibits)
#undef UN_OUT
#undef UN_IN
#undef MN
#define MN "fcvt.lu.d"
#define UN_OUT XOUT
#define UN_IN FIN
DEF_UN(cvt_lu_d, int64_t, double, MN, dval, ibits)
#undef UN_OUT
#undef UN_IN
#undef MN
#define MN "fcvt.w.s"
#define UN_OUT XOUT
#define UN_IN FIN
DEF_UN(cvt_w_s, int64_t, float, MN, sval, ibits)
#undef UN_OUT
#undef UN_IN
#undef MN
#define MN "fcvt.lu.s"
#define UN_OUT XOUT
#define UN_IN FIN
DEF_UN(cvt_lu_s, int64_t, float, MN, sval, ibits)
#undef UN_OUT
#undef UN_IN
#undef MN
#define MN "fcvt.s.l"
#define UN_OUT FOUT
#define UN_IN XIN
DEF_UN(cvt_s_l, float, int64_t, MN, ival, sbits)
#undef UN_OUT
#undef UN_IN
#undef MN
#define MN "fcvt.s.lu"
#define UN_OUT FOUT
#define UN_IN XIN
DEF_UN(cvt_s_lu, float, int64_t, MN, ival, sbits)
#undef UN_OUT
#undef UN_IN
#undef MN
#define MN "fcvt.d.l"
#define UN_OUT FOUT
#define UN_IN XIN
DEF_UN(cvt_d_l, double, int64_t, MN, ival, dbits)
#undef UN_OUT
#undef UN_IN
#undef MN
#define MN "fcvt.d.lu"
#define UN_OUT FOUT
#define UN_IN XIN
DEF_UN(cvt_d_lu, double, int64_t, MN, ival, dbits)
#undef UN_OUT
#undef UN_IN
#undef MN
#define MN "fcvt.s.w"
#define UN_OUT FOUT
#define UN_IN XIN
DEF_UN(cvt_s_w, float, int64_t, MN, ival, sbits)
#undef UN_OUT
#undef UN_IN
#undef MN

uint64_t rng_state = 0x9e3779b97f4a7c15ull;
uint64_t rnd() {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

// Doubles: sign, exponent offset and a 52-bit fraction; `odd` forces the last fraction bit.
uint64_t rd(int exp_lo, int exp_hi, bool odd = false) {
  const uint64_t sign = rnd() & 1;
  const int e = exp_lo + static_cast<int>(rnd() % static_cast<uint64_t>(exp_hi - exp_lo + 1));
  uint64_t frac = rnd() & ((uint64_t{1} << 52) - 1);
  if (odd) frac |= 1;
  return (sign << 63) | (static_cast<uint64_t>(e + 1023) << 52) | frac;
}
uint64_t rs(int exp_lo, int exp_hi, bool odd = false) {
  const uint32_t sign = rnd() & 1;
  const int e = exp_lo + static_cast<int>(rnd() % static_cast<uint64_t>(exp_hi - exp_lo + 1));
  uint32_t frac = rnd() & ((1u << 23) - 1);
  if (odd) frac |= 1;
  return 0xffffffff00000000ull | (sign << 31) | (static_cast<uint32_t>(e + 127) << 23) | frac;
}

using Fn = Res (*)(int, uint64_t, uint64_t, uint64_t);

void emit(const char* op, Fn fn, uint64_t a, uint64_t b, uint64_t c) {
  for (int rm = 0; rm <= 4; ++rm) {
    const Res r = fn(rm, a, b, c);
    std::printf("    {G::%s, %d, 0x%llxull, 0x%llxull, 0x%llxull, 0x%llxull, 0x%llx},\n", op, rm,
                static_cast<unsigned long long>(a), static_cast<unsigned long long>(b),
                static_cast<unsigned long long>(c), static_cast<unsigned long long>(r.bits),
                static_cast<unsigned long long>(r.flags));
  }
}

constexpr uint64_t kDmax = 0x7fefffffffffffffull, kDmin = 0x0010000000000000ull;
constexpr uint64_t kSmax = 0xffffffff7f7fffffull, kSmin = 0xffffffff00800000ull;

void cases() {
  for (int i = 0; i < 6; ++i) {
    // add/sub: random, then an exact half-ulp (tie) and a 3/4-ulp addend.
    const uint64_t a = rd(0, 0, i & 1);
    emit("AddD", add_d, rd(-2, 2), rd(-2, 2), 0);
    emit("AddD", add_d, a, dbits(0x1p-53), 0);
    emit("SubD", sub_d, a, dbits(0x3p-54), 0);
    emit("SubD", sub_d, rd(-1020, -1018), rd(-1022, -1020), 0);
    const uint64_t as = rs(0, 0, i & 1);
    emit("AddS", add_s, rs(-2, 2), rs(-2, 2), 0);
    emit("AddS", add_s, as, sbits(0x1p-24f), 0);
    emit("SubS", sub_s, as, sbits(0x3p-25f), 0);
    // mul: odd significands times 1.5 are ties half of the time; tiny products underflow.
    emit("MulD", mul_d, rd(0, 0, true), dbits(1.5), 0);
    emit("MulD", mul_d, rd(-2, 2), rd(-2, 2), 0);
    emit("MulD", mul_d, rd(-540, -530), rd(-540, -500), 0);
    emit("MulD", mul_d, rd(500, 520), rd(500, 520), 0);
    emit("MulS", mul_s, rs(0, 0, true), sbits(1.5f), 0);
    emit("MulS", mul_s, rs(-70, -60), rs(-70, -60), 0);
    emit("MulS", mul_s, rs(60, 70), rs(60, 70), 0);
    // div: random, and subnormal odd numerators halved (ties in the subnormal range).
    emit("DivD", div_d, rd(-2, 2), rd(-2, 2), 0);
    emit("DivD", div_d, (rnd() & 0xffff) | 1 | (rnd() & 1) << 63, dbits(2.0), 0);
    emit("DivD", div_d, rd(-1000, -1000), rd(20, 60), 0);
    emit("DivS", div_s, rs(-2, 2), rs(-2, 2), 0);
    emit("DivS", div_s, 0xffffffff00000000ull | ((rnd() & 0xfff) | 1), sbits(2.0f), 0);
    emit("SqrtD", sqrt_d, rd(-3, 3) & ~(uint64_t{1} << 63), 0, 0);
    emit("SqrtS", sqrt_s, rs(-3, 3) & ~(uint64_t{1} << 31), 0, 0);
    // fused: random, and products that cancel against the addend.
    const uint64_t x = rd(0, 0), y = rd(0, 0);
    emit("MaddD", madd_d, x, y, dbits(-(dval(x) * dval(y))));
    emit("MaddD", madd_d, rd(-2, 2), rd(-2, 2), rd(-2, 2));
    emit("MsubD", msub_d, rd(-2, 2), rd(-2, 2), rd(-60, -50));
    emit("NmaddD", nmadd_d, rd(-540, -530), rd(-540, -520), rd(-1040, -1030));
    const uint64_t xs = rs(0, 0), ys = rs(0, 0);
    emit("MaddS", madd_s, xs, ys, sbits(-(sval(xs) * sval(ys))));
    emit("NmsubS", nmsub_s, rs(-2, 2), rs(-2, 2), rs(-2, 2));
    // conversions
    emit("CvtSD", cvt_s_d, rd(-3, 3), 0, 0);
    emit("CvtSD", cvt_s_d, rd(-150, -126), 0, 0);
    emit("CvtWD", cvt_w_d, rd(-2, 32), 0, 0);
    emit("CvtWuD", cvt_wu_d, rd(-2, 33), 0, 0);
    emit("CvtLD", cvt_l_d, rd(-2, 64), 0, 0);
    emit("CvtLuD", cvt_lu_d, rd(-2, 65), 0, 0);
    emit("CvtWS", cvt_w_s, rs(-2, 32), 0, 0);
    emit("CvtLuS", cvt_lu_s, rs(-2, 65), 0, 0);
    emit("CvtSL", cvt_s_l, rnd() >> (rnd() % 64), 0, 0);
    emit("CvtSLu", cvt_s_lu, rnd() >> (rnd() % 40), 0, 0);
    emit("CvtDL", cvt_d_l, rnd() >> (rnd() % 12), 0, 0);
    emit("CvtDLu", cvt_d_lu, rnd() | 1, 0, 0);
    emit("CvtSW", cvt_s_w, rnd(), 0, 0);
  }
  // More fused cases: random, near-cancelling, addends a few bits apart from the product, and
  // products whose low bits meet the addend (the fast path's integer exactness test).
  for (int i = 0; i < 12; ++i) {
    const uint64_t x = rd(-3, 3), y = rd(-3, 3);
    const double p = dval(x) * dval(y);
    emit("MaddD", madd_d, x, y, dbits(-p));
    emit("MaddD", madd_d, x, y, dbits(-p * (1 + 0x1p-30)));
    emit("MsubD", msub_d, x, y, rd(-60 + i * 10, -50 + i * 10));
    emit("NmaddD", nmadd_d, rd(0, 0, true) & ~((uint64_t{1} << 30) - 1) | 1, rd(0, 0),
         rd(-25, -20));
    const uint64_t xs = rs(-3, 3), ys = rs(-3, 3);
    emit("MaddS", madd_s, xs, ys, sbits(-(sval(xs) * sval(ys))));
    emit("NmsubS", nmsub_s, xs, ys, rs(-30 + i * 5, -25 + i * 5));
    emit("MaddS", madd_s, rs(0, 0) & ~uint64_t{0xfff}, rs(0, 0) & ~uint64_t{0xfff}, rs(-5, 0));
  }
  // The edges.
  const uint64_t dzero = 0, dneg0 = uint64_t{1} << 63, dinf = 0x7ff0000000000000ull;
  emit("AddD", add_d, kDmax, dbits(0x1p970), 0);
  emit("AddD", add_d, kDmax | dneg0, dbits(-0x1p970), 0);
  emit("AddD", add_d, dzero, dneg0, 0);
  emit("SubD", sub_d, dinf, dinf, 0);
  emit("MulD", mul_d, kDmin, dbits(0.5 + 0x1p-53), 0);
  emit("MulD", mul_d, 1, dbits(0.5), 0);
  emit("MulD", mul_d, 3, dbits(0.25), 0);
  emit("DivD", div_d, dbits(1.0), dneg0, 0);
  emit("DivD", div_d, 0x7ff0000000000001ull, dbits(1.0), 0);
  emit("MulS", mul_s, kSmax, sbits(1.0f + 0x1p-23f), 0);
  emit("MulS", mul_s, kSmin, sbits(0.5f + 0x1p-24f), 0);
  emit("SqrtD", sqrt_d, dbits(-1.0), 0, 0);
  emit("MaddD", madd_d, dinf, dzero, 0x7ff8000000000000ull);
  emit("MaddD", madd_d, kDmax, dbits(2.0), kDmax | dneg0);
  emit("CvtSD", cvt_s_d, kDmax, 0, 0);
  emit("CvtSD", cvt_s_d, dbits(0x1p-150), 0, 0);
  emit("CvtSD", cvt_s_d, dbits(0x1.8p-150), 0, 0);
  emit("CvtWD", cvt_w_d, dbits(-2147483648.5), 0, 0);
  emit("CvtWuD", cvt_wu_d, dbits(-0.5), 0, 0);
  emit("CvtLuD", cvt_lu_d, dbits(18446744073709549568.0), 0, 0);
  emit("CvtLD", cvt_l_d, 0x7ff8000000000000ull, 0, 0);
  emit("CvtSLu", cvt_s_lu, ~uint64_t{0}, 0, 0);
  emit("CvtDLu", cvt_d_lu, ~uint64_t{0}, 0, 0);
}

}  // namespace

int main() {
  std::printf(R"(// GENERATED by float_test_golden_gen.cpp on qemu-riscv64 (see there): do not edit.
// Every case: the instruction's result and fflags as a RISC-V machine computed them, in all five
// rounding modes, checked against translate_float + the float helpers on both SVI tiers.
#include "tests/jit/rv64/float_test_golden.hpp"

namespace strata::jit::rv64::ftest {

const std::vector<Golden>& golden_cases() {
  static const std::vector<Golden> cases = {
)");
  cases();
  std::printf(R"(  };
  return cases;
}

}  // namespace strata::jit::rv64::ftest
)");
  return 0;
}

// Floating point edge cases of RV64FD through C and libm: special values, signed zeros, NaN
// signs, fmin/fmax, saturating conversions (through the instructions, since out-of-range C
// conversions are undefined), fused multiply-add, square roots, the four rounding modes and the
// accrued exception flags. Values print both in decimal (%.17g, %.9g) and exactly (%a).
#include <fenv.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t dbits(double d) {
  uint64_t u;
  memcpy(&u, &d, 8);
  return u;
}

static uint32_t fbits(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

static void print_flags(const char* what) {
  int f = fetestexcept(FE_ALL_EXCEPT);
  printf("  flags %s:%s%s%s%s%s\n", what, f & FE_INVALID ? " NV" : "",
         f & FE_DIVBYZERO ? " DZ" : "", f & FE_OVERFLOW ? " OF" : "", f & FE_UNDERFLOW ? " UF" : "",
         f & FE_INEXACT ? " NX" : "");
}

static void pd(const char* what, double d) {
  printf("%s = %.17g %a [%016" PRIx64 "] sign=%d\n", what, d, d, dbits(d), signbit(d) ? 1 : 0);
}

static void pf(const char* what, float f) {
  printf("%s = %.9g %a [%08" PRIx32 "] sign=%d\n", what, (double)f, (double)f, fbits(f),
         signbit(f) ? 1 : 0);
}

static const double kd[] = {0.0,
                            -0.0,
                            1.0,
                            -1.5,
                            0.1,
                            1e308,
                            -1e308,
                            4.9e-324,
                            2.2250738585072014e-308,
                            INFINITY,
                            -INFINITY,
                            NAN,
                            3.5,
                            -2.5,
                            2147483647.5,
                            -2147483648.75,
                            9.3e18,
                            1.9e19,
                            -9.3e18};

static void arithmetic(void) {
  for (unsigned i = 0; i < COUNT(kd); ++i)
    for (unsigned j = 0; j < COUNT(kd); j += 3) {
      volatile double a = kd[i], b = kd[j];
      char name[64];
      feclearexcept(FE_ALL_EXCEPT);
      snprintf(name, sizeof name, "[%u,%u] add", i, j);
      pd(name, a + b);
      snprintf(name, sizeof name, "[%u,%u] mul", i, j);
      pd(name, a * b);
      snprintf(name, sizeof name, "[%u,%u] div", i, j);
      pd(name, a / b);
      print_flags(name);
      volatile float fa = (float)a, fb = (float)b;
      feclearexcept(FE_ALL_EXCEPT);
      snprintf(name, sizeof name, "[%u,%u] fsub", i, j);
      pf(name, fa - fb);
      snprintf(name, sizeof name, "[%u,%u] fdiv", i, j);
      pf(name, fa / fb);
      print_flags(name);
    }
}

static void specials(void) {
  volatile double zero = 0.0, nzero = -0.0, one = 1.0, inf = INFINITY;
  pd("0/0", zero / zero);
  pd("-(0/0)", -(zero / zero));
  pd("inf-inf", inf - inf);
  pd("1/-0", one / nzero);
  pd("-0+0", nzero + zero);
  pd("-0-0", nzero - zero);
  pd("-0*1", nzero * one);
  pd("copysign(nan,-1)", copysign(NAN, -1.0));
  pd("fabs(-nan)", fabs(-NAN));
  pd("sqrt(-1)", sqrt(-one));
  pd("sqrt(-0)", sqrt(nzero));
  pd("sqrt(2)", sqrt(one + one));
  pf("sqrtf(2)", sqrtf((float)(one + one)));
  pd("fma(0.1,10,-1)", fma(0.1, (double)(one * 10), -one));
  pd("0.1*10-1", 0.1 * (one * 10) - one);
  pf("fmaf", fmaf(1.0f / 3.0f, 3.0f, (float)-one));
  pd("fma(inf,0,1)", fma(inf, zero, one));
  printf("isnan=%d isinf=%d isfinite=%d fpclassify(denorm)=%d\n", isnan(zero / zero), isinf(-inf),
         isfinite(one), fpclassify(4.9e-324 * one) == FP_SUBNORMAL);
}

static void minmax(void) {
  static const double v[] = {0.0, -0.0, 1.0, NAN, -INFINITY};
  for (unsigned i = 0; i < COUNT(v); ++i)
    for (unsigned j = 0; j < COUNT(v); ++j) {
      volatile double a = v[i], b = v[j];
      char name[64];
      snprintf(name, sizeof name, "fmin(%g,%g)", a, b);
      pd(name, fmin(a, b));
      snprintf(name, sizeof name, "fmax(%g,%g)", a, b);
      pd(name, fmax(a, b));
      snprintf(name, sizeof name, "fminf(%g,%g)", a, b);
      pf(name, fminf((float)a, (float)b));
    }
}

// Conversions through the instructions: RISC-V saturates and returns the max for NaN.
static void conversions(void) {
  for (unsigned i = 0; i < COUNT(kd); ++i) {
    volatile double d = kd[i];
    int64_t w, wu, l, lu, wf, luf;
    feclearexcept(FE_ALL_EXCEPT);
    __asm__ volatile("fcvt.w.d %0, %1, rtz" : "=r"(w) : "f"(d));
    __asm__ volatile("fcvt.wu.d %0, %1, rtz" : "=r"(wu) : "f"(d));
    __asm__ volatile("fcvt.l.d %0, %1, rtz" : "=r"(l) : "f"(d));
    __asm__ volatile("fcvt.lu.d %0, %1, rtz" : "=r"(lu) : "f"(d));
    float f = (float)d;
    __asm__ volatile("fcvt.w.s %0, %1, rtz" : "=r"(wf) : "f"(f));
    __asm__ volatile("fcvt.lu.s %0, %1, rtz" : "=r"(luf) : "f"(f));
    printf("cvt %a: w=%" PRIx64 " wu=%" PRIx64 " l=%" PRIx64 " lu=%" PRIx64 " w.s=%" PRIx64
           " lu.s=%" PRIx64 "\n",
           (double)d, (uint64_t)w, (uint64_t)wu, (uint64_t)l, (uint64_t)lu, (uint64_t)wf,
           (uint64_t)luf);
    print_flags("cvt");
  }
  static const int64_t ints[] = {0, 1, -1, INT64_MAX, INT64_MIN, 9007199254740993LL, 16777217};
  for (unsigned i = 0; i < COUNT(ints); ++i) {
    volatile int64_t x = ints[i];
    feclearexcept(FE_ALL_EXCEPT);
    printf("i2f %" PRId64 ": d=%a f=%a ud=%a\n", (int64_t)x, (double)x, (double)(float)x,
           (double)(uint64_t)x);
    print_flags("i2f");
  }
}

static void rounding(void) {
  static const int modes[] = {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD};
  static const char* names[] = {"nearest", "zero", "down", "up"};
  static const double v[] = {2.5, 3.5, -2.5, -0.5, 0.4999999999999999, 1e16 + 1};
  for (unsigned m = 0; m < 4; ++m) {
    fesetround(modes[m]);
    printf("mode %s (fegetround ok=%d):", names[m], fegetround() == modes[m]);
    for (unsigned i = 0; i < COUNT(v); ++i) {
      volatile double x = v[i];
      printf(" %g/%g/%ld", rint(x), nearbyint(x), lrint(x));
    }
    volatile double one = 1.0, three = 3.0;
    volatile float fone = 1.0f, fthree = 3.0f;
    printf(" 1/3=%a -1/3=%a f1/3=%a\n", one / three, -one / three, (double)(fone / fthree));
  }
  fesetround(FE_TONEAREST);
  printf("round/trunc/floor/ceil(-2.5) = %g %g %g %g\n", round(-2.5), trunc(-2.5), floor(-2.5),
         ceil(-2.5));
}

static void flags(void) {
  volatile double zero = 0.0, one = 1.0, big = DBL_MAX, tiny = DBL_MIN;
  volatile double r;
  feclearexcept(FE_ALL_EXCEPT);
  print_flags("clear");
  r = zero / zero;
  print_flags("0/0");
  feclearexcept(FE_ALL_EXCEPT);
  r = one / zero;
  print_flags("1/0");
  feclearexcept(FE_ALL_EXCEPT);
  r = big * big;
  print_flags("max*max");
  feclearexcept(FE_ALL_EXCEPT);
  r = tiny * tiny;
  print_flags("min*min");
  feclearexcept(FE_ALL_EXCEPT);
  r = one / (one + one + one);
  print_flags("1/3");
  feclearexcept(FE_ALL_EXCEPT);
  r = one + one;
  print_flags("1+1");
  feclearexcept(FE_ALL_EXCEPT);
  r = sqrt(-one);
  print_flags("sqrt(-1)");
  feraiseexcept(FE_OVERFLOW);
  print_flags("raise OF");
  fexcept_t saved;
  fegetexceptflag(&saved, FE_ALL_EXCEPT);
  feclearexcept(FE_ALL_EXCEPT);
  fesetexceptflag(&saved, FE_OVERFLOW);
  print_flags("restored OF");
  (void)r;
}

static void printing(void) {
  static const double v[] = {M_PI,      -M_E,      1e-310,       123456789.125,
                             0.1 + 0.2, 1.0 / 3.0, 6.02214076e23};
  for (unsigned i = 0; i < COUNT(v); ++i)
    printf("print: %.17g %a %e %.3f %g %.0f\n", v[i], v[i], v[i], v[i], v[i], v[i]);
  printf("print float: %a %.9g\n", (double)1.1f, (double)FLT_MIN);
  double s = 0;
  for (int i = 1; i <= 1000; ++i) s += 1.0 / i;
  printf("harmonic(1000) = %.17g\n", s);
  printf("libm: %.17g %.17g %.17g %.17g %.17g\n", exp(1.0), log(10.0), sin(1.0), atan2(1, -1),
         pow(2.0, 0.5));
}

// long double is IEEE binary128 on RISC-V, computed in software by libgcc, which reads frm and
// raises fflags through the CSRs.
static void quad(void) {
  static const int modes[] = {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD};
  volatile long double one = 1.0L, three = 3.0L, big = 1e4000L;
  for (unsigned m = 0; m < 4; ++m) {
    fesetround(modes[m]);
    feclearexcept(FE_ALL_EXCEPT);
    long double q = one / three, nq = -one / three;
    printf("quad mode %u: 1/3=%La -1/3=%La\n", m, q, nq);
    print_flags("");
  }
  fesetround(FE_TONEAREST);
  feclearexcept(FE_ALL_EXCEPT);
  long double o = big * big;
  printf("quad: 1e4000^2=%Lg sqrt(2)=%.33Lg (double)1/3=%a\n", o, sqrtl(one + one),
         (double)(one / three));
  print_flags("");
  volatile long double half = 0.5L, e18 = 1e18L;
  printf("quad: (long)(1e18+0.5)=%ld 2^70 as double %a\n", (long)(e18 + half),
         (double)(one * 1180591620717411303424.0L));
}

int main(void) {
  quad();
  specials();
  arithmetic();
  minmax();
  conversions();
  rounding();
  flags();
  printing();
  return 0;
}

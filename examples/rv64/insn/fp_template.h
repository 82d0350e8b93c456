// The floating-point instruction tests shared by rv64f.c and rv64d.c. Before including, define
// FMT ("s" or "d"), MV_IN (the fmv that moves an integer register's bits into an f register) and
// kFp (the operand bit patterns), kRound (a smaller set for the rounding-mode sweep) and kFma.
// Every operation clears fflags, runs one instruction and prints the result's full 64-bit
// register contents (so NaN-boxing of single results shows) and the flags it raised.
#pragma once

#include "insn.h"

typedef void (*Fp2)(uint64_t, uint64_t, uint64_t*, uint64_t*);
typedef void (*Fp1)(uint64_t, uint64_t*, uint64_t*);
typedef void (*Fp3)(uint64_t, uint64_t, uint64_t, uint64_t*, uint64_t*);

// Binary operation with an f-register result.
#define F2(fn, insn)                                                                        \
  static void fn(uint64_t a, uint64_t b, uint64_t* r, uint64_t* fl) {                       \
    __asm__ volatile("csrw fflags, zero\n\t" MV_IN " ft0, %2\n\t" MV_IN " ft1, %3\n\t" insn \
                     "\n\tfmv.x.d %0, ft2\n\tcsrr %1, fflags"                               \
                     : "=&r"(*r), "=&r"(*fl)                                                \
                     : "r"(a), "r"(b)                                                       \
                     : "ft0", "ft1", "ft2");                                                \
  }
// Binary operation with an x-register result (comparisons).
#define I2(fn, insn)                                                                        \
  static void fn(uint64_t a, uint64_t b, uint64_t* r, uint64_t* fl) {                       \
    __asm__ volatile("csrw fflags, zero\n\t" MV_IN " ft0, %2\n\t" MV_IN " ft1, %3\n\t" insn \
                     "\n\tcsrr %1, fflags"                                                  \
                     : "=&r"(*r), "=&r"(*fl)                                                \
                     : "r"(a), "r"(b)                                                       \
                     : "ft0", "ft1");                                                       \
  }
// Unary, f result from f (F1), x result from f (I1), f result from x (X1).
#define F1(fn, insn)                                                   \
  static void fn(uint64_t a, uint64_t* r, uint64_t* fl) {              \
    __asm__ volatile("csrw fflags, zero\n\t" MV_IN " ft0, %2\n\t" insn \
                     "\n\tfmv.x.d %0, ft2\n\tcsrr %1, fflags"          \
                     : "=&r"(*r), "=&r"(*fl)                           \
                     : "r"(a)                                          \
                     : "ft0", "ft2");                                  \
  }
#define I1(fn, insn)                                                                         \
  static void fn(uint64_t a, uint64_t* r, uint64_t* fl) {                                    \
    __asm__ volatile("csrw fflags, zero\n\t" MV_IN " ft0, %2\n\t" insn "\n\tcsrr %1, fflags" \
                     : "=&r"(*r), "=&r"(*fl)                                                 \
                     : "r"(a)                                                                \
                     : "ft0");                                                               \
  }
#define X1(fn, insn)                                                                       \
  static void fn(uint64_t a, uint64_t* r, uint64_t* fl) {                                  \
    __asm__ volatile("csrw fflags, zero\n\t" insn "\n\tfmv.x.d %0, ft2\n\tcsrr %1, fflags" \
                     : "=&r"(*r), "=&r"(*fl)                                               \
                     : "r"(a)                                                              \
                     : "ft2");                                                             \
  }
#define F3(fn, insn)                                                                         \
  static void fn(uint64_t a, uint64_t b, uint64_t c, uint64_t* r, uint64_t* fl) {            \
    __asm__ volatile("csrw fflags, zero\n\t" MV_IN " ft0, %2\n\t" MV_IN " ft1, %3\n\t" MV_IN \
                     " ft3, %4\n\t" insn "\n\tfmv.x.d %0, ft2\n\tcsrr %1, fflags"            \
                     : "=&r"(*r), "=&r"(*fl)                                                 \
                     : "r"(a), "r"(b), "r"(c)                                                \
                     : "ft0", "ft1", "ft2", "ft3");                                          \
  }

// clang-format off
F2(op_add, "fadd." FMT " ft2, ft0, ft1")
F2(op_sub, "fsub." FMT " ft2, ft0, ft1")
F2(op_mul, "fmul." FMT " ft2, ft0, ft1")
F2(op_div, "fdiv." FMT " ft2, ft0, ft1")
F2(op_min, "fmin." FMT " ft2, ft0, ft1")
F2(op_max, "fmax." FMT " ft2, ft0, ft1")
F2(op_sgnj, "fsgnj." FMT " ft2, ft0, ft1")
F2(op_sgnjn, "fsgnjn." FMT " ft2, ft0, ft1")
F2(op_sgnjx, "fsgnjx." FMT " ft2, ft0, ft1")
I2(op_eq, "feq." FMT " %0, ft0, ft1")
I2(op_lt, "flt." FMT " %0, ft0, ft1")
I2(op_le, "fle." FMT " %0, ft0, ft1")
// clang-format on

static const struct {
  const char* name;
  Fp2 fn;
} kBinary[] = {{"add", op_add},     {"sub", op_sub}, {"mul", op_mul},   {"div", op_div},
               {"min", op_min},     {"max", op_max}, {"sgnj", op_sgnj}, {"sgnjn", op_sgnjn},
               {"sgnjx", op_sgnjx}, {"eq", op_eq},   {"lt", op_lt},     {"le", op_le}};

// fcvt.d.w and fcvt.d.wu are exact; the assembler takes no rounding mode for them.
#ifndef FROM_W_RM
#define FROM_W_RM(rm) ", " #rm
#endif

// The rounding-mode sweep: each operation with every static rm, and with rm = dyn.
#define RM_OPS(rm)                                          \
  F2(add_##rm, "fadd." FMT " ft2, ft0, ft1, " #rm)          \
  F2(mul_##rm, "fmul." FMT " ft2, ft0, ft1, " #rm)          \
  F2(div_##rm, "fdiv." FMT " ft2, ft0, ft1, " #rm)          \
  F1(sqrt_##rm, "fsqrt." FMT " ft2, ft0, " #rm)             \
  I1(cvtw_##rm, "fcvt.w." FMT " %0, ft0, " #rm)             \
  I1(cvtwu_##rm, "fcvt.wu." FMT " %0, ft0, " #rm)           \
  I1(cvtl_##rm, "fcvt.l." FMT " %0, ft0, " #rm)             \
  I1(cvtlu_##rm, "fcvt.lu." FMT " %0, ft0, " #rm)           \
  X1(fromw_##rm, "fcvt." FMT ".w ft2, %2" FROM_W_RM(rm))    \
  X1(fromwu_##rm, "fcvt." FMT ".wu ft2, %2" FROM_W_RM(rm))  \
  X1(froml_##rm, "fcvt." FMT ".l ft2, %2, " #rm)            \
  X1(fromlu_##rm, "fcvt." FMT ".lu ft2, %2, " #rm)          \
  F3(madd_##rm, "fmadd." FMT " ft2, ft0, ft1, ft3, " #rm)   \
  F3(msub_##rm, "fmsub." FMT " ft2, ft0, ft1, ft3, " #rm)   \
  F3(nmadd_##rm, "fnmadd." FMT " ft2, ft0, ft1, ft3, " #rm) \
  F3(nmsub_##rm, "fnmsub." FMT " ft2, ft0, ft1, ft3, " #rm)

// clang-format off
RM_OPS(rne)
RM_OPS(rtz)
RM_OPS(rdn)
RM_OPS(rup)
RM_OPS(rmm)
RM_OPS(dyn)
// clang-format on

struct RmSet {
  const char* name;
  Fp2 add, mul, div;
  Fp1 sqrt, cvt[4], from[4];
  Fp3 fma[4];
};
#define RM_SET(rm)                                              \
  {                                                             \
#rm, add_##rm, mul_##rm, div_##rm, sqrt_##rm,               \
        {cvtw_##rm, cvtwu_##rm, cvtl_##rm, cvtlu_##rm },        \
         {fromw_##rm, fromwu_##rm, froml_##rm, fromlu_##rm }, { \
      madd_##rm, msub_##rm, nmadd_##rm, nmsub_##rm              \
    }                                                           \
  }
static const struct RmSet kRms[] = {RM_SET(rne), RM_SET(rtz), RM_SET(rdn), RM_SET(rup),
                                    RM_SET(rmm)};
static const struct RmSet kDyn = RM_SET(dyn);

// clang-format off
F1(op_sqrt, "fsqrt." FMT " ft2, ft0")
I1(op_class, "fclass." FMT " %0, ft0")
I1(op_mvx, "fmv.x." FMT " %0, ft0")
// clang-format on

static void print_binary(void) {
  for (unsigned i = 0; i < COUNT(kFp); ++i)
    for (unsigned j = 0; j < COUNT(kFp); ++j) {
      printf("%" PRIx64 " %" PRIx64 ":", kFp[i], kFp[j]);
      for (unsigned k = 0; k < COUNT(kBinary); ++k) {
        uint64_t r, fl;
        kBinary[k].fn(kFp[i], kFp[j], &r, &fl);
        printf(" %s=%" PRIx64 "/%s", kBinary[k].name, r, flag_text(fl));
      }
      printf("\n");
    }
}

static void print_unary(void) {
  for (unsigned i = 0; i < COUNT(kFp); ++i) {
    uint64_t r[3], fl[3];
    op_sqrt(kFp[i], &r[0], &fl[0]);
    op_class(kFp[i], &r[1], &fl[1]);
    op_mvx(kFp[i], &r[2], &fl[2]);
    printf("%" PRIx64 ": sqrt=%" PRIx64 "/%s class=%" PRIx64 "/%s", kFp[i], r[0], flag_text(fl[0]),
           r[1], flag_text(fl[1]));
    printf(" mv.x=%" PRIx64 "/%s\n", r[2], flag_text(fl[2]));
  }
}

static const char* const kCvtNames[4] = {"w", "wu", "l", "lu"};
static const uint64_t kCvtInts[] = {0,
                                    1,
                                    0xffffffffffffffffULL,
                                    0x7fffffffULL,
                                    0x80000000ULL,
                                    0xffffffff80000000ULL,
                                    0x8000000000000000ULL,
                                    0x7fffffffffffffffULL,
                                    0x1000001ULL,
                                    0x20000000000001ULL,
                                    0xfffffffe00000003ULL};

static void print_rm_set(const struct RmSet* s) {
  for (unsigned i = 0; i < COUNT(kRound); ++i)
    for (unsigned j = 0; j < COUNT(kRound); ++j) {
      uint64_t r[3], fl[3];
      s->add(kRound[i], kRound[j], &r[0], &fl[0]);
      s->mul(kRound[i], kRound[j], &r[1], &fl[1]);
      s->div(kRound[i], kRound[j], &r[2], &fl[2]);
      printf("%s %" PRIx64 " %" PRIx64 ": add=%" PRIx64 "/%s", s->name, kRound[i], kRound[j], r[0],
             flag_text(fl[0]));
      printf(" mul=%" PRIx64 "/%s", r[1], flag_text(fl[1]));
      printf(" div=%" PRIx64 "/%s\n", r[2], flag_text(fl[2]));
    }
  for (unsigned i = 0; i < COUNT(kFp); ++i) {
    uint64_t r, fl;
    s->sqrt(kFp[i], &r, &fl);
    printf("%s %" PRIx64 ": sqrt=%" PRIx64 "/%s", s->name, kFp[i], r, flag_text(fl));
    for (int k = 0; k < 4; ++k) {
      s->cvt[k](kFp[i], &r, &fl);
      printf(" cvt.%s=%" PRIx64 "/%s", kCvtNames[k], r, flag_text(fl));
    }
    printf("\n");
  }
  for (unsigned i = 0; i < COUNT(kCvtInts); ++i) {
    printf("%s from %" PRIx64 ":", s->name, kCvtInts[i]);
    for (int k = 0; k < 4; ++k) {
      uint64_t r, fl;
      s->from[k](kCvtInts[i], &r, &fl);
      printf(" %s=%" PRIx64 "/%s", kCvtNames[k], r, flag_text(fl));
    }
    printf("\n");
  }
  static const char* const kFmaNames[4] = {"madd", "msub", "nmadd", "nmsub"};
  for (unsigned i = 0; i < COUNT(kFma); ++i)
    for (unsigned j = 0; j < COUNT(kFma); ++j)
      for (unsigned k = 0; k < COUNT(kFma); ++k) {
        printf("%s %" PRIx64 "*%" PRIx64 "+%" PRIx64 ":", s->name, kFma[i], kFma[j], kFma[k]);
        for (int f = 0; f < 4; ++f) {
          uint64_t r, fl;
          s->fma[f](kFma[i], kFma[j], kFma[k], &r, &fl);
          printf(" %s=%" PRIx64 "/%s", kFmaNames[f], r, flag_text(fl));
        }
        printf("\n");
      }
}

// Static rounding modes, then each mode again through frm with rm = dyn.
static void print_rounding(void) {
  for (unsigned m = 0; m < COUNT(kRms); ++m) print_rm_set(&kRms[m]);
  for (uint64_t frm = 0; frm < 5; ++frm) {
    __asm__ volatile("fsrm %0" : : "r"(frm));
    printf("frm=%" PRIu64 "\n", frm);
    print_rm_set(&kDyn);
  }
  __asm__ volatile("fsrm zero");
}

static void run_fp_template(void) {
  print_binary();
  print_unary();
  print_rounding();
}

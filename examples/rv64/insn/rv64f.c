// RV64F: single-precision arithmetic, comparisons, sign injection, fclass, every conversion in
// every rounding mode (static and dynamic), the fused multiply-adds, and NaN-boxing: a single
// operand whose upper 32 bits are not all ones must read as the canonical NaN.
#include "insn.h"

#define FMT "s"
#define MV_IN "fmv.w.x"
static const uint64_t kFp[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3fc00000, 0x40200000, 0xc0200000,
    0x3eaaaaab, 0x7f7fffff, 0x00800000, 0x00000001, 0x807fffff, 0x7f800000, 0xff800000,
    0x7fc00000, 0x7f800001, 0xffc00001, 0x4f000000, 0xcf000000, 0x5f800000, 0x4effffff,
};
static const uint64_t kRound[] = {0x3f800000, 0xbf800000, 0x40400000, 0x3dcccccd,
                                  0x7f7fffff, 0x00000001, 0x00800000, 0xc0200000};
static const uint64_t kFma[] = {0x3f800001, 0xbf800000, 0x00800000,
                                0x7f800000, 0x00000000, 0x7fc00000};
#include "fp_template.h"

// Moves a raw 64-bit pattern into an f register with fmv.d.x, so a single-precision
// instruction sees an improperly boxed value, then runs the instruction on it.
#define BOXED(fn, insn)                                                                   \
  static void fn(uint64_t a, uint64_t* r, uint64_t* fl) {                                 \
    __asm__ volatile("csrw fflags, zero\n\tfmv.d.x ft0, %2\n\tfmv.w.x ft1, zero\n\t" insn \
                     "\n\tfmv.x.d %0, ft2\n\tcsrr %1, fflags"                             \
                     : "=&r"(*r), "=&r"(*fl)                                              \
                     : "r"(a)                                                             \
                     : "ft0", "ft1", "ft2");                                              \
  }
BOXED(box_add, "fadd.s ft2, ft0, ft1")
BOXED(box_sgnj, "fsgnj.s ft2, ft0, ft0")
BOXED(box_mv, "fmv.s ft2, ft0")
BOXED(box_cvt_d, "fcvt.d.s ft2, ft0")
BOXED(box_max, "fmax.s ft2, ft0, ft1")
BOXED(box_class, "fclass.s t0, ft0\n\tfmv.d.x ft2, t0")
BOXED(box_mvx, "fmv.x.w t0, ft0\n\tfmv.d.x ft2, t0")
BOXED(box_cvtw, "fcvt.w.s t0, ft0, rtz\n\tfmv.d.x ft2, t0")

static void nan_boxing(void) {
  static const uint64_t pats[] = {0xffffffff3f800000ULL, 0x000000003f800000ULL,
                                  0xfffffffe3f800000ULL, 0x7fffffff40000000ULL,
                                  0xffffffff7f800001ULL, 0x3ff0000000000000ULL};
  static const struct {
    const char* name;
    Fp1 fn;
  } ops[] = {{"fadd.s", box_add},     {"fsgnj.s", box_sgnj}, {"fmv.s", box_mv},
             {"fcvt.d.s", box_cvt_d}, {"fmax.s", box_max},   {"fclass.s", box_class},
             {"fmv.x.w", box_mvx},    {"fcvt.w.s", box_cvtw}};
  for (unsigned i = 0; i < COUNT(pats); ++i) {
    printf("boxing %016" PRIx64 ":", pats[i]);
    for (unsigned k = 0; k < COUNT(ops); ++k) {
      uint64_t r, fl;
      ops[k].fn(pats[i], &r, &fl);
      printf(" %s=%" PRIx64 "/%s", ops[k].name, r, flag_text(fl));
    }
    printf("\n");
  }
  // flw boxes what it loads; fsw stores the low 32 bits whatever the upper ones are.
  static uint32_t word = 0xc0490fdb;
  static uint32_t stored[2] = {0, 0x5a5a5a5a};
  uint64_t loaded;
  __asm__ volatile(
      "flw ft0, 0(%1)\n\tfmv.x.d %0, ft0\n\tli t0, 0x123456789\n\tfmv.d.x ft1, t0\n\t"
      "fsw ft1, 0(%2)"
      : "=&r"(loaded)
      : "r"(&word), "r"(stored)
      : "ft0", "ft1", "t0", "memory");
  printf("flw=%016" PRIx64 " fsw=%08" PRIx32 " %08" PRIx32 "\n", loaded, stored[0], stored[1]);
}

int main(void) {
  run_fp_template();
  nan_boxing();
  return 0;
}

// RV64D: double-precision arithmetic, comparisons, sign injection, fclass, every conversion in
// every rounding mode (static and dynamic), the fused multiply-adds, the conversions between
// single and double (NaN payloads become the canonical NaN), fmv.x.d / fmv.d.x, fld/fsd.
#include "insn.h"

#define FMT "d"
#define MV_IN "fmv.d.x"
#define FROM_W_RM(rm) ""
static const uint64_t kFp[] = {
    0x0000000000000000, 0x8000000000000000, 0x3ff0000000000000, 0xbff0000000000000,
    0x3ff8000000000000, 0x4004000000000000, 0xc004000000000000, 0x3fd5555555555555,
    0x7fefffffffffffff, 0x0010000000000000, 0x0000000000000001, 0x800fffffffffffff,
    0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000, 0x7ff0000000000001,
    0xfff8000000000001, 0x41e0000000000000, 0xc1e0000000100000, 0x43e0000000000000,
    0x43f0000000000000, 0x41dfffffffffffff, 0x47efffffe0000000, 0x3810000000000000,
    0x47efffffffffffff, 0x3690000000000001,
};
static const uint64_t kRound[] = {0x3ff0000000000000, 0xbff0000000000000, 0x4008000000000000,
                                  0x3fb999999999999a, 0x7fefffffffffffff, 0x0000000000000001,
                                  0x0010000000000000, 0xc004000000000000};
static const uint64_t kFma[] = {0x3ff0000000000001, 0xbff0000000000000, 0x0010000000000000,
                                0x7ff0000000000000, 0x0000000000000000, 0x7ff8000000000000};
#include "fp_template.h"

I1(d_to_s, "fcvt.s.d ft2, ft0\n\tfmv.x.d %0, ft2")
I1(d_to_s_rtz, "fcvt.s.d ft2, ft0, rtz\n\tfmv.x.d %0, ft2")
I1(d_to_s_rup, "fcvt.s.d ft2, ft0, rup\n\tfmv.x.d %0, ft2")
I1(s_to_d, "fmv.x.d t0, ft0\n\tfmv.w.x ft1, t0\n\tfcvt.d.s ft2, ft1\n\tfmv.x.d %0, ft2")

static void single_double(void) {
  for (unsigned i = 0; i < COUNT(kFp); ++i) {
    uint64_t r[4], fl[4];
    d_to_s(kFp[i], &r[0], &fl[0]);
    d_to_s_rtz(kFp[i], &r[1], &fl[1]);
    d_to_s_rup(kFp[i], &r[2], &fl[2]);
    printf("%016" PRIx64 ": cvt.s.d=%" PRIx64 "/%s", kFp[i], r[0], flag_text(fl[0]));
    printf(" rtz=%" PRIx64 "/%s", r[1], flag_text(fl[1]));
    printf(" rup=%" PRIx64 "/%s\n", r[2], flag_text(fl[2]));
  }
  // Single patterns (low 32 bits) widened to double.
  static const uint64_t singles[] = {0x7f800001, 0xffc12345, 0x00000001,
                                     0x80000000, 0x7f7fffff, 0x3eaaaaab};
  for (unsigned i = 0; i < COUNT(singles); ++i) {
    uint64_t r, fl;
    s_to_d(singles[i], &r, &fl);
    printf("%08" PRIx64 ": cvt.d.s=%016" PRIx64 "/%s\n", singles[i], r, flag_text(fl));
  }
  static uint64_t mem[2] = {0x400921fb54442d18ULL, 0};
  uint64_t loaded;
  __asm__ volatile("fld ft0, 0(%1)\n\tfsd ft0, 8(%1)\n\tfmv.x.d %0, ft0"
                   : "=r"(loaded)
                   : "r"(mem)
                   : "ft0", "memory");
  printf("fld/fsd: %016" PRIx64 " %016" PRIx64 "\n", loaded, mem[1]);
}

int main(void) {
  run_fp_template();
  single_double();
  return 0;
}

// RV64A: LR/SC (success, failure after a successful SC, SC without a reservation, the 32-bit
// sign extension of lr.w) and every AMO in both widths on edge-case operands, printing the
// old value returned and the value left in memory. Also the ordering-suffixed forms and rd = x0.
#include "insn.h"

#define AMO(op, fn)                                                                \
  static void fn(uint64_t init, uint64_t v, uint64_t* old, uint64_t* now) {        \
    uint64_t m = init;                                                             \
    __asm__ volatile(#op " %0, %2, %1" : "=r"(*old), "+A"(m) : "r"(v) : "memory"); \
    *now = m;                                                                      \
  }
// clang-format off
AMO(amoswap.d, amo_amoswap_d)
AMO(amoadd.d, amo_amoadd_d)
AMO(amoxor.d, amo_amoxor_d)
AMO(amoand.d, amo_amoand_d)
AMO(amoor.d, amo_amoor_d)
AMO(amomin.d, amo_amomin_d)
AMO(amomax.d, amo_amomax_d)
AMO(amominu.d, amo_amominu_d)
AMO(amomaxu.d, amo_amomaxu_d)
// clang-format on

// The 32-bit forms (the .w suffix is appended to the base name).
#define AMOW(op)                                                                      \
  static void w_##op(uint64_t init, uint64_t v, uint64_t* old, uint64_t* now) {       \
    uint32_t m[2] = {(uint32_t)init, 0xcccccccc}; /* the neighbour must not change */ \
    __asm__ volatile(#op ".w %0, %2, (%1)" : "=r"(*old) : "r"(m), "r"(v) : "memory"); \
    *now = (uint64_t)m[1] << 32 | m[0];                                               \
  }
// clang-format off
AMOW(amoswap)
AMOW(amoadd)
AMOW(amoxor)
AMOW(amoand)
AMOW(amoor)
AMOW(amomin)
AMOW(amomax)
AMOW(amominu)
AMOW(amomaxu)
// clang-format on

typedef void (*AmoFn)(uint64_t, uint64_t, uint64_t*, uint64_t*);
static const struct {
  const char* name;
  AmoFn fn;
} kOps[] = {{"swap.d", amo_amoswap_d}, {"add.d", amo_amoadd_d},   {"xor.d", amo_amoxor_d},
            {"and.d", amo_amoand_d},   {"or.d", amo_amoor_d},     {"min.d", amo_amomin_d},
            {"max.d", amo_amomax_d},   {"minu.d", amo_amominu_d}, {"maxu.d", amo_amomaxu_d},
            {"swap.w", w_amoswap},     {"add.w", w_amoadd},       {"xor.w", w_amoxor},
            {"and.w", w_amoand},       {"or.w", w_amoor},         {"min.w", w_amomin},
            {"max.w", w_amomax},       {"minu.w", w_amominu},     {"maxu.w", w_amomaxu}};

static void lr_sc(void) {
  static uint64_t d = 0x8000000000000001ULL;
  static uint32_t w[2] = {0x80000000u, 0x11111111u};
  uint64_t loaded, fail1, fail2, fail3, lw;
  // lr.d / sc.d succeed (0), then a second sc.d without a new lr.d fails (nonzero).
  __asm__ volatile("lr.d %0, (%3)\n\taddi %0, %0, 1\n\tsc.d %1, %0, (%3)\n\tsc.d %2, %0, (%3)"
                   : "=&r"(loaded), "=&r"(fail1), "=&r"(fail2)
                   : "r"(&d)
                   : "memory");
  printf("lr.d/sc.d: value %016" PRIx64 " first sc %s second sc %s memory %016" PRIx64 "\n", loaded,
         fail1 ? "failed" : "ok", fail2 ? "failed" : "ok", d);
  // lr.w sign-extends; sc.w stores the low 32 bits only.
  __asm__ volatile("lr.w.aq %0, (%2)\n\tli t0, -1\n\tsc.w.rl %1, t0, (%2)"
                   : "=&r"(lw), "=&r"(fail3)
                   : "r"(w)
                   : "t0", "memory");
  printf("lr.w/sc.w: loaded %016" PRIx64 " sc %s memory %08" PRIx32 " %08" PRIx32 "\n", lw,
         fail3 ? "failed" : "ok", w[0], w[1]);
  // An LR/SC loop incrementing a counter, as compare-and-swap code does.
  static uint64_t counter = 41;
  uint64_t tmp, rc;
  __asm__ volatile(
      "1: lr.d.aqrl %0, (%2)\n\taddi %0, %0, 1\n\tsc.d.aqrl %1, %0, (%2)\n\t"
      "bnez %1, 1b"
      : "=&r"(tmp), "=&r"(rc)
      : "r"(&counter)
      : "memory");
  printf("lr/sc loop: %" PRIu64 "\n", counter);
  // AMO with rd = x0 still writes memory.
  static uint64_t m = 5;
  __asm__ volatile("li t0, 10\n\tamoadd.d x0, t0, (%0)" : : "r"(&m) : "t0", "memory");
  static uint32_t m32 = 0xfffffff0u;
  uint64_t old32;
  __asm__ volatile("li t0, 0x20\n\tamoadd.w.aqrl %0, t0, (%1)"
                   : "=r"(old32)
                   : "r"(&m32)
                   : "t0", "memory");
  printf("rd=x0: %" PRIu64 "; amoadd.w old %016" PRIx64 " now %08" PRIx32 "\n", m, old32, m32);
}

int main(void) {
  static const uint64_t vals[] = {0,
                                  1,
                                  0xffffffffffffffffULL,
                                  0x8000000000000000ULL,
                                  0x7fffffffffffffffULL,
                                  0x80000000ULL,
                                  0x7fffffffULL,
                                  0x123456789abcdef0ULL};
  for (unsigned k = 0; k < COUNT(kOps); ++k)
    for (unsigned i = 0; i < COUNT(vals); ++i)
      for (unsigned j = 0; j < COUNT(vals); j += 1) {
        uint64_t old, now;
        kOps[k].fn(vals[i], vals[j], &old, &now);
        printf("%s %" PRIx64 " %" PRIx64 ": old=%016" PRIx64 " mem=%016" PRIx64 "\n", kOps[k].name,
               vals[i], vals[j], old, now);
      }
  lr_sc();
  return 0;
}

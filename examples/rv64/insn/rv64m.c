// RV64M: every multiply and divide instruction on every pair of edge-case operands, including
// division by zero and the signed overflow cases (whose results are defined by the ISA), the W
// forms (which use and sign-extend 32 bits), and a destination that aliases a source.
#include "insn.h"

#define RR(op)                                                      \
  static uint64_t op_##op(uint64_t a, uint64_t b) {                 \
    uint64_t r;                                                     \
    __asm__ volatile(#op " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b)); \
    return r;                                                       \
  }
// clang-format off
RR(mul)
RR(mulh)
RR(mulhsu)
RR(mulhu)
RR(mulw)
RR(div)
RR(divu)
RR(rem)
RR(remu)
RR(divw)
RR(divuw)
RR(remw)
RR(remuw)
// clang-format on

static const struct {
  const char* name;
  uint64_t (*fn)(uint64_t, uint64_t);
} kOps[] = {{"mul", op_mul},    {"mulh", op_mulh}, {"mulhsu", op_mulhsu}, {"mulhu", op_mulhu},
            {"mulw", op_mulw},  {"div", op_div},   {"divu", op_divu},     {"rem", op_rem},
            {"remu", op_remu},  {"divw", op_divw}, {"divuw", op_divuw},   {"remw", op_remw},
            {"remuw", op_remuw}};

int main(void) {
  for (unsigned i = 0; i < COUNT(kInt); ++i)
    for (unsigned j = 0; j < COUNT(kInt); ++j) {
      printf("%016" PRIx64 " %016" PRIx64 ":", kInt[i], kInt[j]);
      for (unsigned k = 0; k < COUNT(kOps); ++k)
        printf(" %s=%" PRIx64, kOps[k].name, kOps[k].fn(kInt[i], kInt[j]));
      printf("\n");
    }
  // rd aliasing rs1 and rs2.
  for (unsigned i = 0; i < COUNT(kInt); ++i) {
    uint64_t a = kInt[i], b = kInt[i], c = kInt[i], d = kInt[i];
    __asm__ volatile("mul %0, %0, %0" : "+r"(a));
    __asm__ volatile("mulh %0, %0, %0" : "+r"(b));
    __asm__ volatile("div %0, %0, %0" : "+r"(c));
    __asm__ volatile("remw %0, %0, %0" : "+r"(d));
    printf("alias %016" PRIx64 ": %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64 "\n", kInt[i], a, b,
           c, d);
  }
  // The divide-by-zero results do not depend on a second operand register being x0.
  uint64_t q, r;
  __asm__ volatile("li t0, 77\n\tdivu %0, t0, x0\n\tremu %1, t0, x0" : "=r"(q), "=r"(r) : : "t0");
  printf("by x0: %" PRIx64 " %" PRIx64 "\n", q, r);
  return 0;
}

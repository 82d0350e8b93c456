// RV64I: register and immediate ALU operations on every pair of edge-case operands, the W forms,
// shifts at their limits, writes to x0, lui/auipc, every branch condition, jal/jalr (including an
// odd jalr target and rd == rs1), and sign/zero extension of every load width.
#include "insn.h"

#define RR(op)                                                      \
  static uint64_t op_##op(uint64_t a, uint64_t b) {                 \
    uint64_t r;                                                     \
    __asm__ volatile(#op " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b)); \
    return r;                                                       \
  }
// clang-format off
RR(add)
RR(sub)
RR(sll)
RR(srl)
RR(sra)
RR(slt)
RR(sltu)
RR(xor)
RR(or)
RR(and)
RR(addw)
RR(subw)
RR(sllw)
RR(srlw)
RR(sraw)
// clang-format on

static const struct {
  const char* name;
  uint64_t (*fn)(uint64_t, uint64_t);
} kOps[] = {{"add", op_add},   {"sub", op_sub},   {"sll", op_sll},   {"srl", op_srl},
            {"sra", op_sra},   {"slt", op_slt},   {"sltu", op_sltu}, {"xor", op_xor},
            {"or", op_or},     {"and", op_and},   {"addw", op_addw}, {"subw", op_subw},
            {"sllw", op_sllw}, {"srlw", op_srlw}, {"sraw", op_sraw}};

#define RI(op, imm)                                            \
  do {                                                         \
    uint64_t r;                                                \
    __asm__ volatile(#op " %0, %1, " #imm : "=r"(r) : "r"(a)); \
    printf(" %s,%s=%" PRIx64, #op, #imm, r);                   \
  } while (0)

static void immediates(uint64_t a) {
  printf("imm %016" PRIx64 ":", a);
  RI(addi, -2048);
  RI(addi, 2047);
  RI(addi, 0);
  RI(slti, -1);
  RI(slti, 0);
  RI(sltiu, -1);
  RI(sltiu, 1);
  RI(xori, -1);
  RI(xori, 0x555);
  RI(ori, -2048);
  RI(andi, -16);
  RI(andi, 0x7ff);
  RI(slli, 0);
  RI(slli, 1);
  RI(slli, 31);
  RI(slli, 32);
  RI(slli, 63);
  RI(srli, 0);
  RI(srli, 31);
  RI(srli, 63);
  RI(srai, 1);
  RI(srai, 32);
  RI(srai, 63);
  RI(addiw, 0);
  RI(addiw, -1);
  RI(addiw, 2047);
  RI(slliw, 0);
  RI(slliw, 31);
  RI(srliw, 0);
  RI(srliw, 31);
  RI(sraiw, 0);
  RI(sraiw, 31);
  printf("\n");
}

#define BR(op)                                                        \
  do {                                                                \
    uint64_t t;                                                       \
    __asm__ volatile("li %0, 1\n\t" #op " %1, %2, 1f\n\tli %0, 0\n1:" \
                     : "=&r"(t)                                       \
                     : "r"(a), "r"(b));                               \
    printf("%d", (int)t);                                             \
  } while (0)

static void branches(uint64_t a, uint64_t b) {
  printf("br %016" PRIx64 " %016" PRIx64 " beq,bne,blt,bge,bltu,bgeu=", a, b);
  BR(beq);
  BR(bne);
  BR(blt);
  BR(bge);
  BR(bltu);
  BR(bgeu);
  printf("\n");
}

static void upper_and_x0(void) {
  uint64_t r[8];
  __asm__ volatile("lui %0, 0xfffff" : "=r"(r[0]));
  __asm__ volatile("lui %0, 0x7ffff" : "=r"(r[1]));
  __asm__ volatile("lui %0, 0x80000" : "=r"(r[2]));
  // auipc: only the difference to the label is address-independent.
  __asm__ volatile("1: auipc %0, 0x1\n\tla t0, 1b\n\tsub %0, %0, t0" : "=r"(r[3]) : : "t0");
  __asm__ volatile("1: auipc %0, 0x80000\n\tla t0, 1b\n\tsub %0, %0, t0" : "=r"(r[4]) : : "t0");
  // Writes to x0 are discarded; x0 reads as zero afterwards.
  __asm__ volatile(
      "li t0, 5\n\tadd x0, t0, t0\n\taddi x0, x0, 7\n\tlui x0, 0x12345\n\t"
      "ld x0, 0(sp)\n\tmv %0, x0"
      : "=r"(r[5])
      :
      : "t0");
  __asm__ volatile("li %0, -1\n\tsltu %0, x0, %0" : "=&r"(r[6]));   // snez
  __asm__ volatile("li %0, 0x10\n\tsub %0, x0, %0" : "=&r"(r[7]));  // neg
  printf("upper:");
  for (int i = 0; i < 8; ++i) printf(" %016" PRIx64, r[i]);
  printf("\n");
}

static void jumps(void) {
  uint64_t odd, link_ok, same;
  // jalr clears bit 0 of the target.
  __asm__ volatile(
      "la t0, 1f\n\taddi t0, t0, 1\n\tli %0, 0\n\tjalr t1, 0(t0)\n\tli %0, 99\n"
      "1: addi %0, %0, 1"
      : "=&r"(odd)
      :
      : "t0", "t1");
  // The link register holds the address after the jalr (compared with a label).
  __asm__ volatile("la t0, 1f\n\tjalr t1, 0(t0)\n2: nop\n1: la t2, 2b\n\tsub %0, t1, t2"
                   : "=r"(link_ok)
                   :
                   : "t0", "t1", "t2");
  // rd == rs1: the target is computed from the old value.
  __asm__ volatile(
      "la t0, 1f\n\tjalr t0, 0(t0)\n2: li %0, 99\n\tj 3f\n1: la t1, 2b\n\t"
      "sub %0, t0, t1\n3:"
      : "=&r"(same)
      :
      : "t0", "t1");
  uint64_t jal_link;
  __asm__ volatile("jal t0, 1f\n2: nop\n1: la t1, 2b\n\tsub %0, t0, t1"
                   : "=r"(jal_link)
                   :
                   : "t0", "t1");
  printf("jumps: odd-target=%" PRIu64 " link=%" PRIu64 " rd=rs1=%" PRIu64 " jal-link=%" PRIu64 "\n",
         odd, link_ok, same, jal_link);
}

static void loads_stores(void) {
  static uint8_t mem[16] = {0x80, 0xff, 0x7f, 0x01, 0xfe, 0x80, 0x00, 0x90,
                            0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
  uint64_t r[7];
  for (int off = 0; off < 8; off += 4) {
    uint8_t* p = mem + off;
    __asm__ volatile("lb %0, 0(%1)" : "=r"(r[0]) : "r"(p));
    __asm__ volatile("lbu %0, 0(%1)" : "=r"(r[1]) : "r"(p));
    __asm__ volatile("lh %0, 0(%1)" : "=r"(r[2]) : "r"(p));
    __asm__ volatile("lhu %0, 0(%1)" : "=r"(r[3]) : "r"(p));
    __asm__ volatile("lw %0, 0(%1)" : "=r"(r[4]) : "r"(p));
    __asm__ volatile("lwu %0, 0(%1)" : "=r"(r[5]) : "r"(p));
    __asm__ volatile("ld %0, 0(%1)" : "=r"(r[6]) : "r"(mem));
    printf("load +%d:", off);
    for (int i = 0; i < 7; ++i) printf(" %" PRIx64, r[i]);
    printf("\n");
  }
  uint64_t buf[2] = {0, 0};
  uint64_t v = 0xa1b2c3d4e5f60718ULL;
  __asm__ volatile(
      "sb %1, 0(%0)\n\tsh %1, 2(%0)\n\tsw %1, 4(%0)\n\tsd %1, 8(%0)\n\t"
      "sb %1, -1(%2)"
      :
      : "r"(buf), "r"(v), "r"((char*)buf + 16)
      : "memory");
  printf("stores: %016" PRIx64 " %016" PRIx64 "\n", buf[0], buf[1]);
  // Negative and maximal offsets.
  uint64_t neg, pos;
  __asm__ volatile("ld %0, -8(%1)" : "=r"(neg) : "r"((char*)buf + 8));
  static uint8_t wide[4096];
  wide[2047] = 0x5a;
  __asm__ volatile("lbu %0, 2047(%1)" : "=r"(pos) : "r"(wide));
  printf("offsets: %016" PRIx64 " %" PRIx64 "\n", neg, pos);
}

int main(void) {
  for (unsigned i = 0; i < COUNT(kInt); ++i)
    for (unsigned j = 0; j < COUNT(kInt); ++j) {
      printf("%016" PRIx64 " %016" PRIx64 ":", kInt[i], kInt[j]);
      for (unsigned k = 0; k < COUNT(kOps); ++k)
        printf(" %s=%" PRIx64, kOps[k].name, kOps[k].fn(kInt[i], kInt[j]));
      printf("\n");
    }
  for (unsigned i = 0; i < COUNT(kInt); ++i) immediates(kInt[i]);
  for (unsigned i = 0; i < COUNT(kInt); i += 3)
    for (unsigned j = 0; j < COUNT(kInt); j += 2) branches(kInt[i], kInt[j]);
  upper_and_x0();
  jumps();
  loads_stores();
  return 0;
}

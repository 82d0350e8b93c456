// The C extension, spelled out instruction by instruction (c.* mnemonics, so the assembler cannot
// choose): immediates at the edges of their fields, the W forms, sp-relative loads and stores,
// compressed floating-point loads and stores, jumps and branches, and a 32-bit instruction that
// starts 2 bytes before a page boundary, reached from compressed code.
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "insn.h"

#define C1(insn, init)                                                                    \
  do {                                                                                    \
    uint64_t r = (init);                                                                  \
    __asm__ volatile(".option push\n\t.option rvc\n\t" insn "\n\t.option pop" : "+r"(r)); \
    printf(" %s=%" PRIx64, insn, r);                                                      \
  } while (0)

static void immediates(uint64_t v) {
  printf("imm %016" PRIx64 ":", v);
  // The register constraint may pick any register; c.* forms with a full register field accept
  // all of them, the three-bit forms only x8-x15, so those use fixed registers below.
  C1("c.addi %0, -32", v);
  C1("c.addi %0, 31", v);
  C1("c.addiw %0, 0", v);
  C1("c.addiw %0, -1", v);
  C1("c.slli %0, 1", v);
  C1("c.slli %0, 63", v);
  C1("c.add %0, %0", v);
  C1("c.mv %0, %0", v);
  printf("\n");
}

// Operations whose registers must be x8-x15 (s0, s1, a0-a5).
static void three_bit(uint64_t a, uint64_t b) {
  register uint64_t ra_ __asm__("a0");
  register uint64_t rb_ __asm__("a1");
  uint64_t out[10];
#define CB(i, insn)                                                         \
  ra_ = a;                                                                  \
  rb_ = b;                                                                  \
  __asm__ volatile(".option push\n\t.option rvc\n\t" insn "\n\t.option pop" \
                   : "+r"(ra_), "+r"(rb_));                                 \
  out[i] = ra_;
  CB(0, "c.sub a0, a1")
  CB(1, "c.xor a0, a1")
  CB(2, "c.or a0, a1")
  CB(3, "c.and a0, a1")
  CB(4, "c.subw a0, a1")
  CB(5, "c.addw a0, a1")
  CB(6, "c.srli a0, 1")
  CB(7, "c.srai a0, 63")
  CB(8, "c.andi a0, -32")
  CB(9, "c.srai a0, 31")
#undef CB
  printf("cb %016" PRIx64 " %016" PRIx64 ":", a, b);
  for (int i = 0; i < 10; ++i) printf(" %" PRIx64, out[i]);
  printf("\n");
}

static void constants(void) {
  uint64_t r[6];
  __asm__ volatile("c.li %0, -32" : "=r"(r[0]));
  __asm__ volatile("c.li %0, 31" : "=r"(r[1]));
  __asm__ volatile("c.lui %0, 0xfffe0" : "=r"(r[2]));  // the most negative c.lui immediate
  __asm__ volatile("c.lui %0, 0x1f" : "=r"(r[3]));
  __asm__ volatile("c.lui %0, 1" : "=r"(r[4]));
  __asm__ volatile("c.li %0, 0\n\tc.nop\n\tc.addi %0, 1" : "=r"(r[5]));
  printf("constants:");
  for (int i = 0; i < 6; ++i) printf(" %" PRIx64, r[i]);
  printf("\n");
}

static void memory(void) {
  static uint64_t mem[8] = {
      0x8000000180000002ULL, 0x1122334455667788ULL, 0, 0, 0x400921fb54442d18ULL, 0, 0, 0};
  register uint64_t* base __asm__("a0") = mem;
  register uint64_t x __asm__("a1");
  register uint64_t y __asm__("a2");
  __asm__ volatile("c.ld a1, 8(a0)\n\tc.lw a2, 4(a0)\n\tc.sd a1, 16(a0)\n\tc.sw a2, 24(a0)"
                   : "=&r"(x), "=&r"(y)
                   : "r"(base)
                   : "memory");
  uint64_t fbits;
  __asm__ volatile("c.fld fa0, 32(a0)\n\tc.fsd fa0, 40(a0)\n\tfmv.x.d %0, fa0"
                   : "=r"(fbits)
                   : "r"(base)
                   : "fa0", "memory");
  printf("c.ld=%" PRIx64 " c.lw=%" PRIx64 " mem:", x, y);
  for (int i = 0; i < 6; ++i) printf(" %" PRIx64, mem[i]);
  printf(" fld=%" PRIx64 "\n", fbits);
  // sp-relative forms, with c.addi16sp and c.addi4spn for the frame.
  uint64_t sp_delta, l1, l2, a4;
  __asm__ volatile(
      "mv t0, sp\n\t"
      "c.addi16sp sp, -64\n\t"
      "sub %0, t0, sp\n\t"
      "li t1, -5\n\t"
      "c.sdsp t1, 8(sp)\n\t"
      "c.swsp t1, 16(sp)\n\t"
      "c.ldsp %1, 8(sp)\n\t"
      "c.lwsp %2, 16(sp)\n\t"
      "c.fsdsp fa0, 24(sp)\n\t"
      "c.fldsp fa1, 24(sp)\n\t"
      "c.addi4spn a4, sp, 40\n\t"
      "sub %3, a4, sp\n\t"
      "c.addi16sp sp, 64"
      : "=&r"(sp_delta), "=&r"(l1), "=&r"(l2), "=&r"(a4)
      :
      : "t0", "t1", "a4", "fa1", "memory");
  printf("sp: delta=%" PRIu64 " ldsp=%" PRIx64 " lwsp=%" PRIx64 " addi4spn=%" PRIu64 "\n", sp_delta,
         l1, l2, a4);
}

static void control(void) {
  uint64_t taken = 0, t;
  for (uint64_t v = 0; v < 3; ++v) {
    register uint64_t a __asm__("a0") = v;
    __asm__ volatile(
        "li %0, 0\n\tc.beqz a0, 1f\n\tori %0, %0, 1\n1:\tc.bnez a0, 2f\n\t"
        "ori %0, %0, 2\n2:"
        : "=&r"(t)
        : "r"(a));
    taken = taken << 4 | t;
  }
  uint64_t j, link;
  __asm__ volatile("li %0, 1\n\tc.j 1f\n\tli %0, 2\n1:" : "=&r"(j));
  __asm__ volatile("la t0, 1f\n\tc.jalr t0\n2:\tc.nop\n1:\tla t1, 2b\n\tsub %0, ra, t1"
                   : "=r"(link)
                   :
                   : "t0", "t1", "ra");
  uint64_t jr;
  __asm__ volatile("la t0, 1f\n\tli %0, 7\n\tc.jr t0\n\tli %0, 8\n1:" : "=&r"(jr) : : "t0");
  printf("control: branches=%" PRIx64 " c.j=%" PRIu64 " c.jalr-link=%" PRIu64 " c.jr=%" PRIu64 "\n",
         taken, j, link, jr);
}

typedef long (*Fn)(void);

// c.li a0, 7 | addi a0, a0, 35 (crossing into the next page) | c.jr ra.
static void page_crossing(void) {
  long page = sysconf(_SC_PAGESIZE);
  uint8_t* code =
      mmap(NULL, (size_t)(2 * page), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (code == MAP_FAILED) return;
  uint8_t* entry = code + page - 4;
  uint16_t cli = 0x451d;       // c.li a0, 7
  uint32_t addi = 0x02350513;  // addi a0, a0, 35
  uint16_t cjr = 0x8082;       // c.jr ra
  memcpy(entry, &cli, 2);
  memcpy(entry + 2, &addi, 4);
  memcpy(entry + 6, &cjr, 2);
  mprotect(code, (size_t)(2 * page), PROT_READ | PROT_EXEC);
  __builtin___clear_cache((char*)entry, (char*)entry + 8);
  printf("page-crossing instruction: %ld\n", ((Fn)(uintptr_t)entry)());
  munmap(code, (size_t)(2 * page));
}

int main(void) {
  for (unsigned i = 0; i < COUNT(kInt); ++i) immediates(kInt[i]);
  for (unsigned i = 0; i < COUNT(kInt); i += 2)
    for (unsigned j = 1; j < COUNT(kInt); j += 3) three_bit(kInt[i], kInt[j]);
  constants();
  memory();
  control();
  page_crossing();
  return 0;
}

// Misaligned loads and stores of every width, integer and floating point, at every offset within
// a doubleword and across a page boundary. Linux user mode on RISC-V makes them work (in
// hardware or by trap-and-emulate), so they must give the same bytes as aligned accesses.
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "insn.h"

static void loads(const uint8_t* p, int off) {
  const uint8_t* q = p + off;
  uint64_t r[8];
  __asm__ volatile("lh %0, 0(%1)" : "=r"(r[0]) : "r"(q));
  __asm__ volatile("lhu %0, 0(%1)" : "=r"(r[1]) : "r"(q));
  __asm__ volatile("lw %0, 0(%1)" : "=r"(r[2]) : "r"(q));
  __asm__ volatile("lwu %0, 0(%1)" : "=r"(r[3]) : "r"(q));
  __asm__ volatile("ld %0, 0(%1)" : "=r"(r[4]) : "r"(q));
  __asm__ volatile("flw ft0, 0(%1)\n\tfmv.x.d %0, ft0" : "=r"(r[5]) : "r"(q) : "ft0");
  __asm__ volatile("fld ft0, 0(%1)\n\tfmv.x.d %0, ft0" : "=r"(r[6]) : "r"(q) : "ft0");
  __asm__ volatile("ld %0, -1(%1)" : "=r"(r[7]) : "r"(q + 1));
  printf("load +%d:", off);
  for (int i = 0; i < 8; ++i) printf(" %" PRIx64, r[i]);
  printf("\n");
}

static void stores(int off) {
  uint8_t buf[24];
  uint64_t v = 0x0123456789abcdefULL;
  double d = -2.5;
  float f = 1.5f;
  static const char* names[] = {"sh", "sw", "sd", "fsw", "fsd"};
  for (int k = 0; k < 5; ++k) {
    memset(buf, 0xee, sizeof buf);
    uint8_t* q = buf + off;
    switch (k) {
      case 0: __asm__ volatile("sh %1, 0(%0)" : : "r"(q), "r"(v) : "memory"); break;
      case 1: __asm__ volatile("sw %1, 0(%0)" : : "r"(q), "r"(v) : "memory"); break;
      case 2: __asm__ volatile("sd %1, 0(%0)" : : "r"(q), "r"(v) : "memory"); break;
      case 3: __asm__ volatile("fsw %1, 0(%0)" : : "r"(q), "f"(f) : "memory"); break;
      case 4: __asm__ volatile("fsd %1, 0(%0)" : : "r"(q), "f"(d) : "memory"); break;
    }
    printf("store %s +%d:", names[k], off);
    for (int i = 0; i < 20; ++i) printf(" %02x", buf[i]);
    printf("\n");
  }
}

int main(void) {
  uint8_t data[32];
  for (int i = 0; i < 32; ++i) data[i] = (uint8_t)(0x81 + i * 0x11);
  for (int off = 0; off < 8; ++off) loads(data, off);
  for (int off = 0; off < 8; ++off) stores(off);
  // Across a page boundary: the last 3 bytes of one page and the first 5 of the next.
  long page = sysconf(_SC_PAGESIZE);
  uint8_t* two =
      mmap(NULL, (size_t)(2 * page), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (two == MAP_FAILED) return 1;
  for (int i = 0; i < 16; ++i) two[page - 8 + i] = (uint8_t)(0xa0 + i);
  uint8_t* cross = two + page - 3;
  uint64_t got, after;
  __asm__ volatile("ld %0, 0(%1)" : "=r"(got) : "r"(cross));
  __asm__ volatile("sd %1, 0(%0)" : : "r"(cross), "r"(0x1122334455667788ULL) : "memory");
  __asm__ volatile("ld %0, -5(%1)" : "=r"(after) : "r"(two + page));
  printf("page cross: ld=%016" PRIx64 " after sd=%016" PRIx64 "\n", got, after);
  munmap(two, (size_t)(2 * page));
  return 0;
}

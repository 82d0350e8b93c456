// The floating-point CSRs: fcsr = frm << 5 | fflags, read and written whole or by field with
// every csr instruction form (csrrw/csrrs/csrrc and their immediate versions, the fscsr/frrm/
// fsflags aliases), sticky accumulation of the flags, the bits above bit 7 that do not exist,
// and which flags each kind of operation raises.
#include "insn.h"

static void show(const char* what) {
  uint64_t fcsr, frm, fflags;
  __asm__ volatile("csrr %0, fcsr\n\tcsrr %1, frm\n\tcsrr %2, fflags"
                   : "=r"(fcsr), "=r"(frm), "=r"(fflags));
  printf("%-28s fcsr=%02" PRIx64 " frm=%" PRIu64 " fflags=%s\n", what, fcsr, frm,
         flag_text(fflags));
}

int main(void) {
  uint64_t old;
  __asm__ volatile("csrw fcsr, zero");
  show("cleared");
  __asm__ volatile("csrrw %0, fcsr, %1" : "=r"(old) : "r"((uint64_t)0xffffffffffffffffULL));
  printf("old=%" PRIx64 "\n", old);
  show("csrw fcsr all ones");
  __asm__ volatile("csrrci %0, fflags, 0x15" : "=r"(old));
  printf("old=%" PRIx64 "\n", old);
  show("csrrci fflags 0x15");
  __asm__ volatile("csrrsi %0, frm, 0" : "=r"(old));  // a pure read
  printf("old=%" PRIx64 "\n", old);
  __asm__ volatile("csrrwi %0, frm, 2" : "=r"(old));
  printf("old=%" PRIx64 "\n", old);
  show("csrrwi frm 2");
  __asm__ volatile("csrrc %0, fcsr, %1" : "=r"(old) : "r"((uint64_t)0x0a));
  show("csrrc fcsr 0x0a");
  __asm__ volatile("csrrs %0, fcsr, %1" : "=r"(old) : "r"((uint64_t)0x81));
  show("csrrs fcsr 0x81");
  __asm__ volatile("fsrmi %0, 1" : "=r"(old));
  printf("fsrmi old=%" PRIx64 "\n", old);
  __asm__ volatile("frrm %0" : "=r"(old));
  printf("frrm=%" PRIx64 "\n", old);
  __asm__ volatile("fsflagsi %0, 0x1f" : "=r"(old));
  printf("fsflagsi old=%" PRIx64 "\n", old);
  __asm__ volatile("fscsr %0, %1" : "=r"(old) : "r"((uint64_t)0x300));
  printf("fscsr old=%" PRIx64 "\n", old);
  show("fscsr 0x300");
  __asm__ volatile("csrwi fflags, 31\n\tcsrwi frm, 7");
  show("frm 7 (reserved value kept)");
  __asm__ volatile("csrw fcsr, zero");

  // Flags are sticky: each operation ORs its flags in.
  double one = 1.0, zero = 0.0, three = 3.0, big = 1e308, tiny = 1e-308;
  double r;
  __asm__ volatile("fdiv.d %0, %1, %2" : "=f"(r) : "f"(one), "f"(three));
  show("after 1/3");
  __asm__ volatile("fdiv.d %0, %1, %2" : "=f"(r) : "f"(one), "f"(zero));
  show("after 1/0");
  __asm__ volatile("fmul.d %0, %1, %2" : "=f"(r) : "f"(big), "f"(big));
  show("after max*max");
  __asm__ volatile("fmul.d %0, %1, %2" : "=f"(r) : "f"(tiny), "f"(tiny));
  show("after tiny*tiny");
  __asm__ volatile("fsub.d %0, %1, %1" : "=f"(r) : "f"(r));
  __asm__ volatile("fdiv.d %0, %1, %1" : "=f"(r) : "f"(zero));
  show("after 0/0");
  // Operations that never raise flags: moves, sign injection, fclass, loads and stores, and
  // comparisons with quiet NaNs by feq.
  __asm__ volatile("csrw fflags, zero");
  uint64_t bits, cls, eq;
  __asm__ volatile("fmv.x.d %0, %1" : "=r"(bits) : "f"(r));
  __asm__ volatile("fsgnjn.d %0, %1, %1" : "=f"(r) : "f"(r));
  __asm__ volatile("fclass.d %0, %1" : "=r"(cls) : "f"(r));
  __asm__ volatile("feq.d %0, %1, %1" : "=r"(eq) : "f"(r));
  printf("qnan bits=%" PRIx64 " class=%" PRIx64 " eq=%" PRIu64 "\n", bits, cls, eq);
  show("after quiet operations");
  __asm__ volatile("flt.d %0, %1, %1" : "=r"(eq) : "f"(r));
  show("after flt with qNaN");
  // frm steers every dynamic-rounding operation until changed.
  static const char* names[] = {"rne", "rtz", "rdn", "rup", "rmm"};
  for (uint64_t m = 0; m < 5; ++m) {
    __asm__ volatile("fsrm %0" : : "r"(m));
    double q, nq;
    float fq;
    int64_t w;
    double half = 2.5;
    __asm__ volatile("fdiv.d %0, %1, %2" : "=f"(q) : "f"(one), "f"(three));
    __asm__ volatile("fneg.d %1, %1\n\tfdiv.d %0, %1, %2" : "=f"(nq), "+f"(one) : "f"(three));
    __asm__ volatile("fneg.d %0, %0" : "+f"(one));
    __asm__ volatile("fcvt.s.d %0, %1" : "=f"(fq) : "f"(q));
    __asm__ volatile("fcvt.l.d %0, %1" : "=r"(w) : "f"(half));
    uint64_t qb, nqb;
    uint32_t fb;
    __builtin_memcpy(&qb, &q, 8);
    __builtin_memcpy(&nqb, &nq, 8);
    __builtin_memcpy(&fb, &fq, 4);
    printf("frm %s: 1/3=%" PRIx64 " -1/3=%" PRIx64 " (float)=%08" PRIx32 " cvt(2.5)=%" PRId64 "\n",
           names[m], qb, nqb, fb, w);
  }
  __asm__ volatile("csrw fcsr, zero");
  show("final");
  return 0;
}

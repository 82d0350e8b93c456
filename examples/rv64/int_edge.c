// Integer edge cases of RV64IM as a C compiler emits them: division and remainder by zero and
// overflow, 32-bit (W) wraparound, shifts at the boundaries, unsigned compares, high multiplies,
// bit counting and sign/zero extension of narrow loads. Operands pass through volatile variables
// so the compiler cannot fold them.
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

static const int64_t k64[] = {0,
                              1,
                              -1,
                              2,
                              -2,
                              7,
                              -7,
                              INT64_MAX,
                              INT64_MIN,
                              0x123456789abcdefLL,
                              (int64_t)0xfedcba9876543210ULL};
static const int32_t k32[] = {
    0, 1, -1, 3, -3, INT32_MAX, INT32_MIN, 0x12345678, (int32_t)0x87654321};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void div64(void) {
  for (unsigned i = 0; i < COUNT(k64); ++i)
    for (unsigned j = 0; j < COUNT(k64); ++j) {
      volatile int64_t a = k64[i], b = k64[j];
      int64_t q, r;
      uint64_t qu, ru;
      // C says INT64_MIN / -1 and x / 0 are undefined; the RISC-V results are defined, so go
      // through the instructions themselves.
      __asm__ volatile("div %0, %1, %2" : "=r"(q) : "r"(a), "r"(b));
      __asm__ volatile("rem %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
      __asm__ volatile("divu %0, %1, %2" : "=r"(qu) : "r"(a), "r"(b));
      __asm__ volatile("remu %0, %1, %2" : "=r"(ru) : "r"(a), "r"(b));
      printf("div64 %" PRId64 " %" PRId64 ": q=%" PRId64 " r=%" PRId64 " qu=%" PRIu64 " ru=%" PRIu64
             "\n",
             (int64_t)a, (int64_t)b, q, r, qu, ru);
    }
  // And the C operators on defined cases (compiler-chosen instruction sequences).
  volatile int64_t n = -17, d = 5;
  printf("c: %" PRId64 " %" PRId64 " %" PRIu64 " %" PRIu64 "\n", n / d, n % d,
         (uint64_t)n / (uint64_t)d, (uint64_t)n % (uint64_t)d);
}

static void div32(void) {
  for (unsigned i = 0; i < COUNT(k32); ++i)
    for (unsigned j = 0; j < COUNT(k32); ++j) {
      volatile int32_t a = k32[i], b = k32[j];
      int64_t q, r, qu, ru;  // the W forms sign-extend their 32-bit result
      __asm__ volatile("divw %0, %1, %2" : "=r"(q) : "r"(a), "r"(b));
      __asm__ volatile("remw %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
      __asm__ volatile("divuw %0, %1, %2" : "=r"(qu) : "r"(a), "r"(b));
      __asm__ volatile("remuw %0, %1, %2" : "=r"(ru) : "r"(a), "r"(b));
      printf("div32 %d %d: %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64 "\n", (int)a, (int)b,
             (uint64_t)q, (uint64_t)r, (uint64_t)qu, (uint64_t)ru);
    }
}

static void wrap32(void) {
  volatile int32_t big = INT32_MAX, small = INT32_MIN;
  volatile uint32_t u = 0xffffffffu;
  int32_t s1 = (int32_t)((uint32_t)big + 1u);
  int32_t s2 = (int32_t)((uint32_t)small - 1u);
  int32_t m = (int32_t)((uint32_t)big * 3u);
  uint32_t u1 = u + 1u, u2 = u * u;
  printf("wrap32: %d %d %d %u %u\n", s1, s2, m, u1, u2);
  // addw/subw/mulw on 64-bit operands: only the low 32 bits matter, result sign-extended.
  volatile int64_t x = 0x7fffffffffffffffLL, y = 0x100000001LL;
  int64_t aw, sw, mw, sllw, srlw, sraw;
  __asm__ volatile("addw %0, %1, %2" : "=r"(aw) : "r"(x), "r"(y));
  __asm__ volatile("subw %0, %1, %2" : "=r"(sw) : "r"(y), "r"(x));
  __asm__ volatile("mulw %0, %1, %2" : "=r"(mw) : "r"(x), "r"(x));
  __asm__ volatile("sllw %0, %1, %2" : "=r"(sllw) : "r"(y), "r"(x));  // shift amount 31
  __asm__ volatile("srlw %0, %1, %2" : "=r"(srlw) : "r"(x), "r"(y));  // shift amount 1
  __asm__ volatile("sraw %0, %1, %2" : "=r"(sraw) : "r"(x), "r"(y));
  printf("wops: %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64 "\n", aw, sw,
         mw, sllw, srlw, sraw);
}

static void shifts(void) {
  static const unsigned amounts[] = {0, 1, 31, 32, 63};
  volatile int64_t v = (int64_t)0x8000000000000001ULL;
  volatile int32_t w = (int32_t)0x80000001u;
  for (unsigned i = 0; i < COUNT(amounts); ++i) {
    volatile unsigned s = amounts[i];
    uint64_t l = (uint64_t)v << s, r = (uint64_t)v >> s;
    int64_t a = v >> s;
    printf("shift64 %u: %016" PRIx64 " %016" PRIx64 " %016" PRIx64 "\n", s, l, r, (uint64_t)a);
    if (s < 32) {
      uint32_t l32 = (uint32_t)w << s, r32 = (uint32_t)w >> s;
      int32_t a32 = w >> s;
      printf("shift32 %u: %08x %08x %08x\n", s, l32, r32, (uint32_t)a32);
    }
  }
}

static void compares(void) {
  for (unsigned i = 0; i < COUNT(k64); i += 2)
    for (unsigned j = 1; j < COUNT(k64); j += 2) {
      volatile int64_t a = k64[i], b = k64[j];
      printf("cmp %" PRId64 " %" PRId64 ": lt=%d ltu=%d eq=%d ge=%d geu=%d\n", (int64_t)a,
             (int64_t)b, a < b, (uint64_t)a < (uint64_t)b, a == b, a >= b,
             (uint64_t)a >= (uint64_t)b);
    }
}

static void mulh(void) {
  for (unsigned i = 0; i < COUNT(k64); ++i)
    for (unsigned j = i; j < COUNT(k64); ++j) {
      volatile int64_t a = k64[i], b = k64[j];
      __int128 p = (__int128)a * b;
      unsigned __int128 pu = (unsigned __int128)(uint64_t)a * (uint64_t)b;
      __int128 psu = (__int128)a * (__int128)(uint64_t)b;  // mulhsu
      printf("mul %" PRIx64 " %" PRIx64 ": lo=%" PRIx64 " h=%" PRIx64 " hu=%" PRIx64 " hsu=%" PRIx64
             "\n",
             (uint64_t)a, (uint64_t)b, (uint64_t)p, (uint64_t)(p >> 64), (uint64_t)(pu >> 64),
             (uint64_t)(psu >> 64));
    }
}

static int popcount_loop(uint64_t x) {
  int n = 0;
  while (x) x &= x - 1, ++n;
  return n;
}

static int clz_loop(uint64_t x) {
  int n = 0;
  for (uint64_t bit = 1ULL << 63; bit && !(x & bit); bit >>= 1) ++n;
  return n;
}

static void bits(void) {
  for (unsigned i = 0; i < COUNT(k64); ++i) {
    volatile uint64_t x = (uint64_t)k64[i];
    printf("bits %016" PRIx64 ": pop=%d/%d clz=%d", (uint64_t)x, popcount_loop(x),
           __builtin_popcountll(x), clz_loop(x));
    if (x) printf("/%d ctz=%d", __builtin_clzll(x), __builtin_ctzll(x));
    printf("\n");
  }
}

static void extension(void) {
  static const uint8_t bytes[16] = {0x00, 0x7f, 0x80, 0xff, 0x01, 0xfe, 0x55, 0xaa,
                                    0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0};
  volatile const uint8_t* p = bytes;
  for (unsigned i = 0; i < 16; ++i) {
    int64_t sb = (int8_t)p[i];
    uint64_t zb = p[i];
    printf("ext8 %u: %" PRIx64 " %" PRIx64 "\n", i, (uint64_t)sb, zb);
  }
  volatile const int16_t* h = (volatile const int16_t*)bytes;
  volatile const uint16_t* hu = (volatile const uint16_t*)bytes;
  volatile const int32_t* w = (volatile const int32_t*)bytes;
  volatile const uint32_t* wu = (volatile const uint32_t*)bytes;
  for (unsigned i = 0; i < 8; ++i)
    printf("ext16 %u: %" PRIx64 " %" PRIx64 "\n", i, (uint64_t)(int64_t)h[i], (uint64_t)hu[i]);
  for (unsigned i = 0; i < 4; ++i)
    printf("ext32 %u: %" PRIx64 " %" PRIx64 "\n", i, (uint64_t)(int64_t)w[i], (uint64_t)wu[i]);
  volatile int64_t big = (int64_t)0xdeadbeefcafef00dULL;
  printf("trunc: %d %d %d %u\n", (int8_t)big, (int16_t)big, (int32_t)big, (uint32_t)big);
}

int main(void) {
  div64();
  div32();
  wrap32();
  shifts();
  compares();
  mulh();
  bits();
  extension();
  return 0;
}

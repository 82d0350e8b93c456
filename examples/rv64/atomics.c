// Atomic read-modify-write operations on 32- and 64-bit values through the GCC __atomic
// builtins and C11 <stdatomic.h> (single-threaded: this checks the values the AMO and LR/SC
// sequences produce, not concurrency). Each line prints the value returned and the value stored.
#include <inttypes.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

static int32_t w32;
static int64_t w64;
static _Atomic uint32_t a32;
static _Atomic uint64_t a64;

#define SHOW32(what, expr)                                                                      \
  do {                                                                                          \
    int32_t old_ = (expr);                                                                      \
    printf("%-22s old=%08" PRIx32 " now=%08" PRIx32 "\n", what, (uint32_t)old_, (uint32_t)w32); \
  } while (0)
#define SHOW64(what, expr)                                                                        \
  do {                                                                                            \
    int64_t old_ = (expr);                                                                        \
    printf("%-22s old=%016" PRIx64 " now=%016" PRIx64 "\n", what, (uint64_t)old_, (uint64_t)w64); \
  } while (0)

static void builtins32(void) {
  w32 = 0x7ffffff0;
  SHOW32("fetch_add 0x20", __atomic_fetch_add(&w32, 0x20, __ATOMIC_SEQ_CST));
  SHOW32("fetch_sub 1", __atomic_fetch_sub(&w32, 1, __ATOMIC_RELAXED));
  SHOW32("fetch_and", __atomic_fetch_and(&w32, 0x0ff00ff0, __ATOMIC_ACQUIRE));
  SHOW32("fetch_or", __atomic_fetch_or(&w32, (int32_t)0x80000001u, __ATOMIC_RELEASE));
  SHOW32("fetch_xor", __atomic_fetch_xor(&w32, -1, __ATOMIC_ACQ_REL));
  SHOW32("exchange", __atomic_exchange_n(&w32, -5, __ATOMIC_SEQ_CST));
  SHOW32("add_fetch", __atomic_add_fetch(&w32, 10, __ATOMIC_SEQ_CST));
  SHOW32("nand_fetch", __atomic_nand_fetch(&w32, 0xff, __ATOMIC_SEQ_CST));
  int32_t expected = 12345;
  int ok = __atomic_compare_exchange_n(&w32, &expected, 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  printf("cas32 fail: ok=%d expected=%08" PRIx32 " now=%08" PRIx32 "\n", ok, (uint32_t)expected,
         (uint32_t)w32);
  ok = __atomic_compare_exchange_n(&w32, &expected, 77, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  printf("cas32 strong: ok=%d now=%d\n", ok, w32);
  expected = 77;
  int tries = 0;
  while (!__atomic_compare_exchange_n(&w32, &expected, 78, 1, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    ++tries;
  printf("cas32 weak: now=%d (retries bounded: %d)\n", w32, tries < 1000);
}

static void builtins64(void) {
  w64 = INT64_MAX - 1;
  SHOW64("fetch_add 3", __atomic_fetch_add(&w64, 3, __ATOMIC_SEQ_CST));
  SHOW64("fetch_sub", __atomic_fetch_sub(&w64, 0x100000000LL, __ATOMIC_SEQ_CST));
  SHOW64("fetch_and", __atomic_fetch_and(&w64, 0x00ff00ff00ff00ffLL, __ATOMIC_SEQ_CST));
  SHOW64("fetch_or", __atomic_fetch_or(&w64, INT64_MIN, __ATOMIC_SEQ_CST));
  SHOW64("fetch_xor", __atomic_fetch_xor(&w64, 0x5555555555555555LL, __ATOMIC_SEQ_CST));
  SHOW64("exchange", __atomic_exchange_n(&w64, 42, __ATOMIC_SEQ_CST));
  SHOW64("sub_fetch", __atomic_sub_fetch(&w64, 50, __ATOMIC_SEQ_CST));
  int64_t expected = -8;
  int ok = __atomic_compare_exchange_n(&w64, &expected, INT64_MIN, 0, __ATOMIC_SEQ_CST,
                                       __ATOMIC_SEQ_CST);
  printf("cas64: ok=%d now=%016" PRIx64 "\n", ok, (uint64_t)w64);
  static char flag_byte;
  int t1 = __atomic_test_and_set(&flag_byte, __ATOMIC_SEQ_CST);
  int t2 = __atomic_test_and_set(&flag_byte, __ATOMIC_SEQ_CST);
  printf("load %016" PRIx64 " test_and_set %d %d\n",
         (uint64_t)__atomic_load_n(&w64, __ATOMIC_ACQUIRE), t1, t2);
  __atomic_store_n(&w64, 9, __ATOMIC_RELEASE);
  printf("store/load %" PRId64 "\n", __atomic_load_n(&w64, __ATOMIC_SEQ_CST));
}

// min/max: the amomin/amomax family (signed and unsigned), through inline asm since C has no
// builtin for them.
static void minmax(void) {
  static const int64_t vals[] = {5, -5, INT64_MIN, INT64_MAX, 0};
  for (int i = 0; i < 5; ++i) {
    int64_t m = 3, old, outs[4];
    __asm__ volatile("amomin.d %0, %2, %1" : "=r"(old), "+A"(m) : "r"(vals[i]));
    outs[0] = m;
    m = 3;
    __asm__ volatile("amomax.d %0, %2, %1" : "=r"(old), "+A"(m) : "r"(vals[i]));
    outs[1] = m;
    m = 3;
    __asm__ volatile("amominu.d %0, %2, %1" : "=r"(old), "+A"(m) : "r"(vals[i]));
    outs[2] = m;
    m = 3;
    __asm__ volatile("amomaxu.d.aqrl %0, %2, %1" : "=r"(old), "+A"(m) : "r"(vals[i]));
    outs[3] = m;
    int32_t m32 = -3, old32;
    __asm__ volatile("amominu.w %0, %2, %1" : "=r"(old32), "+A"(m32) : "r"(vals[i]));
    printf("minmax %" PRId64 ": min=%" PRId64 " max=%" PRId64 " minu=%" PRIx64 " maxu=%" PRIx64
           " minu.w=%08" PRIx32 " old=%" PRId64 "\n",
           vals[i], outs[0], outs[1], (uint64_t)outs[2], (uint64_t)outs[3], (uint32_t)m32, old);
  }
}

static void c11(void) {
  atomic_store(&a32, 0xfffffffeu);
  uint32_t o = atomic_fetch_add(&a32, 3);
  printf("c11 fetch_add32: old=%08" PRIx32 " now=%08" PRIx32 "\n", o, atomic_load(&a32));
  o = atomic_exchange_explicit(&a32, 0xabcd, memory_order_acq_rel);
  printf("c11 exchange32: old=%08" PRIx32 " now=%08" PRIx32 "\n", o, atomic_load(&a32));
  uint32_t e = 0xabcd;
  _Bool ok = atomic_compare_exchange_strong(&a32, &e, 0x1234);
  printf("c11 cas32: %d now=%08" PRIx32 "\n", ok, atomic_load(&a32));
  atomic_store_explicit(&a64, UINT64_MAX, memory_order_release);
  uint64_t o64 = atomic_fetch_add(&a64, 2);
  printf("c11 fetch_add64: old=%016" PRIx64 " now=%016" PRIx64 "\n", o64, atomic_load(&a64));
  o64 = atomic_fetch_or(&a64, 0xf0f0);
  o64 ^= atomic_fetch_and(&a64, 0xff00);
  o64 ^= atomic_fetch_xor(&a64, 0x0f0f);
  printf("c11 logic64: mix=%016" PRIx64 " now=%016" PRIx64 "\n", o64, atomic_load(&a64));
  uint64_t e64 = 1;
  ok = atomic_compare_exchange_weak(&a64, &e64, 5);
  printf("c11 weak fail: %d expected=%016" PRIx64 "\n", ok, e64);
  atomic_flag flag = ATOMIC_FLAG_INIT;
  int t1 = atomic_flag_test_and_set(&flag), t2 = atomic_flag_test_and_set(&flag);
  atomic_flag_clear(&flag);
  printf("c11 flag: %d %d %d lock_free=%d/%d\n", t1, t2, atomic_flag_test_and_set(&flag),
         atomic_is_lock_free(&a32), atomic_is_lock_free(&a64));
  atomic_thread_fence(memory_order_seq_cst);
}

// Sub-word atomics are LR/SC loops on the containing word.
static void subword(void) {
  static uint8_t bytes[8] = {0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7};
  static uint16_t halves[4] = {0x7fff, 0x8000, 0xffff, 1};
  for (int i = 0; i < 8; ++i) __atomic_fetch_add(&bytes[i], 0x20, __ATOMIC_SEQ_CST);
  for (int i = 0; i < 4; ++i) __atomic_fetch_sub(&halves[i], 2, __ATOMIC_SEQ_CST);
  uint8_t eb = 0x11;
  int ok = __atomic_compare_exchange_n(&bytes[3], &eb, 0x99, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  printf("subword:");
  for (int i = 0; i < 8; ++i) printf(" %02x", bytes[i]);
  for (int i = 0; i < 4; ++i) printf(" %04x", halves[i]);
  printf(" cas8=%d expected=%02x\n", ok, eb);
}

int main(void) {
  builtins32();
  builtins64();
  minmax();
  c11();
  subword();
  return 0;
}

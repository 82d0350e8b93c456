/* Hashing: FNV-1a over a pseudo-random buffer, then a 64-bit multiply-xorshift mix per word,
 * then an open-addressing hash table of N keys (insert + lookup). Integer ALU, loads, branches. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

int main(int argc, char** argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  size_t len = (size_t)n * 8;
  unsigned char* buf = malloc(len);
  uint64_t s = 88172645463325252ULL;
  for (size_t i = 0; i < len; ++i) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    buf[i] = (unsigned char)s;
  }
  uint32_t fnv = 2166136261u;
  for (size_t i = 0; i < len; ++i) fnv = (fnv ^ buf[i]) * 16777619u;

  size_t cap = 1;
  while (cap < (size_t)n * 2) cap <<= 1;
  uint64_t* table = calloc(cap, sizeof(uint64_t));
  for (long i = 1; i <= n; ++i) {
    uint64_t key = mix((uint64_t)i);
    size_t h = key & (cap - 1);
    while (table[h] != 0 && table[h] != key) h = (h + 1) & (cap - 1);
    table[h] = key;
  }
  long found = 0;
  for (long i = 1; i <= 2 * n; ++i) {
    uint64_t key = mix((uint64_t)i);
    size_t h = key & (cap - 1);
    while (table[h] != 0) {
      if (table[h] == key) {
        ++found;
        break;
      }
      h = (h + 1) & (cap - 1);
    }
  }
  printf("fnv %08x found %ld of %ld\n", fnv, found, 2 * n);
  free(buf);
  free(table);
  return 0;
}

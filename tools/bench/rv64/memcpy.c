/* memcpy/memmove/memset-heavy work: shuffles blocks of many sizes between two buffers and
 * checksums the result (exercises glibc's string routines and the guest memory path). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  long rounds = argc > 1 ? atol(argv[1]) : 2000;
  const size_t size = 1 << 20;
  unsigned char* a = malloc(size);
  unsigned char* b = malloc(size);
  for (size_t i = 0; i < size; ++i) a[i] = (unsigned char)(i * 131 + 7);
  uint32_t seed = 12345;
  for (long r = 0; r < rounds; ++r) {
    for (int k = 0; k < 64; ++k) {
      seed = seed * 1103515245u + 12345u;
      size_t n = 1 + (seed >> 8) % 8192;
      size_t from = (seed >> 4) % (size - n);
      seed = seed * 1103515245u + 12345u;
      size_t to = (seed >> 4) % (size - n);
      if (k & 1)
        memcpy(b + to, a + from, n);
      else
        memmove(a + to, a + from, n);
    }
    memset(b + (r % 4096), (int)r, 256);
  }
  uint64_t sum = 0;
  for (size_t i = 0; i < size; i += 8) {
    uint64_t x, y;
    memcpy(&x, a + i, 8);
    memcpy(&y, b + i, 8);
    sum = sum * 31 + (x ^ y);
  }
  printf("checksum %016llx\n", (unsigned long long)sum);
  free(a);
  free(b);
  return 0;
}

/* Sieve of Eratosthenes over [0, N), repeated 10 times: byte stores and strided loops. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  unsigned char* composite = malloc((size_t)n);
  long count = 0;
  for (int round = 0; round < 10; ++round) {
    memset(composite, 0, (size_t)n);
    count = 0;
    for (long i = 2; i < n; ++i) {
      if (composite[i]) continue;
      ++count;
      for (long j = i * i; j < n; j += i) composite[j] = 1;
    }
  }
  printf("%ld primes below %ld\n", count, n);
  free(composite);
  return 0;
}

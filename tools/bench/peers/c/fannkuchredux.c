/* fannkuchredux.c — the Benchmarks Game fannkuch-redux: for every permutation of 1..N (in
 * the order of the counting algorithm) count pancake flips until 1 is in front; print the
 * alternating checksum and the maximum. Peer of examples/bench/fannkuchredux.sasm. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 7;
  int perm1[32], perm[32], count[32];
  for (int i = 0; i < n; i++) perm1[i] = i;
  int r = n, max_flips = 0, checksum = 0;
  long perm_count = 0;
  for (;;) {
    /* Reset the counters below r. */
    for (; r != 1; r--) count[r - 1] = r;
    /* Count the flips of this permutation. */
    for (int i = 0; i < n; i++) perm[i] = perm1[i];
    int flips = 0;
    for (int k = perm[0]; k != 0; k = perm[0]) {
      for (int i = 0, j = k; i < j; i++, j--) {
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
      }
      flips++;
    }
    if (flips > max_flips) max_flips = flips;
    checksum += perm_count % 2 == 0 ? flips : -flips;
    /* Next permutation: rotate the first r+1 elements until a counter is left. */
    for (;;) {
      if (r == n) {
        printf("%d\nPfannkuchen(%d) = %d\n", checksum, n, max_flips);
        return 0;
      }
      int first = perm1[0];
      for (int i = 0; i < r; i++) perm1[i] = perm1[i + 1];
      perm1[r] = first;
      if (--count[r] > 0) break;
      r++;
    }
    perm_count++;
  }
}

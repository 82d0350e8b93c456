/* loop.c — an integer loop with a data-dependent branch. Peer of examples/bench/loop.sasm.
 * s = 0, t = 1; for i in 1..N: t = (t*31 + i) mod 1000003; t even ? s += t : s -= t mod 17 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000;
  long s = 0, t = 1;
  for (long i = 1; i <= n; i++) {
    t = (t * 31 + i) % 1000003;
    if (t % 2 == 0)
      s += t;
    else
      s -= t % 17;
  }
  printf("loopsum(%ld) s=%ld t=%ld\n", n, s, t);
  return 0;
}

/* mandelbrot.c — the Benchmarks Game mandelbrot (50 iterations, limit 2.0) for an N x N
 * bitmap; instead of writing the PBM file it prints the sum of the bytes of the bitmap body.
 * Peer of examples/bench/mandelbrot.sasm. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 200;
  long sum = 0;
  for (long y = 0; y < n; y++) {
    double ci = 2.0 * y / n - 1.0;
    long acc = 0, bits = 0;
    for (long x = 0; x < n; x++) {
      double cr = 2.0 * x / n - 1.5;
      double zr = 0, zi = 0, tr = 0, ti = 0;
      for (int i = 0; i < 50 && tr + ti <= 4.0; i++) {
        zi = 2.0 * zr * zi + ci;
        zr = tr - ti + cr;
        tr = zr * zr;
        ti = zi * zi;
      }
      acc = acc * 2 + (tr + ti <= 4.0);
      if (++bits == 8) {
        sum += acc;
        acc = bits = 0;
      }
    }
    if (bits > 0) sum += acc << (8 - bits); /* pad the last byte of a row */
  }
  printf("%ld\n", sum);
  return 0;
}

/* spectralnorm.c — the Benchmarks Game spectral norm: power method on A^T A, where
 * A(i,j) = 1 / ((i+j)(i+j+1)/2 + i + 1). Peer of examples/bench/spectralnorm.sasm. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static double a(long i, long j) { return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1); }

static void mul_av(long n, const double *u, double *v) {
  for (long i = 0; i < n; i++) {
    double sum = 0;
    for (long j = 0; j < n; j++) sum += a(i, j) * u[j];
    v[i] = sum;
  }
}

static void mul_atv(long n, const double *u, double *v) {
  for (long i = 0; i < n; i++) {
    double sum = 0;
    for (long j = 0; j < n; j++) sum += a(j, i) * u[j];
    v[i] = sum;
  }
}

static void mul_atav(long n, const double *u, double *v, double *tmp) {
  mul_av(n, u, tmp);
  mul_atv(n, tmp, v);
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 100;
  double *u = malloc(n * sizeof *u), *v = malloc(n * sizeof *v), *tmp = malloc(n * sizeof *tmp);
  for (long i = 0; i < n; i++) u[i] = 1;
  for (int k = 0; k < 10; k++) {
    mul_atav(n, u, v, tmp);
    mul_atav(n, v, u, tmp);
  }
  double vbv = 0, vv = 0;
  for (long i = 0; i < n; i++) {
    vbv += u[i] * v[i];
    vv += v[i] * v[i];
  }
  printf("%.9f\n", sqrt(vbv / vv));
  free(u), free(v), free(tmp);
  return 0;
}

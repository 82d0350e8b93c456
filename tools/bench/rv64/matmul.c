/* Dense double-precision matrix multiply, N x N, naive i-k-j order: FP multiply-add throughput. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 200;
  double* a = malloc(sizeof(double) * n * n);
  double* b = malloc(sizeof(double) * n * n);
  double* c = calloc((size_t)n * n, sizeof(double));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      a[i * n + j] = (double)(i - j) / (n + 1);
      b[i * n + j] = (double)(i + 2 * j) / (n + 3);
    }
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < n; ++k) {
      double aik = a[i * n + k];
      for (int j = 0; j < n; ++j) c[i * n + j] += aik * b[k * n + j];
    }
  double trace = 0, sum = 0;
  for (int i = 0; i < n; ++i) trace += c[i * n + i];
  for (int i = 0; i < n * n; ++i) sum += c[i];
  printf("trace %.6f sum %.6f\n", trace, sum);
  free(a);
  free(b);
  free(c);
  return 0;
}

// The C library as a program sees it: the printf family, parsing with sscanf/strtol/strtod,
// string.h, qsort and bsearch, and malloc/realloc/free from small blocks up to the mmap path.
// Output is deterministic: no pointers, no environment, no time.
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void formats(void) {
  printf("[%d] [%5d] [%-5d] [%05d] [%+d] [% d] [%x] [%#X] [%o] [%#o]\n", 42, 42, 42, 42, 42, 42,
         255, 255, 8, 8);
  printf("[%ld] [%lu] [%lld] [%llx] [%hhd] [%hd] [%zu] [%jd]\n", LONG_MIN, ULONG_MAX, LLONG_MIN,
         0xdeadbeefcafeULL, (signed char)200, (short)70000, sizeof(long double), (intmax_t)-7);
  printf("[%s] [%10s] [%-10s] [%.3s] [%c] [%%] [%5.1f] [%-8.3e] [%G]\n", "str", "right", "left",
         "truncate", 'Z', 3.14159, 12345.678, 1e-20);
  printf("[%*d] [%-*d] [%.*f] [%Lf] [%La]\n", 6, 7, 6, 7, 2, 2.71828, (long double)1 / 3,
         (long double)0.1);
  int n = 0;
  printf("count%n", &n);
  printf(" = %d\n", n);
}

static void string_printf(void) {
  char buf[32];
  volatile size_t size = sizeof buf;  // hides the deliberate truncation from the compiler
  int r = snprintf(buf, size, "%s-%d-%s", "abcdefghij", 1234567890, "klmnopqrstuvwxyz");
  printf("snprintf returned %d, kept \"%s\" (%zu)\n", r, buf, strlen(buf));
  r = snprintf(NULL, 0, "%0100d", 5);
  printf("snprintf(NULL) = %d\n", r);
  r = sprintf(buf, "%08.3f|%x", -3.14159, 48879u);
  printf("sprintf %d \"%s\"\n", r, buf);
}

static void parsing(void) {
  int a = 0, b = 0;
  char word[16] = "";
  double d = 0;
  int k = sscanf("  17 0x1f hello 2.5e3 rest", "%d %i %15s %lf", &a, &b, word, &d);
  printf("sscanf %d: %d %d %s %g\n", k, a, b, word, d);
  k = sscanf("abc", "%d", &a);
  printf("sscanf mismatch: %d\n", k);
  k = sscanf("", "%d", &a);
  printf("sscanf empty: %d\n", k);
  const char* inputs[] = {"123", "-0x7fffffffffffffff", "99999999999999999999", "  +42xyz", "077",
                          "junk"};
  for (unsigned i = 0; i < sizeof inputs / sizeof *inputs; ++i) {
    char* end;
    errno = 0;
    long v = strtol(inputs[i], &end, 0);
    int e = errno;
    errno = 0;
    unsigned long u = strtoul(inputs[i], NULL, 10);
    printf("strtol(\"%s\") = %ld rest=\"%s\" errno=%s; strtoul10 = %lu errno=%d\n", inputs[i], v,
           end, e ? strerror(e) : "0", u, errno);
  }
  const char* dinputs[] = {"3.14159", "-1e400", "1e-400", "0x1.8p3", "inf", "-nan", "  .5e1z"};
  for (unsigned i = 0; i < sizeof dinputs / sizeof *dinputs; ++i) {
    char* end;
    errno = 0;
    double v = strtod(dinputs[i], &end);
    printf("strtod(\"%s\") = %.17g rest=\"%s\" erange=%d\n", dinputs[i], v, end, errno == ERANGE);
  }
  printf("atoi=%d atol=%ld strtof=%a\n", atoi("-321"), atol("1234567890123"),
         (double)strtof("0.1", NULL));
}

static void strings(void) {
  char buf[64];
  strcpy(buf, "hello");
  strcat(buf, ", world");
  printf("%s len=%zu cmp=%d ncmp=%d\n", buf, strlen(buf), strcmp("abc", "abd") < 0,
         strncmp("abcx", "abcy", 3));
  printf("strchr=%s strrchr=%s strstr=%s\n", strchr(buf, 'o'), strrchr(buf, 'o'),
         strstr(buf, "wor"));
  printf("strspn=%zu strcspn=%zu\n", strspn("aaabbc", "ab"), strcspn("hello", "lo"));
  char tok[] = "a,b;;c,d";
  for (char *save, *t = strtok_r(tok, ",;", &save); t; t = strtok_r(NULL, ",;", &save))
    printf("tok %s\n", t);
  memset(buf, 'x', 10);
  buf[10] = 0;
  memmove(buf + 2, buf, 5);
  printf("mem: %s memcmp=%d memchr=%d\n", buf, memcmp("abc", "abd", 3) < 0,
         (int)((char*)memchr("abcdef", 'd', 6) - "abcdef"));
  // Overlapping and unaligned copies of various lengths (the vectorised paths).
  unsigned char big[300];
  for (int i = 0; i < 300; ++i) big[i] = (unsigned char)(i * 7);
  unsigned sum = 0;
  for (int len = 0; len < 100; len += 7) {
    memmove(big + 3, big + 1, (size_t)len);
    memcpy(big + 150 + (len & 7), big + 5, (size_t)len);
    for (int i = 0; i < 300; ++i) sum = sum * 31 + big[i];
  }
  printf("memmove checksum %08x\n", sum);
  printf("strerror: %s | %s\n", strerror(ENOENT), strerror(EINVAL));
}

static int cmp_int(const void* a, const void* b) {
  int x = *(const int*)a, y = *(const int*)b;
  return (x > y) - (x < y);
}

static int cmp_str(const void* a, const void* b) {
  return strcmp(*(const char* const*)a, *(const char* const*)b);
}

static void sorting(void) {
  int v[200];
  uint32_t s = 12345;
  for (int i = 0; i < 200; ++i) {
    s = s * 1103515245u + 12345u;  // a fixed LCG: deterministic data
    v[i] = (int)(s >> 8) % 1000 - 500;
  }
  qsort(v, 200, sizeof *v, cmp_int);
  printf("sorted:");
  for (int i = 0; i < 200; i += 20) printf(" %d", v[i]);
  printf(" ... %d\n", v[199]);
  int keys[] = {v[0], v[37], v[150], v[199], -501, 501};
  for (int i = 0; i < 6; ++i) {
    int* hit = bsearch(&keys[i], v, 200, sizeof *v, cmp_int);
    printf("bsearch %d: %s\n", keys[i], hit && *hit == keys[i] ? "found" : "absent");
  }
  const char* words[] = {"pear", "apple", "fig", "banana", "cherry", "date"};
  qsort(words, 6, sizeof *words, cmp_str);
  for (int i = 0; i < 6; ++i) printf("%s%s", words[i], i < 5 ? " " : "\n");
}

static void memory(void) {
  // Many small blocks, freed in an interleaved order.
  void* p[100];
  unsigned long total = 0;
  for (int i = 0; i < 100; ++i) {
    p[i] = malloc((size_t)(i * 13 % 200 + 1));
    memset(p[i], i, (size_t)(i * 13 % 200 + 1));
  }
  for (int i = 0; i < 100; i += 2) free(p[i]);
  for (int i = 1; i < 100; i += 2) total += ((unsigned char*)p[i])[0];
  for (int i = 1; i < 100; i += 2) free(p[i]);
  printf("small blocks total %lu\n", total);
  // Growing with realloc keeps the contents.
  char* s = NULL;
  size_t len = 0;
  for (int i = 0; i < 2000; ++i) {
    s = realloc(s, len + 2);
    s[len++] = (char)('a' + i % 26);
    s[len] = 0;
  }
  unsigned h = 0;
  for (size_t i = 0; i < len; ++i) h = h * 33 + (unsigned char)s[i];
  printf("realloc grown to %zu hash %08x\n", len, h);
  free(s);
  // Large blocks go through mmap; one grows by realloc (mremap) and keeps its contents.
  size_t big = 3u << 20;
  unsigned char* b = malloc(big);
  for (size_t i = 0; i < big; i += 4096) b[i] = (unsigned char)(i >> 12);
  b = realloc(b, 2 * big);
  unsigned long sum = 0;
  for (size_t i = 0; i < big; i += 4096) sum += b[i];
  memset(b + big, 0xab, big);
  sum += b[2 * big - 1];
  printf("large block sum %lu\n", sum);
  free(b);
  unsigned* z = calloc(1 << 18, sizeof *z);  // 1 MiB of zeros
  unsigned nonzero = 0;
  for (int i = 0; i < 1 << 18; ++i) nonzero += z[i] != 0;
  printf("calloc nonzero %u\n", nonzero);
  free(z);
}

// Calendar arithmetic on fixed instants (UTC only: no time zone files, no clock).
static void calendar(void) {
  static const long long instants[] = {0, 951782400, 2147483647, 2147483648LL, -1, 4102444800LL};
  for (unsigned i = 0; i < sizeof instants / sizeof *instants; ++i) {
    time_t t = (time_t)instants[i];
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[128];
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %a %b %j %U %w", &tm);
    printf("gmtime(%lld) = %s yday=%d back=%lld\n", instants[i], buf, tm.tm_yday,
           (long long)timegm(&tm));
  }
  struct tm leap = {.tm_year = 124, .tm_mon = 1, .tm_mday = 30, .tm_hour = 25};
  time_t norm = timegm(&leap);
  printf("normalised 2024-02-30 25:00 = %04d-%02d-%02d %02d:00 (%lld)\n", leap.tm_year + 1900,
         leap.tm_mon + 1, leap.tm_mday, leap.tm_hour, (long long)norm);
}

int main(void) {
  calendar();
  formats();
  string_printf();
  parsing();
  strings();
  sorting();
  memory();
  fputs("to stderr\n", stderr);
  fflush(stdout);
  return 0;
}

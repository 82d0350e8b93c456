// CPU-bound kernels long enough for hot code to tier up under --jit=auto: SHA-256, CRC-32, a
// bignum factorial, a Mandelbrot set in doubles, a float matrix product, a sieve, a heap sort
// and a string hash table. Each prints a checksum, so any wrong instruction in a hot loop shows.
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rotr(uint32_t x, int n) {
  return x >> n | x << (32 - n);
}

static void sha256(const uint8_t* msg, size_t len, uint8_t out[32]) {
  static const uint32_t k[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
      0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
      0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
      0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
      0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
      0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
      0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
      0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
      0xc67178f2};
  uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  size_t total = ((len + 9 + 63) / 64) * 64;
  uint8_t* buf = calloc(total, 1);
  memcpy(buf, msg, len);
  buf[len] = 0x80;
  for (int i = 0; i < 8; ++i) buf[total - 1 - i] = (uint8_t)((uint64_t)len * 8 >> (8 * i));
  for (size_t off = 0; off < total; off += 64) {
    uint32_t w[64];
    for (int i = 0; i < 16; ++i)
      w[i] = (uint32_t)buf[off + 4 * i] << 24 | (uint32_t)buf[off + 4 * i + 1] << 16 |
             (uint32_t)buf[off + 4 * i + 2] << 8 | buf[off + 4 * i + 3];
    for (int i = 16; i < 64; ++i) {
      uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; ++i) {
      uint32_t t1 =
          hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
  }
  free(buf);
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 4; ++j) out[4 * i + j] = (uint8_t)(h[i] >> (24 - 8 * j));
}

static uint32_t crc32(const uint8_t* p, size_t n) {
  uint32_t crc = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int b = 0; b < 8; ++b) crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
  }
  return ~crc;
}

// n! in base 10^9 limbs; prints the digit count and the leading digits.
static void factorial(int n) {
  uint32_t limbs[1200] = {1};
  int used = 1;
  for (int k = 2; k <= n; ++k) {
    uint64_t carry = 0;
    for (int i = 0; i < used; ++i) {
      uint64_t v = (uint64_t)limbs[i] * (uint64_t)k + carry;
      limbs[i] = (uint32_t)(v % 1000000000u);
      carry = v / 1000000000u;
    }
    while (carry) limbs[used++] = (uint32_t)(carry % 1000000000u), carry /= 1000000000u;
  }
  char lead[16];
  int len = snprintf(lead, sizeof lead, "%" PRIu32, limbs[used - 1]);
  unsigned digit_sum = 0;
  for (int i = 0; i < used; ++i)
    for (uint32_t v = limbs[i]; v; v /= 10) digit_sum += v % 10;
  printf("%d! has %d digits, starts %s%09" PRIu32 ", digit sum %u\n", n, len + 9 * (used - 1), lead,
         limbs[used - 2], digit_sum);
}

static void mandelbrot(void) {
  unsigned total = 0;
  for (int y = -12; y <= 12; ++y) {
    char row[80];
    int x;
    for (x = 0; x < 64; ++x) {
      double cr = -2.2 + x * 0.05, ci = y * 0.1, zr = 0, zi = 0;
      int it = 0;
      while (it < 200 && zr * zr + zi * zi <= 4.0) {
        double t = zr * zr - zi * zi + cr;
        zi = 2 * zr * zi + ci;
        zr = t;
        ++it;
      }
      total += (unsigned)it;
      row[x] = " .:-=+*#%@"[it % 10];
    }
    row[x] = 0;
    if (y % 4 == 0) printf("|%s|\n", row);
  }
  printf("mandelbrot iterations %u\n", total);
}

static void matrix(void) {
  enum { N = 48 };
  static float a[N][N], b[N][N], c[N][N];
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) {
      a[i][j] = (float)((i * 7 + j * 3) % 17) / 8.0f - 1.0f;
      b[i][j] = (float)((i * 5 + j * 11) % 13) / 4.0f - 1.5f;
    }
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) {
      float s = 0;
      for (int k = 0; k < N; ++k) s = fmaf(a[i][k], b[k][j], s);
      c[i][j] = s;
    }
  double trace = 0, norm = 0;
  for (int i = 0; i < N; ++i) trace += c[i][i];
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) norm += (double)c[i][j] * c[i][j];
  printf("matrix trace %a frobenius %.17g\n", trace, sqrt(norm));
}

static void sieve(void) {
  enum { N = 2000000 };
  uint8_t* composite = calloc(N + 1, 1);
  unsigned count = 0;
  uint64_t sum = 0;
  for (uint64_t i = 2; i <= N; ++i) {
    if (composite[i]) continue;
    ++count;
    sum += i;
    for (uint64_t j = i * i; j <= N; j += i) composite[j] = 1;
  }
  free(composite);
  printf("primes below %d: %u, sum %" PRIu64 "\n", N, count, sum);
}

static void heap_sort(int64_t* v, size_t n) {
  for (size_t start = n / 2; start-- > 0;)
    for (size_t root = start, child; (child = 2 * root + 1) < n; root = child) {
      if (child + 1 < n && v[child] < v[child + 1]) ++child;
      if (v[root] >= v[child]) break;
      int64_t t = v[root];
      v[root] = v[child], v[child] = t;
    }
  for (size_t end = n; end-- > 1;) {
    int64_t t = v[0];
    v[0] = v[end], v[end] = t;
    for (size_t root = 0, child; (child = 2 * root + 1) < end; root = child) {
      if (child + 1 < end && v[child] < v[child + 1]) ++child;
      if (v[root] >= v[child]) break;
      t = v[root];
      v[root] = v[child], v[child] = t;
    }
  }
}

static void sorting(void) {
  enum { N = 100000 };
  int64_t* v = malloc(N * sizeof *v);
  uint64_t s = 88172645463325252ULL;
  for (int i = 0; i < N; ++i) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;  // xorshift64
    v[i] = (int64_t)s;
  }
  heap_sort(v, N);
  int ok = 1;
  uint64_t h = 0;
  for (int i = 1; i < N; ++i) ok &= v[i - 1] <= v[i];
  for (int i = 0; i < N; i += 1000) h = h * 31 + (uint64_t)v[i];
  printf("heap sort of %d: ordered=%d min=%" PRId64 " max=%" PRId64 " hash=%016" PRIx64 "\n", N, ok,
         v[0], v[N - 1], h);
  free(v);
}

struct Entry {
  char key[16];
  int count;
  struct Entry* next;
};

static void hash_table(void) {
  enum { kBuckets = 1024 };
  struct Entry* buckets[kBuckets] = {0};
  int distinct = 0;
  for (int i = 0; i < 200000; ++i) {
    char key[16];
    snprintf(key, sizeof key, "k%d", (i * 7919) % 5003);
    uint32_t h = 2166136261u;  // FNV-1a
    for (const char* p = key; *p; ++p) h = (h ^ (uint8_t)*p) * 16777619u;
    struct Entry** slot = &buckets[h % kBuckets];
    while (*slot && strcmp((*slot)->key, key)) slot = &(*slot)->next;
    if (!*slot) {
      *slot = calloc(1, sizeof **slot);
      strcpy((*slot)->key, key);
      ++distinct;
    }
    ++(*slot)->count;
  }
  int longest = 0, max_count = 0;
  for (int b = 0; b < kBuckets; ++b) {
    int len = 0;
    for (struct Entry* e = buckets[b]; e;) {
      struct Entry* next = e->next;
      ++len;
      if (e->count > max_count) max_count = e->count;
      free(e);
      e = next;
    }
    if (len > longest) longest = len;
  }
  printf("hash table: %d distinct keys, longest chain %d, max count %d\n", distinct, longest,
         max_count);
}

int main(void) {
  enum { kLen = 1 << 20 };
  uint8_t* data = malloc(kLen);
  for (uint32_t i = 0; i < kLen; ++i) data[i] = (uint8_t)(i * 2654435761u >> 24);
  uint8_t digest[32];
  sha256((const uint8_t*)"abc", 3, digest);
  printf("sha256(abc) = ");
  for (int i = 0; i < 32; ++i) printf("%02x", digest[i]);
  sha256(data, kLen, digest);
  printf("\nsha256(1 MiB) = ");
  for (int i = 0; i < 32; ++i) printf("%02x", digest[i]);
  printf("\ncrc32(1 MiB) = %08" PRIx32 "\n", crc32(data, kLen));
  free(data);
  factorial(1000);
  mandelbrot();
  matrix();
  sieve();
  sorting();
  hash_table();
  return 0;
}

/* strings.c — string keys in a hash map: m[decimal(i)] = i*i mod 1000003 for i in [0,N), then
 * sum m[decimal(i*31 mod N)] over i in [0,N). Prints "sum=S keylen=L" (L: total key length).
 * The map is a plain open-addressing table with FNV-1a, keys copied to the heap.
 * Peer of examples/bench/strings.sasm. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { char *key; size_t len; long value; } Slot;
static Slot *slots;
static size_t cap, used;

static uint64_t hash(const char *s, size_t len) {
  uint64_t h = 14695981039346656037ULL;
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  return h;
}

static Slot *find(const char *k, size_t len) {
  for (size_t i = hash(k, len) & (cap - 1);; i = (i + 1) & (cap - 1)) {
    Slot *s = &slots[i];
    if (!s->key || (s->len == len && memcmp(s->key, k, len) == 0)) return s;
  }
}

static void set(const char *k, size_t len, long v) {
  if ((used + 1) * 2 > cap) { /* keep the load factor under 1/2 */
    Slot *old = slots;
    size_t old_cap = cap;
    cap = cap ? cap * 2 : 16;
    slots = calloc(cap, sizeof *slots);
    for (size_t i = 0; i < old_cap; i++)
      if (old[i].key) *find(old[i].key, old[i].len) = old[i];
    free(old);
  }
  Slot *s = find(k, len);
  if (!s->key) {
    s->key = malloc(len);
    memcpy(s->key, k, len);
    s->len = len;
    used++;
  }
  s->value = v;
}

static long get(const char *k, size_t len, long dflt) {
  Slot *s = find(k, len);
  return s->key ? s->value : dflt;
}

/* Decimal text of v >= 0 into buf; returns its length. */
static size_t decimal(long v, char *buf) {
  char tmp[24];
  size_t n = 0;
  do tmp[n++] = (char)('0' + v % 10), v /= 10; while (v);
  for (size_t i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
  return n;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000;
  char buf[24];
  long keylen = 0, sum = 0;
  for (long i = 0; i < n; i++) {
    size_t len = decimal(i, buf);
    set(buf, len, i * i % 1000003);
    keylen += (long)len;
  }
  for (long i = 0; i < n; i++) {
    size_t len = decimal(i * 31 % n, buf);
    sum += get(buf, len, 0);
  }
  printf("sum=%ld keylen=%ld\n", sum, keylen);
  return 0;
}

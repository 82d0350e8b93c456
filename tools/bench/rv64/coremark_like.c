/* A CoreMark-style workload (written for Strata, not CoreMark's code): per iteration it runs
 * the same four kernels CoreMark mixes — linked-list search, reversal and merge sort; a small
 * integer matrix multiply with add/mask steps; a character state machine that classifies
 * numbers in a text; and a CRC-16 over every result — and reports the final CRC. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct Node {
  struct Node* next;
  int16_t key;
  int16_t value;
} Node;

static uint16_t crc16_byte(uint16_t crc, uint8_t data) {
  for (int i = 0; i < 8; ++i) {
    const int bit = (data ^ crc) & 1;
    data >>= 1;
    crc >>= 1;
    if (bit) crc ^= 0xa001;
  }
  return crc;
}

static uint16_t crc16(uint16_t crc, uint32_t v) {
  for (int i = 0; i < 4; ++i) crc = crc16_byte(crc, (uint8_t)(v >> (8 * i)));
  return crc;
}

static Node* merge_sort(Node* list, int by_key) {
  if (!list || !list->next) return list;
  Node *slow = list, *fast = list->next;
  while (fast && fast->next) {
    slow = slow->next;
    fast = fast->next->next;
  }
  Node* right = slow->next;
  slow->next = NULL;
  Node* l = merge_sort(list, by_key);
  Node* r = merge_sort(right, by_key);
  Node head = {0};
  Node* tail = &head;
  while (l && r) {
    const int take_l = by_key ? l->key <= r->key : l->value <= r->value;
    Node** from = take_l ? &l : &r;
    tail->next = *from;
    tail = *from;
    *from = (*from)->next;
  }
  tail->next = l ? l : r;
  return head.next;
}

static Node* reverse(Node* list) {
  Node* prev = NULL;
  while (list) {
    Node* next = list->next;
    list->next = prev;
    prev = list;
    list = next;
  }
  return prev;
}

static uint16_t list_kernel(Node* pool, int n, uint32_t seed, uint16_t crc) {
  for (int i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    pool[i].key = (int16_t)(seed >> 16);
    pool[i].value = (int16_t)(seed >> 3);
    pool[i].next = i + 1 < n ? &pool[i + 1] : NULL;
  }
  Node* list = pool;
  for (int q = 0; q < 8; ++q) {
    const int16_t want = pool[(q * 7) % n].key;
    int pos = 0;
    for (Node* p = list; p; p = p->next, ++pos)
      if (p->key == want) break;
    crc = crc16(crc, (uint32_t)pos);
    list = reverse(list);
  }
  list = merge_sort(list, 0);
  crc = crc16(crc, (uint32_t)(uint16_t)list->value);
  list = merge_sort(list, 1);
  for (Node* p = list; p; p = p->next) crc = crc16(crc, (uint32_t)(uint16_t)p->key);
  return crc;
}

enum { kDim = 16 };

static uint16_t matrix_kernel(uint32_t seed, uint16_t crc) {
  int16_t a[kDim][kDim], b[kDim][kDim];
  int32_t c[kDim][kDim];
  for (int i = 0; i < kDim; ++i)
    for (int j = 0; j < kDim; ++j) {
      seed = seed * 1103515245u + 12345u;
      a[i][j] = (int16_t)((seed >> 16) & 0xff) - 128;
      b[i][j] = (int16_t)((seed >> 8) & 0xff) - 100;
    }
  for (int i = 0; i < kDim; ++i)
    for (int j = 0; j < kDim; ++j) a[i][j] = (int16_t)(a[i][j] + 3);
  for (int i = 0; i < kDim; ++i)
    for (int j = 0; j < kDim; ++j) {
      int32_t s = 0;
      for (int k = 0; k < kDim; ++k) s += a[i][k] * b[k][j];
      c[i][j] = s;
    }
  int32_t sum = 0;
  for (int i = 0; i < kDim; ++i)
    for (int j = 0; j < kDim; ++j) {
      sum += (c[i][j] >> 2) & 0x7fff;
      if (sum > 100000) sum -= 100000;
    }
  return crc16(crc, (uint32_t)sum);
}

enum State { kStart, kInt, kFloat, kExp, kInvalid };

static uint16_t state_kernel(char* text, int len, uint32_t seed, uint16_t crc) {
  static const char alphabet[] = "0123456789+-.eE,x ";
  for (int i = 0; i < len; ++i) {
    seed = seed * 22695477u + 1u;
    text[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
  }
  uint32_t counts[5] = {0, 0, 0, 0, 0};
  enum State s = kStart;
  for (int i = 0; i < len; ++i) {
    const char ch = text[i];
    if (ch == ',' || ch == ' ') {
      ++counts[s];
      s = kStart;
      continue;
    }
    switch (s) {
      case kStart:
        s = (ch >= '0' && ch <= '9') || ch == '+' || ch == '-' ? kInt : ch == '.' ? kFloat : kInvalid;
        break;
      case kInt:
        if (ch == '.') s = kFloat;
        else if (ch == 'e' || ch == 'E') s = kExp;
        else if (ch < '0' || ch > '9') s = kInvalid;
        break;
      case kFloat:
        if (ch == 'e' || ch == 'E') s = kExp;
        else if (ch < '0' || ch > '9') s = kInvalid;
        break;
      case kExp:
        if (ch < '0' || ch > '9') s = kInvalid;
        break;
      case kInvalid: break;
    }
  }
  for (int k = 0; k < 5; ++k) crc = crc16(crc, counts[k]);
  return crc;
}

int main(int argc, char** argv) {
  const long iterations = argc > 1 ? atol(argv[1]) : 1000;
  enum { kNodes = 200, kText = 1024 };
  Node* pool = malloc(sizeof(Node) * kNodes);
  char* text = malloc(kText);
  uint16_t crc = 0;
  for (long it = 0; it < iterations; ++it) {
    const uint32_t seed = (uint32_t)it * 2654435761u;
    crc = list_kernel(pool, kNodes, seed, crc);
    crc = matrix_kernel(seed ^ 0x5a5a5a5au, crc);
    crc = state_kernel(text, kText, seed + 17u, crc);
  }
  printf("iterations %ld crc 0x%04x\n", iterations, crc);
  free(pool);
  free(text);
  return 0;
}

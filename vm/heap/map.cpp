// Map: insertion-ordered open-addressing hash map on the GC heap.
//
// Invariants:
//   * entries[0, used) were written in insertion order; `live` marks those not deleted, and
//     `len` counts them. used <= cap.
//   * index has a power-of-two size of at least 2 * cap slots of 32 bits. A slot is 0 (empty)
//     or, for an entry, tag << pos_bits | (its position + 1), where pos_bits is the fewest bits
//     that hold cap and the tag is the rest of the word filled from the hash's high half.
//     Every entry in [0, used), live or not, has exactly one slot, so a deleted entry's slot
//     acts as a tombstone and linear probing always meets an empty slot.
//   * Why a tag: a probe that meets another key's slot is then rejected from the index alone
//     (wrongly accepted once in 2^(32 - pos_bits), 2^11 at a million entries) instead of costing
//     a cache miss on the entry array. Why in 32 bits: on strings N=1000000 the index load is
//     most of a look-up's time; 64-bit slots (a 32-bit tag) made the index 16 MiB instead of 8.
//   * A deleted entry's key and value are cleared so the map does not keep them alive.
#include "vm/heap/map.hpp"

#include <cstring>

#include "vm/heap.hpp"
#include "vm/heap/alloc.hpp"

namespace strata::vm {

struct Map : Object {  // aux = MapKeyKind
  uint64_t len;
  uint64_t used;
  uint64_t cap;
  MapEntry* entries;     // GC_MALLOC: keys and values may be refs
  uint32_t* index;       // GC_MALLOC_ATOMIC
  uint64_t index_mask;   // index size - 1
  uint32_t index_shift;  // 64 - log2(index size)
  uint32_t pos_bits;     // a slot's low bits that hold an entry position + 1
};

namespace {

constexpr uint64_t kInitialCap = 8;
// Entry positions + 1 need at most 31 bits of a slot: every tag has at least one bit.
constexpr uint64_t kMaxEntries = uint64_t{1} << 30;

uint64_t hash_int(int64_t k) {
  // splitmix64's finaliser: sequential keys spread over the whole index.
  uint64_t x = static_cast<uint64_t>(k);
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

bool same_string(const String* a, const String* b) {
  if (a == b) return true;
  if (a->len != b->len) return false;
  // Short keys (names, decimal numbers) are compared inline: a call to memcmp cost more than
  // the comparison itself.
  if (a->len <= 16) {
    for (uint64_t i = 0; i < a->len; ++i)
      if (a->data[i] != b->data[i]) return false;
    return true;
  }
  return std::memcmp(a->data, b->data, a->len) == 0;
}

struct Key {
  Value v;
  uint64_t hash;
};

Key key_of(String* s) {
  return {Value::from_r(s), string_hash(s)};
}
Key key_of(int64_t i) {
  return {Value::from_i(i), hash_int(i)};
}

bool key_equals(const Map* m, const MapEntry& e, const Key& k) {
  if (!e.live || e.hash != k.hash) return false;
  if (static_cast<MapKeyKind>(m->aux) == MapKeyKind::Int) return e.key.i == k.v.i;
  return same_string(static_cast<const String*>(e.key.r), static_cast<const String*>(k.v.r));
}

// The first index slot to probe. Fibonacci hashing takes the *high* bits of hash * 2^64/phi:
// the low bits of FNV-1a depend only on the low bits of each byte (its last step is a multiply),
// so masking them directly makes long probe chains for keys like decimal numbers.
uint64_t home_slot(uint64_t hash, uint32_t shift) {
  return (hash * 0x9e3779b97f4a7c15ull) >> shift;
}

// The tag, already shifted into place: bits of the hash's high half, which are independent of
// home_slot's bits (those come from the top of a product of the whole hash).
uint32_t slot_tag(uint64_t hash, uint32_t pos_bits) {
  return static_cast<uint32_t>(hash >> 32) << pos_bits;
}

// Position of the live entry with key k, or -1.
int64_t find(const Map* m, const Key& k) {
  const uint32_t tag = slot_tag(k.hash, m->pos_bits);
  for (uint64_t i = home_slot(k.hash, m->index_shift);; i = (i + 1) & m->index_mask) {
    uint32_t slot = m->index[i];
    if (slot == 0) return -1;
    if (((slot ^ tag) >> m->pos_bits) != 0) continue;
    uint32_t pos = (slot & ((uint32_t{1} << m->pos_bits) - 1)) - 1;
    if (key_equals(m, m->entries[pos], k)) return pos;
  }
}

void index_insert(const Map* m, uint64_t hash, uint64_t pos) {
  uint64_t i = home_slot(hash, m->index_shift);
  while (m->index[i] != 0) i = (i + 1) & m->index_mask;
  m->index[i] = slot_tag(hash, m->pos_bits) | static_cast<uint32_t>(pos + 1);
}

// Allocates storage for `cap` entries and moves the live ones there, compacted; false on OOM
// with the map unchanged.
bool rebuild(Map* m, uint64_t cap) {
  uint64_t index_size = 2;
  uint32_t shift = 63;
  while (index_size < cap * 2) {
    index_size <<= 1;
    --shift;
  }
  uint64_t ebytes, ibytes;
  if (!detail::checked_size(cap, sizeof(MapEntry), 0, &ebytes) ||
      !detail::checked_size(index_size, sizeof(uint32_t), 0, &ibytes))
    return false;
  auto* entries = static_cast<MapEntry*>(detail::gc_alloc(ebytes, /*atomic=*/false));
  if (!entries) return false;
  auto* index = static_cast<uint32_t*>(detail::gc_alloc(ibytes, /*atomic=*/true));
  if (!index) return false;
  std::memset(index, 0, ibytes);
  uint32_t pos_bits = 1;
  while ((uint64_t{1} << pos_bits) <= cap) ++pos_bits;
  MapEntry* old = m->entries;
  const uint64_t old_used = m->used;
  m->entries = entries;
  m->index = index;
  m->index_mask = index_size - 1;
  m->index_shift = shift;
  m->pos_bits = pos_bits;
  m->cap = cap;
  uint64_t n = 0;
  for (uint64_t i = 0; i < old_used; ++i) {
    if (!old[i].live) continue;
    entries[n] = old[i];
    index_insert(m, entries[n].hash, n);
    ++n;
  }
  m->used = n;
  return true;
}

bool set(Map* m, const Key& k, SlotType type, Value v) {
  int64_t pos = find(m, k);
  if (pos >= 0) {
    m->entries[pos].type = type;
    m->entries[pos].value = v;
    return true;
  }
  if (m->used == m->cap) {
    // Mostly deleted entries: compact in place; otherwise grow.
    uint64_t cap = m->len + 1 <= m->cap / 2 ? m->cap : m->cap * 2;
    if (cap > kMaxEntries || !rebuild(m, cap)) return false;
  }
  uint64_t at = m->used++;
  m->entries[at] = MapEntry{k.v, v, k.hash, type, 1};
  index_insert(m, k.hash, at);
  ++m->len;
  return true;
}

bool erase(Map* m, const Key& k) {
  int64_t pos = find(m, k);
  if (pos < 0) return false;
  MapEntry& e = m->entries[pos];
  e.live = 0;
  e.key.bits = 0;
  e.value.bits = 0;
  --m->len;
  return true;
}

}  // namespace

Map* new_map(MapKeyKind kind) {
  heap_init();
  auto* m = static_cast<Map*>(detail::gc_alloc(sizeof(Map), /*atomic=*/false));
  if (!m) return nullptr;
  m->kind = ObjKind::Map;
  m->aux = static_cast<uint32_t>(kind);
  m->len = m->used = m->cap = 0;
  m->entries = nullptr;
  m->index = nullptr;
  m->index_mask = 0;
  m->index_shift = 63;
  m->pos_bits = 1;
  if (!rebuild(m, kInitialCap)) return nullptr;
  return m;
}

Map* as_map(Object* o) {
  return static_cast<Map*>(o);
}
Object* map_object(Map* m) {
  return m;
}

MapKeyKind map_key_kind(const Map* m) {
  return static_cast<MapKeyKind>(m->aux);
}
uint64_t map_len(const Map* m) {
  return m->len;
}

const MapEntry* map_find_str(Map* m, String* key) {
  int64_t pos = find(m, key_of(key));
  return pos < 0 ? nullptr : &m->entries[pos];
}
const MapEntry* map_find_int(Map* m, int64_t key) {
  int64_t pos = find(m, key_of(key));
  return pos < 0 ? nullptr : &m->entries[pos];
}

bool map_set_str(Map* m, String* key, SlotType type, Value v) {
  return set(m, key_of(key), type, v);
}
bool map_set_int(Map* m, int64_t key, SlotType type, Value v) {
  return set(m, key_of(key), type, v);
}

bool map_erase_str(Map* m, String* key) {
  return erase(m, key_of(key));
}
bool map_erase_int(Map* m, int64_t key) {
  return erase(m, key_of(key));
}

Array* map_keys(Map* m) {
  const bool str = map_key_kind(m) == MapKeyKind::String;
  Array* a = new_array(str ? ObjKind::ArrayRef : ObjKind::ArrayI64, m->len);
  if (!a) return nullptr;
  auto* out = static_cast<Value*>(a->data);
  uint64_t n = 0;
  for (uint64_t i = 0; i < m->used; ++i) {
    if (m->entries[i].live) out[n++] = m->entries[i].key;
  }
  return a;
}

}  // namespace strata::vm

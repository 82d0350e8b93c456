// gc_alloc: small scanned objects come from a per-thread cache that Boehm fills in batches
// (GC_generic_malloc_many, one lock and one heap-block sweep per batch); everything else goes
// straight to GC_MALLOC / GC_MALLOC_ATOMIC.
//
// Invariants the cache keeps (Boehm's rules for objects a client holds between getting them
// from the collector and using them, gc_inline.h):
//   * Every cached object is referenced from a slot of the thread's cache block, which is
//     GC_MALLOC_UNCOLLECTABLE: scanned at every collection, so no cached object is reclaimed
//     while it waits. A slot is cleared when its object is handed out, so the cache never keeps
//     a dead object alive.
//   * Only NORMAL (scanned) objects are cached. A batch arrives linked through first words;
//     until its objects are in slots the rest of the chain is reachable only through those
//     words, and the collector (which another thread may start at any moment) traces them in
//     scanned objects alone.
//   * Boehm hands out NORMAL objects cleared except the link word; the refill clears that word,
//     so a cached object is all zero, as GC_MALLOC promises.
//   * Cached objects have a kind of their own (gc_mark.h's GC_new_kind): scanned in full and
//     cleared like NORMAL ones, but without the byte Boehm adds to NORMAL objects so that a
//     pointer just past an object keeps it alive (gc_inline.h: the client adds that byte, or
//     does without). Strata keeps every object alive through a pointer to its start (a ref,
//     Array::data), never one past its end, so a 2-field record takes 32 bytes instead of 48: a
//     third less memory to clear, mark and sweep.
#include <array>
#include <cstddef>

#include "vm/heap.hpp"
#include "vm/heap/alloc.hpp"
#include "vm/heap/gc.hpp"
// gc.hpp first: GC_generic_malloc_many and GC_new_kind.
#include <gc/gc_inline.h>
#include <gc/gc_mark.h>

namespace strata::vm::detail {

namespace {

constexpr uint64_t kLargeObjectBytes = 256 * 1024;

// Classes 1..kMaxGranules: objects of g granules (16 bytes each on 64-bit hosts). Records of up
// to 30 fields, array headers and small ref-array bodies fit.
constexpr uint32_t kMaxGranules = 16;
constexpr uint64_t kMaxCachedBytes = kMaxGranules * GC_GRANULE_BYTES;

// A batch is at most one heap block of objects (4 KiB); a class keeps that many slots, and the
// rest of a larger batch (if Boehm ever returns one) is left to the collector.
constexpr uint32_t slot_count(uint32_t granules) {
  return 4096 / (granules * GC_GRANULE_BYTES);
}

constexpr std::array<uint32_t, kMaxGranules + 2> first_slots() {
  std::array<uint32_t, kMaxGranules + 2> first{};
  for (uint32_t g = 1; g <= kMaxGranules; ++g) first[g + 1] = first[g] + slot_count(g);
  return first;
}
constexpr std::array<uint32_t, kMaxGranules + 2> kFirstSlot = first_slots();
constexpr uint32_t kTotalSlots = kFirstSlot[kMaxGranules + 1];

struct ThreadCache {
  uint32_t count[kMaxGranules + 1];  // cached objects per class, in slots[first .. first+count)
  void* slots[kTotalSlots];
};

constinit thread_local ThreadCache* t_cache = nullptr;

// Frees the cache block when its thread ends (threads that end without heap_unregister_thread,
// e.g. those Boehm's pthread_create wrapper registered); only touched when a cache is created.
struct CacheOwner {
  bool owns = false;
  ~CacheOwner() {
    if (owns) release_thread_cache();
  }
};
thread_local CacheOwner t_owner;

void* boehm_alloc(uint64_t bytes, bool atomic) {
  heap_init();
  // A live object is always referenced through a pointer to its start (a ref, or an Array's
  // `data` in its live header), so for large ones Boehm may ignore pointers past their first
  // 256 bytes: random integers on stacks then neither pin big blocks nor blacklist their pages.
  if (bytes >= kLargeObjectBytes)
    return atomic ? GC_MALLOC_ATOMIC_IGNORE_OFF_PAGE(bytes) : GC_MALLOC_IGNORE_OFF_PAGE(bytes);
  return atomic ? GC_MALLOC_ATOMIC(bytes) : GC_MALLOC(bytes);
}

// The cached objects' kind: a length descriptor of the whole object (template 0 plus the size).
int exact_kind() {
  static const int kind =
      static_cast<int>(GC_new_kind(GC_new_free_list(), GC_DS_LENGTH, /*add_size_to_descriptor=*/1,
                                   /*clear_new_objects=*/1));
  return kind;
}

ThreadCache* create_cache() {
  auto* c = static_cast<ThreadCache*>(GC_MALLOC_UNCOLLECTABLE(sizeof(ThreadCache)));
  if (c == nullptr) return nullptr;
  t_cache = c;
  t_owner.owns = true;
  return c;
}

uint32_t granules_of(uint64_t bytes) {
  const uint64_t g = (bytes + GC_GRANULE_BYTES - 1) / GC_GRANULE_BYTES;
  return g == 0 ? 1 : static_cast<uint32_t>(g);
}

// Gets a batch of g-granule objects, keeps all but one in the cache and returns that one.
[[gnu::noinline]] void* refill_and_take(uint64_t bytes) {
  heap_init();
  ThreadCache* c = t_cache != nullptr ? t_cache : create_cache();
  if (c == nullptr) return boehm_alloc(bytes, /*atomic=*/false);
  const uint32_t g = granules_of(bytes);
  void* list = nullptr;
  GC_generic_malloc_many(size_t{g} * GC_GRANULE_BYTES, exact_kind(), &list);
  // Nothing at all: the heap cap is reached even after the collection heap_init's
  // GC_set_max_retries allows, or the OS refused.
  if (list == nullptr) return nullptr;
  void* first = list;
  list = GC_NEXT(first);
  GC_NEXT(first) = nullptr;
  void** slots = c->slots + kFirstSlot[g];
  uint32_t n = c->count[g];
  while (list != nullptr && n < slot_count(g)) {
    // `next` (a local, so scanned) holds the rest of the chain while `list` moves to its slot.
    void* next = GC_NEXT(list);
    slots[n++] = list;
    GC_NEXT(list) = nullptr;
    list = next;
  }
  c->count[g] = n;
  return first;
}

}  // namespace

void* gc_alloc(uint64_t bytes, bool atomic) {
  if (bytes > kMaxAllocBytes) return nullptr;
#ifdef STRATA_GC_STRESS
  heap_init();
  GC_gcollect();
#endif
  if (!atomic && bytes <= kMaxCachedBytes) {
    if (ThreadCache* c = t_cache; c != nullptr) {
      const uint32_t g = granules_of(bytes);
      if (c->count[g] != 0) {
        void** slot = &c->slots[kFirstSlot[g] + --c->count[g]];
        void* p = *slot;
        *slot = nullptr;
        return p;
      }
    }
    return refill_and_take(bytes);
  }
  return boehm_alloc(bytes, atomic);
}

void release_thread_cache() {
  ThreadCache* c = t_cache;
  if (c == nullptr) return;
  t_cache = nullptr;
  // The cached objects lose their only reference and are reclaimed by a later collection.
  GC_FREE(c);
}

int cached_kind() {
  heap_init();
  return exact_kind();
}

size_t cached_objects(uint64_t bytes) {
  const ThreadCache* c = t_cache;
  if (c == nullptr) return 0;
  return bytes <= kMaxCachedBytes ? c->count[granules_of(bytes)] : 0;
}

}  // namespace strata::vm::detail

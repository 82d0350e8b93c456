// gc_alloc: small scanned objects come from a per-thread cache that Boehm fills in batches
// (GC_generic_malloc_many, one lock and one heap-block sweep per batch); everything else goes
// straight to GC_MALLOC / GC_MALLOC_ATOMIC. The cache's layout is in alloc_cache.hpp: compiled
// code takes objects from it inline, by the same rules.
//
// Invariants the cache keeps (Boehm's rules for objects a client holds between getting them
// from the collector and using them, gc_inline.h):
//   * A class's cached objects are the list GC_generic_malloc_many made, linked through their
//     first words, its head in the thread's cache block. That block is GC_MALLOC_UNCOLLECTABLE
//     and the objects are scanned, so a collection (which another thread may start at any
//     moment) marks the whole chain: no cached object is reclaimed while it waits. Taking the
//     head unlinks it, so the cache never keeps a handed-out object alive.
//   * Only scanned objects are cached: a chain through pointer-free objects would not be traced.
//   * Boehm hands out the kind's objects cleared except the link word, which whoever takes an
//     object overwrites: gc_alloc clears it (GC_MALLOC's promise), compiled code writes the
//     header there.
//   * A batch is kept whole: taking it costs one store, where moving its objects into an array
//     would touch every one of them at the refill (4% of binarytrees' time).
//   * Cached objects have a kind of their own (gc_mark.h's GC_new_kind): scanned in full and
//     cleared like NORMAL ones, but without the byte Boehm adds to NORMAL objects so that a
//     pointer just past an object keeps it alive (gc_inline.h: the client adds that byte, or
//     does without). Strata keeps every object alive through a pointer to its start (a ref,
//     Array::data), never one past its end, so a 2-field record takes 32 bytes instead of 48: a
//     third less memory to clear, mark and sweep.
#include <cstddef>

#include "vm/heap.hpp"
#include "vm/heap/alloc.hpp"
#include "vm/heap/alloc_cache.hpp"
#include "vm/heap/gc.hpp"
// gc.hpp first: GC_generic_malloc_many and GC_new_kind.
#include <gc/gc_inline.h>
#include <gc/gc_mark.h>

namespace strata::vm::detail {

namespace {

constexpr uint64_t kLargeObjectBytes = 256 * 1024;

static_assert(kCacheGranuleBytes == GC_GRANULE_BYTES, "alloc_cache.hpp's granule is Boehm's");
constinit thread_local AllocCache* t_cache = nullptr;

// What thread_alloc_cache returns to a thread without a cache: every count stays zero, so
// compiled code never writes it and always takes the helper.
constinit AllocCache g_empty_cache{};

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

AllocCache* create_cache() {
  auto* c = static_cast<AllocCache*>(GC_MALLOC_UNCOLLECTABLE(sizeof(AllocCache)));
  if (c == nullptr) return nullptr;
  t_cache = c;
  t_owner.owns = true;
  return c;
}

// Gets a batch of g-granule objects, keeps all but one in the cache and returns that one.
[[gnu::noinline]] void* refill_and_take(uint64_t bytes) {
  heap_init();
  AllocCache* c = t_cache != nullptr ? t_cache : create_cache();
  if (c == nullptr) return boehm_alloc(bytes, /*atomic=*/false);
  const uint32_t g = cache_class(bytes);
  void* list = nullptr;
  GC_generic_malloc_many(size_t{g} * GC_GRANULE_BYTES, exact_kind(), &list);
  // Nothing at all: the heap cap is reached even after the collection heap_init's
  // GC_set_max_retries allows, or the OS refused.
  if (list == nullptr) return nullptr;
  c->free[g] = GC_NEXT(list);
  GC_NEXT(list) = nullptr;
  return list;
}

}  // namespace

void* gc_alloc(uint64_t bytes, bool atomic) {
  if (bytes > kMaxAllocBytes) return nullptr;
#ifdef STRATA_GC_STRESS
  heap_init();
  GC_gcollect();
#endif
  if (!atomic && bytes <= kMaxCachedBytes) {
    if (AllocCache* c = t_cache; c != nullptr) {
      const uint32_t g = cache_class(bytes);
      if (void* p = c->free[g]; p != nullptr) {
        c->free[g] = GC_NEXT(p);
        GC_NEXT(p) = nullptr;
        return p;
      }
    }
    return refill_and_take(bytes);
  }
  return boehm_alloc(bytes, atomic);
}

void release_thread_cache() {
  AllocCache* c = t_cache;
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
  const AllocCache* c = t_cache;
  if (c == nullptr) return 0;
  if (bytes > kMaxCachedBytes) return 0;
  size_t n = 0;
  for (void* p = c->free[cache_class(bytes)]; p != nullptr; p = GC_NEXT(p)) ++n;
  return n;
}

}  // namespace strata::vm::detail

namespace strata::vm {

AllocCache* thread_alloc_cache() {
#ifdef STRATA_GC_STRESS
  return empty_alloc_cache();
#else
  return detail::t_cache != nullptr ? detail::t_cache : empty_alloc_cache();
#endif
}

AllocCache* empty_alloc_cache() {
  return &detail::g_empty_cache;
}

}  // namespace strata::vm

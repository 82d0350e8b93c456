// The layout of the per-thread allocation cache (vm/heap/alloc.cpp), shared with compiled code:
// both JIT tiers pop small scanned objects from it inline, without a call (docs/JIT.md,
// "Allocation in compiled code"). Header-only, so libstrata_opt.so (which links no strata
// library) reads the same layout.
//
// The contract compiled code keeps, as gc_alloc does:
//   * Class g (1..kMaxCachedGranules) is a list of objects of g granules: free[g] is the first
//     (null: none), each object's first word the next. Apart from that link word a cached object
//     is all zero (fields null), as Boehm clears the kind's objects.
//   * Taking one: obj = free[g]; free[g] = first word of obj; then the first word is overwritten
//     (every object's header begins there: ObjKind and aux). No lock, no call, no collection:
//     only the owning thread touches its cache, and a collection another thread starts stops
//     this one at any instruction and scans its registers and stack, where the object's pointer
//     is.
//   * The cache is only ever the running thread's own (ExecState::alloc_cache, set by the thread
//     that runs code on the state), or the shared empty cache, whose lists stay empty and which
//     is never written.
#pragma once

#include <cstddef>
#include <cstdint>

namespace strata::vm {

// Boehm's granule on 64-bit hosts (GC_GRANULE_BYTES; alloc.cpp checks that they agree).
inline constexpr uint64_t kCacheGranuleBytes = 16;
// Classes 1..kMaxCachedGranules: records of up to 30 fields, array headers and small ref-array
// bodies fit.
inline constexpr uint32_t kMaxCachedGranules = 16;
inline constexpr uint64_t kMaxCachedBytes = kMaxCachedGranules * kCacheGranuleBytes;

struct AllocCache {
  void* free[kMaxCachedGranules + 1];  // per class: the first object, linked through first words
};

// The class of a scanned object of `bytes` bytes: its granules, or 0 when it is too big to be
// cached (a zero-byte request takes one granule).
constexpr uint32_t cache_class(uint64_t bytes) {
  if (bytes > kMaxCachedBytes) return 0;
  const uint64_t g = (bytes + kCacheGranuleBytes - 1) / kCacheGranuleBytes;
  return g == 0 ? 1 : static_cast<uint32_t>(g);
}

// The offset of free[g], which compiled code addresses.
constexpr uint64_t cache_free_offset(uint32_t g) {
  return offsetof(AllocCache, free) + uint64_t{g} * sizeof(void*);
}

// The calling thread's cache if it has one, else the shared empty cache: never null. Where
// compiled code finds it: ExecState::alloc_cache (execute and run_frames set it, the allocation
// helpers refresh it once a refill has made the thread's cache). Always the empty cache in a
// STRATA_GC_STRESS build, so that every allocation of compiled code takes the helper that
// collects.
AllocCache* thread_alloc_cache();
// The shared empty cache (what a new ExecState starts with).
AllocCache* empty_alloc_cache();

}  // namespace strata::vm

// Raw GC allocation shared by the heap's object constructors (not part of the public heap API).
#pragma once

#include <cstddef>
#include <cstdint>

namespace strata::vm::detail {

// No single allocation may exceed this, whatever the cap: it keeps every size computation far
// from overflow and refuses absurd guest requests before Boehm tries to map them.
inline constexpr uint64_t kMaxAllocBytes = uint64_t{1} << 36;  // 64 GiB

// `bytes` from Boehm: scanned and cleared (atomic = false) or unscanned and uncleared
// (atomic = true); nullptr past kMaxAllocBytes, the heap cap, or when the OS refuses.
// Objects of 256 KiB or more stay alive only through a pointer into their first 256 bytes
// (always true for Strata objects: refs and Array::data point at the start).
// Small scanned objects come from a per-thread cache without a lock (alloc.cpp); they are kept
// alive only by pointers into them, not by one just past their end. The calling thread must be
// registered with Boehm, as for any allocation.
void* gc_alloc(uint64_t bytes, bool atomic);

// Drops the calling thread's cache of small objects (they become garbage). heap_unregister_thread
// calls it; a thread that ends without doing so has it dropped at thread exit.
void release_thread_cache();

// Tests: how many scanned objects of `bytes` the calling thread's cache holds, and the Boehm
// kind of the cached objects (scanned in full, no one-past-the-end byte).
size_t cached_objects(uint64_t bytes);
int cached_kind();

// bytes = a * b + extra, or false if that exceeds kMaxAllocBytes.
inline bool checked_size(uint64_t a, uint64_t b, uint64_t extra, uint64_t* bytes) {
  if (extra > kMaxAllocBytes) return false;
  if (b != 0 && a > (kMaxAllocBytes - extra) / b) return false;
  *bytes = a * b + extra;
  return true;
}

}  // namespace strata::vm::detail

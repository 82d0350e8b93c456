// Raw GC allocation shared by the heap's object constructors (not part of the public heap API).
#pragma once

#include <cstdint>

namespace strata::vm::detail {

// No single allocation may exceed this, whatever the cap: it keeps every size computation far
// from overflow and refuses absurd guest requests before Boehm tries to map them.
inline constexpr uint64_t kMaxAllocBytes = uint64_t{1} << 36;  // 64 GiB

// `bytes` from Boehm: scanned and cleared (atomic = false) or unscanned and uncleared
// (atomic = true); nullptr past kMaxAllocBytes, the heap cap, or when the OS refuses.
// Objects of 256 KiB or more stay alive only through a pointer into their first 256 bytes
// (always true for Strata objects: refs and Array::data point at the start).
void* gc_alloc(uint64_t bytes, bool atomic);

// bytes = a * b + extra, or false if that exceeds kMaxAllocBytes.
inline bool checked_size(uint64_t a, uint64_t b, uint64_t extra, uint64_t* bytes) {
  if (extra > kMaxAllocBytes) return false;
  if (b != 0 && a > (kMaxAllocBytes - extra) / b) return false;
  *bytes = a * b + extra;
  return true;
}

}  // namespace strata::vm::detail

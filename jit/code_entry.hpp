// The vocabulary of the code cache: what an entry is keyed by and what it maps to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

namespace strata::jit {

// (code unit, entry pc). A code unit is whatever its owner numbers: an SVI function of a module
// instance, a RISC-V address space (pc = guest virtual address, with the page generation folded
// into the unit id), a device model. The cache never interprets either number.
struct CodeKey {
  uint64_t unit = 0;
  uint64_t pc = 0;
  friend bool operator==(const CodeKey&, const CodeKey&) = default;
};

// Host code of one entry: `code` is in the executable view; `size` bytes long. A default
// (null) entry means "not in the cache".
struct CodeEntry {
  const void* code = nullptr;
  uint32_t size = 0;

  explicit operator bool() const { return code != nullptr; }
  // The entry as a callable, e.g. entry.as<int64_t(int64_t, int64_t)>().
  template <typename Fn>
  Fn* as() const {
    return reinterpret_cast<Fn*>(const_cast<void*>(code));
  }
};

// Why entries left the index.
enum class DropReason : uint8_t {
  kEvicted,      // their arena chunk was reclaimed to make room (the size bound)
  kInvalidated,  // invalidate_range / invalidate_unit (self-modifying code, fence.i, unload)
  kReplaced,     // a new install under the same key (tier-up) superseded them
};

const char* drop_reason_name(DropReason r);

struct DroppedEntry {
  CodeKey key;
  CodeEntry entry;
};

// Told which entries left the index, so owners can unlink direct jumps into them (chaining) and
// clear their own code slots. See CodeCache for when and under which lock it runs.
using DropHook = std::function<void(DropReason, std::span<const DroppedEntry>)>;

}  // namespace strata::jit

// The lookup index of the code cache: (unit, pc) -> CodeEntry, an open-addressing hash table.
//
// Why not std::unordered_map: a lookup there is a bucket-array load and then a pointer chase to a
// separately allocated node — two or three cache misses per lookup once the table outgrows the
// cache (measured ~670 ns per random lookup at 200k entries on the development VM, where misses
// also cost shadow-page-table walks). Here the key and the entry sit together in the slot, 32
// bytes, so a lookup is one hash and usually one cache line; installs allocate nothing.
//
// Linear probing, power-of-two capacity, load factor at most 1/2 (grows by doubling, never
// shrinks: the arena bounds the number of live entries anyway). Deletion shifts later entries
// back instead of leaving tombstones, so lookups never slow down as entries come and go.
// Not thread-safe: CodeCache guards it with its lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "jit/code_entry.hpp"

namespace strata::jit {

class CodeIndex {
 public:
  CodeIndex() { slots_.resize(kInitialSlots); }

  // The entry under `key`, or a null entry.
  CodeEntry find(CodeKey key) const {
    for (size_t i = home_of(key);; i = (i + 1) & mask()) {
      const Slot& s = slots_[i];
      if (s.entry.code == nullptr) return {};
      if (s.key == key) return s.entry;
    }
  }
  // Inserts or overwrites (`e` must not be null); returns the entry it replaced, or null.
  CodeEntry insert(CodeKey key, CodeEntry e);
  // Removes `key`; returns the removed entry, or null if it was absent.
  CodeEntry erase(CodeKey key);

  size_t size() const { return size_; }
  size_t slot_count() const { return slots_.size(); }

  // Avalanches every bit of both halves of the key (a 64-bit finalizer), so that pcs that are
  // multiples of 4 and small unit numbers still spread over the low bits the mask keeps.
  static uint64_t hash(CodeKey key) {
    uint64_t h = key.pc ^ ((key.unit << 32) | (key.unit >> 32)) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return h;
  }

 private:
  static constexpr size_t kInitialSlots = 1024;
  struct Slot {
    CodeKey key;
    CodeEntry entry;  // null: the slot is empty
  };

  size_t mask() const { return slots_.size() - 1; }
  size_t home_of(CodeKey key) const { return static_cast<size_t>(hash(key)) & mask(); }
  void grow();

  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace strata::jit

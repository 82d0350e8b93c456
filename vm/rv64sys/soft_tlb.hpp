// The software TLB of a full-system hart, laid out for translated code to check inline (QEMU's
// softmmu idea, in SVI): per MMU index, 256 direct-mapped entries of four 64-bit words,
//
//   +0  read tag    +8  write tag    +16 fetch tag    +24 addend
//
// A tag is the virtual page (va & ~0xfff) when that kind of access may go straight to RAM, and
// kNoTag otherwise. Translated code for an access of `size` bytes at `va` computes
//   entry = base(idx) + ((va >> 12) & 255) * 32
//   hit   = tag(entry) == (va & (~0xfff | (size - 1)))
// so a misaligned access never hits (it takes the slow path, which also handles accesses that
// cross a page), and on a hit touches linear address va + addend. The slow path walks
// (page_walk.hpp), raises the fault or calls fill(), and performs the access itself when it is
// not plain RAM (a device, a page holding translated code, a page whose D bit is clear).
//
// MMU indexes are fixed per translated block (blocks are keyed by them): U, S, S with SUM (Linux
// sets SUM around every user copy, and a separate index keeps that from flushing), and M
// (physical). An index is the privilege data accesses effectively use (MPRV and MPP applied) and
// SUM, and its entries are filled under exactly that, so changing SUM, MPRV or MPP only switches
// index. What else changes a translation's permissions — satp, MXR — flushes everything; so
// does sfence.vma without an address.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "vm/rv64sys/page_walk.hpp"

namespace strata::vm::rv64sys {

enum class MmuIndex : std::uint8_t { User = 0, Supervisor = 1, SupervisorSum = 2, Machine = 3 };

// Where guest RAM is in the hart's linear memory: guest physical `pa_base` is linear `linear`.
struct RamWindow {
  std::uint64_t pa_base = 0;
  std::uint64_t size = 0;
  std::uint64_t linear = 0;
};

class SoftTlb {
 public:
  static constexpr std::uint32_t kEntries = 256;
  static constexpr std::uint32_t kIndexes = 4;
  static constexpr std::uint32_t kEntryBytes = 32;
  static constexpr std::uint32_t kIndexBytes = kEntries * kEntryBytes;
  static constexpr std::size_t kBytes = std::size_t{kIndexes} * kIndexBytes;
  static constexpr std::uint64_t kNoTag = ~0ull;  // never equal to a page-aligned address
  static constexpr std::uint32_t kReadTag = 0, kWriteTag = 8, kFetchTag = 16, kAddend = 24;

  // `storage` (kBytes, 8-aligned) is where translated code finds the entries: part of the
  // hart's state area in its linear memory. Starts empty.
  SoftTlb(std::span<std::uint8_t> storage, RamWindow ram);

  // Byte offset of MMU index `idx`'s table inside the storage (for the translator).
  static constexpr std::uint32_t index_offset(MmuIndex idx) {
    return static_cast<std::uint32_t>(idx) * kIndexBytes;
  }

  void flush_all();
  // sfence.vma with an address: the translation of `va` in every index. An entry filled from a
  // superpage that contains `va` goes too, whatever 4 KiB page of it the entry caches: Linux
  // flushes a huge mapping with one sfence.vma at one address of it.
  void flush_page(std::uint64_t va);
  // The size of the page the entry caching `va` in `idx` was filled from: a superpage's, or
  // 4 KiB (for an entry that is not a superpage's, and for an empty one).
  std::uint64_t page_size(MmuIndex idx, std::uint64_t va) const {
    const std::uint64_t mask = superpages_[entry_number(idx, va)].mask;
    return mask == 0 ? 0x1000 : ~mask + 1;
  }
  // The physical page `pa` now holds translated code: no write tag may point at it any more,
  // so the next store to it takes the slow path (which drops the translations).
  void protect_code_page(std::uint64_t pa);

  // Caches a successful walk `t` of `va` in index `idx` (walked under `ctx`): each kind of
  // access the leaf allows gets its tag, writes only when the PTE's D bit is already set (so
  // the first store still walks and sets it) and the page holds no code. A page outside RAM
  // (a device) is not cached: its accesses always take the slow path.
  void fill(MmuIndex idx, std::uint64_t va, const Translation& t, const WalkContext& ctx,
            bool page_has_code);

  // The inline check, in C++ (for the slow path's callers, every fetch, and tests): the linear
  // address of `va`, or kNoTag on a miss.
  std::uint64_t lookup(MmuIndex idx, std::uint64_t va, Access access, unsigned size) const {
    const std::uint64_t* e = entry(idx, va);
    const std::uint32_t word = access == Access::Load    ? kReadTag / 8
                               : access == Access::Store ? kWriteTag / 8
                                                         : kFetchTag / 8;
    const std::uint64_t key = va & (~0xfffull | (size - 1));
    if (e[word] != key) return kNoTag;
    return va + e[kAddend / 8];
  }

 private:
  std::uint64_t* entry(MmuIndex idx, std::uint64_t va) const {
    const std::uint64_t slot = (va >> 12) & (kEntries - 1);
    return reinterpret_cast<std::uint64_t*>(storage_.data() + index_offset(idx) +
                                            slot * kEntryBytes);
  }

  static std::size_t entry_number(MmuIndex idx, std::uint64_t va) {
    return static_cast<std::size_t>(idx) * kEntries + ((va >> 12) & (kEntries - 1));
  }
  void forget_superpage(std::size_t n);

  std::span<std::uint8_t> storage_;
  RamWindow ram_;
  // Per entry, when it was filled from a superpage: the superpage's base (virtual) and mask;
  // mask 0 otherwise. Host-side only (translated code never reads it), for flush_page.
  struct Superpage {
    std::uint64_t base = 0;
    std::uint64_t mask = 0;
  };
  std::array<Superpage, std::size_t{kIndexes} * kEntries> superpages_{};
  std::size_t superpage_entries_ = 0;
  // The lowest and highest virtual byte of every superpage filled since superpage_entries_ was
  // last 0: flush_page scans superpages_ only for a va between them. Linux flushes user pages
  // one by one (every page fault) while its superpages map the kernel's half: no scan then.
  std::uint64_t superpage_lo_ = ~std::uint64_t{0}, superpage_hi_ = 0;
};

}  // namespace strata::vm::rv64sys

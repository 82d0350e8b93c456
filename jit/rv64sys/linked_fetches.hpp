// LinkedFetches: which virtual addresses the fetch translations behind the current link epoch's
// successor links came from (sys_code_cache.hpp, SUCCESSOR LINKS), so that a sfence.vma with an
// address that none of them depends on can leave the links standing.
//
// A link stands for a pick of the hart's loop, and every pick made in an epoch is noted here
// with the size of the page its fetch translation came from; the set is emptied when the epoch
// ends. sfence.vma with an address must make the hart see new translations for that address
// only, and for every address of a superpage that held it (the TLB entry of a superpage holds
// them all: vm/rv64sys/soft_tlb.hpp, flush_page). So a flush of `va` can change a linked pick only
// if the pick's pc lies in the 4 KiB page of `va` or in a superpage the pick was translated
// through that contains `va`; covers(va) answers yes in both cases (and sometimes when neither
// holds: 4 KiB pages are remembered as bits of a small hash, superpages beyond a few as "all").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace strata::jit::rv64sys {

class LinkedFetches {
 public:
  static constexpr std::uint64_t kPage = 0x1000;
  static constexpr std::size_t kPageBits = 4096;
  static constexpr std::size_t kMaxSuperpages = 8;

  // A pick fetched `va` through a page of `page_size` bytes (4 KiB, or a superpage's size).
  void note(std::uint64_t va, std::uint64_t page_size) {
    if (page_size <= kPage) [[likely]] {
      const std::size_t bit = page_bit(va);
      page_bits_[bit >> 6] |= std::uint64_t{1} << (bit & 63);
      empty_ = false;
      return;
    }
    const std::uint64_t mask = ~(page_size - 1);
    for (std::size_t i = 0; i < superpages_; ++i)
      if (super_[i].mask == mask && super_[i].base == (va & mask)) return;
    empty_ = false;
    if (superpages_ == kMaxSuperpages) {
      all_ = true;
      return;
    }
    super_[superpages_++] = Superpage{va & mask, mask};
  }

  // Whether a flush of `va`'s translation may change a noted pick.
  bool covers(std::uint64_t va) const {
    if (empty_) return false;
    if (all_) return true;
    const std::size_t bit = page_bit(va);
    if ((page_bits_[bit >> 6] >> (bit & 63) & 1) != 0) return true;
    for (std::size_t i = 0; i < superpages_; ++i)
      if ((va & super_[i].mask) == super_[i].base) return true;
    return false;
  }

  // The epoch ended: no link stands for any pick any more.
  void clear() {
    if (empty_) return;
    page_bits_.fill(0);
    superpages_ = 0;
    all_ = false;
    empty_ = true;
  }

 private:
  struct Superpage {
    std::uint64_t base = 0, mask = 0;
  };
  static std::size_t page_bit(std::uint64_t va) {
    const std::uint64_t page = va >> 12;
    return static_cast<std::size_t>((page ^ page >> 12 ^ page >> 24) & (kPageBits - 1));
  }

  std::array<std::uint64_t, kPageBits / 64> page_bits_{};
  std::array<Superpage, kMaxSuperpages> super_{};
  std::size_t superpages_ = 0;
  bool all_ = false;
  bool empty_ = true;
};

}  // namespace strata::jit::rv64sys

#include "vm/rv64sys/soft_tlb.hpp"

#include <algorithm>
#include <cstring>

namespace strata::vm::rv64sys {

namespace {
constexpr std::uint64_t kPageMask = ~0xfffull;
constexpr std::uint32_t kWords = SoftTlb::kEntryBytes / 8;
}  // namespace

SoftTlb::SoftTlb(std::span<std::uint8_t> storage, RamWindow ram) : storage_(storage), ram_(ram) {
  flush_all();
}

void SoftTlb::flush_all() {
  // Every tag word all-ones, the addends too (harmless: a miss never reads it).
  std::memset(storage_.data(), 0xff, kBytes);
  superpages_.fill({});
  superpage_entries_ = 0;
  superpage_lo_ = ~std::uint64_t{0};
  superpage_hi_ = 0;
}

void SoftTlb::forget_superpage(std::size_t n) {
  if (superpages_[n].mask == 0) return;
  superpages_[n] = {};
  if (--superpage_entries_ == 0) {
    superpage_lo_ = ~std::uint64_t{0};
    superpage_hi_ = 0;
  }
}

void SoftTlb::flush_page(std::uint64_t va) {
  auto* words = reinterpret_cast<std::uint64_t*>(storage_.data());
  const auto clear = [&](std::size_t n) {
    for (std::uint32_t w = 0; w < kWords; ++w) words[n * kWords + w] = kNoTag;
    forget_superpage(n);
  };
  for (std::uint32_t i = 0; i < kIndexes; ++i) clear(entry_number(static_cast<MmuIndex>(i), va));
  // Entries of a superpage holding va sit in other slots (one per 4 KiB page used): a scan,
  // only while any such entry exists.
  if (va < superpage_lo_ || va > superpage_hi_) return;
  for (std::size_t n = 0; superpage_entries_ != 0 && n < superpages_.size(); ++n) {
    const Superpage& sp = superpages_[n];
    if (sp.mask != 0 && (va & sp.mask) == sp.base) clear(n);
  }
}

void SoftTlb::protect_code_page(std::uint64_t pa) {
  const std::uint64_t page = pa & kPageMask;
  if (page < ram_.pa_base || page - ram_.pa_base >= ram_.size) return;
  const std::uint64_t linear = ram_.linear + (page - ram_.pa_base);
  // Any virtual page may map it: scan every entry (once per page that gets code: the hart asks
  // only for a page without units).
  auto* words = reinterpret_cast<std::uint64_t*>(storage_.data());
  for (std::size_t e = 0; e < std::size_t{kIndexes} * kEntries; ++e) {
    std::uint64_t* w = words + e * kWords;
    const std::uint64_t tag = w[kWriteTag / 8];
    if (tag != kNoTag && tag + w[kAddend / 8] == linear) w[kWriteTag / 8] = kNoTag;
  }
}

void SoftTlb::fill(MmuIndex idx, std::uint64_t va, const Translation& t, const WalkContext& ctx,
                   bool page_has_code) {
  std::uint64_t* e = entry(idx, va);
  for (std::uint32_t w = 0; w < kWords; ++w) e[w] = kNoTag;
  const std::size_t n = entry_number(idx, va);
  forget_superpage(n);
  if (!t.ok) return;
  const std::uint64_t pa_page = t.pa & kPageMask;
  if (pa_page < ram_.pa_base || pa_page - ram_.pa_base >= ram_.size) return;  // a device
  const std::uint64_t va_page = va & kPageMask;
  if (t.page_size > 0x1000) {
    const std::uint64_t mask = ~(t.page_size - 1);
    superpages_[n] = {va & mask, mask};
    ++superpage_entries_;
    superpage_lo_ = std::min(superpage_lo_, va & mask);
    superpage_hi_ = std::max(superpage_hi_, va | ~mask);
  }
  // Bare and M-mode translations have no PTE: everything is allowed.
  const bool physical = t.pte == 0;
  auto allows = [&](Access a) { return physical || pte_allows(t.pte, a, ctx); };
  if (allows(Access::Load)) e[kReadTag / 8] = va_page;
  if (allows(Access::Store) && (physical || (t.pte & kPteD) != 0) && !page_has_code)
    e[kWriteTag / 8] = va_page;
  if (allows(Access::Fetch)) e[kFetchTag / 8] = va_page;
  e[kAddend / 8] = ram_.linear + (pa_page - ram_.pa_base) - va_page;
}

}  // namespace strata::vm::rv64sys

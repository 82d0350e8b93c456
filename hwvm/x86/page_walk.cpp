#include "hwvm/x86/page_walk.hpp"

#include <array>

namespace strata::hwvm::x86 {

namespace {

constexpr std::uint64_t kPresent = 1;
constexpr std::uint64_t kPageSizeBit = 1ull << 7;
constexpr std::uint64_t kCr4Pse = 1ull << 4;
constexpr std::uint64_t kCr4Pae = 1ull << 5;
constexpr std::uint64_t kCr4La57 = 1ull << 12;
constexpr std::uint64_t kEferLma = 1ull << 10;
// Bits 12..51 of an entry: the next table or the page frame (bit 63 is NX).
constexpr std::uint64_t kFrameMask = 0x000ffffffffff000ull;

// One level of a walk: the linear-address bits that index it, and whether an entry with PS
// set maps a large page there.
struct Level {
  const char* name;
  unsigned shift;
  unsigned bits;
  bool large_ok;
};

constexpr std::array<Level, 4> kLong = {
    {{"PML4E", 39, 9, false}, {"PDPTE", 30, 9, true}, {"PDE", 21, 9, true}, {"PTE", 12, 9, false}}};
constexpr std::array<Level, 3> kPae = {
    {{"PDPTE", 30, 2, false}, {"PDE", 21, 9, true}, {"PTE", 12, 9, false}}};

template <std::size_t N>
Result<std::uint64_t> walk(std::uint64_t linear, std::uint64_t table, unsigned entry_size,
                           const std::array<Level, N>& levels, const PhysReader& read) {
  for (const Level& lv : levels) {
    const std::uint64_t index = (linear >> lv.shift) & ((1ull << lv.bits) - 1);
    const std::uint64_t entry_gpa = table + index * entry_size;
    auto entry = read(entry_gpa, entry_size);
    if (!entry)
      return fail("0x{:x}: the {} at 0x{:x} is outside guest RAM", linear, lv.name, entry_gpa);
    if ((*entry & kPresent) == 0)
      return fail("0x{:x} is not mapped ({} 0x{:x} at 0x{:x} not present)", linear, lv.name, *entry,
                  entry_gpa);
    const std::uint64_t page_mask = (1ull << lv.shift) - 1;
    if (lv.shift == 12 || (lv.large_ok && (*entry & kPageSizeBit) != 0))
      return (*entry & kFrameMask & ~page_mask) | (linear & page_mask);
    table = *entry & kFrameMask;
  }
  return fail("0x{:x}: page walk did not end", linear);  // unreachable: the last level is 4K
}

}  // namespace

Result<std::uint64_t> translate_linear(std::uint64_t linear, const PagingState& st,
                                       const PhysReader& read) {
  if (!paging_enabled(st)) return linear;
  if ((st.efer & kEferLma) != 0) {
    if ((st.cr4 & kCr4La57) != 0)
      return fail("0x{:x}: 5-level paging (CR4.LA57) is not supported by the debugger", linear);
    return walk(linear, st.cr3 & kFrameMask, 8, kLong, read);
  }
  linear &= 0xffffffffull;
  if ((st.cr4 & kCr4Pae) != 0) return walk(linear, st.cr3 & 0xffffffe0ull, 8, kPae, read);
  // 32-bit paging: 10 + 10 bits, 4-byte entries; a PDE with PS maps 4 MiB when CR4.PSE is set.
  const std::uint64_t pde_gpa = (st.cr3 & 0xfffff000ull) + ((linear >> 22) & 0x3ff) * 4;
  auto pde = read(pde_gpa, 4);
  if (!pde) return fail("0x{:x}: the PDE at 0x{:x} is outside guest RAM", linear, pde_gpa);
  if ((*pde & kPresent) == 0)
    return fail("0x{:x} is not mapped (PDE 0x{:x} at 0x{:x} not present)", linear, *pde, pde_gpa);
  if ((st.cr4 & kCr4Pse) != 0 && (*pde & kPageSizeBit) != 0)
    return (*pde & 0xffc00000ull) | (linear & 0x3fffff);
  const std::uint64_t pte_gpa = (*pde & 0xfffff000ull) + ((linear >> 12) & 0x3ff) * 4;
  auto pte = read(pte_gpa, 4);
  if (!pte) return fail("0x{:x}: the PTE at 0x{:x} is outside guest RAM", linear, pte_gpa);
  if ((*pte & kPresent) == 0)
    return fail("0x{:x} is not mapped (PTE 0x{:x} at 0x{:x} not present)", linear, *pte, pte_gpa);
  return (*pte & 0xfffff000ull) | (linear & 0xfff);
}

}  // namespace strata::hwvm::x86

#include "vm/rv64sys/page_walk.hpp"

#include <optional>

namespace strata::vm::rv64sys {

namespace {

constexpr std::uint64_t kPageShift = 12;
constexpr std::uint64_t kPpnMask = (1ull << 44) - 1;              // PTE bits 53..10
constexpr std::uint64_t kPteReserved = 0xffc0'0000'0000'0000ull;  // bits 63..54
// A PTE changed under the walk (another hart) restarts it; more restarts than this means the
// PTE keeps changing, and the walk gives up with a page fault rather than spin.
constexpr int kMaxRestarts = 16;

std::uint32_t page_fault(Access a) {
  return a == Access::Fetch  ? kCauseFetchPage
         : a == Access::Load ? kCauseLoadPage
                             : kCauseStorePage;
}
std::uint32_t access_fault(Access a) {
  return a == Access::Fetch  ? kCauseFetchAccess
         : a == Access::Load ? kCauseLoadAccess
                             : kCauseStoreAccess;
}

Translation fault(std::uint32_t cause) {
  return Translation{false, cause, 0, 0, 0};
}

}  // namespace

bool pte_allows(std::uint64_t pte, Access access, const WalkContext& ctx) {
  switch (access) {
    case Access::Fetch:
      if ((pte & kPteX) == 0) return false;
      break;
    case Access::Load:
      if ((pte & kPteR) == 0 && !(ctx.mxr && (pte & kPteX) != 0)) return false;
      break;
    case Access::Store:
      if ((pte & kPteW) == 0) return false;
      break;
  }
  const bool user_page = (pte & kPteU) != 0;
  if (ctx.priv == Priv::User) return user_page;
  // Supervisor: U pages only for loads and stores with SUM, never for fetches.
  if (user_page) return access != Access::Fetch && ctx.sum;
  return true;
}

namespace {

// One walk from the root. Empty when a PTE changed between its read and the A/D update.
std::optional<Translation> walk_once(std::uint64_t va, Access access, const WalkContext& ctx,
                                     int levels, PhysAccess& mem) {
  std::uint64_t table = (ctx.satp & kPpnMask) << kPageShift;
  for (int level = levels - 1; level >= 0; --level) {
    const std::uint64_t shift = kPageShift + 9 * static_cast<std::uint64_t>(level);
    const std::uint64_t pte_addr = table + ((va >> shift) & 0x1ff) * 8;
    std::uint64_t pte = 0;
    if (!mem.read_pte(pte_addr, &pte)) return fault(access_fault(access));
    if ((pte & kPteV) == 0 || ((pte & kPteR) == 0 && (pte & kPteW) != 0) ||
        (pte & kPteReserved) != 0)
      return fault(page_fault(access));
    const std::uint64_t ppn = (pte >> 10) & kPpnMask;
    if ((pte & (kPteR | kPteX)) == 0) {  // a pointer to the next level
      // The spec reserves A, D and U in non-leaf PTEs: they must be zero.
      if ((pte & (kPteA | kPteD | kPteU)) != 0) return fault(page_fault(access));
      table = ppn << kPageShift;
      continue;
    }
    if (!pte_allows(pte, access, ctx)) return fault(page_fault(access));
    const std::uint64_t low_ppn_bits = 9 * static_cast<std::uint64_t>(level);
    if ((ppn & ((1ull << low_ppn_bits) - 1)) != 0) return fault(page_fault(access));
    std::uint64_t updated = pte | kPteA;
    if (access == Access::Store) updated |= kPteD;
    if (updated != pte && !mem.cas_pte(pte_addr, pte, updated)) return std::nullopt;
    const std::uint64_t page_size = 1ull << shift;
    const std::uint64_t pa = (ppn << kPageShift) | (va & (page_size - 1));
    return Translation{true, 0, pa, page_size, updated};
  }
  return fault(page_fault(access));  // a pointer at level 0
}

}  // namespace

Translation translate(std::uint64_t va, Access access, const WalkContext& ctx, PhysAccess& mem) {
  const std::uint64_t mode = ctx.satp >> 60;
  if (ctx.priv == Priv::Machine || mode == kSatpModeBare)
    return Translation{true, 0, va, 1ull << kPageShift, 0};
  const int levels = mode == kSatpModeSv48 ? 4 : 3;
  const int va_bits = static_cast<int>(kPageShift) + 9 * levels;
  // Canonical: bits 63..va_bits-1 are copies of bit va_bits-1.
  const auto top = static_cast<std::int64_t>(va) >> (va_bits - 1);
  if (top != 0 && top != -1) return fault(page_fault(access));
  for (int attempt = 0; attempt < kMaxRestarts; ++attempt)
    if (auto t = walk_once(va, access, ctx, levels, mem)) return *t;
  return fault(page_fault(access));
}

}  // namespace strata::vm::rv64sys

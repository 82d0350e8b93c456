// Instruction fetch of a hart: the physical address of the pc (fetch TLB, a walk on a miss) and
// the parcels the translator reads. A unit is translated from one physical page only (see
// sys_code_cache.hpp), so the fetch function refuses every parcel outside the entry's page.
#include <cstring>

#include "jit/rv64sys/hart_impl.hpp"

namespace strata::jit::rv64sys {

using namespace vm::rv64sys;

bool Hart::Impl::fetch_translate(std::uint64_t va, std::uint64_t* pa, std::uint64_t* cause,
                                 std::uint64_t* page_size) {
  const MmuIndex idx = fetch_index();
  const std::uint64_t lin = tlb->lookup(idx, va, Access::Fetch, 2);
  if (lin != SoftTlb::kNoTag) {
    *pa = lin - kRamLinear + opts.ram_base;
    if (page_size != nullptr) *page_size = tlb->page_size(idx, va);
    return true;
  }
  // Fetches never follow MPRV: the hart's own privilege.
  const WalkContext ctx = walk_context(priv);
  ++stats.walks;
  const Translation t = translate(va, Access::Fetch, ctx, *this);
  if (!t.ok) {
    *cause = t.cause;
    return false;
  }
  if (!in_ram(t.pa, 2)) {
    // Code runs from RAM only (no ROM or device is executable on this machine).
    *cause = kCauseFetchAccess;
    return false;
  }
  tlb->fill(idx, va, t, ctx, cache->page_has_code(t.pa));
  *pa = t.pa;
  if (page_size != nullptr) *page_size = t.page_size;
  return true;
}

rv64::FetchFn Hart::Impl::page_fetch(std::uint64_t pc_of, std::uint64_t pa) {
  const std::uint64_t page_va = pc_of & ~0xfffull;
  const std::uint8_t* page = ram_at(pa & ~0xfffull);
  return [page_va, page](std::uint64_t va, std::uint16_t* parcel) {
    if ((va & ~0xfffull) != page_va) return false;
    std::memcpy(parcel, page + (va & 0xfff), 2);
    return true;
  };
}

Result<rv64::TranslatedBlock> Hart::Impl::translate_at(std::uint64_t pc_of,
                                                       const rv64::FetchFn& fetch,
                                                       const rv64::RegionLimits& limits) {
  const rv64::SystemTarget target{data_index()};
  return rv64::translate_region(pc_of, fetch, limits, &target);
}

}  // namespace strata::jit::rv64sys

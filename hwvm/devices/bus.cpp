// The device bus: sorted, non-overlapping ranges per address space.
#include "hwvm/devices/bus.hpp"

#include <algorithm>

namespace strata::hwvm {

namespace {

std::string_view space_name(Space s) {
  return s == Space::kPio ? "port" : "mmio";
}

}  // namespace

Result<void> Bus::insert(Space space, std::uint64_t base, std::uint64_t len, BusDevice* device,
                         std::uint64_t offset_base) {
  if (device == nullptr) return fail("bus: no device given for {} {:#x}", space_name(space), base);
  if (len == 0)
    return fail("bus: {} range at {:#x} for {} is empty", space_name(space), base, device->name());
  if (base + len < base)
    return fail("bus: {} range {:#x}+{:#x} for {} wraps around", space_name(space), base, len,
                device->name());
  std::vector<Range>& v = ranges(space);
  auto it = std::lower_bound(v.begin(), v.end(), base,
                             [](const Range& r, std::uint64_t b) { return r.base < b; });
  // Only the neighbours can overlap, since the ranges already in place do not.
  auto clash = [&](const Range& r) { return r.base < base + len && base < r.base + r.len; };
  for (auto* r : {it != v.begin() ? &*(it - 1) : nullptr, it != v.end() ? &*it : nullptr}) {
    if (r && clash(*r))
      return fail("bus: {} range {:#x}-{:#x} for {} overlaps {:#x}-{:#x} of {}", space_name(space),
                  base, base + len - 1, device->name(), r->base, r->base + r->len - 1,
                  r->device->name());
  }
  v.insert(it, Range{base, len, offset_base, device});
  return {};
}

const Bus::Range* Bus::find(Space space, std::uint64_t addr, unsigned size) const {
  const std::vector<Range>& v = ranges(space);
  auto it = std::upper_bound(v.begin(), v.end(), addr,
                             [](std::uint64_t a, const Range& r) { return a < r.base; });
  if (it == v.begin()) return nullptr;
  const Range& r = *(it - 1);
  // GUEST: addr and size come from the guest's access; the whole access must lie inside the
  // range (subtractions only, so nothing overflows).
  const std::uint64_t off = addr - r.base;
  if (off >= r.len || r.len - off < size) return nullptr;
  return &r;
}

bool Bus::read(Space space, std::uint64_t addr, unsigned size, std::uint64_t* value) {
  const Range* r = find(space, addr, size);
  if (!r) return false;
  *value = r->device->read(r->offset_base + (addr - r->base), size);
  return true;
}

bool Bus::write(Space space, std::uint64_t addr, unsigned size, std::uint64_t value) {
  const Range* r = find(space, addr, size);
  if (!r) return false;
  r->device->write(r->offset_base + (addr - r->base), size, value);
  return true;
}

}  // namespace strata::hwvm

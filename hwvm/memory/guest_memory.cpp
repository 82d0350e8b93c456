#include "hwvm/memory/guest_memory.hpp"

#include <algorithm>
#include <cerrno>
#include <utility>

#include <sys/mman.h>

#include "hwvm/kvm/vm.hpp"

namespace strata::hwvm {

Result<GuestRegion> GuestRegion::map(RamRange range) {
  if (range.size == 0 || range.gpa % kPageSize != 0 || range.size % kPageSize != 0) {
    return fail("guest RAM range 0x{:x}+0x{:x} is empty or not page-aligned", range.gpa,
                range.size);
  }
  if (range.gpa > UINT64_MAX - range.size) {
    return fail("guest RAM range 0x{:x}+0x{:x} wraps around the address space", range.gpa,
                range.size);
  }
  void* p = ::mmap(nullptr, range.size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    return fail("cannot map {} MiB of guest RAM: {}", range.size >> 20, std::strerror(errno));
  }
  return GuestRegion(range, static_cast<std::uint8_t*>(p));
}

GuestRegion::GuestRegion(GuestRegion&& other) noexcept
    : range_(other.range_), host_(std::exchange(other.host_, nullptr)) {}

GuestRegion& GuestRegion::operator=(GuestRegion&& other) noexcept {
  if (this != &other) {
    if (host_ != nullptr) ::munmap(host_, range_.size);
    range_ = other.range_;
    host_ = std::exchange(other.host_, nullptr);
  }
  return *this;
}

GuestRegion::~GuestRegion() {
  if (host_ != nullptr) ::munmap(host_, range_.size);
}

bool GuestRegion::contains(std::uint64_t gpa, std::uint64_t len) const {
  // GUEST: gpa and len may come from guest registers or descriptors. Written as offsets so no
  // sum can wrap: gpa - start <= size, then len <= size - offset.
  if (gpa < range_.gpa) return false;
  std::uint64_t offset = gpa - range_.gpa;
  return offset <= range_.size && len <= range_.size - offset;
}

Result<GuestMemory> GuestMemory::create(std::span<const RamRange> ranges) {
  std::vector<RamRange> sorted(ranges.begin(), ranges.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const RamRange& a, const RamRange& b) { return a.gpa < b.gpa; });
  std::vector<GuestRegion> regions;
  regions.reserve(sorted.size());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    // The previous range's end cannot wrap: map() rejected that already.
    if (i > 0 && sorted[i].gpa < sorted[i - 1].gpa + sorted[i - 1].size) {
      return fail("guest RAM ranges overlap at 0x{:x}", sorted[i].gpa);
    }
    regions.push_back(STRATA_TRY(GuestRegion::map(sorted[i])));
  }
  return GuestMemory(std::move(regions));
}

const GuestRegion* GuestMemory::find(std::uint64_t gpa) const {
  // The last region starting at or below gpa; few regions, so a binary search is plenty.
  auto it = std::upper_bound(regions_.begin(), regions_.end(), gpa,
                             [](std::uint64_t a, const GuestRegion& r) { return a < r.gpa(); });
  if (it == regions_.begin()) return nullptr;
  return &*std::prev(it);
}

Result<std::span<std::uint8_t>> GuestMemory::slice(std::uint64_t gpa, std::uint64_t len) const {
  const GuestRegion* r = find(gpa);
  // GUEST: the whole access must lie in one region (contains() checks without overflow).
  if (r == nullptr || !r->contains(gpa, len)) {
    return fail("guest-physical 0x{:x}+0x{:x} is not guest RAM", gpa, len);
  }
  return std::span<std::uint8_t>(r->host() + (gpa - r->gpa()), len);
}

Result<std::uint8_t*> GuestMemory::translate(std::uint64_t gpa) const {
  auto s = STRATA_TRY(slice(gpa, 1));
  return s.data();
}

Result<void> GuestMemory::write(std::uint64_t gpa, std::span<const std::uint8_t> bytes) const {
  auto dst = STRATA_TRY(slice(gpa, bytes.size()));
  if (!bytes.empty()) std::memcpy(dst.data(), bytes.data(), bytes.size());
  return {};
}

Result<void> GuestMemory::read(std::uint64_t gpa, std::span<std::uint8_t> out) const {
  auto src = STRATA_TRY(slice(gpa, out.size()));
  if (!out.empty()) std::memcpy(out.data(), src.data(), out.size());
  return {};
}

Result<void> GuestMemory::register_slots(Vm& vm, std::uint32_t first_slot,
                                         std::uint32_t flags) const {
  for (std::size_t i = 0; i < regions_.size(); ++i) {
    const GuestRegion& r = regions_[i];
    STRATA_TRY(vm.set_user_memory_region(first_slot + static_cast<std::uint32_t>(i), r.gpa(),
                                         r.size(), r.host(), flags));
  }
  return {};
}

}  // namespace strata::hwvm

// Guest RAM: anonymous host mappings, each backing one range of guest-physical addresses, and
// the only way the monitor touches guest memory — GPA→HVA translation with bounds checks.
//
// Invariants kept by GuestMemory::create: regions are sorted by gpa, page-aligned, non-empty,
// do not overlap, and gpa + size never wraps. Every access names its full length and must fit
// inside one region: guest addresses are checked with subtractions that cannot overflow.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

#include "isa/error.hpp"

namespace strata::hwvm {

class Vm;

inline constexpr std::uint64_t kPageSize = 4096;

struct RamRange {
  std::uint64_t gpa = 0;
  std::uint64_t size = 0;
  friend bool operator==(const RamRange&, const RamRange&) = default;
};

// One anonymous, MAP_NORESERVE mapping: host memory is committed only as the guest touches it.
class GuestRegion {
 public:
  [[nodiscard]] static Result<GuestRegion> map(RamRange range);
  GuestRegion(GuestRegion&& other) noexcept;
  GuestRegion& operator=(GuestRegion&& other) noexcept;
  GuestRegion(const GuestRegion&) = delete;
  GuestRegion& operator=(const GuestRegion&) = delete;
  ~GuestRegion();

  [[nodiscard]] std::uint64_t gpa() const { return range_.gpa; }
  [[nodiscard]] std::uint64_t size() const { return range_.size; }
  [[nodiscard]] std::uint8_t* host() const { return host_; }

  // True when [gpa, gpa + len) lies inside this region (no overflow for any inputs).
  [[nodiscard]] bool contains(std::uint64_t gpa, std::uint64_t len) const;

 private:
  GuestRegion(RamRange range, std::uint8_t* host) : range_(range), host_(host) {}
  RamRange range_;
  std::uint8_t* host_ = nullptr;
};

class GuestMemory {
 public:
  // Maps every range (checked as the invariants above say).
  [[nodiscard]] static Result<GuestMemory> create(std::span<const RamRange> ranges);

  [[nodiscard]] std::span<const GuestRegion> regions() const { return regions_; }

  // The host bytes of [gpa, gpa + len); an error if any byte of it is not RAM. len 0 is
  // allowed at any address inside a region or at its end.
  [[nodiscard]] Result<std::span<std::uint8_t>> slice(std::uint64_t gpa, std::uint64_t len) const;
  // The host address of one guest byte.
  [[nodiscard]] Result<std::uint8_t*> translate(std::uint64_t gpa) const;

  [[nodiscard]] Result<void> write(std::uint64_t gpa, std::span<const std::uint8_t> bytes) const;
  [[nodiscard]] Result<void> read(std::uint64_t gpa, std::span<std::uint8_t> out) const;

  // Typed little-endian access (x86 guests): copies, so `gpa` needs no alignment.
  template <typename T>
  [[nodiscard]] Result<void> write_obj(std::uint64_t gpa, const T& value) const {
    static_assert(std::is_trivially_copyable_v<T>);
    auto dst = STRATA_TRY(slice(gpa, sizeof(T)));
    std::memcpy(dst.data(), &value, sizeof(T));
    return {};
  }
  template <typename T>
  [[nodiscard]] Result<T> read_obj(std::uint64_t gpa) const {
    static_assert(std::is_trivially_copyable_v<T>);
    auto src = STRATA_TRY(slice(gpa, sizeof(T)));
    T value;
    std::memcpy(&value, src.data(), sizeof(T));
    return value;
  }

  // Registers region i as KVM memory slot first_slot + i. `flags`: KVM_MEM_LOG_DIRTY_PAGES.
  [[nodiscard]] Result<void> register_slots(Vm& vm, std::uint32_t first_slot = 0,
                                            std::uint32_t flags = 0) const;

 private:
  explicit GuestMemory(std::vector<GuestRegion> regions) : regions_(std::move(regions)) {}
  [[nodiscard]] const GuestRegion* find(std::uint64_t gpa) const;

  std::vector<GuestRegion> regions_;
};

}  // namespace strata::hwvm

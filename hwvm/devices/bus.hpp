// The device bus: port-I/O and MMIO address ranges, each routed to one device. A device sees
// offsets inside its range, never where it lives (Firecracker's BusDevice idea), so one model
// serves COM1 and COM2 alike and addresses come from the machine layout, not from the model.
//
// Invariants kept by Bus::insert: within one space, ranges are non-empty, do not wrap, and do
// not overlap; they are kept sorted by base, so a lookup is one binary search.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "isa/error.hpp"

namespace strata::hwvm {

// One device as the bus sees it. read/write get the offset inside the registered range (plus
// the registration's offset_base) and the access size in bytes (1, 2, 4 or 8). A device never
// fails an access: a guest poking at nonsense gets all-ones or has its write ignored.
class BusDevice {
 public:
  virtual ~BusDevice() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  virtual std::uint64_t read(std::uint64_t offset, unsigned size) = 0;
  virtual void write(std::uint64_t offset, unsigned size, std::uint64_t value) = 0;
};

enum class Space : std::uint8_t { kPio, kMmio };

class Bus {
 public:
  // Routes [base, base + len) in `space` to `device` (not owned; it must outlive the bus). The
  // device sees offset `offset_base + (addr - base)`: one device may appear at several
  // ranges (the i8042 at ports 0x60 and 0x64, seen as offsets 0 and 4). Errors: len 0, a
  // range that wraps, a range overlapping one already registered (the message names both).
  [[nodiscard]] Result<void> insert(Space space, std::uint64_t base, std::uint64_t len,
                                    BusDevice* device, std::uint64_t offset_base = 0);

  // Dispatches an access of `size` bytes at `addr`. False when no device covers all of
  // [addr, addr + size): the caller decides (reads of nothing are all-ones).
  bool read(Space space, std::uint64_t addr, unsigned size, std::uint64_t* value);
  bool write(Space space, std::uint64_t addr, unsigned size, std::uint64_t value);

 private:
  struct Range {
    std::uint64_t base = 0;
    std::uint64_t len = 0;
    std::uint64_t offset_base = 0;
    BusDevice* device = nullptr;
  };
  // The range that holds all of [addr, addr + size), or nullptr.
  [[nodiscard]] const Range* find(Space space, std::uint64_t addr, unsigned size) const;
  std::vector<Range>& ranges(Space space) { return space == Space::kPio ? pio_ : mmio_; }
  const std::vector<Range>& ranges(Space space) const {
    return space == Space::kPio ? pio_ : mmio_;
  }

  std::vector<Range> pio_;
  std::vector<Range> mmio_;
};

// All-ones of `size` bytes: what a read of an unclaimed address returns on a PC.
[[nodiscard]] constexpr std::uint64_t all_ones(unsigned size) {
  return size >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * size)) - 1;
}

}  // namespace strata::hwvm

#include "hwvm/memory/x86_layout.hpp"

#include <algorithm>

namespace strata::hwvm::x86 {

Result<std::vector<RamRange>> ram_ranges(std::uint64_t ram_size) {
  if (ram_size < kMinRamSize || ram_size > kMaxRamSize || ram_size % kPageSize != 0) {
    return fail("guest RAM size {} bytes: need a multiple of 4 KiB between 1 MiB and 1 TiB",
                ram_size);
  }
  std::vector<RamRange> ranges;
  std::uint64_t low = std::min(ram_size, kMmioHoleStart);
  ranges.push_back({0, low});
  if (ram_size > low) ranges.push_back({kMmioHoleEnd, ram_size - low});
  return ranges;
}

}  // namespace strata::hwvm::x86

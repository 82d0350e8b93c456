// Where guest RAM goes on an x86 machine. RAM starts at 0; the top gigabyte below 4 GiB is
// left as a hole for 32-bit MMIO (virtio-mmio devices, the IOAPIC at 0xfec00000, the LAPIC at
// 0xfee00000, the TSS KVM needs at 0xfffbd000); RAM that does not fit below the hole continues
// at 4 GiB.
//
//   0 ─── RAM ─── min(ram, 3 GiB) │ hole 3 GiB..4 GiB │ 4 GiB ─── rest of RAM ───
#pragma once

#include <cstdint>
#include <vector>

#include "hwvm/memory/guest_memory.hpp"
#include "isa/error.hpp"

namespace strata::hwvm::x86 {

inline constexpr std::uint64_t kMmioHoleStart = 0xc000'0000;  // 3 GiB
inline constexpr std::uint64_t kMmioHoleEnd = 0x1'0000'0000;  // 4 GiB
inline constexpr std::uint64_t kMinRamSize = 1 << 20;         // the real-mode area at least
inline constexpr std::uint64_t kMaxRamSize = 1ull << 40;      // 1 TiB: far from any overflow

// The RAM ranges of a machine with `ram_size` bytes (a multiple of 4 KiB, 1 MiB..1 TiB): one
// range below the hole, and a second at 4 GiB when RAM exceeds 3 GiB.
[[nodiscard]] Result<std::vector<RamRange>> ram_ranges(std::uint64_t ram_size);

}  // namespace strata::hwvm::x86

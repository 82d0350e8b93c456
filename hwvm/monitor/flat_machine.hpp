// The flat-binary machine behind `strata boot --flat`: a raw image loaded at guest physical
// 0x10000 and entered in 16-bit real mode at 0x1000:0000 (what kvmtool does for a kernel that
// is not a bzImage), on the machine of machine.hpp (its address map, devices and run loop).
// RAM is one range from 0 (at most 3 GiB, below the MMIO hole). No irqchip unless
// FlatOptions::irqchip: then a payload programs the PIC or the IOAPIC/LAPIC itself.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "hwvm/monitor/machine.hpp"

namespace strata::hwvm {

inline constexpr std::uint64_t kFlatLoadAddress = 0x10000;
inline constexpr std::uint16_t kFlatSegment = 0x1000;
inline constexpr std::uint64_t kFlatDefaultMem = 16ull << 20;
inline constexpr std::uint64_t kFlatMinMem = 1ull << 20;
// RAM stays below the 32-bit MMIO hole (virtio-mmio at 0xd0000000, the TSS at 0xfffbd000).
inline constexpr std::uint64_t kFlatMaxMem = 3ull << 30;

struct FlatOptions : MachineOptions {
  FlatOptions() { mem_size = kFlatDefaultMem; }
};

// Checks the options, creates the machine, loads `image` and sets the real-mode entry state.
[[nodiscard]] Result<std::unique_ptr<Machine>> create_flat_machine(
    std::span<const std::uint8_t> image, const FlatOptions& options, Console& console);

}  // namespace strata::hwvm

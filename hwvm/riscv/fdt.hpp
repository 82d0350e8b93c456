// The flattened device tree that describes the `virt` machine (virt_layout.hpp) to the kernel,
// built with libfdt's sequential writer. The tree is what QEMU's virt gives for the same devices,
// minus what Strata does not model (PCI, flash, fw-cfg, RTC, PMU): Linux finds its console
// (stdout-path), the timer frequency, the interrupt controllers, the virtio-mmio slots that
// hold a device, and its command line and initrd under /chosen.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "isa/error.hpp"

namespace strata::hwvm::riscv {

struct VirtFdtConfig {
  std::uint32_t harts = 1;         // 1..32: one cpu@N node each, with its interrupt controller
  std::uint64_t ram_size = 0;      // bytes of RAM at kRamBase; a multiple of 4 KiB, at least 2 MiB
  std::string bootargs;            // /chosen/bootargs; must not contain NUL
  std::uint64_t initrd_start = 0;  // guest physical; initrd_end == initrd_start: no initrd
  std::uint64_t initrd_end = 0;
  std::vector<std::uint32_t> virtio_slots;  // slots (0..kVirtioSlots-1) that hold a device
  // What the harts implement, for riscv,isa and the newer riscv,isa-base/-extensions.
  std::string isa = "rv64imafdc_zicsr_zifencei";
  std::string mmu = "riscv,sv39";
  std::array<std::uint8_t, 32> rng_seed{};  // /chosen/rng-seed: entropy the kernel mixes in
};

// The device tree blob (version 17). Errors name the bad field: no harts or too many, RAM too
// small or unaligned or past the 64-bit space, an initrd outside RAM, a slot out of range or
// given twice, a NUL in bootargs.
[[nodiscard]] Result<std::vector<std::uint8_t>> build_virt_fdt(const VirtFdtConfig& config);

}  // namespace strata::hwvm::riscv

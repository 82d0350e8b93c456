// A RISC-V Linux kernel Image (Documentation/riscv/boot-image-header.rst) and where the boot
// puts it, its device tree and its initrd in the virt machine's RAM.
//
// The 64-byte header: code0/code1 (a jump, or the "MZ" of the EFI stub's PE header), the
// text_offset the kernel must be loaded at from the start of RAM, image_size (the bytes the
// kernel occupies once running, bss included), flags (bit 0: big-endian), version, and the
// magics "RISCV\0\0\0" (deprecated) at 0x30 and "RSC\x05" at 0x38.
//
// Placement, as QEMU's virt and U-Boot do it: the kernel at RAM base + text_offset (2 MiB
// aligned on RV64, which the kernel's early page tables require); the device tree at the top of
// RAM, 2 MiB aligned down so the kernel's early fixmap mapping of it stays inside one huge page;
// the initrd just below the device tree, 4 KiB aligned. Nothing may overlap the kernel's
// image_size.
#pragma once

#include <cstdint>
#include <span>

#include "isa/error.hpp"

namespace strata::hwvm::riscv {

inline constexpr std::size_t kImageHeaderSize = 64;

struct RiscvImage {
  std::uint64_t text_offset = 0;
  std::uint64_t image_size = 0;         // bytes in memory, at least the file's size
  std::uint32_t version = 0;            // major << 16 | minor
  std::span<const std::uint8_t> bytes;  // the whole file, copied to the load address
};

// Errors say what is wrong with the file: too short, no magic ("not a RISC-V kernel Image"),
// big-endian, an image_size smaller than the file, a text_offset that is not 2 MiB aligned.
[[nodiscard]] Result<RiscvImage> parse_riscv_image(std::span<const std::uint8_t> file);

struct BootPlacement {
  std::uint64_t kernel = 0;  // load address = entry point
  std::uint64_t fdt = 0;
  std::uint64_t initrd_start = 0, initrd_end = 0;  // equal when there is no initrd
};

// Where everything goes in RAM [ram_base, ram_base + ram_size). Errors name what does not fit
// and how much memory it would take.
[[nodiscard]] Result<BootPlacement> place_boot(std::uint64_t ram_base, std::uint64_t ram_size,
                                               const RiscvImage& kernel, std::uint64_t initrd_size,
                                               std::uint64_t fdt_size);

}  // namespace strata::hwvm::riscv

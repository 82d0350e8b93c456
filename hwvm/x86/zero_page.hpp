// The zero page (struct boot_params) a 64-bit Linux entry reads its arguments from: the
// kernel's setup header plus where this loader put the command line and initrd, and the e820
// memory map. Everything here is pure: the caller copies the results into guest RAM.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hwvm/memory/guest_memory.hpp"
#include "hwvm/x86/boot_params.hpp"
#include "hwvm/x86/bzimage.hpp"
#include "isa/error.hpp"

namespace strata::hwvm::x86 {

// Fixed low-memory addresses of the boot layout (all below 640 KiB, away from the kernel).
inline constexpr std::uint64_t kZeroPageAddress = 0x7000;
inline constexpr std::uint64_t kCmdlineAddress = 0x20000;
inline constexpr std::uint64_t kEbdaStart = 0x9fc00;      // last KiB below 640 KiB (MP table later)
inline constexpr std::uint64_t kHighMemStart = 0x100000;  // 1 MiB

// The e820 map for guest RAM `ram` (as x86::ram_ranges gives it; the first range starts at 0):
// RAM [0, 0x9fc00), reserved [0x9fc00, 1 MiB) (EBDA, VGA window, BIOS area), RAM from 1 MiB to
// the end of the low range, then each range above 4 GiB as RAM. The MMIO hole is absent.
[[nodiscard]] Result<std::vector<boot_e820_entry>> build_e820(std::span<const RamRange> ram);

// The highest 4 KiB-aligned address for an initrd of `size` bytes that ends at or below both
// initrd_addr_max + 1 and `low_ram_end`, and starts at or above `lowest` (the kernel's end).
[[nodiscard]] Result<std::uint64_t> place_initrd(std::uint64_t size, std::uint32_t initrd_addr_max,
                                                 std::uint64_t low_ram_end, std::uint64_t lowest);

struct ZeroPageInputs {
  std::uint64_t cmdline_addr = kCmdlineAddress;
  std::uint32_t cmdline_len = 0;  // without the NUL the loader writes after it
  std::uint64_t initrd_addr = 0;  // initrd_size 0: no initrd
  std::uint64_t initrd_size = 0;
  std::span<const RamRange> ram;
};

// The zero page for `kernel`: its setup header, type_of_loader 0xff, cmd_line_ptr,
// ramdisk_image/size, and the e820 table. Checks the command line length against
// cmdline_size and that both it and the initrd lie below 4 GiB (and the initrd below
// initrd_addr_max).
[[nodiscard]] Result<boot_params> build_zero_page(const BzImage& kernel, const ZeroPageInputs& in);

}  // namespace strata::hwvm::x86

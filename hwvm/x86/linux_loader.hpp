// Puts a Linux bzImage, its command line and initrd into guest RAM for the 64-bit entry, using
// the pure builders (bzimage, zero_page, long_mode). Memory map below 1 MiB:
//
//   0x500   GDT            0x7000  zero page        0x8ff0  initial stack (grows down)
//   0x9000  PML4, PDPT, PDs (2 + GiB mapped pages)  0x20000 command line (NUL-terminated)
//
// The kernel goes at kernel_load_address(), the initrd as high as it may below the hole.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include <linux/kvm.h>

#include "hwvm/memory/guest_memory.hpp"
#include "hwvm/x86/long_mode.hpp"
#include "isa/error.hpp"

namespace strata::hwvm::x86 {

inline constexpr std::uint64_t kBootStack = 0x8ff0;

struct LinuxBoot {
  std::uint64_t load_address = 0;
  std::uint64_t entry = 0;  // load_address + 0x200
  std::uint64_t zero_page = 0;
  std::uint64_t initrd_addr = 0;  // 0 without an initrd
  LongModeLayout layout;          // for set_long_mode_sregs()
  kvm_regs regs{};                // RIP, RSI, RSP, RFLAGS for the entry
};

// `ram` is the machine's RAM layout (ram_ranges()), `mem` its guest memory. The command line
// must not contain NUL. Errors say which part did not fit where.
[[nodiscard]] Result<LinuxBoot> load_linux(const GuestMemory& mem, std::span<const RamRange> ram,
                                           std::span<const std::uint8_t> bzimage,
                                           std::string_view cmdline,
                                           std::span<const std::uint8_t> initrd);

}  // namespace strata::hwvm::x86

// What `strata boot --arch riscv64` puts in guest RAM before the hart's first instruction, and
// where the hart starts: the kernel Image at RAM + text_offset, the initrd and the device tree
// at the top of RAM (image.hpp's placement), and either
//   - the built-in SBI (no --bios): the hart starts at the kernel entry in S-mode with
//     a0 = hartid, a1 = the device tree, as the RISC-V boot protocol asks; or
//   - a firmware file (--bios, e.g. OpenSBI): loaded at kRamBase, entered in M-mode with
//     a0 = hartid, a1 = the device tree and a2 = an OpenSBI fw_dynamic_info (fw_dynamic.bin
//     reads it to find the kernel; fw_jump.bin ignores it and jumps to kRamBase + 2 MiB, which
//     is where the kernel is, and copies the device tree from a1 to its FW_JUMP_FDT_ADDR).
//     The firmware must fit below the kernel.
//
// Pure: RAM is a span (the hart's RAM in the machine, a vector in the tests).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hwvm/riscv/image.hpp"
#include "isa/error.hpp"

namespace strata::hwvm::riscv {

// --mem: 512 MiB by default, as `strata boot --kernel`. Debian's riscv64 kernel occupies about
// 32 MiB from +2 MiB (image_size 0x1e6c000 for 6.12), its initrd takes 30-60 MiB and is
// unpacked next to itself, and the kernel wants room to run after that: below 128 MiB it does
// not reach user space.
inline constexpr std::uint64_t kRiscvDefaultMem = 512ull << 20;
inline constexpr std::uint64_t kRiscvMinMem = 128ull << 20;
// Also the most RAM: the hart's RAM is one mapping, and the virt map has nothing above it.
inline constexpr std::uint64_t kRiscvMaxMem = 64ull << 30;

// Errors: "--mem 16M is too small: the riscv64 machine needs at least 128 MiB", too large, not
// a multiple of 4 KiB.
[[nodiscard]] Result<void> check_riscv_mem(std::uint64_t bytes);

// OpenSBI's include/sbi/fw_dynamic.h, version 2.
inline constexpr std::uint64_t kFwDynamicMagic = 0x4942534f;  // "OSBI"
inline constexpr std::uint64_t kFwDynamicVersion = 2;
inline constexpr std::uint64_t kFwDynamicNextModeS = 1;
struct FwDynamicInfo {
  std::uint64_t magic = kFwDynamicMagic;
  std::uint64_t version = kFwDynamicVersion;
  std::uint64_t next_addr = 0;  // the kernel entry
  std::uint64_t next_mode = kFwDynamicNextModeS;
  std::uint64_t options = 0;
  std::uint64_t boot_hart = ~std::uint64_t{0};  // any hart may boot (the lottery)
};

struct RiscvBootFiles {
  std::span<const std::uint8_t> kernel;
  std::span<const std::uint8_t> initrd;  // empty: none
  std::span<const std::uint8_t> bios;    // empty: the built-in SBI
};

struct RiscvBootConfig {
  std::string bootargs;
  std::vector<std::uint32_t> virtio_slots;  // for the device tree
};

struct RiscvEntry {
  std::uint64_t pc = 0;
  bool machine_mode = false;  // true: M-mode (firmware), false: S-mode (the kernel)
  std::uint64_t a1 = 0;       // the device tree
  std::uint64_t a2 = 0;       // fw_dynamic_info with a firmware, else 0
  BootPlacement placement;
};

// Loads everything into `ram` (guest physical kRamBase + i is ram[i]). Errors: not a RISC-V
// Image, what does not fit (image.hpp), a firmware overlapping the kernel, a device tree error.
[[nodiscard]] Result<RiscvEntry> load_riscv_boot(std::span<std::uint8_t> ram,
                                                 const RiscvBootFiles& files,
                                                 const RiscvBootConfig& config);

}  // namespace strata::hwvm::riscv

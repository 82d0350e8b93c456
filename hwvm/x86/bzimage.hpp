// Reading a Linux bzImage: its setup header, checked against what this monitor can boot
// (boot protocol 2.06 or later, loaded high), and the split of the file into the real-mode
// setup code and the protected-mode kernel.
#pragma once

#include <cstdint>
#include <span>

#include "hwvm/x86/boot_params.hpp"
#include "isa/error.hpp"

namespace strata::hwvm::x86 {

inline constexpr std::uint16_t kMinBootProtocol = 0x0206;  // cmdline_size appears in 2.06
inline constexpr std::uint16_t kBootProtocol64 = 0x020c;   // xloadflags (64-bit entry): 2.12

struct BzImage {
  // Copied from the file. Bytes past the kernel's own header end (0x202 + the byte at 0x201)
  // are zero, so a field newer than the kernel's protocol reads as 0.
  setup_header header{};
  std::uint16_t version = 0;     // boot protocol, e.g. 0x020f for 2.15
  std::uint32_t setup_size = 0;  // (setup_sects + 1) * 512: boot sector + real-mode setup
  // The protected-mode kernel (the file after the setup); a view into the caller's buffer.
  std::span<const std::uint8_t> kernel;

  bool relocatable = false;  // 2.05+: may load at any kernel_alignment multiple
  std::uint32_t kernel_alignment = 0;
  std::uint64_t pref_address = 0;     // 2.10+, else the traditional 1 MiB
  std::uint32_t init_size = 0;        // 2.10+: memory needed from the load address; else 0
  std::uint32_t cmdline_max = 0;      // longest command line without its NUL
  std::uint32_t initrd_addr_max = 0;  // last byte the initrd may occupy
  bool entry64 = false;               // 2.12+ XLF_KERNEL_64: 64-bit entry at load + 0x200
};

// Parses and checks `image` (the whole bzImage file). Errors name the offset and what was
// found, e.g. "not a bzImage: no HdrS signature at offset 0x202".
[[nodiscard]] Result<BzImage> parse_bzimage(std::span<const std::uint8_t> image);

// An error unless `k` offers the 64-bit entry point (protocol 2.12+, XLF_KERNEL_64).
[[nodiscard]] Result<void> require_64bit_entry(const BzImage& k);

// Where to put the protected-mode kernel: pref_address when it fits below `low_ram_end`,
// else the first kernel_alignment multiple at or above 1 MiB (relocatable kernels only).
// The kernel needs max(init_size, kernel size) bytes from there.
[[nodiscard]] Result<std::uint64_t> kernel_load_address(const BzImage& k,
                                                        std::uint64_t low_ram_end);

// The 64-bit entry point of a kernel loaded at `load_address`.
[[nodiscard]] constexpr std::uint64_t entry64_address(std::uint64_t load_address) {
  return load_address + 0x200;
}

}  // namespace strata::hwvm::x86

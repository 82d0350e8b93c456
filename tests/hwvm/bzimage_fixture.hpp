// A minimal synthetic bzImage (header fields only) for the x86 boot tests: protocol 2.15,
// relocatable, 64-bit entry, as a modern distro kernel's header looks.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace strata::hwvm::x86::testing {

template <typename T>
void put(std::vector<std::uint8_t>& b, std::size_t off, T v) {
  std::memcpy(b.data() + off, &v, sizeof v);
}

inline std::vector<std::uint8_t> fake_bzimage(std::size_t size = 0x4000) {
  std::vector<std::uint8_t> b(size, 0);
  put<std::uint8_t>(b, 0x1f1, 4);            // setup_sects: setup = 5 * 512 bytes
  put<std::uint16_t>(b, 0x1fe, 0xaa55);      // boot_flag
  put<std::uint8_t>(b, 0x200, 0xeb);         // jmp short
  put<std::uint8_t>(b, 0x201, 0x6a);         // header ends at 0x202 + 0x6a = 0x26c
  put<std::uint32_t>(b, 0x202, 0x53726448);  // "HdrS"
  put<std::uint16_t>(b, 0x206, 0x020f);      // protocol 2.15
  put<std::uint8_t>(b, 0x211, 0x01);         // loadflags: LOADED_HIGH
  put<std::uint32_t>(b, 0x214, 0x100000);    // code32_start
  put<std::uint32_t>(b, 0x22c, 0x7fffffff);  // initrd_addr_max
  put<std::uint32_t>(b, 0x230, 0x200000);    // kernel_alignment 2 MiB
  put<std::uint8_t>(b, 0x234, 1);            // relocatable_kernel
  put<std::uint16_t>(b, 0x236, 0x3);         // xloadflags: KERNEL_64 | CAN_BE_LOADED_ABOVE_4G
  put<std::uint32_t>(b, 0x238, 2047);        // cmdline_size
  put<std::uint64_t>(b, 0x258, 0x1000000);   // pref_address 16 MiB
  put<std::uint32_t>(b, 0x260, 0x2000000);   // init_size 32 MiB
  return b;
}

}  // namespace strata::hwvm::x86::testing

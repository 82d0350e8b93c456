#include "hwvm/x86/bzimage.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace strata::hwvm::x86 {

namespace {

constexpr std::uint64_t kOneMiB = 1 << 20;
constexpr std::uint32_t kDefaultInitrdAddrMax = 0x37ffffff;  // before protocol 2.03
constexpr std::uint32_t kDefaultCmdlineMax = 255;            // before protocol 2.06

std::uint32_t read_u32(std::span<const std::uint8_t> b, std::size_t off) {
  std::uint32_t v;
  std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}

}  // namespace

Result<BzImage> parse_bzimage(std::span<const std::uint8_t> image) {
  // The file is untrusted input: every offset is checked against its size before reading.
  if (image.size() < kHeaderMagicOffset + 4) {
    return fail("not a bzImage: {} bytes is too small to hold a setup header", image.size());
  }
  if (read_u32(image, kHeaderMagicOffset) != kHeaderMagic) {
    return fail("not a bzImage: no HdrS signature at offset 0x202");
  }
  BzImage k;
  // The header ends at 0x202 + the jump displacement at 0x201; copy no further than that,
  // than the struct, or than the file.
  std::size_t header_end = kHeaderMagicOffset + image[0x201];
  std::size_t copy =
      std::min({header_end, kSetupHeaderOffset + sizeof(setup_header), image.size()}) -
      kSetupHeaderOffset;
  std::memcpy(&k.header, image.data() + kSetupHeaderOffset, copy);
  const setup_header& h = k.header;

  if (h.boot_flag != kBootFlag) {
    return fail("not a bzImage: boot flag at offset 0x1fe is 0x{:04x}, expected 0xaa55",
                h.boot_flag);
  }
  k.version = h.version;
  if (k.version < kMinBootProtocol) {
    return fail("kernel uses boot protocol {}.{:02}; Strata needs 2.06 or later", k.version >> 8,
                k.version & 0xff);
  }
  if ((h.loadflags & LOADED_HIGH) == 0) {
    return fail(
        "kernel is a zImage (loadflags bit 0 LOADED_HIGH clear): only bzImage kernels "
        "loaded at 1 MiB are supported");
  }
  std::uint32_t sects = h.setup_sects == 0 ? 4 : h.setup_sects;  // 0 means 4 (boot.rst)
  k.setup_size = (sects + 1) * 512;
  if (k.setup_size >= image.size()) {
    return fail(
        "truncated bzImage: setup_sects {} puts the kernel at offset 0x{:x}, but the "
        "file is {} bytes",
        h.setup_sects, k.setup_size, image.size());
  }
  k.kernel = image.subspan(k.setup_size);

  k.relocatable = h.relocatable_kernel != 0;
  k.kernel_alignment = h.kernel_alignment;
  if (k.relocatable && (k.kernel_alignment == 0 || !std::has_single_bit(k.kernel_alignment))) {
    return fail("kernel_alignment 0x{:x} at offset 0x230 is not a power of two",
                k.kernel_alignment);
  }
  k.initrd_addr_max = h.initrd_addr_max != 0 ? h.initrd_addr_max : kDefaultInitrdAddrMax;
  k.cmdline_max = h.cmdline_size != 0 ? h.cmdline_size : kDefaultCmdlineMax;
  if (k.version >= 0x020a) {
    k.pref_address = h.pref_address;
    k.init_size = h.init_size;
  } else {
    k.pref_address = kOneMiB;
  }
  k.entry64 = k.version >= kBootProtocol64 && (h.xloadflags & XLF_KERNEL_64) != 0;
  return k;
}

Result<void> require_64bit_entry(const BzImage& k) {
  if (k.version < kBootProtocol64) {
    return fail("kernel uses boot protocol {}.{:02}; the 64-bit entry needs 2.12 or later",
                k.version >> 8, k.version & 0xff);
  }
  if (!k.entry64) {
    return fail(
        "kernel has no 64-bit entry point (xloadflags at offset 0x236 lacks "
        "XLF_KERNEL_64): it is a 32-bit kernel");
  }
  return {};
}

Result<std::uint64_t> kernel_load_address(const BzImage& k, std::uint64_t low_ram_end) {
  std::uint64_t need = std::max<std::uint64_t>(k.init_size, k.kernel.size());
  auto fits = [&](std::uint64_t at) { return at <= low_ram_end && need <= low_ram_end - at; };
  if (k.pref_address >= kOneMiB && fits(k.pref_address)) return k.pref_address;
  if (!k.relocatable) {
    return fail(
        "kernel is not relocatable and needs 0x{:x} bytes at 0x{:x}; RAM below the MMIO "
        "hole ends at 0x{:x}",
        need, k.pref_address, low_ram_end);
  }
  std::uint64_t align = k.kernel_alignment;
  std::uint64_t at = (kOneMiB + align - 1) / align * align;
  if (!fits(at)) {
    return fail("kernel needs 0x{:x} bytes at 0x{:x}, but RAM below the MMIO hole ends at 0x{:x}",
                need, at, low_ram_end);
  }
  return at;
}

}  // namespace strata::hwvm::x86

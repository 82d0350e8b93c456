#include "hwvm/riscv/image.hpp"

#include <cstring>

namespace strata::hwvm::riscv {

namespace {

constexpr std::uint64_t k2MiB = 2ull << 20;
constexpr std::uint64_t kPage = 4096;

std::uint64_t le64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::uint64_t align_up(std::uint64_t v, std::uint64_t a) {
  return (v + a - 1) & ~(a - 1);
}

// The files people give --kernel by mistake, named so the error says what to do instead.
const char* known_other_format(std::span<const std::uint8_t> f) {
  const std::uint8_t* h = f.data();
  // The x86 boot protocol's "HdrS" at 0x202 (after the 0x55aa boot-sector signature).
  if (f.size() >= 0x206 && std::memcmp(h + 0x202, "HdrS", 4) == 0)
    return "this is an x86 Linux bzImage (strata boot without --arch riscv64 runs it)";
  if (std::memcmp(h,
                  "\x7f"
                  "ELF",
                  4) == 0)
    return "this is an ELF file (a vmlinux?); the Image is its raw binary (objcopy -O binary, "
           "or the kernel build's arch/riscv/boot/Image)";
  if (h[0] == 0x1f && h[1] == 0x8b)
    return "this is gzip-compressed (an Image.gz?); decompress it first";
  return nullptr;
}

}  // namespace

Result<RiscvImage> parse_riscv_image(std::span<const std::uint8_t> file) {
  if (file.size() < kImageHeaderSize)
    return fail("not a RISC-V kernel Image: the file has {} bytes, less than the {}-byte header",
                file.size(), kImageHeaderSize);
  const std::uint8_t* h = file.data();
  const bool magic2 = std::memcmp(h + 0x38, "RSC\x05", 4) == 0;
  const bool magic1 = std::memcmp(h + 0x30, "RISCV\0\0\0", 8) == 0;
  if (!magic1 && !magic2) {
    if (const char* what = known_other_format(file))
      return fail("not a RISC-V kernel Image: {}", what);
    return fail(
        "not a RISC-V kernel Image: no \"RSC\\x05\" magic at offset 0x38 (nor \"RISCV\" at 0x30); "
        "a vmlinux ELF or a compressed Image.gz must be converted or decompressed first");
  }
  RiscvImage img;
  img.text_offset = le64(h + 0x08);
  img.image_size = le64(h + 0x10);
  const std::uint64_t flags = le64(h + 0x18);
  img.version = static_cast<std::uint32_t>(le64(h + 0x20));
  img.bytes = file;
  if ((flags & 1) != 0) return fail("RISC-V kernel Image: big-endian kernels are not supported");
  if (img.image_size == 0) img.image_size = file.size();  // header version 0.1 may leave it 0
  if (img.image_size < file.size())
    return fail(
        "RISC-V kernel Image: the header's image_size 0x{:x} is smaller than the file "
        "(0x{:x} bytes)",
        img.image_size, file.size());
  if (img.text_offset % k2MiB != 0)
    return fail("RISC-V kernel Image: text_offset 0x{:x} is not 2 MiB aligned", img.text_offset);
  return img;
}

Result<BootPlacement> place_boot(std::uint64_t ram_base, std::uint64_t ram_size,
                                 const RiscvImage& kernel, std::uint64_t initrd_size,
                                 std::uint64_t fdt_size) {
  BootPlacement p;
  const std::uint64_t ram_end = ram_base + ram_size;
  // The kernel's text_offset is 0 for an Image built without one; RV64 still needs 2 MiB.
  p.kernel = ram_base + (kernel.text_offset == 0 ? k2MiB : kernel.text_offset);
  const std::uint64_t kernel_end = align_up(p.kernel + kernel.image_size, k2MiB);
  auto too_small = [&] {
    const std::uint64_t needed =
        kernel_end - ram_base + align_up(fdt_size, k2MiB) + align_up(initrd_size, kPage);
    return fail(
        "memory too small: the kernel (0x{:x} bytes at +0x{:x}), the initrd (0x{:x} bytes) and "
        "the device tree need at least {} MiB of RAM, the machine has {} MiB",
        kernel.image_size, p.kernel - ram_base, initrd_size, (needed + (1 << 20) - 1) >> 20,
        ram_size >> 20);
  };
  if (ram_end < kernel_end || ram_end - kernel_end < fdt_size) return too_small();
  p.fdt = (ram_end - fdt_size) & ~(k2MiB - 1);
  if (p.fdt < kernel_end || p.fdt - kernel_end < initrd_size) return too_small();
  p.initrd_start = (p.fdt - initrd_size) & ~(kPage - 1);
  if (p.initrd_start < kernel_end) return too_small();
  p.initrd_end = p.initrd_start + initrd_size;
  return p;
}

}  // namespace strata::hwvm::riscv

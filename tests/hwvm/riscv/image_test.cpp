// The RISC-V Image header against Documentation/riscv/boot-image-header.rst, and the boot
// placement's rules (2 MiB-aligned kernel and device tree, nothing overlapping).
#include "hwvm/riscv/image.hpp"

#include <cstring>
#include <vector>

#include <gtest/gtest.h>

namespace strata::hwvm::riscv {
namespace {

void put64(std::vector<uint8_t>& b, size_t off, uint64_t v) {
  for (int i = 0; i < 8; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

// A header as Linux's head.S lays it out, followed by `body` bytes.
std::vector<uint8_t> image(uint64_t text_offset, uint64_t image_size, size_t body = 4096) {
  std::vector<uint8_t> b(kImageHeaderSize + body, 0);
  b[0] = 'M';  // the EFI stub's "MZ", as Debian's kernel has
  b[1] = 'Z';
  put64(b, 0x08, text_offset);
  put64(b, 0x10, image_size);
  put64(b, 0x20, 2);  // version 0.2
  std::memcpy(b.data() + 0x30, "RISCV\0\0\0", 8);
  std::memcpy(b.data() + 0x38, "RSC\x05", 4);
  return b;
}

TEST(RiscvImage, ParsesTheHeader) {
  auto file = image(0x200000, 0x1'400000);
  auto img = parse_riscv_image(file);
  ASSERT_TRUE(img) << img.error().message;
  EXPECT_EQ(img->text_offset, 0x200000u);
  EXPECT_EQ(img->image_size, 0x1'400000u);
  EXPECT_EQ(img->version, 2u);
  EXPECT_EQ(img->bytes.size(), file.size());
}

TEST(RiscvImage, EitherMagicIsEnough) {
  auto file = image(0x200000, 0x400000);
  std::memset(file.data() + 0x38, 0, 4);
  EXPECT_TRUE(parse_riscv_image(file));
  file = image(0x200000, 0x400000);
  std::memset(file.data() + 0x30, 0, 8);
  EXPECT_TRUE(parse_riscv_image(file));
}

TEST(RiscvImage, RejectsWhatIsNotAnImage) {
  auto expect_error = [](const std::vector<uint8_t>& f, const std::string& needle) {
    auto r = parse_riscv_image(f);
    ASSERT_FALSE(r) << needle;
    EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
  };
  expect_error(std::vector<uint8_t>(10, 0), "the file has 10 bytes, less than the 64-byte header");
  std::vector<uint8_t> elf(4096, 0);
  std::memcpy(elf.data(),
              "\x7f"
              "ELF",
              4);
  expect_error(elf, "not a RISC-V kernel Image: this is an ELF file (a vmlinux?)");
  std::vector<uint8_t> zeros(4096, 0);
  expect_error(zeros, "not a RISC-V kernel Image: no \"RSC\\x05\" magic at offset 0x38");
  std::vector<uint8_t> bzimage(4096, 0);
  std::memcpy(bzimage.data() + 0x202, "HdrS", 4);
  expect_error(bzimage, "not a RISC-V kernel Image: this is an x86 Linux bzImage");
  std::vector<uint8_t> gz(4096, 0);
  gz[0] = 0x1f;
  gz[1] = 0x8b;
  expect_error(gz, "not a RISC-V kernel Image: this is gzip-compressed (an Image.gz?)");
  auto big = image(0x200000, 0x400000);
  big[0x18] = 1;
  expect_error(big, "big-endian kernels are not supported");
  expect_error(image(0x200000, 100), "image_size 0x64 is smaller than the file (0x1040 bytes)");
  expect_error(image(0x1000, 0x400000), "text_offset 0x1000 is not 2 MiB aligned");
}

TEST(RiscvImage, ZeroImageSizeMeansTheFileSize) {
  auto img = parse_riscv_image(image(0x200000, 0));
  ASSERT_TRUE(img);
  EXPECT_EQ(img->image_size, kImageHeaderSize + 4096);
}

TEST(BootPlacement, KernelLowDeviceTreeAndInitrdHigh) {
  auto file = image(0x200000, 0x1'400000);
  auto img = parse_riscv_image(file);
  ASSERT_TRUE(img);
  const uint64_t base = 0x8000'0000, size = 512ull << 20;
  auto p = place_boot(base, size, *img, 0x12'3456, 0x2000);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->kernel, base + 0x200000);
  EXPECT_EQ(p->fdt % (2 << 20), 0u);
  EXPECT_LE(p->fdt + 0x2000, base + size);
  EXPECT_EQ(p->initrd_end - p->initrd_start, 0x12'3456u);
  EXPECT_EQ(p->initrd_start % 4096, 0u);
  EXPECT_LE(p->initrd_end, p->fdt);
  EXPECT_GE(p->initrd_start, p->kernel + img->image_size);
}

TEST(BootPlacement, NoInitrd) {
  auto file = image(0x200000, 0x400000);
  auto img = parse_riscv_image(file);
  ASSERT_TRUE(img);
  auto p = place_boot(0x8000'0000, 64ull << 20, *img, 0, 0x1000);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->initrd_start, p->initrd_end);
}

TEST(BootPlacement, MemoryTooSmallSaysHowMuchIsNeeded) {
  auto file = image(0x200000, 0x1'400000);  // 20 MiB kernel at +2 MiB
  auto img = parse_riscv_image(file);
  ASSERT_TRUE(img);
  auto p = place_boot(0x8000'0000, 16ull << 20, *img, 0, 0x1000);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("need at least 24 MiB of RAM, the machine has 16 MiB"),
            std::string::npos)
      << p.error().message;
  p = place_boot(0x8000'0000, 32ull << 20, *img, 9ull << 20, 0x1000);  // initrd does not fit
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("memory too small"), std::string::npos);
  EXPECT_TRUE(place_boot(0x8000'0000, 36ull << 20, *img, 9ull << 20, 0x1000));
}

}  // namespace
}  // namespace strata::hwvm::riscv

// bzImage header parsing: the good case field by field, then each way a file can be wrong.
#include "hwvm/x86/bzimage.hpp"

#include <gtest/gtest.h>

#include "tests/hwvm/bzimage_fixture.hpp"

namespace strata::hwvm::x86 {
namespace {

using testing::fake_bzimage;
using testing::put;

TEST(BzImage, ParsesModernHeader) {
  auto img = fake_bzimage();
  auto k = parse_bzimage(img);
  ASSERT_TRUE(k) << k.error().message;
  EXPECT_EQ(k->version, 0x020f);
  EXPECT_EQ(k->setup_size, 5u * 512);
  EXPECT_EQ(k->kernel.data(), img.data() + 5 * 512);
  EXPECT_EQ(k->kernel.size(), img.size() - 5 * 512);
  EXPECT_TRUE(k->relocatable);
  EXPECT_EQ(k->kernel_alignment, 0x200000u);
  EXPECT_EQ(k->pref_address, 0x1000000u);
  EXPECT_EQ(k->init_size, 0x2000000u);
  EXPECT_EQ(k->cmdline_max, 2047u);
  EXPECT_EQ(k->initrd_addr_max, 0x7fffffffu);
  EXPECT_TRUE(k->entry64);
  EXPECT_EQ(k->header.code32_start, 0x100000u);
  EXPECT_TRUE(require_64bit_entry(*k));
}

TEST(BzImage, FieldsPastTheKernelsHeaderEndReadAsZero) {
  auto img = fake_bzimage();
  put<std::uint8_t>(img, 0x201, 0x5e);         // header ends at 0x260: init_size not included
  put<std::uint32_t>(img, 0x264, 0xdeadbeef);  // handover_offset: garbage past the end
  auto k = parse_bzimage(img);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->header.init_size, 0u);
  EXPECT_EQ(k->header.handover_offset, 0u);
  EXPECT_EQ(k->header.pref_address, 0x1000000u);
}

TEST(BzImage, NoSignature) {
  auto img = fake_bzimage();
  img[0x202] = 'X';
  auto k = parse_bzimage(img);
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().message, "not a bzImage: no HdrS signature at offset 0x202");
}

TEST(BzImage, TooSmall) {
  std::vector<std::uint8_t> tiny(0x100, 0);
  auto k = parse_bzimage(tiny);
  ASSERT_FALSE(k);
  EXPECT_NE(k.error().message.find("too small"), std::string::npos);
  EXPECT_FALSE(parse_bzimage({}));
}

TEST(BzImage, BadBootFlag) {
  auto img = fake_bzimage();
  put<std::uint16_t>(img, 0x1fe, 0x1234);
  auto k = parse_bzimage(img);
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().message,
            "not a bzImage: boot flag at offset 0x1fe is 0x1234, expected 0xaa55");
}

TEST(BzImage, OldProtocol) {
  auto img = fake_bzimage();
  put<std::uint16_t>(img, 0x206, 0x0205);
  auto k = parse_bzimage(img);
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().message, "kernel uses boot protocol 2.05; Strata needs 2.06 or later");
}

TEST(BzImage, ZImageRejected) {
  auto img = fake_bzimage();
  put<std::uint8_t>(img, 0x211, 0);
  auto k = parse_bzimage(img);
  ASSERT_FALSE(k);
  EXPECT_NE(k.error().message.find("zImage"), std::string::npos);
}

TEST(BzImage, SetupSectsZeroMeansFour) {
  auto img = fake_bzimage();
  put<std::uint8_t>(img, 0x1f1, 0);
  auto k = parse_bzimage(img);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->setup_size, 5u * 512);
}

TEST(BzImage, TruncatedSetup) {
  auto img = fake_bzimage();
  put<std::uint8_t>(img, 0x1f1, 0xff);  // setup of 256 * 512 bytes in a 16 KiB file
  auto k = parse_bzimage(img);
  ASSERT_FALSE(k);
  EXPECT_NE(k.error().message.find("truncated bzImage"), std::string::npos);
}

TEST(BzImage, BadAlignment) {
  auto img = fake_bzimage();
  put<std::uint32_t>(img, 0x230, 0x300000);
  auto k = parse_bzimage(img);
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().message, "kernel_alignment 0x300000 at offset 0x230 is not a power of two");
}

TEST(BzImage, No64BitEntry) {
  auto img = fake_bzimage();
  put<std::uint16_t>(img, 0x236, 0);
  auto k = parse_bzimage(img);
  ASSERT_TRUE(k);
  EXPECT_FALSE(k->entry64);
  auto r = require_64bit_entry(*k);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("XLF_KERNEL_64"), std::string::npos);

  put<std::uint16_t>(img, 0x236, 1);
  put<std::uint16_t>(img, 0x206, 0x020a);  // 2.10 has no xloadflags: the bit means nothing
  k = parse_bzimage(img);
  ASSERT_TRUE(k);
  EXPECT_FALSE(k->entry64);
  EXPECT_NE(require_64bit_entry(*k).error().message.find("2.12"), std::string::npos);
}

TEST(BzImage, DefaultsForOlderProtocols) {
  auto img = fake_bzimage();
  put<std::uint16_t>(img, 0x206, 0x0206);
  put<std::uint32_t>(img, 0x22c, 0);  // initrd_addr_max unset
  put<std::uint32_t>(img, 0x238, 0);  // cmdline_size unset
  auto k = parse_bzimage(img);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->pref_address, 0x100000u);  // pref_address is a 2.10 field
  EXPECT_EQ(k->init_size, 0u);
  EXPECT_EQ(k->initrd_addr_max, 0x37ffffffu);
  EXPECT_EQ(k->cmdline_max, 255u);
}

TEST(BzImage, LoadAddress) {
  auto img = fake_bzimage();
  auto k = parse_bzimage(img);
  ASSERT_TRUE(k);
  auto at = kernel_load_address(*k, 256ull << 20);
  ASSERT_TRUE(at);
  EXPECT_EQ(*at, 0x1000000u);                 // pref_address fits
  at = kernel_load_address(*k, 40ull << 20);  // 16 MiB + 32 MiB init_size does not fit
  ASSERT_TRUE(at);
  EXPECT_EQ(*at, 0x200000u);  // first 2 MiB multiple above 1 MiB
  EXPECT_EQ(entry64_address(*at), 0x200200u);
  EXPECT_FALSE(kernel_load_address(*k, 16ull << 20));
  k->relocatable = false;
  auto r = kernel_load_address(*k, 40ull << 20);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not relocatable"), std::string::npos);
}

}  // namespace
}  // namespace strata::hwvm::x86

// The zero page, checked as the kernel reads it: raw bytes at boot.rst's offsets.
#include "hwvm/x86/zero_page.hpp"

#include <cstring>

#include <gtest/gtest.h>

#include "hwvm/memory/x86_layout.hpp"
#include "tests/hwvm/bzimage_fixture.hpp"

namespace strata::hwvm::x86 {
namespace {

template <typename T>
T at(const boot_params& bp, std::size_t off) {
  T v;
  std::memcpy(&v, reinterpret_cast<const std::uint8_t*>(&bp) + off, sizeof v);
  return v;
}

constexpr std::uint64_t kMiB = 1 << 20;

class ZeroPage : public ::testing::Test {
 protected:
  void SetUp() override {
    image_ = testing::fake_bzimage();
    auto k = parse_bzimage(image_);
    ASSERT_TRUE(k);
    kernel_ = *k;
    auto r = ram_ranges(512 * kMiB);
    ASSERT_TRUE(r);
    ram_ = *r;
  }
  std::vector<std::uint8_t> image_;
  BzImage kernel_;
  std::vector<RamRange> ram_;
};

TEST_F(ZeroPage, FieldsAtProtocolOffsets) {
  ZeroPageInputs in;
  in.cmdline_len = 20;
  in.initrd_addr = 0x1f000000;
  in.initrd_size = 0x800000;
  in.ram = ram_;
  auto bp = build_zero_page(kernel_, in);
  ASSERT_TRUE(bp) << bp.error().message;
  EXPECT_EQ(at<std::uint8_t>(*bp, 0x1f1), 4);             // setup_sects, from the image
  EXPECT_EQ(at<std::uint16_t>(*bp, 0x1fa), 0xffff);       // vid_mode "normal"
  EXPECT_EQ(at<std::uint16_t>(*bp, 0x1fe), 0xaa55);       // boot_flag
  EXPECT_EQ(at<std::uint32_t>(*bp, 0x202), 0x53726448u);  // "HdrS"
  EXPECT_EQ(at<std::uint16_t>(*bp, 0x206), 0x020f);       // version
  EXPECT_EQ(at<std::uint8_t>(*bp, 0x210), 0xff);          // type_of_loader
  EXPECT_EQ(at<std::uint8_t>(*bp, 0x211), 0x81);          // LOADED_HIGH | CAN_USE_HEAP
  EXPECT_EQ(at<std::uint32_t>(*bp, 0x218), 0x1f000000u);  // ramdisk_image
  EXPECT_EQ(at<std::uint32_t>(*bp, 0x21c), 0x800000u);    // ramdisk_size
  EXPECT_EQ(at<std::uint16_t>(*bp, 0x224), 0xfe00);       // heap_end_ptr
  EXPECT_EQ(at<std::uint32_t>(*bp, 0x228), 0x20000u);     // cmd_line_ptr
  EXPECT_EQ(at<std::uint32_t>(*bp, 0x230), 0x200000u);    // kernel_alignment, kept
  EXPECT_EQ(at<std::uint16_t>(*bp, 0x236), 0x3);          // xloadflags, kept
  EXPECT_EQ(at<std::uint32_t>(*bp, 0x238), 2047u);        // cmdline_size
  EXPECT_EQ(at<std::uint32_t>(*bp, 0x0c8), 0u);           // ext_cmd_line_ptr: below 4 GiB
  EXPECT_EQ(at<std::uint8_t>(*bp, 0x1ef), 0);             // sentinel clear: a clean page

  ASSERT_EQ(at<std::uint8_t>(*bp, 0x1e8), 3);  // e820_entries
  // e820_table at 0x2d0, 20-byte entries {u64 addr, u64 size, u32 type}.
  EXPECT_EQ(at<std::uint64_t>(*bp, 0x2d0 + 0), 0u);
  EXPECT_EQ(at<std::uint64_t>(*bp, 0x2d0 + 8), 0x9fc00u);
  EXPECT_EQ(at<std::uint32_t>(*bp, 0x2d0 + 16), kE820Ram);
  EXPECT_EQ(at<std::uint32_t>(*bp, 0x2d0 + 20 + 16), kE820Reserved);
  EXPECT_EQ(at<std::uint64_t>(*bp, 0x2d0 + 40), 0x100000u);
  EXPECT_EQ(at<std::uint64_t>(*bp, 0x2d0 + 48), 511 * kMiB);
  EXPECT_EQ(at<std::uint32_t>(*bp, 0x2d0 + 56), kE820Ram);
  EXPECT_EQ(at<std::uint64_t>(*bp, 0x2d0 + 60), 0u);  // nothing after
}

TEST_F(ZeroPage, NoInitrdLeavesRamdiskZero) {
  ZeroPageInputs in;
  in.ram = ram_;
  auto bp = build_zero_page(kernel_, in);
  ASSERT_TRUE(bp);
  EXPECT_EQ(bp->hdr.ramdisk_image, 0u);
  EXPECT_EQ(bp->hdr.ramdisk_size, 0u);
}

TEST_F(ZeroPage, CommandLineTooLong) {
  ZeroPageInputs in;
  in.cmdline_len = 2048;
  in.ram = ram_;
  auto bp = build_zero_page(kernel_, in);
  ASSERT_FALSE(bp);
  EXPECT_EQ(bp.error().message,
            "command line is 2048 bytes; this kernel accepts at most 2047 (cmdline_size)");
  in.cmdline_len = 2047;
  EXPECT_TRUE(build_zero_page(kernel_, in));
}

TEST_F(ZeroPage, CommandLineAbove4GiB) {
  ZeroPageInputs in;
  in.cmdline_addr = 0xfffffff0;
  in.cmdline_len = 100;
  in.ram = ram_;
  EXPECT_FALSE(build_zero_page(kernel_, in));
}

TEST_F(ZeroPage, InitrdAboveLimit) {
  kernel_.initrd_addr_max = 0x37ffffff;
  ZeroPageInputs in;
  in.initrd_addr = 0x37f00000;
  in.initrd_size = 0x100001;  // one byte past the last allowed
  in.ram = ram_;
  auto bp = build_zero_page(kernel_, in);
  ASSERT_FALSE(bp);
  EXPECT_NE(bp.error().message.find("initrd_addr_max"), std::string::npos);
  in.initrd_size = 0x100000;
  EXPECT_TRUE(build_zero_page(kernel_, in));
}

TEST(PlaceInitrd, HighestFitBelowBothLimits) {
  // Limited by RAM end: 512 MiB.
  auto a = place_initrd(0x123456, 0x7fffffff, 512 * kMiB, 16 * kMiB);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a % 4096, 0u);
  EXPECT_LE(*a + 0x123456, 512 * kMiB);
  EXPECT_GT(*a + 0x123456 + 4096, 512 * kMiB);
  // Limited by initrd_addr_max (inclusive last byte).
  auto b = place_initrd(0x100000, 0x37ffffff, 3ull << 30, 16 * kMiB);
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, 0x37f00000u);
  // Does not fit above the kernel.
  auto c = place_initrd(500 * kMiB, 0x7fffffff, 512 * kMiB, 16 * kMiB);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("kernel end"), std::string::npos);
  EXPECT_FALSE(place_initrd(0, 0x7fffffff, 512 * kMiB, 0));
  EXPECT_FALSE(place_initrd(UINT64_MAX, 0xffffffff, 512 * kMiB, 0));
}

}  // namespace
}  // namespace strata::hwvm::x86

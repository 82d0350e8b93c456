// load_linux() into plain guest memory (no KVM): where each part lands and what the zero page
// says about it.
#include "hwvm/x86/linux_loader.hpp"

#include <string>

#include <gtest/gtest.h>

#include "hwvm/memory/x86_layout.hpp"
#include "hwvm/x86/zero_page.hpp"
#include "tests/hwvm/bzimage_fixture.hpp"

namespace strata::hwvm::x86 {
namespace {

constexpr std::uint64_t kMiB = 1 << 20;

struct Guest {
  std::vector<RamRange> ram;
  GuestMemory mem;
};

Guest make_guest(std::uint64_t size) {
  auto ram = ram_ranges(size);
  EXPECT_TRUE(ram);
  auto mem = GuestMemory::create(*ram);
  EXPECT_TRUE(mem);
  return Guest{*ram, std::move(*mem)};
}

TEST(LinuxLoader, PlacesKernelCmdlineInitrdAndZeroPage) {
  Guest g = make_guest(64 * kMiB);
  auto image = testing::fake_bzimage();
  image[5 * 512] = 0xaa;  // first byte of the protected-mode kernel
  const std::vector<std::uint8_t> initrd(3 * 4096 + 5, 0x17);
  auto boot = load_linux(g.mem, g.ram, image, "console=ttyS0 panic=1", initrd);
  ASSERT_TRUE(boot) << boot.error().message;

  EXPECT_EQ(boot->load_address, 16 * kMiB);  // pref_address + init_size fit in 64 MiB
  EXPECT_EQ(boot->entry, 16 * kMiB + 0x200);
  EXPECT_EQ(*g.mem.read_obj<std::uint8_t>(16 * kMiB), 0xaa);
  EXPECT_EQ(boot->regs.rip, boot->entry);
  EXPECT_EQ(boot->regs.rsi, kZeroPageAddress);
  EXPECT_EQ(boot->regs.rsp, kBootStack);

  // Initrd: page-aligned, as high as RAM allows, above the kernel's init_size.
  EXPECT_EQ(boot->initrd_addr % 4096, 0u);
  EXPECT_LE(boot->initrd_addr + initrd.size(), 64 * kMiB);
  EXPECT_GE(boot->initrd_addr, 48 * kMiB);
  EXPECT_EQ(*g.mem.read_obj<std::uint8_t>(boot->initrd_addr + initrd.size() - 1), 0x17);

  auto bp = g.mem.read_obj<boot_params>(kZeroPageAddress);
  ASSERT_TRUE(bp);
  EXPECT_EQ(bp->hdr.type_of_loader, 0xff);
  EXPECT_EQ(bp->hdr.ramdisk_image, boot->initrd_addr);
  EXPECT_EQ(bp->hdr.ramdisk_size, initrd.size());
  EXPECT_EQ(bp->hdr.cmd_line_ptr, kCmdlineAddress);
  EXPECT_EQ(bp->e820_entries, 3);

  std::string cmd(22, '?');
  ASSERT_TRUE(g.mem.read(kCmdlineAddress, {reinterpret_cast<std::uint8_t*>(cmd.data()), 22}));
  EXPECT_EQ(cmd, std::string("console=ttyS0 panic=1") + '\0');

  // Page tables: PML4[0] at 0x9000 points at the PDPT.
  EXPECT_EQ(*g.mem.read_obj<std::uint64_t>(0x9000), 0xa003u);
  EXPECT_EQ(boot->layout.mapped_gib, 1u);
}

TEST(LinuxLoader, NoInitrd) {
  Guest g = make_guest(64 * kMiB);
  auto image = testing::fake_bzimage();
  auto boot = load_linux(g.mem, g.ram, image, "", {});
  ASSERT_TRUE(boot) << boot.error().message;
  EXPECT_EQ(boot->initrd_addr, 0u);
}

TEST(LinuxLoader, Errors) {
  Guest g = make_guest(64 * kMiB);
  auto image = testing::fake_bzimage();
  EXPECT_FALSE(load_linux(g.mem, g.ram, image, std::string(2048, 'x'), {}));
  EXPECT_FALSE(load_linux(g.mem, g.ram, image, std::string("a\0b", 3), {}));
  const std::vector<std::uint8_t> huge(60 * kMiB, 0);
  auto r = load_linux(g.mem, g.ram, image, "", huge);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("initrd"), std::string::npos);
  Guest small = make_guest(8 * kMiB);  // 32 MiB init_size cannot fit
  EXPECT_FALSE(load_linux(small.mem, small.ram, image, "", {}));
  testing::put<std::uint16_t>(image, 0x236, 0);  // no 64-bit entry
  EXPECT_FALSE(load_linux(g.mem, g.ram, image, "", {}));
}

}  // namespace
}  // namespace strata::hwvm::x86

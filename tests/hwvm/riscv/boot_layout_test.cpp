// What load_riscv_boot puts in RAM and where the hart starts: the kernel at RAM + text_offset,
// the initrd and the device tree at the top (the tree naming the initrd), and with a firmware
// the firmware at the start of RAM with an OpenSBI fw_dynamic_info after the tree.
#include "hwvm/riscv/riscv_boot.hpp"

#include <libfdt.h>

#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hwvm/riscv/virt_layout.hpp"

namespace strata::hwvm::riscv {
namespace {

void put64(std::vector<uint8_t>& b, size_t off, uint64_t v) {
  for (int i = 0; i < 8; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

std::vector<uint8_t> kernel_image() {
  std::vector<uint8_t> b(kImageHeaderSize + 256, 0xab);
  std::memset(b.data(), 0, kImageHeaderSize);
  put64(b, 0x08, 0x200000);
  put64(b, 0x10, 0x100000);
  std::memcpy(b.data() + 0x30, "RISCV\0\0\0", 8);
  std::memcpy(b.data() + 0x38, "RSC\x05", 4);
  return b;
}

constexpr std::uint64_t kRam = 64ull << 20;

const uint8_t* at(const std::vector<uint8_t>& ram, std::uint64_t gpa) {
  return ram.data() + (gpa - kRamBase);
}

TEST(RiscvBoot, KernelEntryInSupervisorModeWithTheTree) {
  std::vector<uint8_t> ram(kRam);
  const auto kernel = kernel_image();
  const std::vector<uint8_t> initrd(10000, 0x5a);
  auto e = load_riscv_boot(ram, {kernel, initrd, {}}, {"console=ttyS0", {0}});
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->pc, kRamBase + 0x200000);
  EXPECT_FALSE(e->machine_mode);
  EXPECT_EQ(e->a2, 0u);
  EXPECT_EQ(std::memcmp(at(ram, e->pc), kernel.data(), kernel.size()), 0);
  EXPECT_EQ(e->a1 % (2 << 20), 0u) << "2 MiB aligned";
  const void* fdt = at(ram, e->a1);
  ASSERT_EQ(fdt_check_header(fdt), 0);
  const int chosen = fdt_path_offset(fdt, "/chosen");
  ASSERT_GE(chosen, 0);
  EXPECT_STREQ(static_cast<const char*>(fdt_getprop(fdt, chosen, "bootargs", nullptr)),
               "console=ttyS0");
  const auto* start =
      static_cast<const fdt64_t*>(fdt_getprop(fdt, chosen, "linux,initrd-start", nullptr));
  const auto* end =
      static_cast<const fdt64_t*>(fdt_getprop(fdt, chosen, "linux,initrd-end", nullptr));
  ASSERT_TRUE(start && end);
  EXPECT_EQ(fdt64_to_cpu(*start), e->placement.initrd_start);
  EXPECT_EQ(fdt64_to_cpu(*end), e->placement.initrd_start + initrd.size());
  EXPECT_EQ(std::memcmp(at(ram, e->placement.initrd_start), initrd.data(), initrd.size()), 0);
  EXPECT_GE(fdt_path_offset(fdt, "/soc/virtio_mmio@10001000"), 0) << "slot 0 is described";
}

TEST(RiscvBoot, FirmwareInMachineModeWithFwDynamicInfo) {
  std::vector<uint8_t> ram(kRam);
  const auto kernel = kernel_image();
  const std::vector<uint8_t> bios(4096, 0x13);  // nops
  auto e = load_riscv_boot(ram, {kernel, {}, bios}, {"", {}});
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->pc, kRamBase);
  EXPECT_TRUE(e->machine_mode);
  EXPECT_EQ(std::memcmp(at(ram, kRamBase), bios.data(), bios.size()), 0);
  EXPECT_EQ(std::memcmp(at(ram, kRamBase + 0x200000), kernel.data(), kernel.size()), 0);
  ASSERT_NE(e->a2, 0u);
  EXPECT_EQ(e->a2 % 8, 0u);
  EXPECT_GE(e->a2, e->a1 + fdt_totalsize(at(ram, e->a1))) << "after the tree";
  std::uint64_t info[6];
  std::memcpy(info, at(ram, e->a2), sizeof info);
  EXPECT_EQ(info[0], 0x4942534fu);          // magic
  EXPECT_EQ(info[1], 2u);                   // version
  EXPECT_EQ(info[2], kRamBase + 0x200000);  // next_addr
  EXPECT_EQ(info[3], 1u);                   // next_mode S
  EXPECT_EQ(info[4], 0u);                   // options
  EXPECT_EQ(info[5], ~std::uint64_t{0});    // boot_hart: any
}

TEST(RiscvBoot, FirmwareThatOverlapsTheKernelIsRefused) {
  std::vector<uint8_t> ram(kRam);
  const std::vector<uint8_t> bios((2 << 20) + 1, 0);
  auto e = load_riscv_boot(ram, {kernel_image(), {}, bios}, {"", {}});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message,
            "--bios: the firmware has 2097153 bytes, more than the 2097152 bytes between the "
            "start of RAM (0x80000000) and the kernel (0x80200000)");
}

TEST(RiscvBoot, NotAnImageIsRefused) {
  std::vector<uint8_t> ram(kRam);
  std::vector<uint8_t> elf(4096, 0);
  std::memcpy(elf.data(),
              "\x7f"
              "ELF",
              4);
  auto e = load_riscv_boot(ram, {elf, {}, {}}, {"", {}});
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("not a RISC-V kernel Image"), std::string::npos)
      << e.error().message;
}

}  // namespace
}  // namespace strata::hwvm::riscv

// The virt machine's device tree, read back with libfdt the way the kernel reads it, and
// checked by dtc (device-tree-compiler) when it is installed.
#include "hwvm/riscv/fdt.hpp"

#include <libfdt.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hwvm/riscv/virt_layout.hpp"
#include "tests/support/subprocess.hpp"

namespace strata::hwvm::riscv {
namespace {

VirtFdtConfig config() {
  VirtFdtConfig c;
  c.ram_size = 512ull << 20;
  c.bootargs = "console=ttyS0 earlycon";
  c.initrd_start = 0x9000'0000;
  c.initrd_end = 0x9012'3000;
  c.virtio_slots = {1, 0};
  for (std::size_t i = 0; i < c.rng_seed.size(); ++i) c.rng_seed[i] = static_cast<uint8_t>(i);
  return c;
}

std::string str_prop(const void* fdt, const char* path, const char* name) {
  const int node = fdt_path_offset(fdt, path);
  if (node < 0) return "<no node " + std::string(path) + ">";
  int len = 0;
  const auto* p = static_cast<const char*>(fdt_getprop(fdt, node, name, &len));
  if (p == nullptr) return "<no property>";
  return std::string(p, static_cast<std::size_t>(len));
}

std::vector<uint32_t> cells(const void* fdt, const char* path, const char* name) {
  const int node = fdt_path_offset(fdt, path);
  if (node < 0) return {};
  int len = 0;
  const auto* p = static_cast<const fdt32_t*>(fdt_getprop(fdt, node, name, &len));
  std::vector<uint32_t> out;
  for (int i = 0; p != nullptr && i < len / 4; ++i) out.push_back(fdt32_to_cpu(p[i]));
  return out;
}

TEST(VirtFdt, IsAValidVersion17Blob) {
  auto blob = build_virt_fdt(config());
  ASSERT_TRUE(blob) << blob.error().message;
  EXPECT_EQ(fdt_check_header(blob->data()), 0);
  EXPECT_EQ(fdt_totalsize(blob->data()), blob->size());
  EXPECT_EQ(fdt_version(blob->data()), 17u);
}

TEST(VirtFdt, ChosenHasCommandLineConsoleInitrdAndSeed) {
  auto blob = build_virt_fdt(config());
  ASSERT_TRUE(blob) << blob.error().message;
  const void* f = blob->data();
  EXPECT_EQ(str_prop(f, "/chosen", "bootargs"), std::string("console=ttyS0 earlycon\0", 23));
  EXPECT_EQ(str_prop(f, "/chosen", "stdout-path"), std::string("/soc/serial@10000000\0", 21));
  EXPECT_EQ(cells(f, "/chosen", "linux,initrd-start"), (std::vector<uint32_t>{0, 0x9000'0000}));
  EXPECT_EQ(cells(f, "/chosen", "linux,initrd-end"), (std::vector<uint32_t>{0, 0x9012'3000}));
  const std::string seed = str_prop(f, "/chosen", "rng-seed");
  ASSERT_EQ(seed.size(), 32u);
  EXPECT_EQ(static_cast<uint8_t>(seed[31]), 31);
  // The alias the 8250 driver numbers the port by.
  EXPECT_EQ(str_prop(f, "/aliases", "serial0"), std::string("/soc/serial@10000000\0", 21));
}

TEST(VirtFdt, NoInitrdMeansNoInitrdProperties) {
  auto c = config();
  c.initrd_start = c.initrd_end = 0;
  auto blob = build_virt_fdt(c);
  ASSERT_TRUE(blob) << blob.error().message;
  EXPECT_EQ(str_prop(blob->data(), "/chosen", "linux,initrd-start"), "<no property>");
}

TEST(VirtFdt, MemoryAndCpus) {
  auto c = config();
  c.harts = 2;
  auto blob = build_virt_fdt(c);
  ASSERT_TRUE(blob) << blob.error().message;
  const void* f = blob->data();
  EXPECT_EQ(cells(f, "/memory@80000000", "reg"),
            (std::vector<uint32_t>{0, kRamBase >> 0, 0, 512u << 20}));
  EXPECT_EQ(str_prop(f, "/memory@80000000", "device_type"), std::string("memory\0", 7));
  EXPECT_EQ(cells(f, "/cpus", "timebase-frequency"), std::vector<uint32_t>{kTimebaseHz});
  EXPECT_EQ(cells(f, "/cpus/cpu@1", "reg"), std::vector<uint32_t>{1});
  EXPECT_EQ(str_prop(f, "/cpus/cpu@0", "riscv,isa"),
            std::string("rv64imafdc_zicsr_zifencei\0", 26));
  EXPECT_EQ(str_prop(f, "/cpus/cpu@0", "mmu-type"), std::string("riscv,sv39\0", 11));
  EXPECT_EQ(str_prop(f, "/cpus/cpu@0", "riscv,isa-extensions"),
            std::string("i\0m\0a\0f\0d\0c\0zicsr\0zifencei\0", 27));
  EXPECT_EQ(str_prop(f, "/cpus/cpu@1/interrupt-controller", "compatible"),
            std::string("riscv,cpu-intc\0", 15));
}

// Every interrupt reference must land on the hart controller or PLIC it names: the kernel
// follows phandles, so a wrong one silently loses the timer or the console interrupt.
TEST(VirtFdt, InterruptWiringFollowsPhandles) {
  auto c = config();
  c.harts = 2;
  auto blob = build_virt_fdt(c);
  ASSERT_TRUE(blob) << blob.error().message;
  const void* f = blob->data();
  const uint32_t intc0 = fdt_get_phandle(f, fdt_path_offset(f, "/cpus/cpu@0/interrupt-controller"));
  const uint32_t intc1 = fdt_get_phandle(f, fdt_path_offset(f, "/cpus/cpu@1/interrupt-controller"));
  const uint32_t plic = fdt_get_phandle(f, fdt_path_offset(f, "/soc/plic@c000000"));
  ASSERT_NE(intc0, 0u);
  ASSERT_NE(intc1, 0u);
  ASSERT_NE(plic, 0u);
  EXPECT_NE(intc0, intc1);
  EXPECT_EQ(cells(f, "/soc/clint@2000000", "interrupts-extended"),
            (std::vector<uint32_t>{intc0, 3, intc0, 7, intc1, 3, intc1, 7}));
  EXPECT_EQ(cells(f, "/soc/plic@c000000", "interrupts-extended"),
            (std::vector<uint32_t>{intc0, 11, intc0, 9, intc1, 11, intc1, 9}));
  EXPECT_EQ(cells(f, "/soc/plic@c000000", "riscv,ndev"), std::vector<uint32_t>{31});
  EXPECT_EQ(cells(f, "/soc/serial@10000000", "interrupt-parent"), std::vector<uint32_t>{plic});
  EXPECT_EQ(cells(f, "/soc/serial@10000000", "interrupts"), std::vector<uint32_t>{kUartIrq});
  const uint32_t test = fdt_get_phandle(f, fdt_path_offset(f, "/soc/test@100000"));
  EXPECT_EQ(cells(f, "/poweroff", "regmap"), std::vector<uint32_t>{test});
  EXPECT_EQ(cells(f, "/poweroff", "value"), std::vector<uint32_t>{0x5555});
  EXPECT_EQ(cells(f, "/reboot", "value"), std::vector<uint32_t>{0x7777});
}

TEST(VirtFdt, OnlyOccupiedVirtioSlotsAreDescribed) {
  auto blob = build_virt_fdt(config());
  ASSERT_TRUE(blob) << blob.error().message;
  const void* f = blob->data();
  EXPECT_EQ(cells(f, "/soc/virtio_mmio@10001000", "reg"),
            (std::vector<uint32_t>{0, 0x10001000, 0, 0x1000}));
  EXPECT_EQ(cells(f, "/soc/virtio_mmio@10001000", "interrupts"), std::vector<uint32_t>{1});
  EXPECT_EQ(cells(f, "/soc/virtio_mmio@10002000", "interrupts"), std::vector<uint32_t>{2});
  EXPECT_LT(fdt_path_offset(f, "/soc/virtio_mmio@10003000"), 0);
}

TEST(VirtFdt, BadConfigurationsAreNamed) {
  auto expect_error = [](VirtFdtConfig c, const std::string& needle) {
    auto r = build_virt_fdt(c);
    ASSERT_FALSE(r) << "expected an error containing: " << needle;
    EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
  };
  auto c = config();
  c.harts = 0;
  expect_error(c, "0 harts; expected 1..32");
  c = config();
  c.ram_size = 1 << 20;
  expect_error(c, "RAM size 0x100000; expected a multiple of 4 KiB, at least 2 MiB");
  c = config();
  c.ram_size = (512ull << 20) + 1;
  expect_error(c, "expected a multiple of 4 KiB");
  c = config();
  c.ram_size = ~0ull & ~0xfffull;
  expect_error(c, "runs past the end of the address space");
  c = config();
  c.bootargs = std::string("a\0b", 3);
  expect_error(c, "contains a NUL byte");
  c = config();
  c.initrd_end = 0x1000;
  expect_error(c, "is below its start");
  c = config();
  c.initrd_start = 0x7000'0000;
  expect_error(c, "is not inside RAM");
  c = config();
  c.virtio_slots = {8};
  expect_error(c, "virtio-mmio slot 8; expected 0..7");
  c = config();
  c.virtio_slots = {2, 2};
  expect_error(c, "slot 2 given twice");
  c = config();
  c.isa = "rv32imac";
  expect_error(c, "does not start with rv64");
}

// dtc decompiles the blob and its checks (unit addresses, interrupt providers, phandle
// references, reg formats) report nothing.
TEST(VirtFdt, DtcFindsNothingToWarnAbout) {
  if (access("/usr/bin/dtc", X_OK) != 0)
    GTEST_SKIP() << "dtc is not installed (Debian package device-tree-compiler)";
  auto c = config();
  c.harts = 2;
  auto blob = build_virt_fdt(c);
  ASSERT_TRUE(blob) << blob.error().message;
  char path[] = "/tmp/strata-fdt-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, blob->data(), blob->size()), static_cast<ssize_t>(blob->size()));
  close(fd);
  auto r = test::run_process({"/usr/bin/dtc", "-I", "dtb", "-O", "dts", path});
  unlink(path);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("compatible = \"virtio,mmio\";"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bootargs = \"console=ttyS0 earlycon\";"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace strata::hwvm::riscv

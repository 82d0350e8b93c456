// `strata boot --arch riscv64` end to end: a bare-metal payload (payload/boot_payload.S,
// packaged as a RISC-V Image at build time) prints through the UART, checks the device tree
// in a1, uses the SBI console and timer (set_timer, then wfi until the interrupt), reads
// sector 0 of a virtio-blk disk (whose byte 16 says how to end: SBI system reset, the test
// device's pass, or its fail with code 42) and powers off. Bad input gets exact messages.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/subprocess.hpp"

namespace strata::test {
namespace {

namespace fs = std::filesystem;

// A 4 KiB raw disk whose sector 0 starts "STRATA-DISK-0.." and ends the run by `how`.
std::string make_disk(char how) {
  const fs::path p = fs::temp_directory_path() /
                     ("strata-rv-disk-" + std::to_string(getpid()) + "-" + how + ".img");
  std::string bytes(4096, '\0');
  const std::string head = "STRATA-DISK-0..";
  bytes.replace(0, head.size(), head);
  bytes[16] = how;
  std::ofstream(p, std::ios::binary) << bytes;
  return p.string();
}

// A file of `bytes` under the temporary directory, named after this process and `name`.
std::string temp_file(const std::string& name, const std::vector<std::uint8_t>& bytes) {
  const fs::path p =
      fs::temp_directory_path() / ("strata-rv-" + std::to_string(getpid()) + "-" + name);
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  return p.string();
}

void put32(std::vector<std::uint8_t>& b, std::size_t off, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// A RISC-V Image (text_offset 2 MiB) whose code0 jumps over the header to `code`, so the
// first instruction of the body runs at 0x8020_0040. image_size 0 means the file's size.
std::vector<std::uint8_t> riscv_image(const std::vector<std::uint32_t>& code,
                                      std::uint64_t image_size = 0) {
  std::vector<std::uint8_t> b(64 + 4 * code.size(), 0);
  put32(b, 0x00, 0x0400006f);  // jal x0, +64
  put32(b, 0x08, 0x200000);    // text_offset
  put32(b, 0x10, static_cast<std::uint32_t>(image_size));
  put32(b, 0x14, static_cast<std::uint32_t>(image_size >> 32));
  put32(b, 0x20, 2);  // version 0.2
  const char magic[] = "RISCV\0\0\0RSC\x05";
  for (int i = 0; i < 12; ++i) b[0x30 + i] = static_cast<std::uint8_t>(magic[i]);
  for (std::size_t i = 0; i < code.size(); ++i) put32(b, 64 + 4 * i, code[i]);
  return b;
}

constexpr std::uint32_t kIllegal = 0x00000000;      // the all-zero parcel is reserved
constexpr std::uint32_t kLoopForever = 0x0000006f;  // jal x0, 0

std::vector<std::string> boot(std::vector<std::string> extra) {
  std::vector<std::string> argv = {strata_binary(), "boot", "--arch", "riscv64"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

// The payload is assembled at configure time with riscv64-linux-gnu-gcc (tools/setup.sh).
#define REQUIRE_PAYLOAD()                        \
  if (std::string(STRATA_RISCV_PAYLOAD).empty()) \
  GTEST_SKIP() << "riscv64-linux-gnu-gcc was not found at configure time"

constexpr const char* kChecks =
    "uart ok\nfdt ok\nputchar ok\ndbcn ok\ntimer ok\ndisk ok\nplic ok\nbye\n";

TEST(RiscvMachineBoot, PayloadPowersOffThroughTheTestDevice) {
  REQUIRE_PAYLOAD();
  const std::string disk = make_disk('T');
  auto r = run_process(boot({"--kernel", STRATA_RISCV_PAYLOAD, "--disk", disk}), "", 60);
  fs::remove(disk);
  EXPECT_EQ(r.out, kChecks) << r.err;
  EXPECT_EQ(r.err, "strata: guest powered off (test device)\n");
  EXPECT_EQ(r.exit_code, 0);
}

TEST(RiscvMachineBoot, PayloadPowersOffThroughSbiSystemReset) {
  REQUIRE_PAYLOAD();
  const std::string disk = make_disk('S');
  auto r =
      run_process(boot({"--kernel", STRATA_RISCV_PAYLOAD, "--disk", disk, "--jit", "off"}), "", 60);
  fs::remove(disk);
  EXPECT_EQ(r.out, kChecks) << r.err;
  EXPECT_EQ(r.err, "strata: guest powered off (SBI system reset, reason 0)\n");
  EXPECT_EQ(r.exit_code, 0);
}

TEST(RiscvMachineBoot, TestDeviceFailCodeIsTheExitCode) {
  REQUIRE_PAYLOAD();
  const std::string disk = make_disk('F');
  auto r = run_process(boot({"--kernel", STRATA_RISCV_PAYLOAD, "--disk", disk, "--stats"}), "", 60);
  fs::remove(disk);
  EXPECT_EQ(r.out, kChecks) << r.err;
  EXPECT_NE(r.err.find("strata: guest powered off with exit code 42 (test device)\n"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("devices: "), std::string::npos) << "--stats: " << r.err;
  EXPECT_NE(r.err.find("sbi: "), std::string::npos) << "--stats: " << r.err;
  EXPECT_EQ(r.exit_code, 42);
}

TEST(RiscvMachineBoot, UnderOpenSbiFwDynamic) {
  REQUIRE_PAYLOAD();
  const std::string fw = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin";
  if (!fs::exists(fw)) GTEST_SKIP() << fw << " is not installed (apt-get install opensbi)";
  const std::string disk = make_disk('T');
  auto r =
      run_process(boot({"--kernel", STRATA_RISCV_PAYLOAD, "--disk", disk, "--bios", fw}), "", 120);
  fs::remove(disk);
  // OpenSBI 1.1 has no DBCN; its banner comes first, and its console writes "\r\n" for "\n".
  std::erase(r.out, '\r');
  EXPECT_NE(r.out.find("OpenSBI"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("uart ok\nfdt ok\nputchar ok\ndbcn unsupported\ntimer ok\ndisk ok\nplic "
                       "ok\nbye\n"),
            std::string::npos)
      << r.out << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// A guest's trap that nothing handles ends the run with the cause and the registers, not a
// hang: here the S-mode kernel's illegal instruction goes (delegated, as OpenSBI does) to
// stvec 0, where there is nothing to fetch.
TEST(RiscvMachineBoot, UnhandledSupervisorTrapStopsWithTheRegisters) {
  const std::string kernel = temp_file("illegal.img", riscv_image({kIllegal}));
  auto r = run_process(boot({"--kernel", kernel}), "", 60);
  fs::remove(kernel);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("illegal instruction (cause 2, tval 0x0): cannot fetch its trap handler at "
                       "0x0 (instruction access fault)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("S-mode"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("scause 2 sepc 80200040 stval 0 stvec 0"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("a1 000000009fe00000"), std::string::npos) << "the device tree\n" << r.err;
  EXPECT_EQ(r.out, "");
}

// Under --bios the firmware runs in M-mode; one whose mtvec is still 0 when it traps stops the
// same way, with mcause and mepc.
TEST(RiscvMachineBoot, FirmwareTrapWithoutMtvecStopsWithTheRegisters) {
  const std::string kernel = temp_file("loop.img", riscv_image({kLoopForever}));
  const std::string bios = temp_file("bios.bin", {0, 0, 0, 0});
  auto r = run_process(boot({"--kernel", kernel, "--bios", bios}), "", 60);
  fs::remove(kernel);
  fs::remove(bios);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("illegal instruction (cause 2, tval 0x0): cannot fetch its trap handler at "
                       "0x0 (instruction access fault)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("M-mode"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("mcause 2 mepc 80000000 mtval 0"), std::string::npos) << r.err;
}

// ---- bad input: these need no hart ----

TEST(RiscvBootArgs, X86KernelIsNotARiscvImage) {
  std::string bzimage;
  for (const auto& e : fs::directory_iterator("/boot"))
    if (e.path().filename().string().starts_with("vmlinuz-")) bzimage = e.path().string();
  if (bzimage.empty()) GTEST_SKIP() << "no x86 kernel /boot/vmlinuz-* on this host";
  if (::access(bzimage.c_str(), R_OK) != 0) GTEST_SKIP() << bzimage << " is not readable";
  auto r = run_process(boot({"--kernel", bzimage}));
  EXPECT_EQ(r.err, "strata: " + bzimage +
                       ": not a RISC-V kernel Image: this is an x86 Linux bzImage (strata boot "
                       "without --arch riscv64 runs it) (--kernel expects a RISC-V Linux Image, "
                       "such as Debian's /boot/vmlinux-*-riscv64)\n");
  EXPECT_EQ(r.exit_code, 1);
}

TEST(RiscvBootArgs, RandomBytesAreNotARiscvImage) {
  std::mt19937 gen(20240601);
  std::vector<std::uint8_t> bytes(64 * 1024);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(gen());
  const std::string kernel = temp_file("random.bin", bytes);
  auto r = run_process(boot({"--kernel", kernel}));
  fs::remove(kernel);
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
  EXPECT_EQ(
      r.err.rfind("strata: " + kernel + ": not a RISC-V kernel Image: no \"RSC\\x05\" magic", 0),
      0u)
      << r.err;
  EXPECT_EQ(r.exit_code, 1);
}

// The Image's image_size says how much RAM the running kernel takes.
TEST(RiscvBootArgs, KernelLargerThanMemory) {
  const std::string kernel = temp_file("huge.img", riscv_image({kLoopForever}, 256ull << 20));
  auto r = run_process(boot({"--kernel", kernel, "--mem", "128M"}));
  fs::remove(kernel);
  EXPECT_EQ(r.err,
            "strata: memory too small: the kernel (0x10000000 bytes at +0x200000), the initrd "
            "(0x0 bytes) and the device tree need at least 260 MiB of RAM, the machine has 128 "
            "MiB\n");
  EXPECT_EQ(r.exit_code, 1);
}

TEST(RiscvBootArgs, TooLittleMemory) {
  if (std::string(STRATA_RISCV_PAYLOAD).empty()) GTEST_SKIP() << "no payload";
  auto r = run_process(boot({"--kernel", STRATA_RISCV_PAYLOAD, "--mem", "16M"}));
  EXPECT_EQ(r.err, "strata: --mem 16M is too small: the riscv64 machine needs at least 128 MiB\n");
  EXPECT_EQ(r.exit_code, 1);
}

TEST(RiscvBootArgs, NotARiscvImage) {
  const std::string elf = source_path("tests/hwvm/riscv/payload/boot_payload.S");
  auto r = run_process(boot({"--kernel", elf}));
  EXPECT_EQ(r.err, "strata: " + elf +
                       ": not a RISC-V kernel Image: no \"RSC\\x05\" magic at offset 0x38 (nor "
                       "\"RISCV\" at 0x30); a vmlinux ELF or a compressed Image.gz must be "
                       "converted or decompressed first (--kernel expects a RISC-V Linux Image, "
                       "such as Debian's /boot/vmlinux-*-riscv64)\n");
  EXPECT_EQ(r.exit_code, 1);
}

TEST(RiscvBootArgs, MissingFiles) {
  auto r = run_process(boot({"--kernel", "/nonexistent/Image"}));
  EXPECT_EQ(r.err, "strata: /nonexistent/Image: cannot open: No such file or directory\n");
  EXPECT_EQ(r.exit_code, 1);
  if (std::string(STRATA_RISCV_PAYLOAD).empty()) return;
  r = run_process(boot({"--kernel", STRATA_RISCV_PAYLOAD, "--initrd", "/nonexistent/initrd"}));
  EXPECT_EQ(r.err, "strata: /nonexistent/initrd: cannot open: No such file or directory\n");
  EXPECT_EQ(r.exit_code, 1);
  r = run_process(boot({"--kernel", STRATA_RISCV_PAYLOAD, "--bios", "/nonexistent/fw.bin"}));
  EXPECT_EQ(r.err, "strata: /nonexistent/fw.bin: cannot open: No such file or directory\n");
  EXPECT_EQ(r.exit_code, 1);
  r = run_process(boot({"--kernel", STRATA_RISCV_PAYLOAD, "--disk", "/nonexistent/disk.img"}));
  EXPECT_EQ(r.err,
            "strata: disk image /nonexistent/disk.img: cannot open for writing: No such file or "
            "directory\n");
  EXPECT_EQ(r.exit_code, 1);
}

TEST(RiscvBootArgs, KvmOnlyOptionsAreRefused) {
  auto r = run_process(boot({"--kernel", "x", "--force"}));
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')),
            "strata: --force is not supported with --arch riscv64");
  EXPECT_EQ(r.exit_code, 2);
  r = run_process(boot({"--kernel", "x", "--jit", "fast"}));
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')),
            "strata: --jit: 'fast' is not off, baseline, auto or opt");
  EXPECT_EQ(r.exit_code, 2);
  r = run_process({strata_binary(), "boot", "--arch", "arm64", "--kernel", "x"});
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')), "strata: --arch: 'arm64' is not x86_64 or riscv64");
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace strata::test

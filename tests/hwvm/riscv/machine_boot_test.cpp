// `strata boot --arch riscv64` end to end: a bare-metal payload (payload/boot_payload.S,
// packaged as a RISC-V Image at build time) prints through the UART, checks the device tree
// in a1, uses the SBI console and timer (set_timer, then wfi until the interrupt), reads
// sector 0 of a virtio-blk disk (whose byte 16 says how to end: SBI system reset, the test
// device's pass, or its fail with code 42) and powers off. Bad input gets exact messages.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
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

std::vector<std::string> boot(std::vector<std::string> extra) {
  std::vector<std::string> argv = {strata_binary(), "boot", "--arch", "riscv64"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

#if STRATA_HAVE_RISCV_MACHINE
constexpr bool kHaveMachine = true;
#else
constexpr bool kHaveMachine = false;
#endif

#define REQUIRE_MACHINE()                                                           \
  if (!kHaveMachine) GTEST_SKIP() << "this build has no RISC-V hart (jit/rv64sys)"; \
  if (std::string(STRATA_RISCV_PAYLOAD).empty())                                    \
  GTEST_SKIP() << "riscv64-linux-gnu-gcc was not found at configure time"

constexpr const char* kChecks =
    "uart ok\nfdt ok\nputchar ok\ndbcn ok\ntimer ok\ndisk ok\nplic ok\nbye\n";

TEST(RiscvMachineBoot, PayloadPowersOffThroughTheTestDevice) {
  REQUIRE_MACHINE();
  const std::string disk = make_disk('T');
  auto r = run_process(boot({"--kernel", STRATA_RISCV_PAYLOAD, "--disk", disk}), "", 60);
  fs::remove(disk);
  EXPECT_EQ(r.out, kChecks) << r.err;
  EXPECT_EQ(r.err, "strata: guest powered off (test device)\n");
  EXPECT_EQ(r.exit_code, 0);
}

TEST(RiscvMachineBoot, PayloadPowersOffThroughSbiSystemReset) {
  REQUIRE_MACHINE();
  const std::string disk = make_disk('S');
  auto r =
      run_process(boot({"--kernel", STRATA_RISCV_PAYLOAD, "--disk", disk, "--jit", "off"}), "", 60);
  fs::remove(disk);
  EXPECT_EQ(r.out, kChecks) << r.err;
  EXPECT_EQ(r.err, "strata: guest powered off (SBI system reset, reason 0)\n");
  EXPECT_EQ(r.exit_code, 0);
}

TEST(RiscvMachineBoot, TestDeviceFailCodeIsTheExitCode) {
  REQUIRE_MACHINE();
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
  REQUIRE_MACHINE();
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

// ---- bad input: these need no hart ----

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
}

TEST(RiscvBootArgs, KvmOnlyOptionsAreRefused) {
  auto r = run_process(boot({"--kernel", "x", "--force"}));
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')),
            "strata: --force is not supported with --arch riscv64");
  EXPECT_EQ(r.exit_code, 2);
  r = run_process(boot({"--kernel", "x", "--jit", "fast"}));
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')),
            "strata: --jit: 'fast' is not off, baseline or auto");
  EXPECT_EQ(r.exit_code, 2);
  r = run_process({strata_binary(), "boot", "--arch", "arm64", "--kernel", "x"});
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')), "strata: --arch: 'arm64' is not x86_64 or riscv64");
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace strata::test

// The riscv64 guest of tools/mkguest/mkguest booted by an emulator of the RISC-V virt machine:
// the ready line, a command from the kernel command line, the disk read (a file's md5sum in the
// guest against the host's) and written (a file created in the guest is in the image after
// poweroff). QEMU is the reference. An emulator is one entry of kEmulators: a name, why it
// cannot run here, and its command line for a kernel, initramfs, kernel command line and disk
// (`strata boot --arch riscv64 --kernel K --initrd I --append A --mem 512M --disk D` becomes
// one more entry).
#include <unistd.h>

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/subprocess.hpp"
#include "tests/tools/riscv_guest.hpp"

namespace strata {
namespace {

namespace fs = std::filesystem;
using test::run_process;

struct GuestFiles {
  std::string kernel;
  std::string initrd;
  std::string disk;
};

struct RiscvEmulator {
  const char* name;
  std::string (*unavailable)();  // why it cannot run here; "" when it can
  std::vector<std::string> (*command)(const GuestFiles& guest, const std::string& append);
  int timeout_s;  // for one boot to poweroff
};

// QEMU's own -bios default is the OpenSBI of the qemu-system-data package; where a QEMU lacks
// it, the opensbi package's fw_jump.bin is given instead.
constexpr const char* kQemuDefaultBios = "/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin";
constexpr const char* kOpensbiFwJump = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin";

std::string qemu_unavailable() {
  if (test::find_on_path("qemu-system-riscv64").empty()) {
    return "qemu-system-riscv64 not found (Debian package qemu-system-misc; tools/setup.sh)";
  }
  if (::access(kQemuDefaultBios, R_OK) != 0 && ::access(kOpensbiFwJump, R_OK) != 0) {
    return std::string("no OpenSBI firmware: neither ") + kQemuDefaultBios + " nor " +
           kOpensbiFwJump + " (Debian packages qemu-system-data, opensbi; tools/setup.sh)";
  }
  return "";
}

std::vector<std::string> qemu_command(const GuestFiles& guest, const std::string& append) {
  std::vector<std::string> argv = {test::find_on_path("qemu-system-riscv64")};
  argv.insert(argv.end(), {"-M", "virt", "-m", "512M", "-nographic"});
  argv.insert(argv.end(), {"-kernel", guest.kernel, "-initrd", guest.initrd, "-append", append});
  argv.insert(argv.end(), {"-drive", "file=" + guest.disk + ",if=none,id=d0,format=raw", "-device",
                           "virtio-blk-device,drive=d0"});
  if (::access(kQemuDefaultBios, R_OK) != 0) argv.insert(argv.end(), {"-bios", kOpensbiFwJump});
  return argv;
}

// Test names and failure messages show the emulator by name.
void PrintTo(const RiscvEmulator& emulator, std::ostream* out) {
  *out << emulator.name;
}

const RiscvEmulator kEmulators[] = {
    {"Qemu", qemu_unavailable, qemu_command, 180},
};

std::string sh(const std::string& script, int* status = nullptr) {
  auto r = run_process({"/bin/sh", "-c", script}, "", 60);
  if (status) *status = r.exit_code;
  return r.out + r.err;
}

// The serial console ends lines with "\r\n".
std::string without_carriage_returns(std::string s) {
  std::erase(s, '\r');
  return s;
}

class RiscvGuestBoot : public ::testing::TestWithParam<RiscvEmulator> {
 protected:
  void SetUp() override {
    if (std::string why = GetParam().unavailable(); !why.empty()) GTEST_SKIP() << why;
    if (std::string why = test::riscv_guest_unavailable(); !why.empty()) GTEST_SKIP() << why;
    char tmpl[] = "/tmp/strata-rvboot-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto built = test::build_riscv_guest(dir_);
    ASSERT_EQ(built.exit_code, 0) << built.out << built.err;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  GuestFiles guest() const {
    return {dir_ + "/vmlinux", dir_ + "/initramfs.cpio.gz", dir_ + "/disk.ext4"};
  }

  std::string dir_;
};

TEST_P(RiscvGuestBoot, RunsTheCommandReadsAndWritesTheDisk) {
  const GuestFiles files = guest();
  // The host's view of a file that spans many blocks.
  std::string host_md5 =
      sh("debugfs -R 'cat /data/numbers.txt' '" + files.disk + "' 2>/dev/null | md5sum");
  ASSERT_GE(host_md5.size(), 32u);
  host_md5.resize(32);
  ASSERT_EQ(host_md5.find_first_not_of("0123456789abcdef"), host_md5.npos) << host_md5;

  const std::string append =
      "console=ttyS0 quiet strata.cmd=\"mount /dev/vda /mnt && md5sum /mnt/data/numbers.txt && "
      "uname -m && echo written by the guest > /mnt/from-guest.txt && umount /mnt\"";
  auto r = run_process(GetParam().command(files, append), "", GetParam().timeout_s);
  const std::string console = without_carriage_returns(r.out);
  ASSERT_EQ(r.exit_code, 0) << "the emulator did not power off cleanly\n" << console << r.err;

  auto ready = console.find("strata-guest: ready\n");
  ASSERT_NE(ready, console.npos) << console;
  auto md5 = console.find(host_md5 + "  /mnt/data/numbers.txt\n", ready);
  EXPECT_NE(md5, console.npos) << "expected md5 " << host_md5 << "\n" << console;
  auto arch = console.find("\nriscv64\n", ready);
  EXPECT_NE(arch, console.npos) << console;
  auto exit = console.find("strata-guest: exit 0\n", ready);
  EXPECT_NE(exit, console.npos) << console;
  EXPECT_LT(md5, exit);

  // Written back before poweroff, and the file system left clean.
  EXPECT_EQ(sh("debugfs -R 'cat /from-guest.txt' '" + files.disk + "' 2>/dev/null"),
            "written by the guest\n");
  int status = -1;
  std::string fsck = sh("e2fsck -fn '" + files.disk + "'", &status);
  EXPECT_EQ(status, 0) << fsck;
}

INSTANTIATE_TEST_SUITE_P(Emulators, RiscvGuestBoot, ::testing::ValuesIn(kEmulators),
                         [](const ::testing::TestParamInfo<RiscvEmulator>& param) {
                           return std::string(param.param.name);
                         });

}  // namespace
}  // namespace strata

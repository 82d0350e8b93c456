// The riscv64 guest of tools/mkguest/mkguest booted by an emulator of the RISC-V virt machine:
// the ready line, a command from the kernel command line, the disk read (a file's md5sum in the
// guest against the host's) and written (a file created in the guest is in the image after
// poweroff), a kernel log free of errors from the machine's devices, and a shell on the
// console fed through stdin. QEMU is the reference. An emulator is one entry of kEmulators: a
// name, why it cannot run here, and its command line for a kernel, initramfs, kernel command
// line and disk; `strata boot --arch riscv64` is there with its built-in SBI and with Debian's
// OpenSBI as --bios (fw_dynamic and fw_jump).
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/subprocess.hpp"
#include "tests/tools/console_session.hpp"
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

constexpr const char* kOpensbiFwDynamic =
    "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin";

std::string strata_unavailable() {
  if (::access(test::strata_binary().c_str(), X_OK) != 0)
    return test::strata_binary() + " is not built (cmake --build BUILD --target strata)";
  return "";
}

std::string needs_strata_and(const char* firmware) {
  if (std::string why = strata_unavailable(); !why.empty()) return why;
  if (::access(firmware, R_OK) != 0)
    return std::string(firmware) + " is not installed (Debian package opensbi; tools/setup.sh)";
  return "";
}
std::string strata_opensbi_dynamic_unavailable() {
  return needs_strata_and(kOpensbiFwDynamic);
}
std::string strata_opensbi_jump_unavailable() {
  return needs_strata_and(kOpensbiFwJump);
}

std::vector<std::string> strata_command(const GuestFiles& guest, const std::string& append) {
  return {
      test::strata_binary(), "boot",     "--arch", "riscv64", "--kernel", guest.kernel, "--initrd",
      guest.initrd,          "--append", append,   "--mem",   "512M",     "--disk",     guest.disk};
}
std::vector<std::string> strata_opensbi_dynamic_command(const GuestFiles& guest,
                                                        const std::string& append) {
  auto argv = strata_command(guest, append);
  argv.insert(argv.end(), {"--bios", kOpensbiFwDynamic});
  return argv;
}
std::vector<std::string> strata_opensbi_jump_command(const GuestFiles& guest,
                                                     const std::string& append) {
  auto argv = strata_command(guest, append);
  argv.insert(argv.end(), {"--bios", kOpensbiFwJump});
  return argv;
}

// Test names and failure messages show the emulator by name.
void PrintTo(const RiscvEmulator& emulator, std::ostream* out) {
  *out << emulator.name;
}

const RiscvEmulator kEmulators[] = {
    {"Qemu", qemu_unavailable, qemu_command, 180},
    // A boot to poweroff takes 10-20 s of one core here; the rest is room for a busy machine.
    {"Strata", strata_unavailable, strata_command, 240},
    {"StrataOpenSbiFwDynamic", strata_opensbi_dynamic_unavailable, strata_opensbi_dynamic_command,
     240},
    {"StrataOpenSbiFwJump", strata_opensbi_jump_unavailable, strata_opensbi_jump_command, 240},
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

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool contains_any(const std::string& line, std::initializer_list<const char*> words) {
  for (const char* w : words)
    if (line.find(w) != std::string::npos) return true;
  return false;
}

// The kernel log after the disk was used: nothing at error level or worse, no warning
// splat, and no complaint from the drivers of the machine's devices (virtio-mmio and
// virtio_blk, the 8250 UART, the PLIC, the timer and CLINT, the SBI). QEMU's own log passes
// the same filter: its one warning is about its PCI host, which this machine does not have.
TEST_P(RiscvGuestBoot, KernelLogHasNoDeviceErrors) {
  const std::string append =
      "console=ttyS0 quiet strata.cmd=\"mount /dev/vda /mnt && md5sum /mnt/data/numbers.txt && "
      "umount /mnt && dmesg -r\"";
  auto r = run_process(GetParam().command(guest(), append), "", GetParam().timeout_s);
  const std::string console = without_carriage_returns(r.out);
  ASSERT_EQ(r.exit_code, 0) << "the emulator did not power off cleanly\n" << console << r.err;
  const auto ready = console.find("strata-guest: ready\n");
  const auto exit = console.find("strata-guest: exit 0\n");
  ASSERT_NE(ready, console.npos) << console;
  ASSERT_NE(exit, console.npos) << "the commands failed\n" << console;
  const std::string log = console.substr(ready, exit - ready);

  std::vector<std::string> kernel_lines, complaints;
  for (const std::string& line : lines_of(log)) {
    // `dmesg -r` keeps each record's "<priority>" (facility * 8 + level).
    if (line.size() < 3 || line[0] != '<') continue;
    kernel_lines.push_back(line);
    const int priority = std::atoi(line.c_str() + 1);
    const std::string l = lower(line);
    const bool ours = contains_any(l, {"virtio", "vda", "serial", "8250", "ttys", "uart", "plic",
                                       "riscv-intc", "riscv-timer", "clint", "clocksource", "sbi"});
    const bool error_level = priority % 8 <= 3;
    const bool warning_level = priority % 8 == 4;
    const bool splat = contains_any(line, {"WARNING:", "BUG:", "Oops", "Call Trace", "Kernel panic",
                                           "cut here", "Unable to handle"});
    const bool bad_words =
        contains_any(l, {"error", "fail", "timeout", "timed out", "warn", "bad", "not responding",
                         "unable", "cannot", "invalid", "lost", "spurious"});
    if (error_level || splat || (ours && (warning_level || bad_words))) complaints.push_back(line);
  }
  EXPECT_GT(kernel_lines.size(), 100u) << "no kernel log from dmesg -r\n" << console;
  std::string listed;
  for (const auto& c : complaints) listed += c + "\n";
  EXPECT_TRUE(complaints.empty()) << listed;

  // The devices were found, and the disk was used through them.
  for (const char* probe :
       {"riscv-plic: plic@c000000: mapped", "ttyS0 at MMIO 0x10000000", "is a 16550A",
        "virtio_blk virtio0: [vda] 16384 512-byte logical", "EXT4-fs (vda): mounted filesystem"}) {
    EXPECT_NE(log.find(probe), log.npos) << "no \"" << probe << "\" in the log\n" << log;
  }
}

// No strata.cmd: /init starts a shell on the console, and the lines typed (sent once the
// prompt is there, as a person would) reach it through the UART's receive interrupt.
TEST_P(RiscvGuestBoot, ShellReadsTheConsole) {
  test::ConsoleSession guest_console(GetParam().command(guest(), "console=ttyS0 quiet"));
  ASSERT_TRUE(guest_console.running());
  const int t = GetParam().timeout_s;
  const int answer_s = 60;  // once the shell runs, a line takes well under a second
  const auto ready = guest_console.wait_for("strata-guest: ready\n", 0, t);
  ASSERT_NE(ready, std::string::npos) << guest_console.output();
  const auto prompt = guest_console.wait_for("# ", ready, t);
  ASSERT_NE(prompt, std::string::npos) << "no shell prompt\n" << guest_console.output();
  // The shell's answer "hello-42" is not in the echo of what was typed.
  ASSERT_TRUE(guest_console.send("echo hello-$((6 * 7))\n"));
  const auto answer = guest_console.wait_for("\nhello-42\n", prompt, answer_s);
  EXPECT_NE(answer, std::string::npos) << guest_console.output();
  // The typed bytes came in through the UART's interrupt (PLIC source 10), not by polling:
  // its line in /proc/interrupts (" 12:  N  SiFive PLIC  10 Edge  ttyS0") counts them.
  ASSERT_TRUE(guest_console.send("grep ttyS0 /proc/interrupts\n"));
  const auto irq_end = guest_console.wait_for(" ttyS0\n", prompt, answer_s);
  ASSERT_NE(irq_end, std::string::npos) << guest_console.output();
  const std::string& out = guest_console.output();
  const std::size_t line_start = out.rfind('\n', irq_end) + 1;
  const std::string irq_line = out.substr(line_start, irq_end + 6 - line_start);  // to "ttyS0"
  std::istringstream fields(irq_line);
  std::string irq, chip;
  long count = -1;
  fields >> irq >> count >> chip;
  EXPECT_GT(count, 0) << irq_line;
  EXPECT_EQ(chip, "SiFive") << irq_line;
  ASSERT_TRUE(guest_console.send("poweroff -f\n"));
  EXPECT_EQ(guest_console.wait_exit(answer_s), 0) << guest_console.output();
}

INSTANTIATE_TEST_SUITE_P(Emulators, RiscvGuestBoot, ::testing::ValuesIn(kEmulators),
                         [](const ::testing::TestParamInfo<RiscvEmulator>& param) {
                           return std::string(param.param.name);
                         });

}  // namespace
}  // namespace strata

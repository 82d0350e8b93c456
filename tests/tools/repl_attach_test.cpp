// `strata repl attach unix:PATH` on guests running with `--monitor unix:PATH`: a flat KVM guest
// (`strata boot --flat`), a RISC-V machine (`strata boot --arch riscv64`, a bare-metal Image
// assembled at test time) and an RV64 Linux program (`strata run`). Attaching stops the guest;
// breakpoints, `continue`, `stop` during a run that would not end by itself, registers written
// so the guest can end, detach; the guest then runs on to its own exit and the boot process
// exits as without a monitor. Also: a second client is turned away, a client that disconnects
// leaves the guest running, and the command-line mistakes are one line each.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/hwvm/bzimage_fixture.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/tools/background_process.hpp"
#include "tests/tools/kvm_guest_fixture.hpp"
#include "tests/vm/rv64/rv64_test_util.hpp"

namespace {

namespace fs = std::filesystem;
using strata::test::BackgroundProcess;
using strata::test::hex;
using strata::test::run_process;
using strata::test::strata_binary;
using strata::test::wait_for_socket;

// Real mode: prints "S", spins (ecx counting) until si becomes nonzero, prints "E" and halts.
// Only a debugger can set si: without one the guest never ends.
constexpr const char* kSpinGuest = R"(
        .code16
        .globl  _start
_start: mov     %cs, %ax
        mov     %ax, %ds
        xor     %si, %si
        mov     $0x3f8, %dx
        mov     $'S', %al
        outb    %al, %dx
        mov     $'\n', %al
        outb    %al, %dx
spin:   incl    %ecx
        test    %si, %si
        jz      spin
        mov     $'E', %al
        outb    %al, %dx
        mov     $'\n', %al
        outb    %al, %dx
        cli
        hlt
)";

// The value printed after `label` at the start of a line, searching from `from`; -1 if none.
long long value_after(const std::string& text, const std::string& label, size_t from = 0) {
  if (from > text.size()) return -1;
  std::smatch m;
  const std::string rest = text.substr(from);
  if (!std::regex_search(rest, m, std::regex("(^|\n)" + label + " +0x([0-9a-f]+)"))) return -1;
  return std::stoll(m[2].str(), nullptr, 16);
}

strata::test::ProcessResult attach(const std::string& sock, const std::string& script) {
  return run_process({strata_binary(), "repl", "attach", "unix:" + sock}, script, 60);
}

// `strata repl attach` with `first` on its stdin and, `pause_ms` later, `second`: a run the first
// part started has been going for a while when the second part's `stop` comes.
strata::test::ProcessResult attach_in_two_parts(const std::string& sock, const std::string& first,
                                                const std::string& second, int pause_ms) {
  int in[2];
  if (pipe2(in, O_CLOEXEC) != 0) return {};
  const std::string out = sock + ".attach_out", err = sock + ".attach_err";
  BackgroundProcess client({strata_binary(), "repl", "attach", "unix:" + sock}, out, err, in[0]);
  close(in[0]);
  (void)!write(in[1], first.data(), first.size());
  std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
  (void)!write(in[1], second.data(), second.size());
  close(in[1]);
  strata::test::ProcessResult r;
  const auto status = client.wait(60000);
  r.exit_code = status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  r.out = client.out();
  r.err = client.err();
  return r;
}

class ReplAttachKvm : public strata::test::KvmGuestTest {
 protected:
  void SetUp() override {
    KvmGuestTest::SetUp();
    if (IsSkipped()) return;
    ASSERT_EQ(build(kSpinGuest), "");
    sock_ = (dir_ / "m.sock").string();
  }
  std::unique_ptr<BackgroundProcess> boot() {
    auto p = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{strata_binary(), "boot", "--flat", bin_, "--monitor",
                                 "unix:" + sock_},
        (dir_ / "boot_out.txt").string(), (dir_ / "boot_err.txt").string());
    EXPECT_TRUE(wait_for_socket(sock_, 10000)) << p->err();
    // In its loop: past the instruction that clears si, which the tests set to end it.
    EXPECT_TRUE(p->wait_for_out("S\n", 10000)) << p->err();
    return p;
  }
  std::string sock_;
};

TEST_F(ReplAttachKvm, StopsBreaksStopsARunAndDetaches) {
  auto guest = boot();
  const std::string spin = hex(syms_["spin"]);
  const auto r =
      attach_in_two_parts(sock_, "regs\nbreak " + spin + "\ncontinue\ndelete\ncontinue\n",
                          "stop\nregs\n"
                          "set rsi 1\nstop\nfrobnicate\ndetach\n",
                          300);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string& o = r.out;
  // Attaching stopped the guest somewhere in its loop (after the console line).
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      o, m,
      std::regex(
          "^strata repl: attached to .*guest.bin \\(x86-64\\), stopped at 0x100(0f|11|13):")))
      << o;
  const long long ecx_at_attach = value_after(o, "rcx");
  EXPECT_GT(ecx_at_attach, 0) << o;
  EXPECT_NE(o.find("breakpoint 1 at " + spin + "\n"), std::string::npos) << o;
  EXPECT_NE(o.find("breakpoint 1, " + spin + ":\tinc %ecx\n"), std::string::npos) << o;
  // The second continue runs until `stop`; by then the loop has gone round more.
  ASSERT_TRUE(std::regex_search(o, m, std::regex("\nstopped: 0x100(0f|11|13):"))) << o;
  const size_t stopped = static_cast<size_t>(m.position(0));
  EXPECT_GT(value_after(o, "rcx", stopped), ecx_at_attach) << o;
  EXPECT_NE(o.find("rsi = 0x1\n"), std::string::npos) << o;
  // `stop` with no run going, and a wrong command: one line each, the session goes on.
  EXPECT_TRUE(std::regex_search(o, std::regex("the guest is already stopped at 0x100(0f|11|13)\n")))
      << o;
  EXPECT_EQ(r.err, "error: unknown command 'frobnicate' (type help)\n");
  EXPECT_NE(o.find("detached: the guest runs on\n"), std::string::npos) << o;
  // Detached with si set, the guest leaves its loop, prints E and halts: boot's usual end.
  const auto status = guest->wait(20000);
  ASSERT_TRUE(status) << "the guest did not end after the detach\n" << guest->err();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << guest->err();
  EXPECT_EQ(guest->out(), "S\nE\n");
  EXPECT_NE(guest->err().find("strata: guest halted at 1000:"), std::string::npos) << guest->err();
  EXPECT_FALSE(fs::exists(sock_)) << "the socket file outlived strata";
}

// A long-mode stand-in kernel (the synthetic bzImage of tests/hwvm/bzimage_fixture.hpp, as in
// repl_kvm_test.cpp): prints "S", spins until rsi becomes nonzero, prints "E" and resets the
// machine through the i8042.
constexpr const char* kSpinKernel = R"(
        .code64
        .globl  _start
_start: xor     %esi, %esi
        mov     $0x3f8, %dx
        mov     $'S', %al
        outb    %al, %dx
        mov     $'\n', %al
        outb    %al, %dx
spin:   inc     %rcx
        test    %rsi, %rsi
        jz      spin
        mov     $'E', %al
        outb    %al, %dx
        mov     $'\n', %al
        outb    %al, %dx
        mov     $0xfe, %al
        outb    %al, $0x64
)";

TEST_F(ReplAttachKvm, KernelInLongMode) {
  std::string error;
  const std::string kernel = build_standin_kernel(kSpinKernel, &error);
  ASSERT_EQ(error, "");

  BackgroundProcess guest({strata_binary(), "boot", "--kernel", kernel, "--mem", "64M", "--force",
                           "--monitor", "unix:" + sock_},
                          (dir_ / "boot_out.txt").string(), (dir_ / "boot_err.txt").string());
  ASSERT_TRUE(wait_for_socket(sock_, 10000)) << guest.err();
  ASSERT_TRUE(guest.wait_for_out("S\n", 10000)) << guest.err();
  const auto r = attach(sock_, "sregs\nstats\nset rsi 1\ndetach\n");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string& o = r.out;
  // Stopped in the 64-bit loop, paging on.
  EXPECT_TRUE(std::regex_search(o, std::regex("attached to .*bzImage \\(x86-64\\), stopped at "
                                              "0x1000[0-9a-f]{3}:\t(inc %rcx|test %rsi, %rsi|jz)")))
      << o;
  EXPECT_NE(o.find("cr0        0x00000000800"), std::string::npos) << o;
  EXPECT_NE(o.find("cpu mode: 64-bit long\n"), std::string::npos) << o;
  EXPECT_NE(o.find("detached: the guest runs on\n"), std::string::npos) << o;
  const auto status = guest.wait(20000);
  ASSERT_TRUE(status) << guest.err();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << guest.err();
  EXPECT_EQ(guest.out(), "S\nE\n");
  EXPECT_NE(guest.err().find("strata: guest reset the machine (i8042)"), std::string::npos)
      << guest.err();
}

// The guest ends during the session: it stays inspectable until the client detaches, then the
// boot process exits as the guest's end says.
TEST_F(ReplAttachKvm, GuestEndsWhileAttached) {
  auto guest = boot();
  const auto r = attach(sock_, "set rsi 1\ncontinue\nregs\ncontinue\ndetach\n");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("the guest exited with status 0: guest halted at 1000:"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("rsi        0x0000000000000001\n"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("nothing more to run"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("detached: the guest has ended\n"), std::string::npos) << r.out;
  const auto status = guest->wait(20000);
  ASSERT_TRUE(status) << guest->err();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << guest->err();
  EXPECT_EQ(guest->out(), "S\nE\n");
}

// A raw client holds the monitor: a second `repl attach` is turned away with one line; then
// the first one writes si and disconnects mid-session, and the guest runs on to its end.
TEST_F(ReplAttachKvm, SecondClientIsBusyAndADisconnectLeavesTheGuestRunning) {
  auto guest = boot();
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof a.sun_path, "%s", sock_.c_str());
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  // The session's greeting ends with the prompt frame "P\n".
  std::string got;
  char buf[512];
  while (got.find("\nP\n") == std::string::npos) {
    const ssize_t n = read(fd, buf, sizeof buf);
    ASSERT_GT(n, 0) << got;
    got.append(buf, static_cast<size_t>(n));
  }
  EXPECT_NE(got.find("attached to"), std::string::npos) << got;

  const auto busy = attach(sock_, "regs\n");
  EXPECT_EQ(busy.exit_code, 1);
  EXPECT_EQ(busy.out, "");
  EXPECT_EQ(busy.err,
            "strata: repl attach: unix:" + sock_ + ": monitor busy (another client is attached)\n");

  const std::string cmd = "set rsi 1\n";
  ASSERT_EQ(write(fd, cmd.data(), cmd.size()), static_cast<ssize_t>(cmd.size()));
  got.clear();
  while (got.find("P\n") == std::string::npos) {
    const ssize_t n = read(fd, buf, sizeof buf);
    ASSERT_GT(n, 0) << got;
    got.append(buf, static_cast<size_t>(n));
  }
  EXPECT_NE(got.find("rsi = 0x1"), std::string::npos) << got;
  close(fd);
  const auto status = guest->wait(20000);
  ASSERT_TRUE(status) << "the guest did not run on after the client left\n" << guest->err();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << guest->err();
  EXPECT_EQ(guest->out(), "S\nE\n");
}

// SIGTERM ends a monitored boot as it ends a plain one (exit 130), the socket file removed.
TEST_F(ReplAttachKvm, SignalEndsTheBootAndRemovesTheSocket) {
  auto guest = boot();
  ASSERT_EQ(kill(guest->pid(), SIGTERM), 0);
  const auto status = guest->wait(20000);
  ASSERT_TRUE(status) << guest->err();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 130) << guest->err();
  EXPECT_NE(guest->err().find("strata: interrupted by signal 15"), std::string::npos)
      << guest->err();
  EXPECT_FALSE(fs::exists(sock_));
}

// A file that is not a socket is not replaced; --monitor and --gdb exclude each other.
TEST_F(ReplAttachKvm, BootRefusesABadMonitorPath) {
  const std::string file = (dir_ / "not_a_socket").string();
  { std::ofstream(file) << "keep me"; }
  auto r = run_process({strata_binary(), "boot", "--flat", bin_, "--monitor", "unix:" + file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "strata: unix:" + file +
                       ": a file that is not a socket is there (remove it or pick another path)\n");
  EXPECT_EQ(BackgroundProcess::slurp(file), "keep me");
  r = attach(file, "regs\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "strata: repl attach: unix:" + file +
                       ": not a socket (strata boot --monitor unix:PATH makes one)\n");
  r = run_process({strata_binary(), "boot", "--flat", bin_, "--monitor", "unix:" + sock_, "--gdb",
                   "tcp:127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')),
            "strata: --monitor and --gdb exclude each other: pick one debugger");
}

// Without a guest: each mistake is one line.
TEST(ReplAttachArgs, NothingToAttachToAndBadSpecs) {
  const std::string sock =
      (fs::temp_directory_path() / ("strata_attach_none_" + std::to_string(getpid()))).string();
  auto r = run_process({strata_binary(), "repl", "attach", "unix:" + sock});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "strata: repl attach: unix:" + sock +
                       ": no such socket (is `strata boot "
                       "--monitor unix:" +
                       sock + "` running?)\n");
  r = run_process({strata_binary(), "repl", "attach", "tcp:127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')),
            "strata: repl attach: 'tcp:127.0.0.1:1' is not unix:PATH");
  r = run_process({strata_binary(), "repl", "attach"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')),
            "strata: repl attach: say where: repl attach unix:PATH");
  r = run_process({strata_binary(), "boot", "--flat", "x.bin", "--monitor", "/tmp/s"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')), "strata: --monitor: '/tmp/s' is not unix:PATH");
  r = run_process({strata_binary(), "run", "--monitor=unix:/tmp/s", "prog.sasm"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')),
            "strata: --monitor serves RV64 ELF programs; an SVI program is debugged with strata "
            "repl run");
  r = run_process({strata_binary(), "repl", "boot", "--flat", "x.bin", "--monitor", "unix:/tmp/s"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')),
            "strata: repl boot: --monitor goes with strata boot (the REPL here is the monitor "
            "already)");
}

// In a plain REPL runs are synchronous: `stop` says so, `detach` is refused, the session goes on.
TEST_F(ReplAttachKvm, PlainReplStopAndDetach) {
  const auto r = run_process({strata_binary(), "repl", "boot", "--flat", bin_},
                             "stop\ndetach\nbreak " + hex(syms_["spin"]) +
                                 "\ncontinue\nset rsi 1\ndelete\ncontinue\nquit\n",
                             60);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("the guest is already stopped at 0x10000 (runs are synchronous here: "
                       "Ctrl-C stops a continue; stop is for strata repl attach)\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.err,
            "error: detach is for `strata repl attach`; here quit leaves and the guest is "
            "killed\n");
  EXPECT_NE(r.out.find("E\nthe guest exited with status 0"), std::string::npos) << r.out;
}

// ---- RISC-V: a bare-metal S-mode Image on `strata boot --arch riscv64` ----

// Prints "S", spins (s1 counting: a 2-byte c.addi, then the beqz) until s2 becomes nonzero, prints
// "E" and powers off through the test device ("pass"). The header makes it a RISC-V Linux Image.
constexpr const char* kRiscvSpin = R"(
    .option norelax
    .section .text
    .globl _start
_start:
    .option push
    .option norvc
    j       start
    .option pop
    .word   0
    .dword  0x200000
    .dword  0x10000
    .dword  0
    .word   2
    .word   0
    .dword  0
    .ascii  "RISCV\0\0\0"
    .ascii  "RSC\x05"
    .word   0
start:
    li      t0, 0x10000000
    li      t1, 'S'
    sb      t1, 0(t0)
    li      t1, '\n'
    sb      t1, 0(t0)
    li      s2, 0
spin:
    addi    s1, s1, 1
    beqz    s2, spin
    li      t1, 'E'
    sb      t1, 0(t0)
    li      t1, '\n'
    sb      t1, 0(t0)
    li      t0, 0x100000
    li      t1, 0x5555
    sw      t1, 0(t0)
1:  j       1b
)";

TEST(ReplAttachRiscv, BareMetalImage) {
  const std::string as = strata::test::find_tool("riscv64-linux-gnu-as");
  const std::string ld = strata::test::find_tool("riscv64-linux-gnu-ld");
  const std::string objcopy = strata::test::find_tool("riscv64-linux-gnu-objcopy");
  const std::string nm_tool = strata::test::find_tool("riscv64-linux-gnu-nm");
  if (as.empty() || ld.empty() || objcopy.empty() || nm_tool.empty())
    GTEST_SKIP() << "riscv64-linux-gnu binutils are not installed";
  const fs::path dir =
      fs::temp_directory_path() / ("strata_attach_riscv_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  { std::ofstream(dir / "spin.S") << kRiscvSpin; }
  const std::string d = dir.string();
  ASSERT_EQ(run_process({as, "-march=rv64gc", "-o", d + "/spin.o", d + "/spin.S"}).exit_code, 0);
  ASSERT_EQ(run_process({ld, "-Ttext=0x80200000", "-o", d + "/spin.elf", d + "/spin.o"}).exit_code,
            0);
  ASSERT_EQ(run_process({objcopy, "-O", "binary", d + "/spin.elf", d + "/spin.bin"}).exit_code, 0);
  const auto nm = run_process({nm_tool, d + "/spin.elf"});
  std::smatch m;
  ASSERT_TRUE(std::regex_search(nm.out, m, std::regex("([0-9a-f]+) t spin\n"))) << nm.out;
  const unsigned long long spin = std::stoull(m[1].str(), nullptr, 16);
  const std::string sock = d + "/m.sock";
  BackgroundProcess guest({strata_binary(), "boot", "--arch", "riscv64", "--kernel",
                           d + "/spin.bin", "--monitor", "unix:" + sock},
                          d + "/out.txt", d + "/err.txt");
  ASSERT_TRUE(wait_for_socket(sock, 10000)) << guest.err();
  // In its loop: past the instruction that clears s2, which the test sets to end it.
  ASSERT_TRUE(guest.wait_for_out("S\n", 10000)) << guest.err();
  const auto r = attach_in_two_parts(sock,
                                     "sregs\nbreak " + hex(spin + 2) +
                                         "\ncontinue\nregs\ndelete\n"
                                         "continue\n",
                                     "stop\nregs\nset s2 1\ndetach\n", 300);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string& o = r.out;
  EXPECT_NE(o.find("attached to " + d + "/spin.bin (riscv64), stopped at 0x"), std::string::npos)
      << o;
  // The full-system CSRs: S-mode, no translation.
  EXPECT_NE(o.find("priv       1 (S-mode)\n"), std::string::npos) << o;
  EXPECT_NE(o.find("satp       0x0000000000000000  Bare"), std::string::npos) << o;
  EXPECT_NE(o.find("breakpoint 1, " + hex(spin + 2) + ":\tbeqz\ts2,"), std::string::npos) << o;
  const size_t at_break = o.find("breakpoint 1, ");
  const long long s1_at_break = value_after(o, "s1/x9", at_break);
  const size_t stopped = o.find("\nstopped: 0x");
  ASSERT_NE(stopped, std::string::npos) << o;
  EXPECT_GT(value_after(o, "s1/x9", stopped), s1_at_break) << o;
  EXPECT_NE(o.find("detached: the guest runs on\n"), std::string::npos) << o;
  const auto status = guest.wait(20000);
  ASSERT_TRUE(status) << guest.err();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << guest.err();
  EXPECT_EQ(guest.out(), "S\nE\n");
  EXPECT_NE(guest.err().find("strata: guest powered off (test device)"), std::string::npos)
      << guest.err();
  EXPECT_FALSE(fs::exists(sock));
  fs::remove_all(dir);
}

// ---- RV64 Linux user mode: `strata run --monitor` ----

// Counts with tick() and reads the clock in a loop for 4 seconds, then prints the count and
// exits 3.
constexpr const char* kTimedProgram = R"(#include <stdio.h>
#include <time.h>
__attribute__((noinline)) long tick(long i) {
  __asm__ volatile("");
  return i + 1;
}
int main(void) {
  struct timespec t0, t;
  long i = 0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  printf("start\n");
  fflush(stdout);
  do {
    i = tick(i);
    clock_gettime(CLOCK_MONOTONIC, &t);
  } while (t.tv_sec - t0.tv_sec < 4);
  printf("done %s\n", i > 0 ? "counting" : "without counting");
  return 3;
}
)";

TEST(ReplAttachRv64, RunningProgram) {
  namespace t = strata::vm::rv64::test;
  if (!t::have_tool(t::kCrossGcc)) GTEST_SKIP() << "riscv64-linux-gnu-gcc is not installed";
  const std::string prog = t::build_c("attach_timed", "-static -O1 -g", kTimedProgram);
  ASSERT_FALSE(prog.empty()) << "the cross compiler failed";
  const std::string sock = prog + ".sock";
  BackgroundProcess guest({strata_binary(), "run", "--monitor", "unix:" + sock, prog},
                          prog + ".out", prog + ".err");
  ASSERT_TRUE(wait_for_socket(sock, 10000)) << guest.err();
  // Running its loop, so the counters have moved when it is stopped.
  ASSERT_TRUE(guest.wait_for_out("start\n", 10000)) << guest.err();
  const auto r = attach_in_two_parts(sock, "sregs\nbreak tick\ncontinue\nbt\ndelete\ncontinue\n",
                                     "stop\nsregs\nset pc 1\ndetach\n", 300);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string& o = r.out;
  EXPECT_NE(o.find("attached to " + prog + " (riscv64), stopped at 0x"), std::string::npos) << o;
  const long long instret = value_after(o, "instret");
  EXPECT_GT(instret, 0) << o;
  // The breakpoint at tick, and the call stack from the program's unwind tables.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(o, m, std::regex("breakpoint 1, 0x[0-9a-f]+ <tick>:"))) << o;
  EXPECT_TRUE(std::regex_search(o, std::regex("\n#1 +0x[0-9a-f]+ <main\\+0x[0-9a-f]+>\n"))) << o;
  const size_t stopped = o.find("\nstopped: 0x");
  ASSERT_NE(stopped, std::string::npos) << o;
  EXPECT_GT(value_after(o, "instret", stopped), instret) << o;
  EXPECT_EQ(r.err, "error: pc 0x1 is not 2-byte aligned\n");
  const auto status = guest.wait(20000);
  ASSERT_TRUE(status) << guest.err();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 3) << guest.err();
  EXPECT_EQ(guest.out(), "start\ndone counting\n");
  EXPECT_FALSE(fs::exists(sock));
}

}  // namespace

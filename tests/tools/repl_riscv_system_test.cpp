// The monitor on the RISC-V full-system guest: Debian's riscv64 kernel (the guest of
// tools/mkguest/mkguest --arch riscv64) under `strata repl boot --arch riscv64` through a pipe
// and under real gdb-multiarch against `strata boot --arch riscv64 --gdb`. The kernel ships no
// System.map, so the suite makes one first: the guest boots with nokaslr and prints the lines of
// /proc/kallsyms around start_kernel and kernel_init, which become the --symbols file and the
// addresses the tests expect. Skipped with the reason when the riscv64 packages, the host tools
// or gdb-multiarch are missing.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/subprocess.hpp"
#include "tests/tools/riscv_guest.hpp"

namespace strata {
namespace {

namespace fs = std::filesystem;
using test::run_process;
using test::strata_binary;

std::string hex16(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

// The value printed after `label` at the start of a line ("sp/x2      0x..."), or 0.
uint64_t value_after(const std::string& text, const std::string& label) {
  std::smatch m;
  const std::regex re("(^|\n)" + label + " +0x([0-9a-f]+)");
  if (!std::regex_search(text, m, re)) return 0;
  return std::stoull(m[2].str(), nullptr, 16);
}

// A port nobody listens on right now (the kernel's pick; released for strata to bind).
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// The command lines, without a guest: each mistake one line, before any machine exists.
TEST(RiscvSystemDebugArgs, MistakesAreOneLine) {
  auto r = run_process(
      {strata_binary(), "boot", "--arch", "riscv64", "--kernel", "x", "--symbols", "System.map"});
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')),
            "strata: --symbols goes with strata repl boot (gdb reads symbols itself: symbol-file "
            "FILE)");
  EXPECT_EQ(r.exit_code, 2);
  r = run_process(
      {strata_binary(), "repl", "boot", "--arch", "riscv64", "--kernel", "/nonexistent/Image"},
      "quit\n");
  EXPECT_EQ(r.err, "strata: /nonexistent/Image: cannot open: No such file or directory\n");
  EXPECT_EQ(r.exit_code, 1);
  r = run_process({strata_binary(), "repl", "boot", "--arch", "riscv64", "--kernel", "x",
                   "--symbols", "/nonexistent/System.map"},
                  "quit\n");
  EXPECT_EQ(r.err, "strata: --symbols /nonexistent/System.map: cannot open\n");
  EXPECT_EQ(r.exit_code, 1);
  r = run_process({strata_binary(), "repl", "boot", "--arch", "riscv64"}, "quit\n");
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')), "strata: no guest given (--kernel FILE)");
  EXPECT_EQ(r.exit_code, 2);
}

constexpr const char* kCommand = "echo hello-from-the-guest";

class RiscvSystemDebug : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    skip_ = test::riscv_guest_unavailable();
    if (!skip_.empty()) return;
    char tmpl[] = "/tmp/strata-rvdebug-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      error_ = "mkdtemp failed";
      return;
    }
    dir_ = tmpl;
    auto built = test::build_riscv_guest(dir_);
    if (built.exit_code != 0) {
      error_ = "mkguest failed\n" + built.out + built.err;
      return;
    }
    // The map: kallsyms lines around the two functions (the whole file is 360000 lines, minutes
    // through the UART), as the guest printed them.
    auto r = run_process(
        {strata_binary(), "boot", "--arch", "riscv64", "--kernel", kernel(), "--initrd",
         dir_ + "/initramfs.cpio.gz", "--mem", "512M", "--append",
         "console=ttyS0 quiet nokaslr strata.cmd=\"grep -E -B3 -A3 ' (start_kernel|kernel_init)$' "
         "/proc/kallsyms\""},
        "", 240);
    if (r.exit_code != 0) {
      error_ = "the guest did not print its symbols\n" + r.out + r.err;
      return;
    }
    std::istringstream lines(r.out);
    std::ofstream map(dir_ + "/System.map");
    const std::regex sym_line("([0-9a-f]{16}) [A-Za-z] ([^ ]+)");
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      std::smatch m;
      if (!std::regex_match(line, m, sym_line)) continue;
      map << line << "\n";
      syms_[m[2].str()] = std::stoull(m[1].str(), nullptr, 16);
    }
    if (!syms_.contains("start_kernel") || !syms_.contains("kernel_init"))
      error_ = "no start_kernel or kernel_init in the guest's kallsyms\n" + r.out;
  }
  static void TearDownTestSuite() {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_EQ(error_, "");
  }

  static std::string kernel() { return dir_ + "/vmlinux"; }
  static std::vector<std::string> guest_args() {
    return {"--arch",   "riscv64",
            "--kernel", kernel(),
            "--initrd", dir_ + "/initramfs.cpio.gz",
            "--mem",    "512M",
            "--append", std::string("console=ttyS0 quiet nokaslr strata.cmd=\"") + kCommand + "\""};
  }

  static std::string skip_, error_, dir_;
  static std::map<std::string, uint64_t> syms_;
};

std::string RiscvSystemDebug::skip_, RiscvSystemDebug::error_, RiscvSystemDebug::dir_;
std::map<std::string, uint64_t> RiscvSystemDebug::syms_;

TEST_F(RiscvSystemDebug, ReplBreaksAtKernelSymbolsInspectsAndRunsToPoweroff) {
  const uint64_t start_kernel = syms_["start_kernel"], kernel_init = syms_["kernel_init"];
  std::vector<std::string> argv = {strata_binary(), "repl", "boot"};
  for (const std::string& a : guest_args()) argv.push_back(a);
  argv.insert(argv.end(), {"--symbols", dir_ + "/System.map"});
  const std::string script =
      "sregs\n"
      "break start_kernel\n"
      "break nosuchsymbol\n"
      "set rax 1\n"
      "continue\n"
      "regs\n"
      "sregs\n"
      "step\n"
      "mem sp 32\n"
      "mem 0x1000\n"
      "pmem 0x80200000 16\n"
      "disas kernel_init 3\n"
      "break kernel_init\n"
      "continue\n"
      "delete\n"
      "continue\n"
      "regs\n"
      "quit\n";
  auto r = run_process(argv, script, 240);
  const std::string& o = r.out;
  ASSERT_EQ(r.exit_code, 0) << o << r.err;

  // At the kernel's entry: S-mode, MMU off, pc the physical entry.
  const size_t entry_sregs = o.find("priv       1 (S-mode)\n");
  ASSERT_NE(entry_sregs, std::string::npos) << o;
  EXPECT_NE(o.find("satp       0x0000000000000000  Bare (no translation)\n"), std::string::npos)
      << o;
  EXPECT_NE(o.find("stopped at 0x80200000:"), std::string::npos) << o;

  // The breakpoint by name, hit once the kernel runs at its virtual addresses.
  EXPECT_NE(o.find("breakpoint 1 at 0x" + hex16(start_kernel).substr(2) + " <start_kernel>\n"),
            std::string::npos)
      << o;
  const std::string hit = "breakpoint 1, 0x" + hex16(start_kernel).substr(2) + " <start_kernel>:";
  const size_t at_start = o.find(hit);
  ASSERT_NE(at_start, std::string::npos) << o << r.err;
  const std::string after = o.substr(at_start);
  EXPECT_EQ(value_after(after, "pc"), start_kernel) << after;
  EXPECT_NE(after.find("pc         " + hex16(start_kernel) + "  <start_kernel>\n"),
            std::string::npos)
      << after;
  const uint64_t sp = value_after(after, "sp/x2");
  EXPECT_NE(sp, 0u) << after;
  EXPECT_NE(after.find("\nra/x1      0x"), std::string::npos) << after;
  EXPECT_NE(after.find("\na0/x10     0x"), std::string::npos) << after;

  // The kernel's own translation: Sv39 or Sv48 (what our satp offers), in S-mode, with its trap
  // vector set.
  std::smatch satp;
  ASSERT_TRUE(std::regex_search(after, satp,
                                std::regex("satp       0x[0-9a-f]{16}  (Sv39|Sv48) asid 0 root "
                                           "0x([0-9a-f]+)\n")))
      << after;
  EXPECT_GE(std::stoull(satp[2].str(), nullptr, 16), 0x80000000ull) << satp[0];
  EXPECT_NE(after.find("priv       1 (S-mode)\n"), std::string::npos) << after;
  EXPECT_TRUE(std::regex_search(after, std::regex("stvec      0x[0-9a-f]{16}  direct base 0x")))
      << after;

  // One step: the next instruction of start_kernel (2 or 4 bytes on).
  EXPECT_TRUE(std::regex_search(after, std::regex("\n0x[0-9a-f]+ <start_kernel\\+0x[24]>:\t")))
      << after;
  // The stack through the kernel's page tables, the Image header by physical address.
  EXPECT_NE(after.find("\n" + hex16(sp) + "  "), std::string::npos) << after;
  EXPECT_NE(after.find("0x0000000080200000  4d 5a"), std::string::npos) << after;  // "MZ"
  EXPECT_NE(after.find("<kernel_init>:\n   0x" + hex16(kernel_init).substr(2) + " <kernel_init>:"),
            std::string::npos)
      << after;

  // The second breakpoint, later in the boot, then the guest's command and its power-off.
  EXPECT_NE(after.find("breakpoint 2, 0x" + hex16(kernel_init).substr(2) + " <kernel_init>:"),
            std::string::npos)
      << after;
  const size_t hello = after.find("hello-from-the-guest");
  const size_t end = after.find("the guest exited with status 0");
  EXPECT_NE(hello, std::string::npos) << after;
  ASSERT_NE(end, std::string::npos) << after;
  EXPECT_LT(hello, end);
  // After the end every inspection still works.
  EXPECT_NE(after.find("\npc         0x", end), std::string::npos) << after;

  // Each mistake is one line, and the session went on.
  EXPECT_NE(r.err.find("error: 'nosuchsymbol' is not a number, a symbol or a riscv64 register\n"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("error: unknown register 'rax' for riscv64\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("error: 0x1000: not mapped (load page fault)\n"), std::string::npos)
      << r.err;
}

TEST_F(RiscvSystemDebug, ReplRefusesABadSymbolFile) {
  const std::string bad = dir_ + "/not-a-map.txt";
  std::ofstream(bad) << "ffffffff80000000 T _start\nstrata-guest: ready\n";
  std::vector<std::string> argv = {strata_binary(), "repl", "boot"};
  for (const std::string& a : guest_args()) argv.push_back(a);
  argv.insert(argv.end(), {"--symbols", bad});
  auto r = run_process(argv, "quit\n", 60);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "strata: --symbols " + bad +
                       ": line 2: 'strata-guest: ready' is not 'ADDRESS TYPE NAME' (System.map or "
                       "/proc/kallsyms)\n");
}

TEST_F(RiscvSystemDebug, GdbMultiarchBreaksStepsAndContinuesToPoweroff) {
  const std::string gdb = test::find_on_path("gdb-multiarch");
  if (gdb.empty()) GTEST_SKIP() << "gdb-multiarch not found (Debian package gdb-multiarch)";
  const uint64_t start_kernel = syms_["start_kernel"], kernel_init = syms_["kernel_init"];
  const int port = free_port();
  const std::string out = dir_ + "/gdb_strata_out.txt", err = dir_ + "/gdb_strata_err.txt";
  std::vector<std::string> args = {strata_binary(), "boot"};
  for (const std::string& a : guest_args()) args.push_back(a);
  args.push_back("--gdb=tcp:127.0.0.1:" + std::to_string(port));
  const pid_t pid = fork();
  if (pid == 0) {
    const int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in = open("/dev/null", O_RDONLY);
    dup2(o, 1);
    dup2(e, 2);
    dup2(in, 0);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  // gdb retries a refused connection while strata starts listening.
  const auto g = run_process({gdb,
                              "--nx",
                              "--batch",
                              "-ex",
                              "set architecture riscv:rv64",
                              "-ex",
                              "target remote 127.0.0.1:" + std::to_string(port),
                              "-ex",
                              "info registers pc",
                              "-ex",
                              "break *" + hex16(start_kernel),
                              "-ex",
                              "hbreak *" + hex16(kernel_init),
                              "-ex",
                              "continue",
                              "-ex",
                              "info registers",
                              "-ex",
                              "x/4gx $sp",
                              "-ex",
                              "p $priv",
                              "-ex",
                              "p/x (unsigned long) $satp >> 60",
                              "-ex",
                              "stepi",
                              "-ex",
                              "p/x $pc",
                              "-ex",
                              "continue",
                              "-ex",
                              "p/x $pc",
                              "-ex",
                              "delete",
                              "-ex",
                              "continue"},
                             "", 180);
  const std::optional<int> end = strata::test::wait_or_kill(pid, 60000);
  const bool ended = end.has_value();
  const int status = end.value_or(0);
  const std::string& o = g.out;
  ASSERT_TRUE(ended) << "strata did not end\n" << o << g.err << slurp(err);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << slurp(err);

  EXPECT_NE(o.find("pc             0x80200000\t0x80200000\n"), std::string::npos) << o << g.err;
  // The software breakpoint (Z0) at start_kernel, the registers there.
  const std::string bp1 = "Breakpoint 1, " + hex16(start_kernel) + " in ?? ()\n";
  const size_t hit = o.find(bp1);
  ASSERT_NE(hit, std::string::npos) << o << g.err;
  const std::string after = o.substr(hit);
  std::smatch sp;
  ASSERT_TRUE(std::regex_search(after, sp, std::regex("\nsp +0x([0-9a-f]+)\t"))) << after;
  EXPECT_NE(after.find("\nra             0x"), std::string::npos) << after;
  EXPECT_NE(after.find("\npc             " + hex16(start_kernel)), std::string::npos) << after;
  // x/4gx $sp: the stack, read through the kernel's page tables.
  const uint64_t sp_value = std::stoull(sp[1].str(), nullptr, 16);
  char line_start[40];
  std::snprintf(line_start, sizeof line_start, "\n0x%llx:\t0x",
                static_cast<unsigned long long>(sp_value));
  EXPECT_NE(after.find(line_start), std::string::npos) << after;
  // S-mode, satp mode 8 (Sv39) or 9 (Sv48).
  EXPECT_NE(after.find("$1 = 1 '\\001'\n"), std::string::npos) << after;
  EXPECT_TRUE(after.find("$2 = 0x8\n") != std::string::npos ||
              after.find("$2 = 0x9\n") != std::string::npos)
      << after;
  // stepi moved past the breakpoint by one instruction (2 or 4 bytes).
  EXPECT_TRUE(after.find("$3 = " + std::string("0x") + hex16(start_kernel + 2).substr(2)) !=
                  std::string::npos ||
              after.find("$3 = 0x" + hex16(start_kernel + 4).substr(2)) != std::string::npos)
      << after;
  // The hardware breakpoint (Z1) at kernel_init, then the guest runs to its power-off.
  EXPECT_NE(after.find("Breakpoint 2, " + hex16(kernel_init) + " in ?? ()\n"), std::string::npos)
      << after;
  EXPECT_NE(after.find("$4 = 0x" + hex16(kernel_init).substr(2)), std::string::npos) << after;
  EXPECT_NE(after.find("[Inferior 1 (Remote target) exited normally]"), std::string::npos) << after;
  const std::string console = slurp(out);
  EXPECT_NE(console.find("hello-from-the-guest"), std::string::npos) << console;
  EXPECT_NE(slurp(err).find("strata: guest powered off"), std::string::npos) << slurp(err);
}

}  // namespace
}  // namespace strata

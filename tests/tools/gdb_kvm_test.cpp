// Real gdb-multiarch --batch against `strata boot --flat --gdb`: a real-mode guest stopped at
// its entry (gdb learns the architecture from target.xml); a software (Z0) and a hardware (Z1)
// breakpoint, both the debug registers on KVM; info registers with the values the payload set;
// x/4gx of the loaded image; stepi; register and memory writes; continue to the guest's end, after
// which strata exits as `strata boot`.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>

#include "tests/support/subprocess.hpp"
#include "tests/tools/kvm_guest_fixture.hpp"

namespace {

using strata::test::hex;
using strata::test::run_process;
using strata::test::strata_binary;

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

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

class GdbKvm : public strata::test::KvmGuestTest {
 protected:
  void SetUp() override {
    KvmGuestTest::SetUp();
    if (IsSkipped()) return;
    gdb_ = strata::test::find_tool("gdb-multiarch");
    if (gdb_.empty()) GTEST_SKIP() << "gdb-multiarch is not installed";
  }
  std::string gdb_;
};

TEST_F(GdbKvm, BreakContinueInspectStepAndRunToExit) {
  ASSERT_EQ(build(strata::test::kRealModeGuest), "");
  const unsigned long long here = syms_["here"], data = syms_["data"];
  const int port = free_port();
  const std::string out = (dir_ / "strata_out.txt").string();
  const std::string err = (dir_ / "strata_err.txt").string();
  const pid_t pid = fork();
  if (pid == 0) {
    const int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in = open("/dev/null", O_RDONLY);
    dup2(o, 1);
    dup2(e, 2);
    dup2(in, 0);
    const std::string bin = strata_binary();
    const std::string spec = "--gdb=tcp:127.0.0.1:" + std::to_string(port);
    execl(bin.c_str(), bin.c_str(), "boot", "--flat", bin_.c_str(), spec.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  // gdb retries a refused connection while strata starts listening.
  const auto g = run_process({gdb_,
                              "--nx",
                              "--batch",
                              "-ex",
                              "target remote 127.0.0.1:" + std::to_string(port),
                              "-ex",
                              "info registers rip",
                              "-ex",
                              "break *" + hex(here),
                              "-ex",
                              "hbreak *" + hex(here + 5),
                              "-ex",
                              "continue",
                              "-ex",
                              "info registers",
                              "-ex",
                              "x/4gx 0x10000",
                              "-ex",
                              "stepi",
                              "-ex",
                              "info registers rip rbx",
                              "-ex",
                              "set $rcx = 0x77",
                              "-ex",
                              "p/x $rcx",
                              "-ex",
                              "set {int}" + hex(data + 4) + " = 0x11223344",
                              "-ex",
                              "x/2wx " + hex(data),
                              "-ex",
                              "continue",
                              "-ex",
                              "info registers rip rcx",
                              "-ex",
                              "delete",
                              "-ex",
                              "continue"},
                             "", 90);
  const std::optional<int> end = strata::test::wait_or_kill(pid, 30000);
  const bool ended = end.has_value();
  const int status = end.value_or(0);
  const std::string& o = g.out;
  ASSERT_TRUE(ended) << "strata did not end\n" << o << g.err << slurp(err);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << slurp(err);

  // Stopped at the entry: gdb's rip is the linear pc, CS base + IP.
  EXPECT_NE(o.find("rip            0x10000             0x10000\n"), std::string::npos) << o;
  EXPECT_NE(o.find("Breakpoint 1, 0x" + std::string(16 - (hex(here).size() - 2), '0') +
                   hex(here).substr(2) + " in ?? ()"),
            std::string::npos)
      << o << g.err;
  EXPECT_NE(o.find("rbx            0x1234              4660\n"), std::string::npos) << o;
  EXPECT_NE(o.find("rcx            0x5678              22136\n"), std::string::npos) << o;
  EXPECT_NE(o.find("cs             0x1000              4096\n"), std::string::npos) << o;
  // x/4gx: the image as loaded, little-endian quads from the binary file.
  const std::string image = slurp(bin_);
  ASSERT_GE(image.size(), 8u);
  unsigned long long q0 = 0;
  std::memcpy(&q0, image.data(), 8);
  char first[64];
  std::snprintf(first, sizeof first, "0x10000:\t0x%016llx\t", q0);
  EXPECT_NE(o.find(first), std::string::npos) << o;
  // stepi: `inc %bx` is one byte, and it ran.
  EXPECT_NE(o.find("rip            " + hex(here + 1)), std::string::npos) << o;
  EXPECT_NE(o.find("rbx            0x1235"), std::string::npos) << o;
  EXPECT_NE(o.find("$1 = 0x77\n"), std::string::npos) << o;
  EXPECT_NE(o.find(hex(data) + ":\t0x44434241\t0x11223344\n"), std::string::npos) << o;
  // The hardware breakpoint, with the register gdb wrote still there.
  EXPECT_NE(o.find("Breakpoint 2, 0x"), std::string::npos) << o;
  EXPECT_NE(o.find("rip            " + hex(here + 5)), std::string::npos) << o;
  EXPECT_NE(o.find("rcx            0x77"), std::string::npos) << o;
  EXPECT_NE(o.find("[Inferior 1 (Remote target) exited normally]"), std::string::npos) << o;
  EXPECT_EQ(slurp(out), "K\n");
  EXPECT_NE(slurp(err).find("strata: guest halted at 1000:"), std::string::npos) << slurp(err);
}

// `strata repl boot --gdb`: gdb first (a breakpoint, then detach), then the prompt at the place
// gdb left the guest, with gdb's breakpoint gone.
TEST_F(GdbKvm, ReplBootServesGdbFirst) {
  ASSERT_EQ(build(strata::test::kRealModeGuest), "");
  const unsigned long long here = syms_["here"];
  const int port = free_port();
  strata::test::ProcessResult g;
  std::thread gdb([&] {
    g = run_process(
        {gdb_, "--nx", "--batch", "-ex", "target remote 127.0.0.1:" + std::to_string(port), "-ex",
         "break *" + hex(here), "-ex", "continue", "-ex", "detach"},
        "", 60);
  });
  const auto r = run_process({strata_binary(), "repl", "boot", "--flat", bin_,
                              "--gdb=tcp:127.0.0.1:" + std::to_string(port)},
                             "regs\ncontinue\nquit\n", 60);
  gdb.join();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(g.out.find("Breakpoint 1, 0x"), std::string::npos) << g.out << g.err;
  EXPECT_NE(r.out.find("stopped at " + hex(here) + ":\tinc %bx\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rbx        0x0000000000001234\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("K\nthe guest exited with status 0"), std::string::npos) << r.out;
}

// After gdb detaches, `strata boot` runs the guest on as without --gdb: its output, its end,
// --stats, exit code 0.
TEST_F(GdbKvm, BootRunsOnAfterDetach) {
  ASSERT_EQ(build(strata::test::kRealModeGuest), "");
  const int port = free_port();
  strata::test::ProcessResult g;
  std::thread gdb([&] {
    g = run_process(
        {gdb_, "--nx", "--batch", "-ex", "target remote 127.0.0.1:" + std::to_string(port), "-ex",
         "break *" + hex(syms_["here"]), "-ex", "continue", "-ex", "detach"},
        "", 60);
  });
  const auto r = run_process({strata_binary(), "boot", "--flat", bin_, "--stats",
                              "--gdb=tcp:127.0.0.1:" + std::to_string(port)},
                             "", 60);
  gdb.join();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(g.out.find("Breakpoint 1, 0x"), std::string::npos) << g.out << g.err;
  EXPECT_NE(g.out.find("detached"), std::string::npos) << g.out << g.err;
  EXPECT_EQ(r.out, "K\n");
  EXPECT_NE(r.err.find("strata: guest halted at 1000:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("  hlt             1\n"), std::string::npos) << r.err;
}

// The packets by hand on a guest that loops forever: the x86 register layout (a target.xml
// without registers; gdb's amd64 'g' up to gs, rip being the linear pc), the limit of four
// breakpoints, and the interrupt byte stopping a running guest.
TEST_F(GdbKvm, ProtocolByHand) {
  ASSERT_EQ(build(".code16\n.globl _start\n_start: mov $7, %bx\nloop: jmp loop\n"), "");
  const int port = free_port();
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    const std::string bin = strata_binary();
    const std::string spec = "--gdb=tcp:127.0.0.1:" + std::to_string(port);
    execl(bin.c_str(), bin.c_str(), "boot", "--flat", bin_.c_str(), spec.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  int fd = -1;
  for (int i = 0; i < 100 && fd < 0; ++i) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      close(fd);
      fd = -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ASSERT_GE(fd, 0);
  auto send_raw = [&](const std::string& b) {
    ASSERT_EQ(write(fd, b.data(), b.size()), ssize_t(b.size()));
  };
  // Acks are turned off first, so each reply is one "$payload#cs".
  auto reply = [&]() {
    std::string p;
    char c = 0;
    while (read(fd, &c, 1) == 1 && c != '$') {
    }
    while (read(fd, &c, 1) == 1 && c != '#') p.push_back(c);
    char cs[2];
    EXPECT_EQ(read(fd, cs, 2), 2);
    return p;
  };
  auto ask = [&](const std::string& payload) {
    unsigned sum = 0;
    for (char ch : payload) sum += static_cast<unsigned char>(ch);
    char tail[8];
    std::snprintf(tail, sizeof tail, "#%02x", sum & 0xff);
    send_raw("$" + payload + tail);
    return reply();
  };
  // The stub acks QStartNoAckMode and waits for our ack of its OK; then nobody acks.
  EXPECT_EQ(ask("QStartNoAckMode"), "OK");
  send_raw("+");
  const std::string sup = ask("qSupported:swbreak+");
  EXPECT_NE(sup.find("qXfer:features:read+"), std::string::npos) << sup;
  EXPECT_NE(sup.find("PacketSize="), std::string::npos) << sup;
  // The architecture, and no register features: gdb's own amd64 layout.
  const std::string xml = ask("qXfer:features:read:target.xml:0,1000");
  EXPECT_NE(xml.find("<architecture>i386:x86-64</architecture>"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("<feature"), std::string::npos) << xml;
  // rax..r15 and rip: 8 bytes; eflags and the six selectors: 4 bytes.
  EXPECT_EQ(ask("g").size(), size_t{(17 * 8 + 7 * 4) * 2});
  EXPECT_EQ(ask("p10"), "0000010000000000");  // rip = pc = 0x10000
  EXPECT_EQ(ask("p12"), "00100000");          // cs = 0x1000
  EXPECT_EQ(ask("p18"), "");                  // st0: not served, gdb uses 'g'
  EXPECT_EQ(ask("m10000,3"), "bb0700");       // mov $7, %bx
  for (int i = 0; i < 4; ++i) EXPECT_EQ(ask("Z0,1000" + std::to_string(i) + ",1"), "OK");
  EXPECT_EQ(ask("Z1,10010,1"), "E01");
  for (int i = 0; i < 4; ++i) EXPECT_EQ(ask("z0,1000" + std::to_string(i) + ",1"), "OK");
  // The guest loops forever: only the interrupt byte stops it.
  send_raw("$c#63");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  send_raw("\x03");
  EXPECT_EQ(reply(), "T02thread:1;");
  EXPECT_EQ(ask("p1"), "0700000000000000");  // rbx = 7
  send_raw("$k#6b");
  const std::optional<int> end = strata::test::wait_or_kill(pid, 10000);
  const bool ended = end.has_value();
  const int status = end.value_or(0);
  close(fd);
  EXPECT_TRUE(ended);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace

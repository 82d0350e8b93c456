// The gdb remote stub against the real gdb-multiarch: `strata run --gdb=tcp:...` in the
// background, gdb --batch connecting to it, breaking at main, reading registers and the stack,
// stepping one instruction and continuing to the guest's exit. Expected addresses come from
// riscv64-linux-gnu-nm.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/subprocess.hpp"
#include "tests/vm/rv64/rv64_test_util.hpp"
#include "tools/strata/monitor/gdb_packets.hpp"

namespace {

using strata::test::run_process;
using strata::test::strata_binary;
namespace t = strata::vm::rv64::test;

constexpr const char* kProgram = R"(#include <stdio.h>
int add(int a, int b) { return a + b; }
int main(int argc, char** argv) {
  int s = 0;
  for (int i = 0; i < 3; i++) s = add(s, i);
  printf("sum %d\n", s);
  return 7;
}
)";

// "ADDR SIZE" of `sym` from nm -S.
std::pair<uint64_t, uint64_t> nm_symbol(const std::string& elf, const std::string& sym) {
  std::istringstream in(t::capture("riscv64-linux-gnu-nm -S " + elf));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string addr, size, kind, name;
    if (f >> addr >> size >> kind >> name && name == sym)
      return {std::stoull(addr, nullptr, 16), std::stoull(size, nullptr, 16)};
  }
  return {0, 0};
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

std::string fmt_hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(v));
  return b;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct Background {
  pid_t pid = -1;
  int status = 0;
  // Waits up to `seconds`, then kills it. True when it ended by itself.
  bool wait(int seconds) {
    for (int i = 0; i < seconds * 10; ++i) {
      if (waitpid(pid, &status, WNOHANG) == pid) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return false;
  }
};

Background spawn(const std::vector<std::string>& argv, const std::string& out,
                 const std::string& err) {
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  Background b;
  b.pid = fork();
  if (b.pid == 0) {
    const int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in = open("/dev/null", O_RDONLY);
    dup2(o, 1);
    dup2(e, 2);
    dup2(in, 0);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  return b;
}

class GdbStubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!t::have_tool(t::kCrossGcc)) GTEST_SKIP() << "riscv64-linux-gnu-gcc is not installed";
    if (!t::have_tool("gdb-multiarch")) GTEST_SKIP() << "gdb-multiarch is not installed";
    gdb_ = t::capture("command -v gdb-multiarch");
    while (!gdb_.empty() && gdb_.back() == '\n') gdb_.pop_back();
    prog_ = t::build_c("gdb_prog", "-static -O0 -g", kProgram);
    ASSERT_FALSE(prog_.empty()) << "the cross compiler failed";
  }
  std::string prog_;
  std::string gdb_;  // run_process does not search PATH
};

TEST_F(GdbStubTest, BreakStepInspectAndContinueToExit) {
  const auto [main_addr, main_size] = nm_symbol(prog_, "main");
  ASSERT_NE(main_addr, 0u);
  const int port = free_port();
  const std::string dir = t::scratch_dir();
  Background strata =
      spawn({strata_binary(), "run", "--gdb=tcp:127.0.0.1:" + std::to_string(port), prog_},
            dir + "/gdb_out.txt", dir + "/gdb_err.txt");
  const std::string target = "target remote 127.0.0.1:" + std::to_string(port);
  // gdb retries a refused connection (tcp auto-retry) while strata starts listening.
  const auto g = run_process({gdb_,
                              "--nx",
                              "--batch",
                              "-ex",
                              "set architecture riscv:rv64",
                              "-ex",
                              target,
                              "-ex",
                              "break main",
                              "-ex",
                              "continue",
                              "-ex",
                              "info registers pc",
                              "-ex",
                              "x/4gx $sp",
                              "-ex",
                              "stepi",
                              "-ex",
                              "info registers pc",
                              "-ex",
                              "hbreak add",
                              "-ex",
                              "continue",
                              "-ex",
                              "info registers pc",
                              "-ex",
                              "delete",
                              "-ex",
                              "continue",
                              prog_},
                             "", 90);
  const bool ended = strata.wait(30);
  const std::string out = slurp(dir + "/gdb_out.txt");
  const std::string err = slurp(dir + "/gdb_err.txt");
  ASSERT_TRUE(ended) << "strata did not end\n" << g.out << g.err << err;

  // Breakpoint 1 (after main's prologue, where gdb puts `break main`) is inside main.
  std::smatch m;
  const std::regex pc_line("pc +0x([0-9a-f]+)\\s+0x[0-9a-f]+ <([a-z_]+)\\+?([0-9]*)>");
  std::vector<std::pair<uint64_t, std::string>> pcs;
  for (auto it = std::sregex_iterator(g.out.begin(), g.out.end(), pc_line);
       it != std::sregex_iterator(); ++it)
    pcs.emplace_back(std::stoull((*it)[1].str(), nullptr, 16), (*it)[2].str());
  ASSERT_EQ(pcs.size(), 3u) << g.out << g.err;
  EXPECT_EQ(pcs[0].second, "main");
  EXPECT_GE(pcs[0].first, main_addr);
  EXPECT_LT(pcs[0].first, main_addr + main_size);
  EXPECT_NE(g.out.find("Breakpoint 1, main"), std::string::npos) << g.out;
  // stepi: one instruction, compressed or not.
  const uint64_t delta = pcs[1].first - pcs[0].first;
  EXPECT_TRUE(delta == 2 || delta == 4) << g.out;
  // The hardware breakpoint (Z1) stops in add.
  EXPECT_EQ(pcs[2].second, "add");
  const auto [add_addr, add_size] = nm_symbol(prog_, "add");
  EXPECT_GE(pcs[2].first, add_addr);
  EXPECT_LT(pcs[2].first, add_addr + add_size);
  // x/4gx $sp: four 64-bit words of the stack.
  EXPECT_TRUE(
      std::regex_search(g.out, std::regex("0x[0-9a-f]+:\\s+0x[0-9a-f]{16}\\s+0x[0-9a-f]{16}")))
      << g.out;
  // The guest ran to its end under gdb, with its own output and exit status.
  EXPECT_NE(g.out.find("exited with code 07"), std::string::npos) << g.out << g.err;
  EXPECT_EQ(out, "sum 3\n");
  ASSERT_TRUE(WIFEXITED(strata.status)) << err;
  EXPECT_EQ(WEXITSTATUS(strata.status), 7) << err;
  EXPECT_NE(err.find("waiting for a connection on port " + std::to_string(port)), std::string::npos)
      << err;
}

TEST_F(GdbStubTest, DetachLetsTheGuestRunToItsEnd) {
  const int port = free_port();
  const std::string dir = t::scratch_dir();
  Background strata =
      spawn({strata_binary(), "run", "--gdb=tcp:127.0.0.1:" + std::to_string(port), prog_},
            dir + "/detach_out.txt", dir + "/detach_err.txt");
  const auto g = run_process(
      {gdb_, "--nx", "--batch", "-ex", "set architecture riscv:rv64", "-ex",
       "target remote 127.0.0.1:" + std::to_string(port), "-ex", "stepi", "-ex", "detach", prog_},
      "", 90);
  ASSERT_TRUE(strata.wait(30)) << g.out << g.err;
  EXPECT_EQ(slurp(dir + "/detach_out.txt"), "sum 3\n") << g.out << g.err;
  ASSERT_TRUE(WIFEXITED(strata.status));
  EXPECT_EQ(WEXITSTATUS(strata.status), 7);
}

// A minimal RSP client: what gdb does, byte by byte, so each reply can be checked exactly.
class RspClient {
 public:
  bool connect_to(int port) {
    for (int i = 0; i < 100; ++i) {
      fd_ = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<uint16_t>(port));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return true;
      close(fd_);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  ~RspClient() {
    if (fd_ >= 0) close(fd_);
  }
  void raw(const std::string& bytes) {
    ASSERT_EQ(write(fd_, bytes.data(), bytes.size()), ssize_t(bytes.size()));
  }
  static std::string frame(const std::string& payload) {
    unsigned sum = 0;
    for (char c : payload) sum += static_cast<unsigned char>(c);
    char cs[8];
    std::snprintf(cs, sizeof cs, "#%02x", sum & 0xff);
    return "$" + payload + cs;
  }
  // Sends a packet; returns the reply's payload (acks are checked while acks are on).
  std::string ask(const std::string& payload) {
    raw(frame(payload));
    if (acks_) {
      EXPECT_EQ(get(), '+') << payload;
    }
    return reply();
  }
  std::string reply() {
    char c;
    while ((c = get()) != '$')
      if (c == 0) return "<eof>";
    std::string p;
    while ((c = get()) != '#') p.push_back(c);
    get();
    get();
    if (acks_) raw("+");
    return p;
  }
  char get() {
    char c = 0;
    return read(fd_, &c, 1) == 1 ? c : 0;
  }
  bool acks_ = true;
  int fd_ = -1;
};

std::string le_hex(uint64_t v) {
  std::string s;
  char b[4];
  for (int i = 0; i < 8; ++i) {
    std::snprintf(b, sizeof b, "%02llx", static_cast<unsigned long long>((v >> (8 * i)) & 0xff));
    s += b;
  }
  return s;
}

uint64_t from_le_hex(const std::string& s) {
  uint64_t v = 0;
  for (size_t i = 0; i + 1 < s.size() && i < 16; i += 2)
    v |= std::stoull(s.substr(i, 2), nullptr, 16) << (4 * i);
  return v;
}

constexpr const char* kSyscallLoop = R"(#include <unistd.h>
int main(void) { for (;;) getppid(); })";

TEST_F(GdbStubTest, ProtocolByHand) {
  const std::string elf = t::build_c("gdb_loop", "-static -O0", kSyscallLoop);
  ASSERT_FALSE(elf.empty());
  const auto [main_addr, main_size] = nm_symbol(elf, "main");
  const auto [start_addr, start_size] = nm_symbol(elf, "_start");
  const int port = free_port();
  const std::string dir = t::scratch_dir();
  Background strata =
      spawn({strata_binary(), "run", "--gdb=tcp:127.0.0.1:" + std::to_string(port), elf},
            dir + "/rsp_out.txt", dir + "/rsp_err.txt");
  RspClient c;
  ASSERT_TRUE(c.connect_to(port));
  const std::string sup = c.ask("qSupported:multiprocess+;swbreak+");
  EXPECT_NE(sup.find("PacketSize="), std::string::npos) << sup;
  EXPECT_NE(sup.find("QStartNoAckMode+"), std::string::npos) << sup;
  EXPECT_EQ(c.ask("?"), "T05thread:1;");
  // x0..x31 and pc (8 bytes each), f0..f31 (8 bytes), fflags, frm, fcsr (4 bytes), cycle, time,
  // instret (8 bytes), in hex.
  EXPECT_EQ(c.ask("g").size(), size_t{(33 * 8 + 32 * 8 + 3 * 4 + 3 * 8) * 2});
  EXPECT_EQ(c.ask("p20"), le_hex(start_addr));  // pc is register 32
  EXPECT_EQ(c.ask("p0"), le_hex(0));
  EXPECT_EQ(c.ask("p99"), "E01");
  EXPECT_EQ(c.ask("m0,4"), "E14");
  const uint64_t sp = from_le_hex(c.ask("p2"));
  EXPECT_EQ(c.ask("M" + fmt_hex(sp - 64) + ",4:deadbeef"), "OK");
  EXPECT_EQ(c.ask("m" + fmt_hex(sp - 64) + ",4"), "deadbeef");
  // A corrupted checksum is refused with '-'.
  c.raw("$g#00");
  EXPECT_EQ(c.get(), '-');
  c.raw("$QStartNoAckMode#b0");
  EXPECT_EQ(c.get(), '+');
  EXPECT_EQ(c.reply(), "OK");
  c.acks_ = false;
  EXPECT_EQ(c.ask("Z0," + fmt_hex(main_addr) + ",2"), "OK");
  EXPECT_EQ(c.ask("c"), "T05thread:1;");
  EXPECT_EQ(c.ask("p20"), le_hex(main_addr));
  EXPECT_EQ(c.ask("z0," + fmt_hex(main_addr) + ",2"), "OK");
  EXPECT_EQ(c.ask("vCont?"), "vCont;c;C;s;S");
  const std::string stepped = c.ask("vCont;s:1");
  EXPECT_EQ(stepped, "T05thread:1;");
  const uint64_t pc = from_le_hex(c.ask("p20"));
  EXPECT_TRUE(pc == main_addr + 2 || pc == main_addr + 4) << pc;
  // The guest loops on a syscall forever: only the interrupt byte stops it.
  c.raw(RspClient::frame("vCont;c"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  c.raw("\x03");
  EXPECT_EQ(c.reply(), "T02thread:1;");
  c.raw(RspClient::frame("k"));
  ASSERT_TRUE(strata.wait(30));
  ASSERT_TRUE(WIFSIGNALED(strata.status));
  EXPECT_EQ(WTERMSIG(strata.status), SIGKILL);
  (void)main_size;
  (void)start_size;
}

// The packet layer over a socketpair: checksums, acks, a nack and resend, escapes both ways,
// the interrupt byte, no-ack mode.
TEST(RspFraming, PacketsAcksEscapesAndInterrupts) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  strata::monitor::RspConnection conn(sv[0]);
  auto peer_write = [&](const std::string& b) {
    ASSERT_EQ(write(sv[1], b.data(), b.size()), ssize_t(b.size()));
  };
  auto peer_read = [&](size_t n) {
    std::string b(n, '\0');
    size_t got = 0;
    while (got < n) {
      const ssize_t k = read(sv[1], b.data() + got, n - got);
      if (k <= 0) break;
      got += static_cast<size_t>(k);
    }
    return b.substr(0, got);
  };
  // A bad checksum is nacked and skipped; the good packet after it is acked and returned.
  peer_write("+$g#00$g#67");
  EXPECT_EQ(conn.receive(), "g");
  EXPECT_EQ(peer_read(2), "-+");
  // An escaped '#' inside a payload ("}" then '#' ^ 0x20 = 0x03).
  peer_write(RspClient::frame(std::string("X}") + char(0x03)));
  EXPECT_EQ(conn.receive(), "X#");
  EXPECT_EQ(peer_read(1), "+");
  peer_write("\x03");
  EXPECT_EQ(conn.receive(), "\x03");
  // Sending: '$' is escaped; a '-' makes it resend; '+' ends it.
  std::thread sender([&] { EXPECT_TRUE(conn.send("a$b")); });
  const std::string first = peer_read(RspClient::frame("a}\x04"
                                                       "b")
                                          .size());
  EXPECT_EQ(first, RspClient::frame("a}\x04"
                                    "b"));
  peer_write("-");
  EXPECT_EQ(peer_read(first.size()), first);
  peer_write("+");
  sender.join();
  conn.set_no_ack();
  peer_write("$m0,4#fd$?#3f");
  EXPECT_EQ(conn.receive(), "m0,4");
  EXPECT_EQ(conn.receive(), "?");
  EXPECT_TRUE(conn.send("OK"));
  EXPECT_EQ(peer_read(6), "$OK#9a");
  close(sv[1]);
  EXPECT_FALSE(conn.receive());
}

TEST(RspFraming, HexHelpers) {
  using namespace strata::monitor;
  EXPECT_EQ(hex_le(0x1122334455667788ull, 8), "8877665544332211");
  EXPECT_EQ(hex_le(0xab, 4), "ab000000");
  EXPECT_EQ(parse_hex("1f"), 31u);
  EXPECT_FALSE(parse_hex("xyz"));
  EXPECT_FALSE(parse_hex(""));
  std::vector<uint8_t> b;
  EXPECT_TRUE(hex_decode("00ff7F", &b));
  EXPECT_EQ(b, (std::vector<uint8_t>{0, 255, 127}));
  EXPECT_EQ(hex_encode(b), "00ff7f");
  EXPECT_FALSE(hex_decode("abc", &b));
  EXPECT_FALSE(hex_decode("zz", &b));
  uint16_t port = 0;
  EXPECT_FALSE(listen_tcp("udp:1.2.3.4:5", &port));
  EXPECT_FALSE(listen_tcp("tcp:127.0.0.1:99999", &port));
  EXPECT_FALSE(listen_tcp("tcp:not-an-ip:80", &port));
  auto fd = listen_tcp("tcp:127.0.0.1:0", &port);
  ASSERT_TRUE(fd) << fd.error().message;
  EXPECT_NE(port, 0);
  close(*fd);
}

TEST(GdbStubCli, RefusesABadSpec) {
  const auto r = run_process({strata_binary(), "run", "--gdb=unix:/tmp/x", "/bin/true"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is not tcp:HOST:PORT"), std::string::npos) << r.err;
}

}  // namespace

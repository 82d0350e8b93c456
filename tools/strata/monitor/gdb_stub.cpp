#include "tools/strata/monitor/gdb_stub.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "tools/strata/monitor/gdb_packets.hpp"

namespace strata::monitor {

namespace {

constexpr int kSigTrap = 5;
constexpr int kSigInt = 2;

// An x86 guest's target.xml names the architecture and no registers: gdb's amd64 register
// features require the x87 registers (80 bits), which a vcpu register cannot hold. gdb then
// uses its built-in amd64 layout, and the 'g' reply ends after gs (gdb shows the rest as
// unavailable). Its rip slot carries the vcpu's
// linear `pc` (CS base + IP), so breakpoints and x/i $pc mean the same bytes in every mode.
bool is_x86(const vm::Vcpu& cpu) {
  return cpu.arch() == "x86-64";
}

std::vector<vm::RegInfo> gdb_registers(const vm::Vcpu& cpu) {
  if (!is_x86(cpu)) return cpu.registers();
  std::vector<vm::RegInfo> regs;
  for (const char* r : {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10",
                        "r11", "r12", "r13", "r14", "r15", "pc"})
    regs.push_back({r, "", 64, "general"});
  for (const char* r : {"eflags", "cs", "ss", "ds", "es", "fs", "gs"})
    regs.push_back({r, "", 32, "general"});
  return regs;
}

// gdb's RISC-V features: the integer registers and pc, the FP registers, the CSRs (a full-system
// hart's), and the "virtual" priv register gdb shows as the privilege mode.
std::string gdb_feature(const vm::RegInfo& r, bool riscv) {
  if (!riscv) return "org.strata." + r.group;
  if (r.group == "general") return "org.gnu.gdb.riscv.cpu";
  if (r.group == "float") return "org.gnu.gdb.riscv.fpu";
  if (r.name == "priv") return "org.gnu.gdb.riscv.virtual";
  return "org.gnu.gdb.riscv.csr";
}

class GdbStub {
 public:
  GdbStub(vm::Vcpu& cpu, int fd)
      : cpu_(cpu), conn_(fd), regs_(gdb_registers(cpu)), x86_(is_x86(cpu)) {}
  GdbSessionEnd serve();

 private:
  // The reply to one packet; sets done_ when the session is over.
  std::string handle(const std::string& p);
  std::string stop_reply(const vm::StopReason& r);
  std::string resume(bool step);
  std::string read_all_regs();
  std::string write_all_regs(std::string_view hex);
  std::string read_mem(std::string_view args);
  std::string write_mem(std::string_view args);
  std::string breakpoint(std::string_view p, bool insert);
  std::string xfer_features(std::string_view args);
  std::string target_xml() const;

  vm::Vcpu& cpu_;
  RspConnection conn_;
  std::vector<vm::RegInfo> regs_;  // gdb register number = index
  bool x86_;
  std::set<uint64_t> bps_;
  std::string last_stop_ = "S05";
  bool done_ = false;
  GdbSessionEnd end_;
};

GdbSessionEnd GdbStub::serve() {
  last_stop_ = fmt::format("T{:02x}thread:1;", kSigTrap);
  while (!done_) {
    auto p = conn_.receive();
    if (!p) break;               // gdb went away: as a detach
    if (*p == "\x03") continue;  // an interrupt while stopped: already stopped
    if (*p == "QStartNoAckMode") {
      // The OK itself is still acknowledged; no-ack starts after it.
      if (!conn_.send("OK")) break;
      conn_.set_no_ack();
      continue;
    }
    const std::string reply = handle(*p);
    if (done_ && end_.kind == GdbSessionEnd::Kind::Killed) break;  // k has no reply
    if (!conn_.send(reply)) break;
  }
  for (uint64_t a : bps_) cpu_.clear_breakpoint(a);
  return end_;
}

std::string GdbStub::handle(const std::string& p) {
  const char c = p[0];
  const std::string_view args = std::string_view(p).substr(1);
  if (p.starts_with("qSupported"))
    return "PacketSize=4000;QStartNoAckMode+;qXfer:features:read+;vContSupported+";
  if (p.starts_with("qXfer:features:read:")) return xfer_features(p.substr(20));
  if (p == "qAttached") return "1";
  if (p == "qC") return "QC1";
  if (p == "qfThreadInfo") return "m1";
  if (p == "qsThreadInfo") return "l";
  if (p == "qSymbol::") return "OK";
  if (p == "vCont?") return "vCont;c;C;s;S";
  if (p.starts_with("vCont;")) {
    // One thread: the first action decides (c, C sig, s, S sig; the thread id is ours).
    const char a = p.size() > 6 ? p[6] : 'c';
    if (a == 's' || a == 'S') return resume(true);
    if (a == 'c' || a == 'C') return resume(false);
    return "E01";
  }
  if (p.starts_with("vKill")) {
    done_ = true;
    end_.kind = GdbSessionEnd::Kind::Killed;
    return "OK";
  }
  switch (c) {
    case '?': return last_stop_;
    case 'g': return read_all_regs();
    case 'G': return write_all_regs(args);
    case 'p': {
      auto n = parse_hex(args);
      if (x86_ && n && *n >= regs_.size()) return "";  // beyond gs: gdb falls back to 'g'
      if (!n || *n >= regs_.size()) return "E01";
      auto v = cpu_.read_reg(regs_[*n].name);
      return v ? hex_le(*v, regs_[*n].bits / 8) : "E01";
    }
    case 'P': {
      const size_t eq = args.find('=');
      if (eq == std::string_view::npos) return "E01";
      auto n = parse_hex(args.substr(0, eq));
      std::vector<uint8_t> bytes;
      if (!n || *n >= regs_.size() || !hex_decode(args.substr(eq + 1), &bytes) ||
          bytes.size() != regs_[*n].bits / 8)
        return "E01";
      uint64_t v = 0;
      for (size_t i = 0; i < bytes.size(); ++i) v |= uint64_t{bytes[i]} << (8 * i);
      return cpu_.write_reg(regs_[*n].name, v) ? "OK" : "E01";
    }
    case 'm': return read_mem(args);
    case 'M': return write_mem(args);
    case 'c':
    case 's':
      // "c ADDR" resumes at ADDR.
      if (!args.empty()) {
        auto a = parse_hex(args);
        if (!a || !cpu_.write_reg("pc", *a)) return "E01";
      }
      return resume(c == 's');
    case 'C':
    case 'S': return resume(c == 'S');  // the signal is not delivered: there are no handlers
    case 'Z': return breakpoint(args, true);
    case 'z': return breakpoint(args, false);
    case 'H': return "OK";
    case 'T': return "OK";
    case 'k':
      done_ = true;
      end_.kind = GdbSessionEnd::Kind::Killed;
      return "";
    case 'D':
      done_ = true;
      end_.kind = GdbSessionEnd::Kind::Detached;
      return "OK";
    default: return "";  // not supported: gdb falls back
  }
}

std::string GdbStub::stop_reply(const vm::StopReason& r) {
  using K = vm::StopReason::Kind;
  switch (r.kind) {
    case K::Exited:
      end_.kind = GdbSessionEnd::Kind::GuestEnded;
      end_.end = r;
      return fmt::format("W{:02x}", r.code & 0xff);
    case K::Signaled:
      end_.kind = GdbSessionEnd::Kind::GuestEnded;
      end_.end = r;
      return fmt::format("X{:02x}", r.code & 0xff);
    case K::Trapped:
      end_.kind = GdbSessionEnd::Kind::GuestEnded;
      end_.end = r;
      return fmt::format("X{:02x}", kSigTrap);
    case K::Stopped: return fmt::format("T{:02x}thread:1;", kSigInt);
    case K::Watchpoint: return fmt::format("T{:02x}watch:{:x};thread:1;", kSigTrap, r.addr);
    case K::Fault:
    case K::Breakpoint:
    case K::Stepped: break;
  }
  return fmt::format("T{:02x}thread:1;", kSigTrap);
}

// Runs the vcpu while a watcher thread turns gdb's Ctrl-C (0x03) into request_stop(). gdb sends
// nothing else while the target runs (all-stop mode); any other byte is handed back to the
// packet reader.
std::string GdbStub::resume(bool step) {
  std::atomic<bool> running{true};
  std::string stray;
  const int fd = conn_.fd();
  std::thread watcher([&] {
    // The vcpu's thread takes the process's signals: the machine's tick (SIGALRM) must
    // interrupt KVM_RUN there, and Ctrl-C at the terminal goes to its handler.
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    while (running.load()) {
      pollfd pfd{fd, POLLIN, 0};
      if (::poll(&pfd, 1, 50) <= 0) continue;
      char ch;
      if (::recv(fd, &ch, 1, 0) != 1) return;
      if (ch == '\x03')
        cpu_.request_stop();
      else
        stray.push_back(ch);
    }
  });
  auto r = cpu_.run(vm::RunLimit{step ? 1u : 0u});
  running.store(false);
  watcher.join();
  conn_.unread(stray);
  std::fflush(stdout);
  if (!r) return "E01";
  last_stop_ = stop_reply(*r);
  return last_stop_;
}

std::string GdbStub::read_all_regs() {
  std::string out;
  for (const vm::RegInfo& r : regs_) {
    auto v = cpu_.read_reg(r.name);
    out += v ? hex_le(*v, r.bits / 8) : std::string(r.bits / 4, 'x');
  }
  return out;
}

std::string GdbStub::write_all_regs(std::string_view hex) {
  std::vector<uint8_t> bytes;
  if (!hex_decode(hex, &bytes)) return "E01";
  size_t off = 0;
  for (const vm::RegInfo& r : regs_) {
    const size_t n = r.bits / 8;
    if (off + n > bytes.size()) break;  // a short G writes the registers it has
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t{bytes[off + i]} << (8 * i);
    off += n;
    if (r.name == "x0") continue;
    if (!cpu_.write_reg(r.name, v)) return "E01";
  }
  return "OK";
}

std::string GdbStub::read_mem(std::string_view args) {
  const size_t comma = args.find(',');
  if (comma == std::string_view::npos) return "E01";
  auto addr = parse_hex(args.substr(0, comma));
  auto len = parse_hex(args.substr(comma + 1));
  if (!addr || !len || *len > 0x10000) return "E01";
  std::vector<uint8_t> bytes;
  // A partial read is the mapped prefix, as gdb expects; nothing readable is an error.
  for (uint64_t i = 0; i < *len; ++i) {
    uint8_t b;
    if (!cpu_.read_memory(*addr + i, {&b, 1})) break;
    bytes.push_back(b);
  }
  if (bytes.empty() && *len != 0) return "E14";  // EFAULT
  return hex_encode(bytes);
}

std::string GdbStub::write_mem(std::string_view args) {
  const size_t comma = args.find(',');
  const size_t colon = args.find(':');
  if (comma == std::string_view::npos || colon == std::string_view::npos || colon < comma)
    return "E01";
  auto addr = parse_hex(args.substr(0, comma));
  auto len = parse_hex(args.substr(comma + 1, colon - comma - 1));
  std::vector<uint8_t> bytes;
  if (!addr || !len || !hex_decode(args.substr(colon + 1), &bytes) || bytes.size() != *len)
    return "E01";
  return cpu_.write_memory(*addr, bytes) ? "OK" : "E14";
}

std::string GdbStub::breakpoint(std::string_view p, bool insert) {
  // "0,ADDR,KIND" (software) or "1,ADDR,KIND" (hardware): the same vcpu breakpoint.
  if (p.size() < 3 || (p[0] != '0' && p[0] != '1') || p[1] != ',') return "";
  const std::string_view rest = p.substr(2);
  auto addr = parse_hex(rest.substr(0, rest.find(',')));
  if (!addr) return "E01";
  if (!insert) {
    cpu_.clear_breakpoint(*addr);
    bps_.erase(*addr);
    return "OK";
  }
  if (!cpu_.set_breakpoint(*addr)) return "E01";
  bps_.insert(*addr);
  return "OK";
}

std::string GdbStub::xfer_features(std::string_view args) {
  // "target.xml:OFFSET,LENGTH"
  if (!args.starts_with("target.xml:")) return "E00";
  args.remove_prefix(11);
  const size_t comma = args.find(',');
  if (comma == std::string_view::npos) return "E01";
  auto off = parse_hex(args.substr(0, comma));
  auto len = parse_hex(args.substr(comma + 1));
  if (!off || !len) return "E01";
  const std::string xml = target_xml();
  if (*off >= xml.size()) return "l";
  const std::string part = xml.substr(*off, *len);
  return (*off + part.size() >= xml.size() ? "l" : "m") + part;
}

std::string GdbStub::target_xml() const {
  if (x86_)
    return "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target>\n"
           "<architecture>i386:x86-64</architecture>\n</target>\n";
  const bool riscv = cpu_.arch() == "riscv64";
  std::string xml =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target>\n";
  if (riscv) xml += "<architecture>riscv:rv64</architecture>\n";
  std::string feature;
  for (size_t i = 0; i < regs_.size(); ++i) {
    const vm::RegInfo& r = regs_[i];
    if (const std::string f = gdb_feature(r, riscv); f != feature) {
      if (!feature.empty()) xml += "</feature>\n";
      feature = f;
      xml += fmt::format("<feature name=\"{}\">\n", feature);
    }
    std::string type = "int";
    if (r.name == "pc")
      type = "code_ptr";
    else if (r.alias == "sp")
      type = "data_ptr";
    else if (r.group == "float" && r.bits == 64)
      type = "ieee_double";
    xml += fmt::format("<reg name=\"{}\" bitsize=\"{}\" type=\"{}\" regnum=\"{}\"/>\n",
                       r.alias.empty() ? r.name : r.alias, r.bits, type, i);
  }
  if (!feature.empty()) xml += "</feature>\n";
  xml += "</target>\n";
  return xml;
}

}  // namespace

Result<GdbSessionEnd> serve_gdb(vm::Vcpu& cpu, std::string_view spec, std::FILE* log) {
  uint16_t port = 0;
  const int lfd = STRATA_TRY(listen_tcp(spec, &port));
  fmt::print(log, "strata: gdb: waiting for a connection on port {} ({})\n", port, spec);
  std::fflush(log);
  int fd;
  do fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  const int accept_errno = errno;
  ::close(lfd);
  if (fd < 0) return fail("--gdb: accept: {}", std::strerror(accept_errno));
  GdbStub stub(cpu, fd);
  return stub.serve();
}

}  // namespace strata::monitor

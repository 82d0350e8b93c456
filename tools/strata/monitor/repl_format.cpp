#include "tools/strata/monitor/repl_format.hpp"

#include <charconv>
#include <csignal>
#include <cstring>

#include <fmt/format.h>

namespace strata::monitor {

std::optional<uint64_t> parse_number(std::string_view s) {
  bool neg = false;
  if (!s.empty() && s[0] == '-') {
    neg = true;
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return neg ? ~v + 1 : v;
}

std::optional<double> parse_double(std::string_view s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string hex_dump(uint64_t addr, std::span<const uint8_t> bytes) {
  std::string out;
  for (size_t line = 0; line < bytes.size(); line += 16) {
    const size_t n = std::min<size_t>(16, bytes.size() - line);
    out += fmt::format("0x{:016x} ", addr + line);
    for (size_t i = 0; i < 16; ++i) {
      if (i == 8) out += ' ';
      out += i < n ? fmt::format(" {:02x}", bytes[line + i]) : std::string("   ");
    }
    out += "  |";
    for (size_t i = 0; i < n; ++i) {
      const uint8_t c = bytes[line + i];
      out += c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '.';
    }
    out += "|\n";
  }
  return out;
}

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev != nullptr ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", sig);
}

std::string describe_stop(const vm::StopReason& r) {
  using K = vm::StopReason::Kind;
  switch (r.kind) {
    case K::Exited:
      // A machine says how it ended ("guest halted at 1000:000b ..."); a process does not.
      return r.message.empty()
                 ? fmt::format("the guest exited with status {}", r.code)
                 : fmt::format("the guest exited with status {}: {}", r.code, r.message);
    case K::Signaled: return fmt::format("the guest was killed by {}", signal_name(r.code));
    case K::Breakpoint: return "breakpoint";
    case K::Stepped: return "stepped";
    case K::Stopped: return "stopped";
    case K::Fault: return fmt::format("the CPU faulted: {}", r.message);
    case K::Trapped: {
      // The report's first line ("trap: <kind>: <message>"); the stack trace follows it.
      const std::string_view m = r.message;
      return fmt::format("the program trapped ({})", m.substr(0, m.find('\n')));
    }
    case K::Watchpoint: return fmt::format("watchpoint: {}", r.message);
  }
  return "stopped";
}

}  // namespace strata::monitor

#include "tools/strata/monitor/gdb_packets.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

namespace strata::monitor {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A payload is capped so a peer that never sends '#' cannot make us buffer without bound.
constexpr size_t kMaxPacket = 1 << 20;

}  // namespace

RspConnection::~RspConnection() {
  ::close(fd_);
}

std::optional<char> RspConnection::get() {
  if (buf_.empty()) {
    char tmp[4096];
    ssize_t n;
    do n = ::read(fd_, tmp, sizeof tmp);
    while (n < 0 && errno == EINTR);
    if (n <= 0) return std::nullopt;
    buf_.assign(tmp, static_cast<size_t>(n));
  }
  const char c = buf_.front();
  buf_.erase(0, 1);
  return c;
}

bool RspConnection::put(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::optional<std::string> RspConnection::receive() {
  for (;;) {
    auto c = get();
    if (!c) return std::nullopt;
    if (*c == '\x03') return std::string("\x03");
    if (*c != '$') continue;  // acks, noise between packets
    std::string payload;
    uint8_t sum = 0;
    bool escaped = false;
    for (;;) {
      auto d = get();
      if (!d) return std::nullopt;
      if (*d == '#') break;
      sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(*d));
      if (payload.size() >= kMaxPacket) continue;
      if (escaped) {
        payload.push_back(static_cast<char>(*d ^ 0x20));
        escaped = false;
      } else if (*d == '}') {
        escaped = true;
      } else {
        payload.push_back(*d);
      }
    }
    auto h = get();
    auto l = get();
    if (!h || !l) return std::nullopt;
    const int hi = hex_digit(*h), lo = hex_digit(*l);
    const bool ok = hi >= 0 && lo >= 0 && static_cast<uint8_t>(hi * 16 + lo) == sum &&
                    payload.size() < kMaxPacket;
    if (no_ack_) {
      if (ok) return payload;
      continue;
    }
    if (!put(ok ? "+" : "-")) return std::nullopt;
    if (ok) return payload;
  }
}

bool RspConnection::send(std::string_view payload) {
  std::string pkt = "$";
  uint8_t sum = 0;
  for (char c : payload) {
    // '$', '#', '}' and '*' (run-length marker) must be escaped in what we send.
    if (c == '$' || c == '#' || c == '}' || c == '*') {
      pkt.push_back('}');
      sum = static_cast<uint8_t>(sum + '}');
      c = static_cast<char>(c ^ 0x20);
    }
    pkt.push_back(c);
    sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(c));
  }
  pkt += fmt::format("#{:02x}", sum);
  for (int tries = 0; tries < 5; ++tries) {
    if (!put(pkt)) return false;
    if (no_ack_) return true;
    for (;;) {
      auto c = get();
      if (!c) return false;
      if (*c == '+') return true;
      if (*c == '-') break;  // resend
    }
  }
  return false;
}

std::string hex_encode(std::span<const uint8_t> bytes) {
  std::string s;
  s.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) s += fmt::format("{:02x}", b);
  return s;
}

bool hex_decode(std::string_view hex, std::vector<uint8_t>* out) {
  if (hex.size() % 2 != 0) return false;
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<uint8_t>(hi * 16 + lo));
  }
  return true;
}

std::string hex_le(uint64_t v, unsigned bytes) {
  std::string s;
  for (unsigned i = 0; i < bytes; ++i) s += fmt::format("{:02x}", (v >> (8 * i)) & 0xff);
  return s;
}

std::optional<uint64_t> parse_hex(std::string_view s) {
  uint64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

Result<int> listen_tcp(std::string_view spec, uint16_t* port) {
  if (!spec.starts_with("tcp:")) return fail("--gdb: '{}' is not tcp:HOST:PORT", spec);
  const std::string_view rest = spec.substr(4);
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) return fail("--gdb: '{}' has no :PORT", spec);
  std::string host(rest.substr(0, colon));
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  unsigned p = 0;
  const std::string_view ps = rest.substr(colon + 1);
  auto [end, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), p);
  if (ec != std::errc() || end != ps.data() + ps.size() || p > 65535)
    return fail("--gdb: '{}' is not a port number", ps);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(p));
  if (inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1)
    return fail("--gdb: '{}' is not an IPv4 address", host);
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail("--gdb: socket: {}", std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 1) != 0) {
    const int e = errno;
    ::close(fd);
    return fail("--gdb: cannot listen on {}:{}: {}", host, p, std::strerror(e));
  }
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return fd;
}

}  // namespace strata::monitor

// The gdb Remote Serial Protocol's framing: $payload#cs packets, '+'/'-' acknowledgements
// (until QStartNoAckMode), the 0x03 interrupt byte, and the hex encodings the packets use.
// Bytes come from a debugger on the network: everything is parsed defensively; a malformed
// packet is answered with '-' (or dropped in no-ack mode), never trusted.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "isa/error.hpp"

namespace strata::monitor {

class RspConnection {
 public:
  explicit RspConnection(int fd) : fd_(fd) {}
  ~RspConnection();
  RspConnection(const RspConnection&) = delete;
  RspConnection& operator=(const RspConnection&) = delete;

  // The next packet's payload; "\x03" for an interrupt; nullopt when the peer closed.
  std::optional<std::string> receive();
  bool send(std::string_view payload);
  void set_no_ack() { no_ack_ = true; }
  int fd() const { return fd_; }
  // Bytes read by someone else (the interrupt watcher) that belong to the packet stream.
  void unread(std::string_view bytes) { buf_.insert(0, bytes); }

 private:
  std::optional<char> get();
  bool put(std::string_view bytes);

  int fd_;
  bool no_ack_ = false;
  std::string buf_;
};

std::string hex_encode(std::span<const uint8_t> bytes);
// False on an odd length or a non-hex digit.
bool hex_decode(std::string_view hex, std::vector<uint8_t>* out);
// `bytes` bytes of v, little-endian, as hex (the register encoding of a little-endian target).
std::string hex_le(uint64_t v, unsigned bytes);
std::optional<uint64_t> parse_hex(std::string_view s);

// A listening TCP socket for "tcp:HOST:PORT" (HOST an IPv4 address or "localhost"; PORT 0
// picks a free one). Sets *port to the port bound.
Result<int> listen_tcp(std::string_view spec, uint16_t* port);

}  // namespace strata::monitor

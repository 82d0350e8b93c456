#include "hwvm/x86/aml.hpp"

#include <cstdio>
#include <cstdlib>

namespace strata::hwvm::x86::aml {
namespace {

// AML opcodes (ACPI 6.5, 20.3 "AML Byte Stream Byte Values").
constexpr std::uint8_t kZeroOp = 0x00;
constexpr std::uint8_t kOneOp = 0x01;
constexpr std::uint8_t kNameOp = 0x08;
constexpr std::uint8_t kBytePrefix = 0x0a;
constexpr std::uint8_t kWordPrefix = 0x0b;
constexpr std::uint8_t kDWordPrefix = 0x0c;
constexpr std::uint8_t kStringPrefix = 0x0d;
constexpr std::uint8_t kQWordPrefix = 0x0e;
constexpr std::uint8_t kScopeOp = 0x10;
constexpr std::uint8_t kBufferOp = 0x11;
constexpr std::uint8_t kPackageOp = 0x12;
constexpr std::uint8_t kExtOpPrefix = 0x5b;
constexpr std::uint8_t kDeviceOp = 0x82;  // after kExtOpPrefix
constexpr std::uint8_t kRootChar = 0x5c;  // '\'

// Resource descriptor tags (6.4): small items are one byte (type << 3 | length), large items
// a type byte with bit 7 set and a 16-bit length.
constexpr std::uint8_t kSmallIrq2 = 0x22;    // IRQ, 2-byte form
constexpr std::uint8_t kSmallIoPort = 0x47;  // I/O Port, length 7
constexpr std::uint8_t kSmallEndTag = 0x79;  // End Tag, length 1
constexpr std::uint8_t kLargeMemory32Fixed = 0x86;
constexpr std::uint8_t kLargeExtendedIrq = 0x89;

[[noreturn]] void broken(const char* what, std::string_view detail) {
  std::fprintf(stderr, "strata: internal error: AML %s '%.*s'\n", what,
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

void put_le(Bytes& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

void append(Bytes& out, const Bytes& more) {
  out.insert(out.end(), more.begin(), more.end());
}

bool lead_char(char c) {
  return (c >= 'A' && c <= 'Z') || c == '_';
}
bool name_char(char c) {
  return lead_char(c) || (c >= '0' && c <= '9');
}

// One NameSeg (20.2.2), padded with '_' to 4 characters.
void put_name_seg(Bytes& out, std::string_view seg) {
  if (seg.empty() || seg.size() > 4 || !lead_char(seg[0])) broken("name segment", seg);
  for (char c : seg) {
    if (!name_char(c)) broken("name segment", seg);
    out.push_back(static_cast<std::uint8_t>(c));
  }
  for (std::size_t i = seg.size(); i < 4; ++i) out.push_back('_');
}

// Op PkgLength <prefix> <body>: the shape of every package-like term.
Bytes packaged(std::initializer_list<std::uint8_t> ops, const Bytes& head, const Bytes& body) {
  Bytes out(ops);
  append(out, pkg_length(head.size() + body.size()));
  append(out, head);
  append(out, body);
  return out;
}

}  // namespace

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) append(out, p);
  return out;
}

Bytes pkg_length(std::size_t body_len) {
  // One byte holds 0..63; n bytes (2..4) hold 4 + 8 * (n - 1) bits, the count of following
  // bytes in bits 7:6 of the first, whose bits 3:0 are the low nibble.
  if (body_len + 1 < 0x40) return {static_cast<std::uint8_t>(body_len + 1)};
  for (std::size_t n = 2; n <= 4; ++n) {
    std::size_t total = body_len + n;
    if (total < (std::size_t{1} << (4 + 8 * (n - 1)))) {
      Bytes out{static_cast<std::uint8_t>(((n - 1) << 6) | (total & 0xf))};
      put_le(out, total >> 4, static_cast<int>(n - 1));
      return out;
    }
  }
  broken("package length", "over 2^28 bytes");
}

Bytes integer(std::uint64_t value) {
  if (value == 0) return {kZeroOp};
  if (value == 1) return {kOneOp};
  Bytes out;
  if (value <= 0xff) {
    out.push_back(kBytePrefix);
    put_le(out, value, 1);
  } else if (value <= 0xffff) {
    out.push_back(kWordPrefix);
    put_le(out, value, 2);
  } else if (value <= 0xffff'ffff) {
    out.push_back(kDWordPrefix);
    put_le(out, value, 4);
  } else {
    out.push_back(kQWordPrefix);
    put_le(out, value, 8);
  }
  return out;
}

Bytes string(std::string_view ascii) {
  Bytes out{kStringPrefix};
  for (char c : ascii) {
    auto byte = static_cast<std::uint8_t>(c);
    if (byte == 0 || byte > 0x7f) broken("string", ascii);  // AsciiCharList: 0x01-0x7f
    out.push_back(byte);
  }
  out.push_back(0);
  return out;
}

Bytes eisa_id(std::string_view id) {
  // "PNP0501": letters as 5-bit values (A = 1), then four hex digits; the 32-bit result is
  // stored most significant byte first, i.e. the DWord's bytes read 41 d0 05 01.
  auto hex = [&](char c) -> std::uint32_t {
    if (c >= '0' && c <= '9') return static_cast<std::uint32_t>(c - '0');
    if (c >= 'A' && c <= 'F') return static_cast<std::uint32_t>(c - 'A' + 10);
    broken("EISA id", id);
  };
  if (id.size() != 7) broken("EISA id", id);
  std::uint32_t v = 0;
  for (int i = 0; i < 3; ++i) {
    if (id[i] < 'A' || id[i] > 'Z') broken("EISA id", id);
    v = (v << 5) | static_cast<std::uint32_t>(id[i] - '@');
  }
  for (int i = 3; i < 7; ++i) v = (v << 4) | hex(id[i]);
  Bytes out{kDWordPrefix};
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
  return out;
}

Bytes name(std::string_view name, const Bytes& value) {
  Bytes out{kNameOp};
  put_name_seg(out, name);
  append(out, value);
  return out;
}

Bytes scope(std::string_view path, const Bytes& body) {
  Bytes head;
  if (!path.empty() && path[0] == '\\') {
    head.push_back(kRootChar);
    path.remove_prefix(1);
  }
  put_name_seg(head, path);
  return packaged({kScopeOp}, head, body);
}

Bytes device(std::string_view name, const Bytes& body) {
  Bytes head;
  put_name_seg(head, name);
  return packaged({kExtOpPrefix, kDeviceOp}, head, body);
}

Bytes package(std::initializer_list<Bytes> elements) {
  if (elements.size() > 0xff) broken("package", "more than 255 elements");
  Bytes head{static_cast<std::uint8_t>(elements.size())};
  return packaged({kPackageOp}, head, concat(elements));
}

Bytes resource_template(const Bytes& descriptors) {
  Bytes data = descriptors;
  data.push_back(kSmallEndTag);
  data.push_back(0);  // checksum 0: "the descriptors are not checksummed"
  return packaged({kBufferOp}, integer(data.size()), data);
}

Bytes memory32_fixed(bool writable, std::uint32_t base, std::uint32_t size) {
  Bytes out{kLargeMemory32Fixed};
  put_le(out, 9, 2);                // the bytes after the length field
  out.push_back(writable ? 1 : 0);  // bit 0: read/write
  put_le(out, base, 4);
  put_le(out, size, 4);
  return out;
}

Bytes extended_interrupt(InterruptFlags flags, std::uint32_t gsi) {
  Bytes out{kLargeExtendedIrq};
  put_le(out, 6, 2);  // flags, table length, one 32-bit interrupt number
  out.push_back(static_cast<std::uint8_t>((flags.consumer ? 1 : 0) | (flags.edge ? 2 : 0) |
                                          (flags.active_low ? 4 : 0) | (flags.shared ? 8 : 0)));
  out.push_back(1);
  put_le(out, gsi, 4);
  return out;
}

Bytes io_port(std::uint16_t base, std::uint8_t length) {
  Bytes out{kSmallIoPort, 1};  // information bit 0: decodes 16 address bits
  put_le(out, base, 2);        // minimum base
  put_le(out, base, 2);        // maximum base
  out.push_back(1);            // alignment
  out.push_back(length);
  return out;
}

Bytes irq_no_flags(std::uint8_t irq) {
  if (irq > 15) broken("ISA IRQ", "above 15");
  Bytes out{kSmallIrq2};
  put_le(out, std::uint32_t{1} << irq, 2);
  return out;
}

}  // namespace strata::hwvm::x86::aml

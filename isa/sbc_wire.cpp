#include "isa/sbc_wire.hpp"

#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "isa/sbc_format.hpp"

namespace strata::isa {

namespace {

constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kCrcTable = make_crc_table();

}  // namespace

uint32_t sbc_crc32(std::string_view bytes) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char ch : bytes) c = kCrcTable[(c ^ ch) & 0xff] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void sbc_reseal(std::string& bytes) {
  if (bytes.size() < sbc::kTrailerSize) return;
  const size_t body = bytes.size() - sbc::kTrailerSize;
  const uint32_t crc = sbc_crc32(std::string_view(bytes).substr(0, body));
  for (size_t i = 0; i < 4; ++i) bytes[body + i] = static_cast<char>(crc >> (8 * i));
}

namespace sbc {

std::string_view section_name(uint8_t id) {
  static constexpr std::string_view kNames[] = {
      "?",       "name",    "signatures", "structs", "constants", "functions",
      "imports", "exports", "memory",     "data",    "debug",
  };
  return id <= kLastSection ? kNames[id] : "?";
}

size_t encode_uleb(uint64_t v, uint8_t* buf) {
  size_t n = 0;
  do {
    uint8_t byte = v & 0x7f;
    v >>= 7;
    if (v) byte |= 0x80;
    buf[n++] = byte;
  } while (v);
  return n;
}

size_t encode_sleb(int64_t v, uint8_t* buf) {
  size_t n = 0;
  for (;;) {
    uint8_t byte = v & 0x7f;
    v >>= 7;  // arithmetic shift (C++20)
    const bool done = (v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40));
    if (!done) byte |= 0x80;
    buf[n++] = byte;
    if (done) return n;
  }
}

void ByteWriter::u16(uint16_t v) {
  for (int i = 0; i < 2; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
}
void ByteWriter::u32(uint32_t v) {
  for (int i = 0; i < 4; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
}
void ByteWriter::u64(uint64_t v) {
  for (int i = 0; i < 8; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
}
void ByteWriter::uleb(uint64_t v) {
  uint8_t buf[10];
  out_.append(reinterpret_cast<const char*>(buf), encode_uleb(v, buf));
}
void ByteWriter::sleb(int64_t v) {
  uint8_t buf[10];
  out_.append(reinterpret_cast<const char*>(buf), encode_sleb(v, buf));
}
void ByteWriter::str(std::string_view s) {
  uleb(s.size());
  out_.append(s);
}
void ByteWriter::begin_section(SectionId id) {
  u8(static_cast<uint8_t>(id));
  len_at_ = out_.size();
  u32(0);
}
void ByteWriter::end_section() {
  const size_t len = out_.size() - len_at_ - 4;
  for (size_t i = 0; i < 4; ++i) out_[len_at_ + i] = static_cast<char>(len >> (8 * i));
}

tl::unexpected<Error> ByteReader::error_at(size_t offset, std::string_view msg) const {
  return fail("sbc: section '{}' at offset {:#x}: {}", section_, offset, msg);
}

Result<uint8_t> ByteReader::u8(std::string_view what) {
  if (remaining() < 1) return error(fmt::format("{}: expected 1 byte, 0 remain", what));
  return static_cast<uint8_t>(all_[pos_++]);
}

Result<uint16_t> ByteReader::u16(std::string_view what) {
  if (remaining() < 2)
    return error(fmt::format("{}: expected 2 bytes, {} remain", what, remaining()));
  uint16_t v = 0;
  for (int i = 0; i < 2; ++i) v |= uint16_t(uint8_t(all_[pos_ + i])) << (8 * i);
  pos_ += 2;
  return v;
}

Result<uint32_t> ByteReader::u32(std::string_view what) {
  if (remaining() < 4)
    return error(fmt::format("{}: expected 4 bytes, {} remain", what, remaining()));
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(uint8_t(all_[pos_ + i])) << (8 * i);
  pos_ += 4;
  return v;
}

Result<uint64_t> ByteReader::u64(std::string_view what) {
  if (remaining() < 8)
    return error(fmt::format("{}: expected 8 bytes, {} remain", what, remaining()));
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t(uint8_t(all_[pos_ + i])) << (8 * i);
  pos_ += 8;
  return v;
}

// LEB128 values must be canonical (the shortest encoding) so that writing a parsed module
// reproduces its bytes; both readers check by re-encoding the value and comparing bytes.
Result<uint64_t> ByteReader::uleb64(std::string_view what) {
  const size_t start = pos_;
  uint64_t v = 0;
  for (unsigned i = 0;; ++i) {
    if (i == 10) return error_at(start, fmt::format("{}: LEB128 longer than 10 bytes", what));
    if (pos_ >= end_) return error_at(start, fmt::format("{}: truncated LEB128", what));
    const uint8_t byte = static_cast<uint8_t>(all_[pos_++]);
    v |= uint64_t(byte & 0x7f) << (7 * i);
    if (!(byte & 0x80)) break;
  }
  uint8_t buf[10];
  const size_t n = encode_uleb(v, buf);
  if (n != pos_ - start || std::memcmp(buf, all_.data() + start, n) != 0)
    return error_at(start, fmt::format("{}: non-canonical or overflowing LEB128", what));
  return v;
}

Result<uint32_t> ByteReader::uleb32(std::string_view what) {
  const size_t start = pos_;
  const uint64_t v = STRATA_TRY(uleb64(what));
  if (v > std::numeric_limits<uint32_t>::max())
    return error_at(start, fmt::format("{}: value {} exceeds 32 bits", what, v));
  return static_cast<uint32_t>(v);
}

Result<int64_t> ByteReader::sleb64(std::string_view what) {
  const size_t start = pos_;
  uint64_t v = 0;
  unsigned shift = 0;
  uint8_t byte = 0;
  for (unsigned i = 0;; ++i) {
    if (i == 10) return error_at(start, fmt::format("{}: LEB128 longer than 10 bytes", what));
    if (pos_ >= end_) return error_at(start, fmt::format("{}: truncated LEB128", what));
    byte = static_cast<uint8_t>(all_[pos_++]);
    v |= uint64_t(byte & 0x7f) << shift;
    shift += 7;
    if (!(byte & 0x80)) break;
  }
  if (shift < 64 && (byte & 0x40)) v |= ~uint64_t(0) << shift;
  const int64_t s = static_cast<int64_t>(v);
  uint8_t buf[10];
  const size_t n = encode_sleb(s, buf);
  if (n != pos_ - start || std::memcmp(buf, all_.data() + start, n) != 0)
    return error_at(start, fmt::format("{}: non-canonical or overflowing LEB128", what));
  return s;
}

Result<std::string> ByteReader::str(std::string_view what) {
  const size_t start = pos_;
  const uint64_t len = STRATA_TRY(uleb64(what));
  // GUEST: string length checked against the bytes left in the section before allocating.
  if (len > remaining())
    return error_at(start,
                    fmt::format("{} length {} exceeds remaining {} bytes", what, len, remaining()));
  std::string s(all_.substr(pos_, len));
  pos_ += len;
  return s;
}

Result<void> ByteReader::u64_array(std::string_view what, size_t n, std::vector<uint64_t>& out) {
  // GUEST: all n words must lie inside the section.
  if (n > remaining() / 8)
    return error(fmt::format("{}: {} words exceed remaining {} bytes", what, n, remaining()));
  out.reserve(out.size() + n);
  for (size_t k = 0; k < n; ++k) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t(uint8_t(all_[pos_ + i])) << (8 * i);
    out.push_back(v);
    pos_ += 8;
  }
  return {};
}

Result<uint32_t> ByteReader::count(std::string_view what, size_t min_bytes) {
  const size_t start = pos_;
  const uint32_t n = STRATA_TRY(uleb32(what));
  // GUEST: every count is bounded by the bytes that could hold its items.
  if (n > remaining() / min_bytes)
    return error_at(start, fmt::format("{} {} exceeds remaining {} bytes", what, n, remaining()));
  return n;
}

}  // namespace sbc
}  // namespace strata::isa

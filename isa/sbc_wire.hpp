// Internal to the .sbc reader and writer: section ids, the byte writer, the bounds-checked
// byte reader. Not part of the public API (include isa/sbc_format.hpp).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "isa/error.hpp"

namespace strata::isa::sbc {

inline constexpr std::string_view kMagic = "SVIM";
inline constexpr size_t kHeaderSize = 8;   // magic, version, flags
inline constexpr size_t kTrailerSize = 4;  // CRC-32

// Section ids, in the only order a file may contain them.
enum class SectionId : uint8_t {
  Name = 1,
  Signatures,
  Structs,
  Constants,
  Functions,
  Imports,
  Exports,
  Memory,
  Data,
  Debug,
};
inline constexpr uint8_t kFirstSection = 1, kLastSection = 10;
std::string_view section_name(uint8_t id);  // "functions"; "?" for unknown ids

// Value type bytes: 0 i64, 1 f64, 2 ref. A signature's result byte: 0 void, 1 + type otherwise.
inline constexpr uint8_t kResultVoid = 0;
// Constant tags.
inline constexpr uint8_t kConstI64 = 0, kConstF64 = 1, kConstString = 2;

class ByteWriter {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(uint16_t v);
  void u32(uint32_t v);
  void u64(uint64_t v);
  void uleb(uint64_t v);
  void sleb(int64_t v);
  void str(std::string_view s);  // uleb length + bytes
  // Starts a section: id and a length placeholder, patched by end_section().
  void begin_section(SectionId id);
  void end_section();
  std::string& bytes() { return out_; }

 private:
  std::string out_;
  size_t len_at_ = 0;
};

// Encodes v as ULEB128 / SLEB128 into buf, returns the byte count (at most 10).
size_t encode_uleb(uint64_t v, uint8_t* buf);
size_t encode_sleb(int64_t v, uint8_t* buf);

// Reads from [pos, end) of a buffer; every read is bounds-checked and every error names the
// section and the absolute offset of the item that was being read.
class ByteReader {
 public:
  ByteReader(std::string_view all, size_t pos, size_t end, std::string_view section)
      : all_(all), pos_(pos), end_(end), section_(section) {}

  size_t pos() const { return pos_; }
  size_t remaining() const { return end_ - pos_; }

  Result<uint8_t> u8(std::string_view what);
  Result<uint16_t> u16(std::string_view what);
  Result<uint32_t> u32(std::string_view what);
  Result<uint64_t> u64(std::string_view what);
  Result<uint64_t> uleb64(std::string_view what);
  Result<uint32_t> uleb32(std::string_view what);
  Result<int64_t> sleb64(std::string_view what);
  Result<std::string> str(std::string_view what);
  // n little-endian u64 words appended to `out` (one bounds check for all of them).
  Result<void> u64_array(std::string_view what, size_t n, std::vector<uint64_t>& out);
  // A ULEB count of items that take at least `min_bytes` each; rejected when the remaining
  // bytes cannot hold them, so callers may reserve() the result safely.
  Result<uint32_t> count(std::string_view what, size_t min_bytes);

  // An error at `offset`: "sbc: section 'S' at offset 0xN: MSG".
  tl::unexpected<Error> error_at(size_t offset, std::string_view msg) const;
  tl::unexpected<Error> error(std::string_view msg) const { return error_at(pos_, msg); }

 private:
  std::string_view all_;
  size_t pos_, end_;
  std::string_view section_;
};

}  // namespace strata::isa::sbc

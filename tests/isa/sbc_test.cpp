// .sbc round trips and the reader's errors on hand-made malformed files.
#include "isa/sbc_format.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "isa/sbc_wire.hpp"
#include "isa/verifier.hpp"
#include "tests/isa/builder.hpp"

namespace strata::isa {
namespace {

using namespace test;
using sbc::ByteWriter;

// A file from raw (id, payload) sections, sealed with a correct checksum.
std::string file_of(const std::vector<std::pair<uint8_t, std::string>>& sections,
                    uint16_t version = kSbcVersion, uint16_t flags = 0) {
  ByteWriter w;
  w.bytes() = "SVIM";
  w.u16(version);
  w.u16(flags);
  for (const auto& [id, payload] : sections) {
    w.u8(id);
    w.u32(static_cast<uint32_t>(payload.size()));
    w.bytes() += payload;
  }
  w.u32(0);
  sbc_reseal(w.bytes());
  return w.bytes();
}

// The sections of an empty module, as payloads, so a test can replace one.
std::vector<std::pair<uint8_t, std::string>> empty_sections() {
  std::string z(1, '\0');
  return {{1, z}, {2, z},
          {3, z}, {4, z},
          {5, z}, {6, z},
          {7, z}, {8, std::string(2, '\0')},
          {9, z}, {10, std::string(2, '\0')}};
}

TEST(Sbc, Crc32IsTheIeeeCheckValue) {
  EXPECT_EQ(sbc_crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(sbc_crc32(""), 0u);
  std::string s = "abcd" + std::string(4, '\0');
  sbc_reseal(s);
  EXPECT_EQ(s.substr(4), std::string("\x11\xcd\x82\xed", 4));  // crc32("abcd") = 0xed82cd11
  std::string tiny = "ab";
  sbc_reseal(tiny);
  EXPECT_EQ(tiny, "ab");
}

TEST(Sbc, EmptyModuleRoundTrips) {
  const Module m;
  const std::string bytes = write_sbc(m);
  EXPECT_EQ(bytes, file_of(empty_sections()));
  auto back = read_sbc(bytes);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, m);
  EXPECT_TRUE(verify(*back));
}

TEST(Sbc, RichModuleRoundTripsBothWays) {
  const Module m = make_rich_module();
  ASSERT_EQ(error_of(verify(m)), "");
  const std::string bytes = write_sbc(m);
  auto back = read_sbc(bytes);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, m);
  EXPECT_EQ(write_sbc(*back), bytes);
  EXPECT_EQ(error_of(verify(*back)), "");
}

TEST(Sbc, ExtremeValuesRoundTrip) {
  Builder b;
  b.m.name = std::string("n\0\xff", 3);
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{63}, int64_t{64}, int64_t{-64}, int64_t{-65},
                    std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()})
    b.konst(v);
  for (double d : {0.0, -0.0, std::numeric_limits<double>::infinity(),
                   std::numeric_limits<double>::denorm_min(), -1e308})
    b.konst(d);
  b.konst(std::string(100000, 'x'));
  b.m.memory = Memory{std::numeric_limits<uint64_t>::max(), std::numeric_limits<uint64_t>::max()};
  b.m.data.push_back(DataSegment{std::numeric_limits<uint64_t>::max(), ""});
  b.m.debug.lines = {{LineEntry{0xffffffffu, 0xffffffffu}}};
  const std::string bytes = write_sbc(b.m);
  auto back = read_sbc(bytes);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, b.m);
  EXPECT_EQ(write_sbc(*back), bytes);
}

TEST(Sbc, NanConstantKeepsItsBits) {
  Builder b;
  b.konst(std::bit_cast<double>(uint64_t{0x7ff80000deadbeefull}));
  const std::string bytes = write_sbc(b.m);
  auto back = read_sbc(bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(std::bit_cast<uint64_t>(std::get<double>(back->consts[0])), 0x7ff80000deadbeefull);
  EXPECT_EQ(write_sbc(*back), bytes);
}

TEST(Sbc, FieldTableIsRebuiltFromStructs) {
  Module m = make_rich_module();
  auto back = read_sbc(write_sbc(m));
  ASSERT_TRUE(back);
  ASSERT_EQ(back->fields.size(), 5u);
  EXPECT_EQ(back->fields[3].owner, 1u);
  EXPECT_EQ(back->fields[3].slot, 1u);
  EXPECT_EQ(back->fields[3].field.name, "val");
  EXPECT_EQ(back->structs[2].first_field, 5u);
  EXPECT_EQ(back->structs[2].field_count, 0u);
}

TEST(Sbc, LayoutOfTheHeader) {
  const std::string bytes = write_sbc(Module{});
  EXPECT_EQ(bytes.substr(0, 8), std::string("SVIM\x01\x00\x00\x00", 8));
  // Name section: id 1, length 1, empty string.
  EXPECT_EQ(bytes.substr(8, 6), std::string("\x01\x01\x00\x00\x00\x00", 6));
}

// --- reader errors, each naming the section and the offset

void expect_error(const std::string& bytes, std::string_view fragment) {
  auto r = read_sbc(bytes);
  ASSERT_FALSE(r) << "accepted; expected error containing: " << fragment;
  EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
}

TEST(SbcErrors, TooShort) {
  expect_error("", "sbc: header at offset 0x0: file of 0 bytes is too short");
  expect_error("SVIM\x01", "file of 5 bytes is too short");
}

TEST(SbcErrors, BadMagic) {
  std::string f = file_of(empty_sections());
  f[0] = 'X';
  expect_error(f, "sbc: header at offset 0x0: bad magic (expected \"SVIM\")");
}

TEST(SbcErrors, BadVersionAndFlags) {
  expect_error(file_of(empty_sections(), 2),
               "offset 0x4: unsupported format version 2 (expected 1)");
  expect_error(file_of(empty_sections(), 1, 0x10), "offset 0x6: unknown flags 0x10 (expected 0)");
}

TEST(SbcErrors, ChecksumMismatch) {
  std::string f = file_of(empty_sections());
  f[9] ^= 1;
  expect_error(f, "sbc: checksum at offset 0x");
  expect_error(f, "(file truncated or corrupted)");
  std::string g = file_of(empty_sections());
  g.pop_back();
  expect_error(g, "stored CRC-32");
}

TEST(SbcErrors, UnknownSectionId) {
  auto s = empty_sections();
  s.insert(s.begin() + 3, {11, ""});
  expect_error(file_of(s),
               "sbc: section id at offset 0x1a: unknown section id 11 (expected "
               "section 'constants')");
}

TEST(SbcErrors, DuplicateSection) {
  auto s = empty_sections();
  s.insert(s.begin() + 2, {2, std::string(1, '\0')});
  expect_error(file_of(s),
               "section 'signatures' at offset 0x14: duplicate or out-of-order "
               "section (expected 'structs')");
}

TEST(SbcErrors, OutOfOrderSection) {
  auto s = empty_sections();
  std::swap(s[4], s[5]);
  expect_error(file_of(s),
               "section 'imports' at offset 0x20: out-of-order or missing previous "
               "section (expected 'functions')");
}

TEST(SbcErrors, MissingSection) {
  auto s = empty_sections();
  s.pop_back();
  expect_error(file_of(s), "section 'debug' at offset 0x");
  expect_error(file_of(s), "missing section (file ends before it)");
}

TEST(SbcErrors, SectionLengthPastEnd) {
  std::string f = file_of(empty_sections());
  f[9] = 100;  // name section length
  sbc_reseal(f);
  expect_error(f, "section 'name' at offset 0x9: section length 100 exceeds remaining");
}

TEST(SbcErrors, TrailingBytesInSection) {
  auto s = empty_sections();
  s[0].second = std::string("\x00\x07", 2);
  expect_error(file_of(s), "section 'name' at offset 0xe: 1 unexpected trailing bytes");
}

TEST(SbcErrors, HugeCodeLength) {
  ByteWriter p;
  p.uleb(1);  // one function
  p.str("f");
  p.uleb(0);  // sig
  p.uleb(0);  // no registers
  p.u8(0);    // no names
  const size_t at = p.bytes().size();
  p.uleb(0xffffffffu);
  p.bytes() += std::string(12, '\0');
  auto s = empty_sections();
  s[4].second = p.bytes();
  const size_t payload_at = 8 + 4 * 6 + 5;  // four 1-byte sections before functions
  expect_error(file_of(s), fmt::format("sbc: section 'functions' at offset {:#x}: code length "
                                       "4294967295 exceeds remaining 12 bytes",
                                       payload_at + at));
}

TEST(SbcErrors, HugeCountsAreRejectedBeforeAllocating) {
  const char* names[] = {"",
                         "",
                         "signature count",
                         "struct count",
                         "constant count",
                         "function count",
                         "import count",
                         "export count",
                         "",
                         "data segment count",
                         ""};
  for (uint8_t id : {2, 3, 4, 5, 6, 7, 9}) {
    ByteWriter p;
    p.uleb(0xfffffff0u);
    auto s = empty_sections();
    s[id - 1].second = p.bytes();
    expect_error(file_of(s), fmt::format("{} 4294967280 exceeds remaining 0 bytes", names[id]));
  }
  ByteWriter p;
  p.str("");
  p.uleb(1u << 30);
  auto s = empty_sections();
  s[9].second = p.bytes();
  expect_error(file_of(s), "line table count 1073741824 exceeds remaining 0 bytes");
}

TEST(SbcErrors, StringLengthPastEnd) {
  auto s = empty_sections();
  s[0].second = std::string(
      "\x05"
      "ab",
      3);
  expect_error(file_of(s),
               "section 'name' at offset 0xd: module name length 5 exceeds remaining "
               "2 bytes");
}

TEST(SbcErrors, NonCanonicalLeb) {
  auto s = empty_sections();
  s[0].second = std::string("\x80\x00", 2);  // 0 in two bytes
  expect_error(file_of(s), "module name: non-canonical or overflowing LEB128");
  s[0].second = std::string("\x80\x80", 2);
  expect_error(file_of(s), "module name: truncated LEB128");
  s[0].second = std::string(11, '\x80');
  expect_error(file_of(s), "module name: LEB128 longer than 10 bytes");
  // A 64-bit value with bits beyond bit 63 set in the tenth byte.
  s[0].second = std::string(1, '\0');
  s[7].second = std::string(9, '\xff') + std::string("\x03\x00", 2);
  expect_error(file_of(s), "memory initial size: non-canonical or overflowing LEB128");
  ByteWriter c;
  c.uleb(1);
  c.u8(0);
  c.bytes() += std::string("\xff\x7f", 2);  // -1 in two bytes
  s = empty_sections();
  s[3].second = c.bytes();
  expect_error(file_of(s), "i64 constant: non-canonical or overflowing LEB128");
}

TEST(SbcErrors, ValueOver32Bits) {
  ByteWriter p;
  p.uleb(1);
  p.str("e");
  p.uleb(uint64_t{1} << 32);
  auto s = empty_sections();
  s[6].second = p.bytes();
  expect_error(file_of(s), "export function: value 4294967296 exceeds 32 bits");
}

TEST(SbcErrors, InvalidTypeTagsAndFlags) {
  auto s = empty_sections();
  s[1].second = std::string("\x01\x01\x03\x00", 4);
  expect_error(file_of(s),
               "section 'signatures' at offset 0x15: parameter type: invalid value "
               "type 3");
  s[1].second = std::string("\x01\x00\x04", 3);
  expect_error(file_of(s), "invalid result type 4 (expected 0 void, 1 i64, 2 f64, 3 ref)");
  s = empty_sections();
  s[3].second = std::string("\x01\x07\x00", 3);
  expect_error(file_of(s), "section 'constants' at offset 0x20: constant #0: invalid tag 7");
  s = empty_sections();
  s[4].second = std::string("\x01\x00\x00\x01\x00\x02\x00", 7);
  expect_error(file_of(s), "register names flag 2 (expected 0 or 1)");
  s[4].second = std::string("\x01\x00\x00\x00\x01\x00", 6);  // names without registers
  expect_error(file_of(s), "register names flag 1 (expected 0 for a function without registers)");
  s[4].second = std::string("\x01\x00\x00\x02\x00\x00\x01", 7);
  expect_error(file_of(s), "2 register names exceed remaining 0 bytes");
  s[4].second = std::string("\x01\x00\x00\x01\x05\x00\x00", 7);
  expect_error(file_of(s), "register type: invalid value type 5");
}

}  // namespace
}  // namespace strata::isa

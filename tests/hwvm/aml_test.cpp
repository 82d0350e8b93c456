// The AML encoder against encodings worked out by hand from ACPI 6.5 chapter 20 and 6.4.
#include "hwvm/x86/aml.hpp"

#include <gtest/gtest.h>

namespace strata::hwvm::x86::aml {
namespace {

TEST(Aml, IntegersUseTheShortestPrefix) {
  EXPECT_EQ(integer(0), Bytes({0x00}));  // ZeroOp
  EXPECT_EQ(integer(1), Bytes({0x01}));  // OneOp
  EXPECT_EQ(integer(0x17), Bytes({0x0a, 0x17}));
  EXPECT_EQ(integer(0xff), Bytes({0x0a, 0xff}));
  EXPECT_EQ(integer(0x1234), Bytes({0x0b, 0x34, 0x12}));
  EXPECT_EQ(integer(0xd0000000), Bytes({0x0c, 0x00, 0x00, 0x00, 0xd0}));
  EXPECT_EQ(integer(0x1'0000'0000), Bytes({0x0e, 0, 0, 0, 0, 1, 0, 0, 0}));
}

TEST(Aml, PkgLengthCountsItsOwnBytes) {
  EXPECT_EQ(pkg_length(0), Bytes({0x01}));
  EXPECT_EQ(pkg_length(62), Bytes({0x3f}));  // 63: the largest one-byte length
  // 63 + 2 = 65 = 0x41: bits 7:6 = 1 following byte, low nibble 1, then 0x41 >> 4.
  EXPECT_EQ(pkg_length(63), Bytes({0x41, 0x04}));
  // 0xffd + 2 = 0xfff: the largest two-byte length.
  EXPECT_EQ(pkg_length(0xffd), Bytes({0x4f, 0xff}));
  // 0xffe + 3 = 0x1001: three bytes, low nibble 1, then 0x100 little-endian.
  EXPECT_EQ(pkg_length(0xffe), Bytes({0x81, 0x00, 0x01}));
}

TEST(Aml, StringsAndEisaIds) {
  EXPECT_EQ(string("AB"), Bytes({0x0d, 'A', 'B', 0x00}));
  // "PNP": P=0x10, N=0x0e, P=0x10 -> 0b0'10000'01110'10000 = 0x41d0; then 0x0501.
  EXPECT_EQ(eisa_id("PNP0501"), Bytes({0x0c, 0x41, 0xd0, 0x05, 0x01}));
  EXPECT_EQ(eisa_id("PNP0A03"), Bytes({0x0c, 0x41, 0xd0, 0x0a, 0x03}));
}

TEST(Aml, NamesArePaddedToFourCharacters) {
  EXPECT_EQ(name("_S5", integer(5)), Bytes({0x08, '_', 'S', '5', '_', 0x0a, 0x05}));
  Bytes sb = scope("\\_SB", {});
  EXPECT_EQ(sb, Bytes({0x10, 0x06, 0x5c, '_', 'S', 'B', '_'}));
}

TEST(Aml, PackageHasItsElementCount) {
  EXPECT_EQ(package({integer(5), integer(0)}), Bytes({0x12, 0x05, 0x02, 0x0a, 0x05, 0x00}));
}

TEST(Aml, ResourceDescriptors) {
  EXPECT_EQ(memory32_fixed(true, 0xd0000000, 0x200),
            Bytes({0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0xd0, 0x00, 0x02, 0x00, 0x00}));
  EXPECT_EQ(memory32_fixed(false, 0x1000, 0x10),
            Bytes({0x86, 0x09, 0x00, 0x00, 0x00, 0x10, 0, 0, 0x10, 0, 0, 0}));
  // Flags: bit 0 consumer, bit 1 edge, bit 2 active low, bit 3 shared.
  EXPECT_EQ(extended_interrupt({}, 5), Bytes({0x89, 0x06, 0x00, 0x03, 0x01, 0x05, 0, 0, 0}));
  EXPECT_EQ(
      extended_interrupt({.consumer = true, .edge = false, .active_low = true, .shared = true}, 33),
      Bytes({0x89, 0x06, 0x00, 0x0d, 0x01, 0x21, 0, 0, 0}));
  EXPECT_EQ(io_port(0x3f8, 8), Bytes({0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08}));
  EXPECT_EQ(irq_no_flags(4), Bytes({0x22, 0x10, 0x00}));
  // A Buffer: BufferOp PkgLength BufferSize(2 bytes + end tag = 4) bytes.
  EXPECT_EQ(resource_template(irq_no_flags(4)),
            Bytes({0x11, 0x08, 0x0a, 0x05, 0x22, 0x10, 0x00, 0x79, 0x00}));
}

TEST(Aml, LargeDeviceUsesMultiBytePkgLength) {
  Bytes body(100, 0x01);  // 100 OneOps: any TermList will do for the length
  Bytes d = device("ABCD", body);
  ASSERT_EQ(d.size(), 2u + 2u + 4u + 100u);
  EXPECT_EQ(d[0], 0x5b);
  EXPECT_EQ(d[1], 0x82);
  // 4 (name) + 100 + 2 (the PkgLength itself) = 106 = 0x6a.
  EXPECT_EQ(d[2], 0x40 | 0x0a);
  EXPECT_EQ(d[3], 0x06);
  EXPECT_EQ(d[4], 'A');
}

}  // namespace
}  // namespace strata::hwvm::x86::aml

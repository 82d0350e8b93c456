// The ACPI tables, read back as an OS reads them: raw bytes at the offsets ACPI 6.5 gives
// (5.2.5.3 RSDP, 5.2.6 header, 5.2.8 XSDT, 5.2.9 FADT, 5.2.12 MADT), and the DSDT's AML checked
// byte for byte and, where iasl is installed, by ACPICA's own disassembler.
#include "hwvm/x86/acpi.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/subprocess.hpp"

namespace strata::hwvm::x86 {
namespace {

using Bytes = std::vector<std::uint8_t>;

template <typename T>
T at(const Bytes& b, std::size_t off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}

std::string text(const Bytes& b, std::size_t off, std::size_t len) {
  return std::string(b.begin() + static_cast<std::ptrdiff_t>(off),
                     b.begin() + static_cast<std::ptrdiff_t>(off + len));
}

std::uint8_t sum(const Bytes& b, std::size_t len) {
  std::uint8_t s = 0;
  for (std::size_t i = 0; i < len; ++i) s = static_cast<std::uint8_t>(s + b[i]);
  return s;
}

AcpiConfig two_devices() {
  AcpiConfig c;
  c.cpus = 2;
  c.virtio_mmio = {{0xd0000000, 0x200, 5}, {0xd0000200, 0x200, 6}};
  return c;
}

struct Built {
  AcpiTables t;
  const Bytes& rsdp() const { return t.blobs[0].bytes; }
  const Bytes& xsdt() const { return t.blobs[1].bytes; }
  const Bytes& fadt() const { return t.blobs[2].bytes; }
  const Bytes& madt() const { return t.blobs[3].bytes; }
  const Bytes& dsdt() const { return t.blobs[4].bytes; }
};

Built build(const AcpiConfig& c) {
  auto t = build_acpi(c);
  if (!t) ADD_FAILURE() << t.error().message;
  return Built{t ? *t : AcpiTables{}};
}

TEST(Acpi, BlobsInOrderAlignedInsideTheBiosArea) {
  Built b = build(two_devices());
  ASSERT_EQ(b.t.blobs.size(), 5u);
  EXPECT_EQ(b.t.rsdp_addr, kAcpiRsdpAddress);
  EXPECT_EQ(b.t.blobs[0].gpa, kAcpiRsdpAddress);
  for (std::size_t i = 1; i < b.t.blobs.size(); ++i) {
    const AcpiBlob& prev = b.t.blobs[i - 1];
    EXPECT_EQ(b.t.blobs[i].gpa % 16, 0u);
    EXPECT_GE(b.t.blobs[i].gpa, prev.gpa + prev.bytes.size()) << "blob " << i << " overlaps";
  }
  const AcpiBlob& last = b.t.blobs.back();
  EXPECT_LE(last.gpa + last.bytes.size(), kAcpiAreaEnd);
}

TEST(Acpi, Rsdp) {
  Built b = build(two_devices());
  const Bytes& r = b.rsdp();
  ASSERT_EQ(r.size(), 36u);
  EXPECT_EQ(text(r, 0, 8), "RSD PTR ");
  EXPECT_EQ(sum(r, 20), 0) << "ACPI 1.0 checksum over the first 20 bytes";
  EXPECT_EQ(sum(r, 36), 0) << "extended checksum over all 36 bytes";
  EXPECT_EQ(text(r, 9, 6), "STRATA");
  EXPECT_EQ(r[15], 2);                                    // revision
  EXPECT_EQ(at<std::uint32_t>(r, 16), 0u);                // no RSDT
  EXPECT_EQ(at<std::uint32_t>(r, 20), 36u);               // length
  EXPECT_EQ(at<std::uint64_t>(r, 24), b.t.blobs[1].gpa);  // XsdtAddress
}

// The 36-byte header every SDT starts with.
void expect_header(const Bytes& t, const char* signature, std::uint8_t revision) {
  SCOPED_TRACE(signature);
  ASSERT_GE(t.size(), 36u);
  EXPECT_EQ(text(t, 0, 4), signature);
  EXPECT_EQ(at<std::uint32_t>(t, 4), t.size());
  EXPECT_EQ(t[8], revision);
  EXPECT_EQ(sum(t, t.size()), 0) << "checksum";
  EXPECT_EQ(text(t, 10, 6), "STRATA");
  EXPECT_EQ(text(t, 16, 8), "STRATAVM");
}

TEST(Acpi, XsdtPointsAtFadtAndMadt) {
  Built b = build(two_devices());
  const Bytes& x = b.xsdt();
  expect_header(x, "XSDT", 1);
  ASSERT_EQ(x.size(), 36u + 16u);
  EXPECT_EQ(at<std::uint64_t>(x, 36), b.t.blobs[2].gpa);
  EXPECT_EQ(at<std::uint64_t>(x, 44), b.t.blobs[3].gpa);
  EXPECT_EQ(text(b.fadt(), 0, 4), "FACP");
  EXPECT_EQ(text(b.madt(), 0, 4), "APIC");
}

TEST(Acpi, FadtIsHardwareReduced) {
  Built b = build(two_devices());
  const Bytes& f = b.fadt();
  expect_header(f, "FACP", 6);
  ASSERT_EQ(f.size(), 276u);
  EXPECT_EQ(f[131], 5);                                    // FADT minor version: ACPI 6.5
  EXPECT_EQ(at<std::uint32_t>(f, 40), 0u);                 // DSDT: X_DSDT is used instead
  EXPECT_EQ(at<std::uint64_t>(f, 140), b.t.blobs[4].gpa);  // X_DSDT
  std::uint32_t flags = at<std::uint32_t>(f, 112);
  EXPECT_TRUE(flags & (1u << 20)) << "HW_REDUCED_ACPI";
  EXPECT_TRUE(flags & (1u << 10)) << "RESET_REG_SUP";
  std::uint16_t iapc = at<std::uint16_t>(f, 109);
  EXPECT_FALSE(iapc & (1u << 1)) << "no 8042";
  EXPECT_TRUE(iapc & (1u << 2)) << "VGA not present";
  EXPECT_TRUE(iapc & (1u << 5)) << "CMOS RTC not present";
  // No SCI and no fixed-hardware blocks.
  EXPECT_EQ(at<std::uint16_t>(f, 46), 0);   // SCI_INT
  EXPECT_EQ(at<std::uint32_t>(f, 48), 0u);  // SMI_CMD
  for (std::size_t off = 56; off < 88; off += 4) EXPECT_EQ(at<std::uint32_t>(f, off), 0u) << off;
  for (std::size_t off = 148; off < 244; ++off) EXPECT_EQ(f[off], 0) << off;  // X_ blocks
  // RESET_REG, SLEEP_CONTROL_REG, SLEEP_STATUS_REG: GAS {SystemIO, 8 bits, 0, byte, port}.
  auto expect_io_reg = [&](std::size_t off, std::uint16_t port) {
    SCOPED_TRACE(off);
    EXPECT_EQ(f[off], 1);
    EXPECT_EQ(f[off + 1], 8);
    EXPECT_EQ(f[off + 2], 0);
    EXPECT_EQ(f[off + 3], 1);
    EXPECT_EQ(at<std::uint64_t>(f, off + 4), port);
  };
  expect_io_reg(116, kAcpiResetPort);
  EXPECT_EQ(f[128], kAcpiResetValue);
  expect_io_reg(244, kAcpiSleepControlPort);
  expect_io_reg(256, kAcpiSleepStatusPort);
  EXPECT_EQ(text(f, 268, 8), "STRATAVM");
}

TEST(Acpi, MadtOneLocalApicPerCpuAndOneIoapic) {
  AcpiConfig c = two_devices();
  c.cpus = 3;
  Built b = build(c);
  const Bytes& m = b.madt();
  expect_header(m, "APIC", 5);
  ASSERT_EQ(m.size(), 44u + 3 * 8 + 12);
  EXPECT_EQ(at<std::uint32_t>(m, 36), kLapicAddress);
  EXPECT_EQ(at<std::uint32_t>(m, 40), 0u);  // PCAT_COMPAT clear
  for (std::uint8_t i = 0; i < 3; ++i) {
    std::size_t e = 44 + 8 * i;
    SCOPED_TRACE(int{i});
    EXPECT_EQ(m[e], 0);  // Processor Local APIC
    EXPECT_EQ(m[e + 1], 8);
    EXPECT_EQ(m[e + 2], i);                      // processor UID
    EXPECT_EQ(m[e + 3], i);                      // APIC id
    EXPECT_EQ(at<std::uint32_t>(m, e + 4), 1u);  // enabled
  }
  std::size_t io = 44 + 3 * 8;
  EXPECT_EQ(m[io], 1);  // I/O APIC
  EXPECT_EQ(m[io + 1], 12);
  EXPECT_EQ(m[io + 2], 0);
  EXPECT_EQ(at<std::uint32_t>(m, io + 4), kIoapicAddress);
  EXPECT_EQ(at<std::uint32_t>(m, io + 8), 0u);  // GSI base
}

// Device (VR00) for {0xd0000000, 0x200, GSI 5}, encoded by hand (ACPI 6.5 20.2, 6.4.3):
//   5b 82 3a          DeviceOp, PkgLength 58 (= 1 + 4 + 53 body bytes)
//   "VR00"
//   08 "_HID" 0d "LNRO0005" 00          Name (_HID, "LNRO0005")         15 bytes
//   08 "_UID" 00                         Name (_UID, Zero)                6 bytes
//   08 "_CRS" 11 1a 0a 17                Name (_CRS, Buffer (23) {       9 bytes
//     86 09 00 01 00000000d0 00020000      Memory32Fixed (ReadWrite, 0xd0000000, 0x200)
//     89 06 00 03 01 05000000              Interrupt (Consumer, Edge, ActiveHigh, Exclusive) {5}
//     79 00 })                             End Tag                         23 bytes
const Bytes kVr00 = {
    0x5b, 0x82, 0x3a, 'V',  'R',  '0',  '0',                                      //
    0x08, '_',  'H',  'I',  'D',  0x0d, 'L',  'N',  'R',  'O',  '0',  '0',  '0',  //
    '5',  0x00,                                                                   //
    0x08, '_',  'U',  'I',  'D',  0x00,                                           //
    0x08, '_',  'C',  'R',  'S',  0x11, 0x1a, 0x0a, 0x17,                         //
    0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0xd0, 0x00, 0x02, 0x00, 0x00,       //
    0x89, 0x06, 0x00, 0x03, 0x01, 0x05, 0x00, 0x00, 0x00,                         //
    0x79, 0x00,
};

TEST(Acpi, DsdtVirtioDeviceByteExact) {
  AcpiConfig c;
  c.virtio_mmio = {{0xd0000000, 0x200, 5}};
  Built b = build(c);
  const Bytes& d = b.dsdt();
  expect_header(d, "DSDT", 2);
  ASSERT_EQ(kVr00.size(), 60u);
  auto it = std::search(d.begin(), d.end(), kVr00.begin(), kVr00.end());
  ASSERT_NE(it, d.end()) << "Device (VR00) not found as encoded by hand";
  // The whole body: Scope (\_SB) { COM1, VR00 } then Name (_S5, Package {5, 5}).
  const Bytes s5 = {0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0a, 0x05, 0x0a, 0x05};
  ASSERT_GE(d.size(), 36u + s5.size());
  EXPECT_TRUE(std::equal(s5.begin(), s5.end(), d.end() - static_cast<std::ptrdiff_t>(s5.size())));
  EXPECT_EQ(d[36], 0x10);  // ScopeOp
}

TEST(Acpi, DsdtNamesDevicesInOrder) {
  Built b = build(two_devices());
  std::string s(b.dsdt().begin(), b.dsdt().end());
  auto vr0 = s.find("VR00");
  auto vr1 = s.find("VR01");
  ASSERT_NE(vr0, std::string::npos);
  ASSERT_NE(vr1, std::string::npos);
  EXPECT_LT(vr0, vr1);
  EXPECT_NE(s.find("COM1"), std::string::npos);
}

TEST(Acpi, WriteCopiesEveryBlob) {
  const RamRange ram[] = {{0, 2 << 20}};
  auto mem = GuestMemory::create(ram);
  ASSERT_TRUE(mem) << mem.error().message;
  Built b = build(two_devices());
  auto w = write_acpi(*mem, b.t);
  ASSERT_TRUE(w) << w.error().message;
  for (const AcpiBlob& blob : b.t.blobs) {
    Bytes back(blob.bytes.size());
    ASSERT_TRUE(mem->read(blob.gpa, back));
    EXPECT_EQ(back, blob.bytes);
  }
}

TEST(Acpi, WriteNamesTheTableThatDoesNotFit) {
  const RamRange ram[] = {{0, 0xe0000}};  // RAM ends where the tables begin
  auto mem = GuestMemory::create(ram);
  ASSERT_TRUE(mem) << mem.error().message;
  auto w = write_acpi(*mem, build(two_devices()).t);
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message.find("RSDP"), std::string::npos) << w.error().message;
}

void expect_error(const AcpiConfig& c, const char* fragment) {
  auto t = build_acpi(c);
  ASSERT_FALSE(t) << "expected an error mentioning '" << fragment << "'";
  EXPECT_NE(t.error().message.find(fragment), std::string::npos) << t.error().message;
}

TEST(Acpi, Errors) {
  AcpiConfig c;
  c.cpus = 0;
  expect_error(c, "0 CPUs");
  c.cpus = 256;
  expect_error(c, "256 CPUs");

  c = AcpiConfig{};
  c.rsdp_addr = 0xe0008;
  expect_error(c, "RSDP address 0xe0008");
  c.rsdp_addr = 0xd0000;
  expect_error(c, "RSDP address 0xd0000");
  c.rsdp_addr = 0xfffc0;  // aligned and inside, but the tables do not fit after it
  expect_error(c, "past the BIOS area end");

  c = AcpiConfig{};
  c.virtio_mmio = {{0xd0000000, 0x200, 24}};
  expect_error(c, "GSI 24");
  c.virtio_mmio = {{0xd0000000, 0x200, 4}};
  expect_error(c, "GSI 4");
  c.virtio_mmio = {{0xd0000000, 0x200, 5}, {0xd0000400, 0x200, 5}};
  expect_error(c, "both use GSI 5");
  c.virtio_mmio = {{0xd0000000, 0x200, 5}, {0xd00001f0, 0x200, 6}};
  expect_error(c, "overlaps device 0");
  c.virtio_mmio = {{0xfffff000, 0x2000, 5}};
  expect_error(c, "4 GiB");
  c.virtio_mmio = {{0xd0000000, 0, 5}};
  expect_error(c, "non-empty");
}

TEST(Acpi, MostCpusAndDevicesFit) {
  AcpiConfig c;
  c.cpus = 255;
  for (std::uint32_t gsi = kAcpiFirstVirtioGsi; gsi < kIoapicInputs; ++gsi) {
    c.virtio_mmio.push_back({0xd0000000 + 0x1000 * std::uint64_t{gsi}, 0x200, gsi});
  }
  auto t = build_acpi(c);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->blobs[3].bytes.size(), 44u + 255 * 8 + 12);
}

// ACPICA's disassembler, where acpica-tools is installed: it must parse our AML and tables.
class AcpiIasl : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access("/usr/bin/iasl", X_OK) != 0) {
      GTEST_SKIP() << "iasl not installed (Debian package acpica-tools; tools/setup.sh)";
    }
    char tmpl[] = "/tmp/strata-acpi-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  // Writes `bytes` to NAME.dat, runs `iasl -d`, returns NAME.dsl (empty on failure).
  std::string disassemble(const std::string& name, const Bytes& bytes) {
    std::string dat = dir_ + "/" + name + ".dat";
    std::ofstream(dat, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    auto r = test::run_process({"/usr/bin/iasl", "-d", dat}, "", 60);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(r.out.find("Error"), std::string::npos) << r.out;
    std::ifstream in(dir_ + "/" + name + ".dsl");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string dir_;
};

TEST_F(AcpiIasl, DsdtDisassembles) {
  Built b = build(two_devices());
  std::string dsl = disassemble("dsdt", b.dsdt());
  EXPECT_NE(dsl.find("\"LNRO0005\""), std::string::npos) << dsl;
  EXPECT_NE(dsl.find("0xD0000000"), std::string::npos) << dsl;
  EXPECT_NE(dsl.find("0xD0000200"), std::string::npos) << dsl;
  EXPECT_NE(dsl.find("Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, )"),
            std::string::npos)
      << dsl;
  EXPECT_NE(dsl.find("EisaId (\"PNP0501\")"), std::string::npos) << dsl;
  EXPECT_NE(dsl.find("Name (_S5, Package (0x02)"), std::string::npos) << dsl;
}

TEST_F(AcpiIasl, FadtAndMadtDisassemble) {
  Built b = build(two_devices());
  std::string fadt = disassemble("facp", b.fadt());
  EXPECT_NE(fadt.find("Hardware Reduced (V5) : 1"), std::string::npos) << fadt;
  EXPECT_NE(fadt.find("FADT Minor Revision : 05"), std::string::npos) << fadt;
  std::string madt = disassemble("apic", b.madt());
  EXPECT_NE(madt.find("Local Apic Address : FEE00000"), std::string::npos) << madt;
  EXPECT_NE(madt.find("Address : FEC00000"), std::string::npos) << madt;
}

}  // namespace
}  // namespace strata::hwvm::x86

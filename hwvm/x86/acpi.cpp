// Field offsets follow ACPI 6.5: 5.2.5.3 (RSDP), 5.2.6 (table header), 5.2.8 (XSDT), 5.2.9
// (FADT), 5.2.12 (MADT); the DSDT body is built by aml.hpp.
#include "hwvm/x86/acpi.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "hwvm/x86/aml.hpp"

namespace strata::hwvm::x86 {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::string_view kOemId = "STRATA";         // 6 bytes
constexpr std::string_view kOemTableId = "STRATAVM";  // 8 bytes
constexpr std::string_view kCreatorId = "STRA";       // 4 bytes
constexpr std::uint32_t kOemRevision = 1;
constexpr std::uint32_t kCreatorRevision = 1;

constexpr std::size_t kHeaderSize = 36;
constexpr std::size_t kRsdpSize = 36;
constexpr std::size_t kFadtSize = 276;  // ACPI 6.5 FADT (revision 6, minor 5)
constexpr std::uint8_t kFadtRevision = 6;
constexpr std::uint8_t kFadtMinorRevision = 5;
constexpr std::uint8_t kMadtRevision = 5;
constexpr std::uint8_t kXsdtRevision = 1;
constexpr std::uint8_t kDsdtRevision = 2;  // >= 2: AML integers are 64 bits

// FADT Flags (5.2.9, table 5.10) and IA-PC boot architecture flags (5.2.9.3).
constexpr std::uint32_t kFadtPwrButton = 1u << 4;  // no fixed power button
constexpr std::uint32_t kFadtSlpButton = 1u << 5;  // no fixed sleep button
constexpr std::uint32_t kFadtResetRegSup = 1u << 10;
constexpr std::uint32_t kFadtHwReducedAcpi = 1u << 20;
constexpr std::uint16_t kIapcVgaNotPresent = 1u << 2;
constexpr std::uint16_t kIapcMsiNotSupported = 1u << 3;
constexpr std::uint16_t kIapcPcieAspmControls = 1u << 4;
constexpr std::uint16_t kIapcCmosRtcNotPresent = 1u << 5;
// Bit 1 (8042) clear: no keyboard controller for Linux to probe.

constexpr std::uint8_t kGasSystemIo = 1;
constexpr std::uint8_t kGasByteAccess = 1;

constexpr std::uint8_t kMadtLocalApic = 0;
constexpr std::uint8_t kMadtIoApic = 1;
constexpr std::uint32_t kMadtLocalApicEnabled = 1;

constexpr std::uint16_t kCom1Port = 0x3f8;
constexpr std::uint8_t kCom1Irq = 4;

constexpr std::uint64_t k4GiB = 0x1'0000'0000;

void put(Bytes& b, std::size_t off, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) b[off + i] = static_cast<std::uint8_t>(value >> (8 * i));
}

void put_text(Bytes& b, std::size_t off, std::string_view text) {
  std::copy(text.begin(), text.end(), b.begin() + static_cast<std::ptrdiff_t>(off));
}

std::uint8_t checksum(const Bytes& b, std::size_t begin, std::size_t end) {
  std::uint8_t sum = 0;
  for (std::size_t i = begin; i < end; ++i) sum = static_cast<std::uint8_t>(sum + b[i]);
  return static_cast<std::uint8_t>(-sum);
}

// A System Description Table: the 36-byte header (5.2.6) followed by `body`.
Bytes sdt(std::string_view signature, std::uint8_t revision, const Bytes& body) {
  Bytes t(kHeaderSize + body.size(), 0);
  std::copy(body.begin(), body.end(), t.begin() + kHeaderSize);
  put_text(t, 0, signature);
  put(t, 4, t.size(), 4);
  t[8] = revision;
  put_text(t, 10, kOemId);
  put_text(t, 16, kOemTableId);
  put(t, 24, kOemRevision, 4);
  put_text(t, 28, kCreatorId);
  put(t, 32, kCreatorRevision, 4);
  t[9] = checksum(t, 0, t.size());
  return t;
}

// A Generic Address Structure (5.2.3.2): one byte in I/O space.
void put_io_byte_register(Bytes& b, std::size_t off, std::uint16_t port) {
  b[off + 0] = kGasSystemIo;
  b[off + 1] = 8;  // register bit width
  b[off + 2] = 0;  // bit offset
  b[off + 3] = kGasByteAccess;
  put(b, off + 4, port, 8);
}

Bytes rsdp(std::uint64_t xsdt_addr) {
  Bytes r(kRsdpSize, 0);
  put_text(r, 0, "RSD PTR ");
  put_text(r, 9, kOemId);
  r[15] = 2;         // revision: ACPI 2.0+, XSDT valid
  put(r, 16, 0, 4);  // RsdtAddress: none, the XSDT is the only root table
  put(r, 20, kRsdpSize, 4);
  put(r, 24, xsdt_addr, 8);
  r[8] = checksum(r, 0, 20);  // the ACPI 1.0 part
  r[32] = checksum(r, 0, kRsdpSize);
  return r;
}

Bytes xsdt(std::span<const std::uint64_t> tables) {
  Bytes body(8 * tables.size(), 0);
  for (std::size_t i = 0; i < tables.size(); ++i) put(body, 8 * i, tables[i], 8);
  return sdt("XSDT", kXsdtRevision, body);
}

Bytes fadt(std::uint64_t dsdt_addr) {
  Bytes body(kFadtSize - kHeaderSize, 0);
  auto at = [](std::size_t table_offset) { return table_offset - kHeaderSize; };
  // Everything a full ACPI platform would describe (PM1/PM2/GPE blocks, PM timer, SCI, SMI
  // command) is zero: with HW_REDUCED_ACPI set the OS must not use those fields.
  put(body, at(109),
      kIapcVgaNotPresent | kIapcMsiNotSupported | kIapcPcieAspmControls | kIapcCmosRtcNotPresent,
      2);
  put(body, at(112), kFadtHwReducedAcpi | kFadtPwrButton | kFadtSlpButton | kFadtResetRegSup, 4);
  put_io_byte_register(body, at(116), kAcpiResetPort);  // RESET_REG
  body[at(128)] = kAcpiResetValue;
  body[at(131)] = kFadtMinorRevision;
  put(body, at(140), dsdt_addr, 8);                            // X_DSDT (DSDT left 0)
  put_io_byte_register(body, at(244), kAcpiSleepControlPort);  // SLEEP_CONTROL_REG
  put_io_byte_register(body, at(256), kAcpiSleepStatusPort);   // SLEEP_STATUS_REG
  put_text(body, at(268), "STRATAVM");                         // hypervisor vendor identity
  return sdt("FACP", kFadtRevision, body);
}

Bytes madt(std::uint32_t cpus) {
  Bytes body(8, 0);
  put(body, 0, kLapicAddress, 4);
  put(body, 4, 0, 4);  // flags: PCAT_COMPAT clear (see acpi.hpp)
  for (std::uint32_t i = 0; i < cpus; ++i) {
    Bytes lapic(8, 0);
    lapic[0] = kMadtLocalApic;
    lapic[1] = 8;
    lapic[2] = static_cast<std::uint8_t>(i);  // ACPI processor UID
    lapic[3] = static_cast<std::uint8_t>(i);  // APIC id, as CPUID leaf 1 reports it
    put(lapic, 4, kMadtLocalApicEnabled, 4);
    body.insert(body.end(), lapic.begin(), lapic.end());
  }
  Bytes ioapic(12, 0);
  ioapic[0] = kMadtIoApic;
  ioapic[1] = 12;
  ioapic[2] = 0;  // IOAPIC id: KVM's in-kernel IOAPIC resets its ID register to 0
  put(ioapic, 4, kIoapicAddress, 4);
  put(ioapic, 8, 0, 4);  // global system interrupt base
  body.insert(body.end(), ioapic.begin(), ioapic.end());
  return sdt("APIC", kMadtRevision, body);
}

Bytes com1_device() {
  using namespace aml;
  return device("COM1", concat({
                            name("_HID", eisa_id("PNP0501")),
                            name("_UID", integer(0)),
                            name("_CRS", resource_template(concat({
                                             io_port(kCom1Port, 8),
                                             irq_no_flags(kCom1Irq),
                                         }))),
                        }));
}

Bytes virtio_device(std::size_t index, const AcpiMmioDevice& dev) {
  using namespace aml;
  return device(
      fmt::format("VR{:02X}", index),
      concat({
          name("_HID", string("LNRO0005")),
          name("_UID", integer(index)),
          name("_CRS", resource_template(concat({
                           memory32_fixed(true, static_cast<std::uint32_t>(dev.base), dev.size),
                           extended_interrupt(InterruptFlags{}, dev.gsi),
                       }))),
      }));
}

Bytes dsdt(const AcpiConfig& config) {
  using namespace aml;
  Bytes devices = com1_device();
  for (std::size_t i = 0; i < config.virtio_mmio.size(); ++i) {
    Bytes d = virtio_device(i, config.virtio_mmio[i]);
    devices.insert(devices.end(), d.begin(), d.end());
  }
  Bytes body = concat({
      scope("\\_SB", devices),
      // \_S5: SLP_TYPa (and b) for soft-off, what the FADT sleep control register takes.
      name("_S5", package({integer(kAcpiS5SleepType), integer(kAcpiS5SleepType)})),
  });
  return sdt("DSDT", kDsdtRevision, body);
}

Result<void> check_config(const AcpiConfig& config) {
  if (config.cpus == 0 || config.cpus > 255) {
    return fail("ACPI: {} CPUs requested; the MADT describes 1 to 255 (8-bit APIC ids)",
                config.cpus);
  }
  if (config.rsdp_addr < kAcpiRsdpAddress || config.rsdp_addr >= kAcpiAreaEnd ||
      config.rsdp_addr % 16 != 0) {
    return fail("ACPI: RSDP address 0x{:x} must be 16-byte aligned in [0x{:x}, 0x{:x})",
                config.rsdp_addr, kAcpiRsdpAddress, kAcpiAreaEnd);
  }
  const auto& devs = config.virtio_mmio;
  for (std::size_t i = 0; i < devs.size(); ++i) {
    const AcpiMmioDevice& d = devs[i];
    if (d.size == 0 || d.base >= k4GiB || d.size > k4GiB - d.base) {
      return fail(
          "ACPI: virtio-mmio device {} window 0x{:x}+0x{:x} must be non-empty and end at or "
          "below 4 GiB (Memory32Fixed)",
          i, d.base, d.size);
    }
    if (d.gsi < kAcpiFirstVirtioGsi || d.gsi >= kIoapicInputs) {
      return fail("ACPI: virtio-mmio device {} GSI {} is outside {}..{} (0-4 are legacy ISA)", i,
                  d.gsi, kAcpiFirstVirtioGsi, kIoapicInputs - 1);
    }
    for (std::size_t j = 0; j < i; ++j) {
      const AcpiMmioDevice& e = devs[j];
      if (d.base < e.base + e.size && e.base < d.base + d.size) {
        return fail("ACPI: virtio-mmio device {} window 0x{:x}+0x{:x} overlaps device {}", i,
                    d.base, d.size, j);
      }
      if (d.gsi == e.gsi) {
        return fail("ACPI: virtio-mmio devices {} and {} both use GSI {} (exclusive interrupts)", j,
                    i, d.gsi);
      }
    }
  }
  return {};
}

std::uint64_t align16(std::uint64_t v) {
  return (v + 15) & ~std::uint64_t{15};
}

}  // namespace

Result<AcpiTables> build_acpi(const AcpiConfig& config) {
  STRATA_TRY(check_config(config));
  // Addresses first (every size is known before any pointer is needed), then the bytes.
  constexpr std::size_t kXsdtEntries = 2;  // FADT, MADT
  Bytes madt_bytes = madt(config.cpus);
  Bytes dsdt_bytes = dsdt(config);
  std::uint64_t xsdt_addr = align16(config.rsdp_addr + kRsdpSize);
  std::uint64_t fadt_addr = align16(xsdt_addr + kHeaderSize + 8 * kXsdtEntries);
  std::uint64_t madt_addr = align16(fadt_addr + kFadtSize);
  std::uint64_t dsdt_addr = align16(madt_addr + madt_bytes.size());
  std::uint64_t end = dsdt_addr + dsdt_bytes.size();
  if (end > kAcpiAreaEnd) {
    return fail(
        "ACPI: the tables for {} CPUs and {} virtio-mmio devices end at 0x{:x}, past the BIOS "
        "area end 0x{:x}",
        config.cpus, config.virtio_mmio.size(), end, kAcpiAreaEnd);
  }
  const std::array<std::uint64_t, kXsdtEntries> roots = {fadt_addr, madt_addr};
  AcpiTables t;
  t.rsdp_addr = config.rsdp_addr;
  t.blobs.push_back({config.rsdp_addr, rsdp(xsdt_addr)});
  t.blobs.push_back({xsdt_addr, xsdt(roots)});
  t.blobs.push_back({fadt_addr, fadt(dsdt_addr)});
  t.blobs.push_back({madt_addr, std::move(madt_bytes)});
  t.blobs.push_back({dsdt_addr, std::move(dsdt_bytes)});
  return t;
}

Result<void> write_acpi(const GuestMemory& mem, const AcpiTables& tables) {
  for (const AcpiBlob& blob : tables.blobs) {
    std::string name(blob.bytes.begin(),
                     blob.bytes.begin() +
                         static_cast<std::ptrdiff_t>(std::min<std::size_t>(4, blob.bytes.size())));
    if (name == "RSD ") name = "RSDP";
    if (auto r = mem.write(blob.gpa, blob.bytes); !r) {
      return fail("ACPI: the {} table ({} bytes at 0x{:x}) does not fit guest RAM: {}", name,
                  blob.bytes.size(), blob.gpa, r.error().message);
    }
  }
  return {};
}

}  // namespace strata::hwvm::x86

// Minimal ACPI tables for a hardware-reduced x86 machine, as Firecracker builds them. Debian's
// x86 kernel has no `virtio_mmio.device=` command-line support, so its virtio-mmio devices are
// described to it in the DSDT as LNRO0005 devices (drivers/virtio/virtio_mmio.c matches that
// _HID through ACPI); the CPUs and the IOAPIC are in the MADT; the FADT says "hardware reduced"
// so Linux looks for no PM timer, no SCI and no legacy PM blocks.
//
// Layout in guest RAM (all in the reserved BIOS area below 1 MiB, which the e820 map already
// reports as reserved):
//   rsdp_addr            RSDP (ACPI 2.0, 36 bytes, revision 2, both checksums)
//   then, 16-byte aligned: XSDT -> FADT, MADT;  FADT -> DSDT (X_DSDT)
// Linux finds the RSDP through boot_params.acpi_rsdp_addr (boot protocol 2.14) and, failing
// that, by scanning 0xe0000..0xfffff, where rsdp_addr lies.
//
// The DSDT holds \_SB.COM1 (PNP0501: ports 0x3f8-0x3ff, ISA IRQ 4) so that Linux maps IRQ 4
// through ACPI: in hardware-reduced mode it installs no 8259 (null_legacy_pic), pre-maps no ISA
// IRQ, and the 8250 port its legacy table registers could not get its interrupt otherwise. It
// holds one \_SB.VRnn per virtio-mmio device and \_S5 (sleep type 5), which with the FADT's
// SLEEP_CONTROL/STATUS registers gives the guest an ACPI power off (see kAcpiSleepControlPort).
// No i8042 (PNP0303) is described and the FADT says "no 8042" and "no CMOS RTC", so Linux
// probes neither; `reboot=k` still resets through port 0x64, which needs no driver.
//
// The MADT has PCAT_COMPAT clear (hardware-reduced Linux ignores the 8259s anyway, and every
// device interrupt of this machine is an IOAPIC input) and no Interrupt Source Override: KVM's
// default routing wires GSI n to IOAPIC pin n, ISA IRQs are edge/active-high as ISA defaults,
// the PIT is not used by a hardware-reduced guest (no timer_init), and there is no SCI.
//
// Everything here is pure: build_acpi returns the bytes and their addresses; the caller copies
// them into guest RAM (write_acpi does that through GuestMemory's bounds checks).
#pragma once

#include <cstdint>
#include <vector>

#include "hwvm/memory/guest_memory.hpp"
#include "isa/error.hpp"

namespace strata::hwvm::x86 {

inline constexpr std::uint64_t kAcpiRsdpAddress = 0xe0000;
inline constexpr std::uint64_t kAcpiAreaEnd = 0x100000;  // the tables stay below 1 MiB
inline constexpr std::uint64_t kIoapicAddress = 0xfec00000;
inline constexpr std::uint64_t kLapicAddress = 0xfee00000;

// Virtio GSIs are 5..23: 0-4 belong to the PIT, the i8042, the PIC cascade and the COM ports
// (the same range Firecracker allocates from); the IOAPIC has 24 inputs.
inline constexpr std::uint32_t kAcpiFirstVirtioGsi = 5;
inline constexpr std::uint32_t kIoapicInputs = 24;

// The hardware-reduced sleep and reset registers (FADT SLEEP_CONTROL_REG, SLEEP_STATUS_REG,
// RESET_REG; ACPI 6.5 4.8.3.7 and 4.8.3.6), each one byte in I/O space. Linux powers off by
// writing kAcpiPowerOffWrite (SLP_EN, bit 5, with SLP_TYP = 5 in bits 4:2) to the control port,
// after writing 0x80 (clear WAK_STS) to the status port; it then polls the status port until
// bit 7 (WAK_STS) is set, so a monitor that does not stop the VM on that write should answer
// reads of the status port with 0x80. The reset register takes kAcpiResetValue (Linux's
// default `reboot=a` path). The monitor owns these ports; the tables only describe them.
inline constexpr std::uint16_t kAcpiSleepControlPort = 0x600;
inline constexpr std::uint16_t kAcpiSleepStatusPort = 0x601;
inline constexpr std::uint16_t kAcpiResetPort = 0x602;
inline constexpr std::uint8_t kAcpiResetValue = 0x01;
inline constexpr std::uint8_t kAcpiS5SleepType = 5;
inline constexpr std::uint8_t kAcpiPowerOffWrite = (kAcpiS5SleepType << 2) | 0x20;  // 0x34

// One virtio-mmio device: its register window (below 4 GiB: Memory32Fixed) and the IOAPIC
// input (GSI) its interrupt is on, described as Interrupt (ResourceConsumer, Edge, ActiveHigh,
// Exclusive) as Firecracker does; Linux's virtio_mmio takes whatever platform_get_irq gives.
struct AcpiMmioDevice {
  std::uint64_t base = 0;
  std::uint32_t size = 0x200;
  std::uint32_t gsi = 0;
};

struct AcpiConfig {
  std::uint32_t cpus = 1;  // 1..255: one Processor Local APIC entry each, APIC ids 0..cpus-1
  std::vector<AcpiMmioDevice> virtio_mmio;  // DSDT devices VR00, VR01, ... (hex), in order
  std::uint64_t rsdp_addr = kAcpiRsdpAddress;
};

struct AcpiBlob {
  std::uint64_t gpa = 0;
  std::vector<std::uint8_t> bytes;
};

struct AcpiTables {
  std::uint64_t rsdp_addr = 0;  // for boot_params.acpi_rsdp_addr
  std::vector<AcpiBlob> blobs;  // RSDP, XSDT, FADT, MADT, DSDT (in this order)
};

// Errors: no CPUs or more than 255; rsdp_addr not 16-byte aligned inside [kAcpiRsdpAddress,
// kAcpiAreaEnd) (Linux's fallback scan looks only there); more devices than fit (the tables
// must end below kAcpiAreaEnd); a device window empty, above 4 GiB or overlapping another; a
// GSI outside kAcpiFirstVirtioGsi..23 or used twice (the interrupts are exclusive).
[[nodiscard]] Result<AcpiTables> build_acpi(const AcpiConfig& config);

// Copies every blob into guest RAM; an error names the blob that does not fit.
[[nodiscard]] Result<void> write_acpi(const GuestMemory& mem, const AcpiTables& tables);

}  // namespace strata::hwvm::x86

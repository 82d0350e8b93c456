// The Linux machine: guest RAM for the 64-bit boot protocol, then the VCPU state.
#include "hwvm/monitor/linux_machine.hpp"

#include <cstring>

#include "hwvm/kvm/cpuid.hpp"
#include "hwvm/memory/x86_layout.hpp"
#include "hwvm/x86/acpi.hpp"
#include "hwvm/x86/boot_params.hpp"
#include "hwvm/x86/bzimage.hpp"
#include "hwvm/x86/long_mode.hpp"

namespace strata::hwvm {

namespace {

// Local APIC register offsets and LVT delivery modes (Intel SDM vol. 3, 10.5.1).
constexpr std::size_t kApicLvtLint0 = 0x350;
constexpr std::size_t kApicLvtLint1 = 0x360;
constexpr std::uint32_t kApicModeMask = 0x700;
constexpr std::uint32_t kApicModeNmi = 0x400;
constexpr std::uint32_t kApicModeExtInt = 0x700;
constexpr std::uint32_t kApicLvtMasked = 1u << 16;

void set_lvt(kvm_lapic_state& lapic, std::size_t reg, std::uint32_t mode, bool masked) {
  std::uint32_t v;
  std::memcpy(&v, lapic.regs + reg, sizeof v);
  v = (v & ~(kApicModeMask | kApicLvtMasked)) | mode | (masked ? kApicLvtMasked : 0);
  std::memcpy(lapic.regs + reg, &v, sizeof v);
}

// LINT1 is the NMI input, as firmware leaves it. LINT0 is ExtINT but masked: the ACPI tables
// describe no 8259 (hardware-reduced, PCAT_COMPAT clear), so Linux never programs the in-kernel
// PIC, which KVM nevertheless feeds every ISA line; unmasked, its untouched vector base 0 would
// turn IRQ 4 into vector 4 (#OF) next to the IOAPIC's delivery. Linux keeps a masked LINT0
// masked (setup_local_APIC). Measured: a stand-in kernel (only vector 0x30 in its IDT) taking
// IRQ 4 from the IOAPIC triple-faults with LINT0 unmasked and works with it masked.
Result<void> wire_lapic(Vcpu& vcpu) {
  kvm_lapic_state lapic = STRATA_TRY(vcpu.get_lapic());
  set_lvt(lapic, kApicLvtLint0, kApicModeExtInt, true);
  set_lvt(lapic, kApicLvtLint1, kApicModeNmi, false);
  return vcpu.set_lapic(lapic);
}

}  // namespace

std::string linux_cmdline(std::string_view append) {
  std::string line(kLinuxDefaultCmdline);
  if (!append.empty()) {
    line += ' ';
    line += append;
  }
  return line;
}

Result<LinuxGuest> load_linux_guest(std::span<const std::uint8_t> kernel,
                                    std::span<const std::uint8_t> initrd,
                                    const LinuxOptions& options) {
  std::vector<RamRange> ram = STRATA_TRY(x86::ram_ranges(options.mem_size));
  // The virtio-blk model's linear memory is one host mapping: the low range. Linux puts block
  // buffers anywhere in RAM, so RAM above the hole would be out of the device's reach.
  if (options.disk && ram.size() > 1)
    return fail(
        "--disk with more than 3 GiB of RAM is not supported: the virtio-blk model "
        "reaches only RAM below the MMIO hole at 3 GiB");
  // The kernel's own checks first, so "too little RAM" is said in those words.
  const x86::BzImage k = STRATA_TRY(x86::parse_bzimage(kernel));
  STRATA_TRY(x86::require_64bit_entry(k));
  if (auto at = x86::kernel_load_address(k, ram.front().size); !at)
    return fail("guest RAM of {} MiB is too small for this kernel: {}", options.mem_size >> 20,
                at.error().message);
  GuestMemory mem = STRATA_TRY(GuestMemory::create(ram));
  x86::LinuxBoot boot =
      STRATA_TRY(x86::load_linux(mem, ram, kernel, linux_cmdline(options.append), initrd));

  x86::AcpiConfig acpi;
  acpi.cpus = 1;
  if (options.disk)
    acpi.virtio_mmio.push_back({kVirtioBlkBase, static_cast<std::uint32_t>(kVirtioMmioSize),
                                static_cast<std::uint32_t>(kVirtioBlkGsi)});
  x86::AcpiTables tables = STRATA_TRY(x86::build_acpi(acpi));
  STRATA_TRY(x86::write_acpi(mem, tables));
  // Boot protocol 2.14+ reads the RSDP address here; older kernels scan 0xe0000..0xfffff,
  // where build_acpi put it.
  auto bp = STRATA_TRY(mem.read_obj<::boot_params>(boot.zero_page));
  bp.acpi_rsdp_addr = tables.rsdp_addr;
  STRATA_TRY(mem.write_obj(boot.zero_page, bp));

  auto disk = STRATA_TRY(open_disk(options));
  return LinuxGuest{std::move(mem), std::move(ram), boot, std::move(disk)};
}

Result<std::unique_ptr<Machine>> start_linux_machine(LinuxGuest guest, const LinuxOptions& options,
                                                     Console& console) {
  MachineOptions machine = options;
  machine.irqchip = true;  // Linux needs the PIC, IOAPIC, LAPIC and PIT
  auto m =
      STRATA_TRY(Machine::create(std::move(guest.mem), std::move(guest.disk), machine, console));
  Vcpu& vcpu = m->vcpu();
  auto cpuid = STRATA_TRY(supported_cpuid(m->kvm()));
  STRATA_TRY(set_cpuid(vcpu, patch_cpuid(std::move(cpuid), 0, 1)));
  STRATA_TRY(set_msrs(vcpu, boot_msrs()));
  STRATA_TRY(wire_lapic(vcpu));
  kvm_sregs sregs = STRATA_TRY(vcpu.get_sregs());
  x86::set_long_mode_sregs(sregs, guest.boot.layout);
  STRATA_TRY(vcpu.set_sregs(sregs));
  STRATA_TRY(vcpu.set_regs(guest.boot.regs));
  return m;
}

}  // namespace strata::hwvm

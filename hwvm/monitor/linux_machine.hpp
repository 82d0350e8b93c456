// The Linux machine behind `strata boot --kernel`: a bzImage entered at its 64-bit entry point
// (boot.rst, "64-bit Boot Protocol"), on the machine of machine.hpp with the in-kernel irqchip
// and PIT, ACPI tables (hwvm/x86/acpi.hpp) describing the CPU, the IOAPIC and the virtio-mmio
// disk (LNRO0005 at 0xd0000000, GSI 5), the UART on COM1 with IRQ 4, and the i8042.
//
// Two steps, so everything the user gave is checked before /dev/kvm is touched (and before
// the PVM warning): load_linux_guest() builds guest RAM — kernel, command line, initrd, zero
// page with acpi_rsdp_addr, page tables, ACPI tables — and opens the disk; start_linux_machine()
// creates the VM and the VCPU state KVM needs: CPUID (KVM_GET_SUPPORTED_CPUID, patched), the
// boot MSRs, the LAPIC's LINT1 as NMI and LINT0 masked (no 8259 in this machine), long-mode
// segment registers and the entry registers.
//
// How a Linux run ends. `reboot=k` (in the default command line) makes `reboot` pulse the
// i8042 reset line: the run ends with exit code 0 (without it, Linux's default `reboot=a` uses
// the FADT's RESET_REG, port 0x602, which ends the run the same way). `poweroff` goes through
// ACPI: the DSDT has \_S5 and the FADT hardware-reduced SLEEP_CONTROL/STATUS registers (ports
// 0x600/0x601), Linux writes SLP_EN | SLP_TYP=5 to 0x600, and the run ends with 0. A kernel
// without ACPI would print "reboot: Power down" and halt with interrupts off; the run loop
// ends that run with 0 too (machine.hpp). `panic=1` turns a panic into a reboot after 1 s.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hwvm/monitor/machine.hpp"
#include "hwvm/x86/linux_loader.hpp"

namespace strata::hwvm {

inline constexpr std::uint64_t kLinuxDefaultMem = 512ull << 20;
inline constexpr std::string_view kLinuxDefaultCmdline = "console=ttyS0 reboot=k panic=1";

struct LinuxOptions : MachineOptions {
  LinuxOptions() {
    mem_size = kLinuxDefaultMem;
    irqchip = true;
  }
  std::string append;  // added to kLinuxDefaultCmdline after a space
};

// kLinuxDefaultCmdline, then `append` when not empty.
[[nodiscard]] std::string linux_cmdline(std::string_view append);

// Guest RAM ready to run, and the disk: what load_linux_guest() made without KVM.
struct LinuxGuest {
  GuestMemory mem;
  std::vector<RamRange> ram;
  x86::LinuxBoot boot;
  std::unique_ptr<DiskBackend> disk;
};

// Checks and loads everything (no /dev/kvm needed). Errors: not a bzImage or no 64-bit entry,
// a bad memory size, a kernel or initrd that does not fit, a command line with NUL or too
// long, a disk image that cannot be opened.
[[nodiscard]] Result<LinuxGuest> load_linux_guest(std::span<const std::uint8_t> kernel,
                                                  std::span<const std::uint8_t> initrd,
                                                  const LinuxOptions& options);

// Creates the machine around `guest` and sets VCPU 0 up for the 64-bit entry.
[[nodiscard]] Result<std::unique_ptr<Machine>> start_linux_machine(LinuxGuest guest,
                                                                   const LinuxOptions& options,
                                                                   Console& console);

}  // namespace strata::hwvm

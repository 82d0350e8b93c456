// The x86 machine behind `strata boot`: one VCPU, guest RAM, the PC devices as SVI models on
// the bus, optionally the in-kernel irqchip, and the KVM_RUN loop. How the guest is loaded and
// entered is the business of flat_machine.hpp (`--flat`) and linux_machine.hpp (`--kernel`).
//
// Address map (both kinds of machine; docs/HWVM.md has the same table):
//   RAM         0 .. min(mem, 3G), the rest at 4G (x86::ram_ranges)
//   COM1        16550 UART         ports 0x3f8-0x3ff   ISA IRQ 4 (level)   the console
//   i8042       reset line         ports 0x60, 0x64    ISA IRQ 1           0xfe to 0x64 resets
//   ACPI        sleep control, sleep status, reset: ports 0x600, 0x601, 0x602 (x86/acpi.hpp)
//               0x34 (SLP_EN | S5) to 0x600 powers off, 0x01 to 0x602 resets: the run ends
//   vda         virtio-mmio blk    MMIO 0xd0000000-0xd00001ff  GSI 5 (edge) with --disk
//   IOAPIC, LAPIC                  MMIO 0xfec00000, 0xfee00000 (in-kernel, with the irqchip)
//   identity map, TSS (KVM)        0xfffbc000, 0xfffbd000-0xfffbffff
//
// Interrupts. With MachineOptions::irqchip (always for Linux) the in-kernel PIC, IOAPIC, LAPIC
// and PIT exist and a device's irq_set goes to KVM_IRQ_LINE on its line: KVM's default routing
// feeds GSI n to PIC pin n (n < 16) and IOAPIC pin n alike. The models report line levels, so
// the UART's level-triggered line follows its IIR and the virtio line is high while
// InterruptStatus is nonzero; an IOAPIC pin programmed edge-triggered (as the ACPI tables
// describe the virtio GSI) fires on the rising edge. HLT then stays in the kernel, and the run
// loop ends the run when it finds the VCPU halted with interrupts off (nothing can wake it).
// Without the irqchip the lines are counted, not injected, and a HLT ends the run.
//
// How a run ends (RunOutcome::exit_code):
//   0  the guest halted for good, reset the machine (i8042, ACPI reset register), or powered
//      off (ACPI S5); or Ctrl-A x
//   3  the guest crashed: triple fault (KVM_EXIT_SHUTDOWN), an instruction KVM cannot emulate
//      (KVM_EXIT_INTERNAL_ERROR), failed entry, an exit this monitor does not handle — the
//      message has the reason and the registers
//   130 the monitor was interrupted (SIGINT, SIGTERM, SIGHUP)
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hwvm/devices/bus.hpp"
#include "hwvm/devices/disk_backend.hpp"
#include "hwvm/devices/svi_device.hpp"
#include "hwvm/kvm/system.hpp"
#include "hwvm/kvm/vcpu.hpp"
#include "hwvm/kvm/vm.hpp"
#include "hwvm/memory/guest_memory.hpp"
#include "hwvm/monitor/console.hpp"
#include "hwvm/monitor/report.hpp"
#include "isa/error.hpp"
#include "isa/module.hpp"

namespace strata::hwvm {

inline constexpr std::uint16_t kCom1Port = 0x3f8;
inline constexpr int kCom1Irq = 4;
inline constexpr int kI8042Irq = 1;
inline constexpr std::uint64_t kVirtioBlkBase = 0xd0000000;
inline constexpr std::uint64_t kVirtioMmioSize = 0x200;
inline constexpr int kVirtioBlkGsi = 5;

inline constexpr int kExitGuestCrashed = 3;
inline constexpr int kExitInterrupted = 130;

// `--disk FILE[,ro]`.
struct DiskOption {
  std::string path;
  bool read_only = false;
};

struct MachineOptions {
  std::uint64_t mem_size = 0;
  // In-kernel PIC + IOAPIC + LAPIC and PIT, device lines through KVM_IRQ_LINE.
  bool irqchip = false;
  // Benchmark aid: a minimal C++ UART stand-in instead of the SVI model, to measure what the
  // SVI model costs per exit.
  bool bare_uart = false;
  // Benchmark aid: a minimal C++ register file at kVirtioBlkBase (reads 0, writes ignored)
  // instead of virtio-blk, to measure what the SVI model costs per MMIO exit.
  bool bare_mmio = false;
  std::optional<DiskOption> disk;
  // Models used instead of the built-in ones, by device kind ("uart16550"): for people
  // developing a model, and for tests that need a buggy one.
  std::map<std::string, isa::Module, std::less<>> models;
};

struct RunOutcome {
  int exit_code = 0;
  std::string message;  // why the run ended; for a crash also the registers (several lines)
};

// Opens options.disk (null without one): before any KVM set-up, so a wrong path is the
// first thing the user hears about.
[[nodiscard]] Result<std::unique_ptr<DiskBackend>> open_disk(const MachineOptions& options);

class Machine final : public DeviceHost {
 public:
  // Opens /dev/kvm, creates the VM (irqchip and PIT when asked), registers `mem` (RAM the
  // caller has already loaded the guest into), creates the devices (virtio-blk on `disk` when
  // not null) and VCPU 0. The caller then sets the registers.
  [[nodiscard]] static Result<std::unique_ptr<Machine>> create(GuestMemory mem,
                                                               std::unique_ptr<DiskBackend> disk,
                                                               const MachineOptions& options,
                                                               Console& console);
  ~Machine() override;

  [[nodiscard]] const Kvm& kvm() const { return kvm_; }
  [[nodiscard]] Vm& vm() { return vm_; }
  [[nodiscard]] const GuestMemory& memory() const { return mem_; }
  [[nodiscard]] Vcpu& vcpu() { return vcpu_; }

  // Runs the VCPU until the guest or the user ends the run. An error is the monitor failing
  // (KVM_RUN refused), not the guest.
  [[nodiscard]] Result<RunOutcome> run();

  // The debugger's run (hwvm/monitor/kvm_debug_vcpu.hpp): as run(), but it also returns at a
  // debug exit (a single step or a hardware breakpoint armed with KVM_SET_GUEST_DEBUG) and,
  // within one tick, when `pause` is set. SIGINT, SIGTERM and SIGHUP stay with the caller.
  struct Event {
    enum class Kind { Ended, Debug, Paused };
    Kind kind = Kind::Ended;
    RunOutcome outcome;  // Ended
    exit::Debug debug;   // Debug
  };
  [[nodiscard]] Result<Event> run_debug(const std::atomic<bool>& pause);
  [[nodiscard]] const ExitStats& stats() const { return stats_; }

  // DeviceHost
  void irq_set(SviDevice& device, bool level) override;
  void console_write(std::uint8_t byte) override { console_.write(byte); }
  int console_read() override { return console_.read(); }
  void reset_system() override { stop("guest reset the machine (i8042)"); }
  // Ends the run with exit code 0 after the current exit, saying `why`.
  void stop(std::string why) { stop_reason_ = std::move(why); }

 private:
  Machine(Kvm kvm, Vm vm, GuestMemory mem, Vcpu vcpu, Console& console, bool irqchip);
  Result<void> add_devices(const MachineOptions& options);
  void handle_io(const exit::Io& io);
  void handle_mmio(const exit::Mmio& mmio);
  // Every tick (20 ms): console, device poll(); false when the VCPU is halted for good.
  bool on_tick();
  RunOutcome crashed(std::string what);
  Result<Event> loop(const std::atomic<bool>* pause);

  Kvm kvm_;
  Vm vm_;
  GuestMemory mem_;
  Vcpu vcpu_;
  Console& console_;
  bool irqchip_ = false;
  Bus bus_;
  std::unique_ptr<DiskBackend> disk_;
  std::vector<std::unique_ptr<SviDevice>> svi_devices_;
  std::vector<std::unique_ptr<BusDevice>> cpp_devices_;  // ACPI registers, benchmark stand-ins
  ExitStats stats_;
  std::string stop_reason_;  // non-empty: the guest reset or powered off the machine
  std::vector<bool> irq_levels_ = std::vector<bool>(24, false);  // GSIs 0-23
};

}  // namespace strata::hwvm

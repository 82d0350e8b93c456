// The flat-binary machine behind `strata boot --flat`: one VCPU, RAM from 0, a raw image loaded
// at guest physical 0x10000 and entered in 16-bit real mode at 0x1000:0000 (what kvmtool does
// for a kernel that is not a bzImage), and the PC's usual devices, as SVI models, on the bus:
//   COM1  16550 UART  ports 0x3f8-0x3ff  IRQ 4  (the console)
//   i8042 reset line  ports 0x60, 0x64   IRQ 1  (0xfe to port 0x64 resets: the run ends, exit 0)
// There is no in-kernel irqchip in flat mode, so HLT comes back to the monitor, and device IRQ
// lines are counted but not injected (no interrupt controller to inject into). A HLT therefore
// ends the run: nothing could ever wake the VCPU.
//
// How a run ends (RunOutcome::exit_code):
//   0  the guest halted, reset the machine (i8042), or powered off; or Ctrl-A x on a terminal
//   3  the guest crashed: triple fault (KVM_EXIT_SHUTDOWN), an instruction KVM cannot emulate
//      (KVM_EXIT_INTERNAL_ERROR), failed entry, an exit this monitor does not handle — the
//      message has the reason and the registers
//   130 the monitor was interrupted (SIGINT, SIGTERM, SIGHUP)
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hwvm/devices/bus.hpp"
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

inline constexpr std::uint64_t kFlatLoadAddress = 0x10000;
inline constexpr std::uint16_t kFlatSegment = 0x1000;
inline constexpr std::uint64_t kFlatDefaultMem = 16ull << 20;
inline constexpr std::uint64_t kFlatMinMem = 1ull << 20;
// RAM stays below the 32-bit MMIO hole (the TSS sits at 0xfffbd000).
inline constexpr std::uint64_t kFlatMaxMem = 3ull << 30;
inline constexpr std::uint16_t kCom1Port = 0x3f8;
inline constexpr int kCom1Irq = 4;
inline constexpr int kI8042Irq = 1;

inline constexpr int kExitGuestCrashed = 3;
inline constexpr int kExitInterrupted = 130;

struct FlatOptions {
  std::uint64_t mem_size = kFlatDefaultMem;
  // Benchmark aid: a minimal C++ UART stand-in instead of the SVI model, to measure what the
  // SVI model costs per exit.
  bool bare_uart = false;
  // Models used instead of the built-in ones, by device kind ("uart16550"): for people
  // developing a model, and for tests that need a buggy one.
  std::map<std::string, isa::Module, std::less<>> models;
};

struct RunOutcome {
  int exit_code = 0;
  std::string message;  // why the run ended; for a crash also the registers (several lines)
};

class FlatMachine final : public DeviceHost {
 public:
  // Opens /dev/kvm, maps RAM, loads `image`, creates the devices and the VCPU.
  [[nodiscard]] static Result<std::unique_ptr<FlatMachine>> create(
      std::span<const std::uint8_t> image, const FlatOptions& options, Console& console);
  ~FlatMachine() override;

  // Runs the VCPU until the guest or the user ends the run. An error is the monitor failing
  // (KVM_RUN refused), not the guest.
  [[nodiscard]] Result<RunOutcome> run();
  [[nodiscard]] const ExitStats& stats() const { return stats_; }

  // DeviceHost
  void irq_set(SviDevice& device, bool level) override;
  void console_write(std::uint8_t byte) override { console_.write(byte); }
  int console_read() override { return console_.read(); }
  void reset_system() override { reset_requested_ = true; }

 private:
  FlatMachine(Kvm kvm, Vm vm, GuestMemory mem, Vcpu vcpu, Console& console);
  Result<void> add_devices(const FlatOptions& options);
  void handle_io(const exit::Io& io);
  void handle_mmio(const exit::Mmio& mmio);
  void on_tick();
  RunOutcome crashed(std::string what);

  Kvm kvm_;
  Vm vm_;
  GuestMemory mem_;
  Vcpu vcpu_;
  Console& console_;
  Bus bus_;
  std::vector<std::unique_ptr<SviDevice>> svi_devices_;
  std::unique_ptr<BusDevice> bare_uart_;
  ExitStats stats_;
  bool reset_requested_ = false;
  std::vector<bool> irq_levels_ = std::vector<bool>(16, false);  // ISA lines 0-15
};

}  // namespace strata::hwvm

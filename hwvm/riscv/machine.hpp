// The RISC-V full-system machine behind `strata boot --arch riscv64`: one translated hart
// (jit::rv64sys::Hart) with RAM at kRamBase, the virt board's devices (board.hpp), and either
// the built-in SBI firmware (sbi_firmware.hpp, served on the hart's S-mode ecalls) or a
// firmware file in M-mode (--bios, riscv_boot.hpp).
//
// How a run ends (RunOutcome::exit_code, as `strata boot` on x86):
//   0     the guest powered off or reset the machine (test device, SBI system reset), its only
//         hart stopped (SBI HSM hart_stop), or Ctrl-A x
//   N     the test device's "fail" command with code N
//   1     the hart cannot go on (StopReason::Fault: the message says why)
//   130   SIGINT, SIGTERM or SIGHUP
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "hwvm/devices/disk_backend.hpp"
#include "hwvm/monitor/console.hpp"
#include "hwvm/monitor/machine.hpp"
#include "hwvm/riscv/board.hpp"
#include "hwvm/riscv/riscv_boot.hpp"
#include "hwvm/riscv/sbi_firmware.hpp"
#include "isa/error.hpp"
#include "jit/rv64/runner.hpp"
#include "jit/rv64sys/hart.hpp"

namespace strata::hwvm::riscv {

inline constexpr int kExitHartFault = 1;

struct RiscvMachineOptions {
  std::uint64_t mem_size = kRiscvDefaultMem;
  std::string bootargs;
  std::optional<DiskOption> disk;
  jit::rv64::JitMode jit = jit::rv64::JitMode::Auto;
};

class SbiServices;

class RiscvMachine final : public jit::rv64sys::HartHost {
 public:
  // Checks the memory size, opens the disk, creates the hart and the devices, loads the files
  // (riscv_boot.hpp) and resets the hart to the entry.
  [[nodiscard]] static Result<std::unique_ptr<RiscvMachine>> create(
      const RiscvBootFiles& files, const RiscvMachineOptions& options, Console& console);
  ~RiscvMachine() override;

  // Runs the hart until the guest or the user ends the run. An error: the hart refused to run
  // (a bug of the hart, not of the guest).
  [[nodiscard]] Result<RunOutcome> run();

  [[nodiscard]] jit::rv64sys::Hart& hart() { return *hart_; }
  [[nodiscard]] VirtBoard& board() { return *board_; }
  [[nodiscard]] const RiscvEntry& entry() const { return entry_; }
  // The hart's statistics, then the devices' and the firmware's counts (several lines).
  [[nodiscard]] std::string stats() const;

  // jit::rv64sys::HartHost
  bool mmio_read(std::uint64_t pa, unsigned size, std::uint64_t* value) override;
  bool mmio_write(std::uint64_t pa, unsigned size, std::uint64_t value) override;
  void sbi_call(jit::rv64sys::Hart& hart) override;
  void tick() override;

 private:
  class Pins;
  explicit RiscvMachine(Console& console);

  Console& console_;
  std::unique_ptr<DiskBackend> disk_;
  std::unique_ptr<jit::rv64sys::Hart> hart_;
  std::unique_ptr<Pins> pins_;
  std::unique_ptr<VirtBoard> board_;
  std::unique_ptr<SbiServices> sbi_host_;
  std::unique_ptr<SbiFirmware> sbi_;  // null with --bios
  RiscvEntry entry_;
  std::uint64_t sbi_calls_ = 0;
  std::uint64_t ticks_ = 0;
};

}  // namespace strata::hwvm::riscv

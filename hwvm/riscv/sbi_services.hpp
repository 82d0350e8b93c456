// What the built-in SBI firmware (sbi_firmware.hpp) asks of the machine, served with one hart:
// its timer, the console, its interrupt bits, and the end of the run through the board.
//
// One hart, so: hart_count 1; send_ipi to hart 0 sets SSIP (as OpenSBI does, a bit the guest
// clears by writing sip); hart_start never finds a stopped hart (the firmware says so before
// asking); hart_stop of the only hart ends the run; a retentive hart_suspend returns at once,
// which the SBI allows as it allows wfi to (a spurious wake-up: Linux's idle loop just goes
// round again). Remote fences name only the calling hart: fence.i needs nothing (the hart
// drops translations of code pages when they are written), and sfence.vma is counted but not
// done, because hart.hpp has no call to flush the hart's TLB from the host (Linux does its
// own local sfence.vma when it is the only hart online, and never asks the SBI then).
#pragma once

#include <cstdint>

#include "hwvm/monitor/console.hpp"
#include "hwvm/riscv/board.hpp"
#include "hwvm/riscv/sbi_firmware.hpp"
#include "jit/rv64sys/hart.hpp"

namespace strata::hwvm::riscv {

struct SbiServiceStats {
  std::uint64_t timer_sets = 0, ipis = 0, remote_fences = 0, console_bytes = 0;
};

class SbiServices final : public SbiHost {
 public:
  SbiServices(jit::rv64sys::Hart& hart, VirtBoard& board, Console& console)
      : hart_(hart), board_(board), console_(console) {}

  std::uint32_t hart_count() override { return 1; }
  std::uint32_t hart_id() override { return 0; }
  void set_timer(std::uint64_t deadline) override;
  void console_write(std::uint8_t byte) override;
  int console_read() override { return console_.read(); }
  std::int64_t console_write_phys(std::uint64_t addr, std::uint64_t len) override;
  std::int64_t console_read_phys(std::uint64_t addr, std::uint64_t len) override;
  void send_ipi(std::uint32_t hart) override;
  void remote_fence_i(std::uint32_t hart) override;
  void remote_sfence_vma(std::uint32_t hart, std::uint64_t start, std::uint64_t size,
                         std::uint64_t asid) override;
  std::int64_t hart_start(std::uint32_t hart, std::uint64_t start_addr,
                          std::uint64_t opaque) override;
  void hart_stop() override;
  void hart_suspend() override {}
  void system_reset(std::uint32_t type, std::uint32_t reason) override;

  [[nodiscard]] const SbiServiceStats& stats() const { return stats_; }

 private:
  // Host address of guest RAM [addr, addr + len), or null when that is not all RAM.
  std::uint8_t* ram_at(std::uint64_t addr, std::uint64_t len);

  jit::rv64sys::Hart& hart_;
  VirtBoard& board_;
  Console& console_;
  SbiServiceStats stats_;
};

}  // namespace strata::hwvm::riscv

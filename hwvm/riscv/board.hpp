// The devices of the RISC-V `virt` machine (virt_layout.hpp) and how their interrupts reach the
// hart: the SVI models of stdlib/devices on one MMIO bus, with no CPU of their own. The
// machine (machine.hpp) hands the hart's MMIO accesses here and the board drives the hart's
// interrupt lines and timers through HartPins (jit::rv64sys::Hart's calls of the same names;
// a test gives a fake).
//
// Wiring (one hart):
//   UART, virtio-blk   hw.irq_set      -> PLIC input (kUartIrq, virtio_slot_irq(slot))
//   PLIC               output 0 (hart 0 M-mode context) -> MEIP, output 1 (S-mode) -> SEIP
//   CLINT              output 0 (hart 0 MSIP)           -> MSIP
//                      output 1 (hart 0 MTIP) and timer_at -> the hart's MTIP timer
//   test device        power_off / reset_system -> the run ends (ending())
//
// MTIP has one driver, the hart's timer (HartPins::set_timer), so no race between a device
// call and the clock: the CLINT's timer_at(0, deadline) becomes set_timer(kMtip, deadline)
// (MTIP clears until then and rises on time without the board polling); the model reporting
// MTIP high means "due now" (set_timer(kMtip, 0)), low means "not before the last deadline
// asked for" (set_timer again with it). tick() still calls the model's timer(0) once that
// deadline has passed, so the model's own idea of MTIP follows the hart's.
//
// Threads: everything here runs on the hart's thread (MMIO accesses and HartHost::tick).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hwvm/devices/bus.hpp"
#include "hwvm/devices/disk_backend.hpp"
#include "hwvm/devices/svi_device.hpp"
#include "hwvm/monitor/console.hpp"
#include "hwvm/riscv/virt_layout.hpp"
#include "isa/error.hpp"

namespace strata::hwvm::riscv {

// What the board drives on its hart (jit::rv64sys::Hart has these calls).
class HartPins {
 public:
  virtual ~HartPins() = default;
  virtual void set_irq(std::uint64_t mip_bit, bool level) = 0;
  virtual void set_timer(std::uint64_t mip_bit, std::uint64_t deadline) = 0;
  virtual std::uint64_t time() const = 0;  // mtime, kTimebaseHz
  virtual void ram_written(std::uint64_t pa, std::uint64_t len) = 0;
  virtual void request_exit(int code) = 0;
};

struct BoardOptions {
  GuestRam ram;                 // guest RAM for virtio-blk (base kRamBase)
  DiskBackend* disk = nullptr;  // not owned; with one, virtio-blk in slot 0
};

// Why the guest ended the run.
struct BoardEnding {
  int exit_code = 0;
  std::string message;  // "guest powered off (test device)"
};

struct BoardStats {
  std::uint64_t mmio_reads = 0, mmio_writes = 0, unclaimed = 0;
  std::uint64_t irq_changes = 0;     // device lines into the PLIC
  std::uint64_t plic_outputs = 0;    // MEIP/SEIP changes
  std::uint64_t clint_outputs = 0;   // MSIP/MTIP reports
  std::uint64_t timer_requests = 0;  // CLINT timer_at
  std::uint64_t device_faults = 0;
};

class VirtBoard final : public DeviceHost {
 public:
  // Creates the PLIC, CLINT, UART, test device and (with options.disk) virtio-blk in slot 0,
  // each at its virt_layout.hpp address. `sink` gets device fault lines (default stderr).
  [[nodiscard]] static Result<std::unique_ptr<VirtBoard>> create(HartPins& hart, Console& console,
                                                                 const BoardOptions& options,
                                                                 SviDevice::FaultSink sink = {});
  ~VirtBoard() override;

  // An access of the hart outside RAM; false where no device is (an access fault).
  bool mmio_read(std::uint64_t pa, unsigned size, std::uint64_t* value);
  bool mmio_write(std::uint64_t pa, unsigned size, std::uint64_t value);
  // Every 20 ms or so: console input, device poll(), a CLINT deadline that has passed.
  void tick();

  // The virtio slots that hold a device (for the device tree).
  [[nodiscard]] std::vector<std::uint32_t> virtio_slots() const;
  // Set once the guest powered off or reset the machine.
  [[nodiscard]] const std::optional<BoardEnding>& ending() const { return ending_; }
  // Ends the run as the guest asked (SBI system reset): records why and stops the hart.
  void end(int code, std::string why);
  [[nodiscard]] const BoardStats& stats() const { return stats_; }

  // DeviceHost
  void irq_set(SviDevice& device, bool level) override;
  void console_write(std::uint8_t byte) override { console_.write(byte); }
  int console_read() override { return console_.read(); }
  void reset_system() override;
  void power_off(SviDevice& device, std::int64_t code) override;
  void irq_out(SviDevice& device, std::int64_t line, bool level) override;
  std::int64_t irq_lines(SviDevice& device) override;
  std::uint64_t time() override { return hart_.time(); }
  void timer_at(SviDevice& device, std::int64_t n, std::uint64_t deadline) override;
  void guest_ram_written(std::uint64_t gpa, std::uint64_t len) override;

 private:
  VirtBoard(HartPins& hart, Console& console, SviDevice::FaultSink sink)
      : hart_(hart), console_(console), sink_(std::move(sink)) {}
  Result<SviDevice*> add(std::string_view kind, std::string name, std::uint64_t base,
                         std::uint64_t size, int irq, DeviceResources res = {});

  HartPins& hart_;
  Console& console_;
  SviDevice::FaultSink sink_;
  Bus bus_;
  std::vector<std::unique_ptr<SviDevice>> devices_;
  SviDevice* plic_ = nullptr;
  SviDevice* clint_ = nullptr;
  // Device lines raised before the PLIC existed (at their models' reset) are replayed into it.
  std::vector<bool> levels_ = std::vector<bool>(kPlicSources, false);
  std::uint64_t mtip_deadline_ = ~std::uint64_t{0};  // the CLINT's last timer_at for hart 0
  bool mtip_armed_ = false;                          // tick() owes the model a timer(0)
  bool has_disk_ = false;
  std::optional<BoardEnding> ending_;
  BoardStats stats_;
};

}  // namespace strata::hwvm::riscv

// The generic adapter that runs a device model written in SVI (stdlib/devices/*.sasm) as a
// BusDevice. One adapter runs any model; the model holds all the device's logic and state.
//
// Contract of a device model module (also stdlib/devices/README.md):
//   exports  reset()                                        power-on state; also after a trap
//            read(i64 offset, i64 size) -> i64              a guest read of `size` bytes
//            write(i64 offset, i64 size, i64 value)         a guest write
//            poll()                                         optional: the host has news (input)
//   imports  from the native module "hw" (any subset):
//            irq_set(i64 level)         drive the device's interrupt line (0 low, else high)
//            console_write(i64 byte)    a byte to the console (low 8 bits)
//            console_read() -> i64      the next console input byte, or -1 when none is waiting
//            reset_system()             reset the machine (the monitor ends the run, exit 0)
//   state    in the module's own linear memory (`.memory`), which a reload starts afresh.
// Offsets are relative to the device's range (it never learns its address); the bus only
// passes accesses that lie wholly inside the range, but a model still checks its offsets.
//
// Faults: a model that traps (a bug, or a guest driving it somewhere its author did not
// expect) is reloaded from its module — fresh memory — and reset(); the fault is reported
// through the fault sink ("device uart0: trap: ...; device reset"), the access reads as
// all-ones, and the monitor and the guest keep running. A model whose reset() traps as well is
// disabled: it then reads as all-ones and ignores writes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "hwvm/devices/bus.hpp"
#include "isa/error.hpp"
#include "isa/module.hpp"
#include "vm/native.hpp"

namespace strata::vm {
class Program;
}

namespace strata::hwvm {

class SviDevice;

// What the machine gives device models: the "hw" natives call these on the device's host.
class DeviceHost {
 public:
  virtual ~DeviceHost() = default;
  virtual void irq_set(SviDevice& device, bool level) = 0;
  virtual void console_write(std::uint8_t byte) = 0;
  // The next input byte, or -1 when none is waiting (never blocks).
  virtual int console_read() = 0;
  virtual void reset_system() = 0;
};

// The "hw" native module, bound per device through NativeContext::user_data().
[[nodiscard]] std::span<const vm::NativeDef> hw_natives();

class SviDevice final : public BusDevice {
 public:
  using FaultSink = std::function<void(std::string_view line)>;

  // Links `model` against hw_natives(), checks the contract's exports and signatures, and
  // calls reset(). `name` ("uart0") appears in fault reports; `irq` is the line the host
  // raises for it (-1: none). Faults go to `sink` (default: a line on stderr).
  [[nodiscard]] static Result<std::unique_ptr<SviDevice>> create(std::string name,
                                                                 isa::Module model,
                                                                 DeviceHost& host, int irq = -1,
                                                                 FaultSink sink = {});
  ~SviDevice() override;

  [[nodiscard]] std::string_view name() const override { return name_; }
  std::uint64_t read(std::uint64_t offset, unsigned size) override;
  void write(std::uint64_t offset, unsigned size, std::uint64_t value) override;
  // Calls the model's poll() if it has one.
  void poll();

  [[nodiscard]] int irq() const { return irq_; }
  [[nodiscard]] DeviceHost& host() { return host_; }
  [[nodiscard]] std::uint64_t faults() const { return faults_; }
  [[nodiscard]] bool disabled() const { return disabled_; }

 private:
  SviDevice(std::string name, isa::Module model, DeviceHost& host, int irq, FaultSink sink);
  // A fresh Program from model_, then reset(). On failure the device is disabled.
  Result<void> load();
  // Calls export `fn`; on a trap reports it, reloads and returns nullopt.
  std::optional<std::int64_t> call(std::string_view fn, std::span<const vm::Value> args);

  std::string name_;
  isa::Module model_;
  DeviceHost& host_;
  int irq_ = -1;
  FaultSink sink_;
  std::unique_ptr<vm::Program> program_;
  bool has_poll_ = false;
  bool disabled_ = false;
  std::uint64_t faults_ = 0;
};

}  // namespace strata::hwvm

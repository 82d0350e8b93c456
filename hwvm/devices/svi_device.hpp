// The generic adapter that runs a device model written in SVI (stdlib/devices/*.sasm) as a
// BusDevice. One adapter runs any model; the model holds all the device's logic and state.
//
// Contract of a device model module (also stdlib/devices/README.md):
//   exports  reset()                                        power-on state; also after a trap
//            read(i64 offset, i64 size) -> i64              a guest read of `size` bytes
//            write(i64 offset, i64 size, i64 value)         a guest write
//            poll()                                         optional: the host has news (input)
//            wants_guest_ram() -> i64                       optional: nonzero = bind guest RAM
//   imports  from the native module "hw" (any subset):
//            irq_set(i64 level)         drive the device's interrupt line (0 low, else high)
//            console_write(i64 byte)    a byte to the console (low 8 bits)
//            console_read() -> i64      the next console input byte, or -1 when none is waiting
//            reset_system()             reset the machine (the monitor ends the run, exit 0)
//            set_state(ref) / state() -> ref    the model's state record (DMA models, below)
//            report(ref string)         a line to the fault sink ("device vda: ...")
//            guest_ram_base() -> i64    the guest physical address of linear address 0
//            disk_size() -> i64, disk_readonly() -> i64, disk_read/disk_write(i64 addr,
//            i64 disk_offset, i64 len) -> i64, disk_flush() -> i64, disk_id(i64 addr,
//            i64 len) -> i64            the disk backend (results: >= 0 ok, negative errno)
//            power_off(i64 code)        end the run with exit code `code` (a test device)
//            irq_out(i64 line, i64 level), lines() -> i64      an interrupt controller's
//                                       outputs and how many the machine wired
//            time() -> i64, timer_at(i64 n, i64 deadline)      a timer model's clock, and
//                                       "call timer(n) once time() reaches deadline"
//   exports of interrupt controllers and timers (optional):
//            input(i64 line, i64 level)  a device line into the controller (SviDevice::input)
//            timer(i64 n)                the deadline asked for n has come (SviDevice::timer)
//   state    in the module's own linear memory (`.memory`), which a reload starts afresh; or,
//            for a model that wants guest RAM (its linear memory is then guest RAM, and it must
//            declare no `.memory`), in a GC record it creates in reset() and hands over with
//            hw.set_state; the adapter keeps it alive (a GC root) and forgets it on a reload.
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
class LinearMemory;
class Program;
}  // namespace strata::vm

namespace strata::jit {
class CodeCache;
namespace baseline {
class BaselineJit;
}
}  // namespace strata::jit

namespace strata::hwvm {

class SviDevice;
class DiskBackend;

// Guest RAM as a DMA-capable model sees it: bound as its linear memory, so linear address `a`
// is guest physical address `base + a`, and any access outside [0, size) traps.
struct GuestRam {
  std::uint8_t* data = nullptr;
  std::uint64_t size = 0;
  std::uint64_t base = 0;
};

// What one device may reach besides its host. Not owned: everything must outlive the device.
struct DeviceResources {
  GuestRam ram;                 // for a model that wants guest RAM
  DiskBackend* disk = nullptr;  // for the disk_* natives (without one they fail with -ENODEV)
};

// What the machine gives device models: the "hw" natives call these on the device's host.
class DeviceHost {
 public:
  virtual ~DeviceHost() = default;
  virtual void irq_set(SviDevice& device, bool level) = 0;
  virtual void console_write(std::uint8_t byte) = 0;
  // The next input byte, or -1 when none is waiting (never blocks).
  virtual int console_read() = 0;
  virtual void reset_system() = 0;

  // The rest serve models that only some machines have (the RISC-V machine's test device,
  // PLIC and CLINT); the defaults wire nothing, so the x86 machine never sees these calls.
  // A test device's "power off with exit code `code`"; by default the run ends as on a reset.
  virtual void power_off(SviDevice& device, std::int64_t code) {
    (void)device, (void)code;
    reset_system();
  }
  // An interrupt controller drives its output `line` (stdlib/devices/README.md, "Interrupt
  // controllers"); lines() is how many outputs this machine wired to `device`.
  virtual void irq_out(SviDevice& device, std::int64_t line, bool level) {
    (void)device, (void)line, (void)level;
  }
  virtual std::int64_t irq_lines(SviDevice& device) {
    (void)device;
    return 0;
  }
  // A timer model's clock, and its request that the machine call device.timer(n) once time()
  // reaches `deadline` (replacing the previous request for n). README "Timers".
  virtual std::uint64_t time() { return 0; }
  virtual void timer_at(SviDevice& device, std::int64_t n, std::uint64_t deadline) {
    (void)device, (void)n, (void)deadline;
  }
  // A DMA model's disk_read or disk_id wrote guest RAM [gpa, gpa + len): a machine that
  // translates guest code drops translations of those pages.
  virtual void guest_ram_written(std::uint64_t gpa, std::uint64_t len) { (void)gpa, (void)len; }
};

// The "hw" native module, bound per device through NativeContext::user_data().
[[nodiscard]] std::span<const vm::NativeDef> hw_natives();

class SviDevice final : public BusDevice {
 public:
  using FaultSink = std::function<void(std::string_view line)>;

  // Links `model` against hw_natives(), checks the contract's exports and signatures, and
  // calls reset(). `name` ("uart0") appears in fault reports; `irq` is the line the host
  // raises for it (-1: none). Faults go to `sink` (default: a line on stderr). A model that
  // wants guest RAM must declare no memory of its own; without `res.ram` its memory is empty
  // (every DMA fails).
  [[nodiscard]] static Result<std::unique_ptr<SviDevice>> create(std::string name,
                                                                 isa::Module model,
                                                                 DeviceHost& host, int irq = -1,
                                                                 FaultSink sink = {},
                                                                 DeviceResources res = {});
  ~SviDevice() override;

  [[nodiscard]] std::string_view name() const override { return name_; }
  std::uint64_t read(std::uint64_t offset, unsigned size) override;
  void write(std::uint64_t offset, unsigned size, std::uint64_t value) override;
  // Calls the model's poll() if it has one.
  void poll();
  // An interrupt controller's input `line` (a device's interrupt source) is now at `level`:
  // calls the model's input() export. False when the model has none.
  bool input(std::int64_t line, bool level);
  // A timer's deadline for `n` has come: calls the model's timer() export. False when the
  // model has none.
  bool timer(std::int64_t n);

  [[nodiscard]] int irq() const { return irq_; }
  [[nodiscard]] DeviceHost& host() { return host_; }
  [[nodiscard]] std::uint64_t faults() const { return faults_; }
  [[nodiscard]] bool disabled() const { return disabled_; }
  [[nodiscard]] const DeviceResources& resources() const { return res_; }
  // The state record a DMA model handed over with hw.set_state (null before reset() ran).
  [[nodiscard]] vm::Value state() const { return *state_; }
  void set_state(vm::Value v) { *state_ = v; }
  // A line to the fault sink, prefixed "device NAME: " (hw.report: a model telling the
  // operator about a guest error it handled, such as a malformed virtqueue).
  void report(std::string_view what);
  // The model's linear memory when it is bound to guest RAM, else null: where the disk
  // natives move data (the VM's NativeContext::memory() ignores a memory the module did not
  // declare).
  [[nodiscard]] vm::LinearMemory* guest_ram();

 private:
  SviDevice(std::string name, isa::Module model, DeviceHost& host, int irq, FaultSink sink,
            DeviceResources res);
  // A fresh Program from model_, then reset(). On failure the device is disabled.
  Result<void> load();
  // When the model asks for it (wants_guest_ram), binds res_.ram as its linear memory.
  Result<void> bind_guest_ram();
  // Calls export `fn`; on a trap reports it, reloads and returns nullopt.
  std::optional<std::int64_t> call(std::string_view fn, std::span<const vm::Value> args);

  std::string name_;
  isa::Module model_;
  DeviceHost& host_;
  int irq_ = -1;
  FaultSink sink_;
  // The model's code, compiled with the baseline tier at each load (an exit then costs a native
  // call into x86 code, not an interpreted one). Declared before program_: the program, whose
  // functions point into the cache, goes first.
  std::unique_ptr<jit::CodeCache> code_;
  std::unique_ptr<jit::baseline::BaselineJit> jit_;
  std::unique_ptr<vm::Program> program_;
  DeviceResources res_;
  // One GC_MALLOC_UNCOLLECTABLE slot: Boehm scans it, so the state record stays alive between
  // calls, when no SVI frame refers to it.
  vm::Value* state_ = nullptr;
  bool has_poll_ = false;
  bool has_input_ = false;
  bool has_timer_ = false;
  bool wants_ram_ = false;
  bool disabled_ = false;
  std::uint64_t faults_ = 0;
};

}  // namespace strata::hwvm

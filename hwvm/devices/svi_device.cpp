// The SVI device adapter: bus accesses become calls of the model's exports.
#include "hwvm/devices/svi_device.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "hwvm/devices/disk_backend.hpp"
#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "vm/heap.hpp"
#include "vm/heap/gc.hpp"
#include "vm/instance.hpp"
#include "vm/memory.hpp"
#include "vm/object.hpp"
#include "vm/program.hpp"

namespace strata::hwvm {

namespace {

SviDevice& device_of(vm::NativeContext& cx) {
  // Every Program a SviDevice loads carries the device as user data (SviDevice::load).
  return *static_cast<SviDevice*>(cx.user_data());
}

void hw_irq_set(vm::NativeContext& cx, const vm::Value* a, vm::Value*) {
  SviDevice& d = device_of(cx);
  d.host().irq_set(d, a[0].i != 0);
}
void hw_console_write(vm::NativeContext& cx, const vm::Value* a, vm::Value*) {
  device_of(cx).host().console_write(static_cast<std::uint8_t>(a[0].i));
}
void hw_console_read(vm::NativeContext& cx, const vm::Value*, vm::Value* r) {
  r->i = device_of(cx).host().console_read();
}
void hw_reset_system(vm::NativeContext& cx, const vm::Value*, vm::Value*) {
  device_of(cx).host().reset_system();
}

void hw_power_off(vm::NativeContext& cx, const vm::Value* a, vm::Value*) {
  SviDevice& d = device_of(cx);
  d.host().power_off(d, a[0].i);
}
void hw_irq_out(vm::NativeContext& cx, const vm::Value* a, vm::Value*) {
  SviDevice& d = device_of(cx);
  d.host().irq_out(d, a[0].i, a[1].i != 0);
}
void hw_lines(vm::NativeContext& cx, const vm::Value*, vm::Value* r) {
  SviDevice& d = device_of(cx);
  r->i = d.host().irq_lines(d);
}
void hw_time(vm::NativeContext& cx, const vm::Value*, vm::Value* r) {
  r->i = static_cast<std::int64_t>(device_of(cx).host().time());
}
void hw_timer_at(vm::NativeContext& cx, const vm::Value* a, vm::Value*) {
  SviDevice& d = device_of(cx);
  d.host().timer_at(d, a[0].i, static_cast<std::uint64_t>(a[1].i));
}

void hw_set_state(vm::NativeContext& cx, const vm::Value* a, vm::Value*) {
  device_of(cx).set_state(a[0]);
}
void hw_state(vm::NativeContext& cx, const vm::Value*, vm::Value* r) {
  *r = device_of(cx).state();
}
void hw_report(vm::NativeContext& cx, const vm::Value* a, vm::Value*) {
  const vm::Object* o = a[0].r;
  if (!o || o->kind != vm::ObjKind::String) {
    cx.trap(vm::TrapKind::TypeMismatch, "hw.report: expected a string");
    return;
  }
  device_of(cx).report(static_cast<const vm::String*>(o)->view());
}
void hw_guest_ram_base(vm::NativeContext& cx, const vm::Value*, vm::Value* r) {
  r->i = static_cast<std::int64_t>(device_of(cx).resources().ram.base);
}

// The guest-RAM side of a disk transfer: [addr, addr + len) inside the bound guest RAM, or
// null (also for a model without guest RAM). GUEST: addr and len come from descriptors.
std::uint8_t* dma_window(vm::NativeContext& cx, std::int64_t addr, std::int64_t len) {
  vm::LinearMemory* m = device_of(cx).guest_ram();
  if (!m || addr < 0 || len < 0) return nullptr;
  const auto a = static_cast<std::uint64_t>(addr);
  const auto n = static_cast<std::uint64_t>(len);
  if (!m->in_bounds(a, n)) return nullptr;
  return m->data() + a;
}

// Tells the host which guest RAM a native just wrote (the range passed dma_window's check).
void announce_ram_write(vm::NativeContext& cx, std::int64_t addr, std::int64_t len) {
  SviDevice& d = device_of(cx);
  d.host().guest_ram_written(d.resources().ram.base + static_cast<std::uint64_t>(addr),
                             static_cast<std::uint64_t>(len));
}

void hw_disk_size(vm::NativeContext& cx, const vm::Value*, vm::Value* r) {
  DiskBackend* d = device_of(cx).resources().disk;
  r->i = d ? static_cast<std::int64_t>(d->size()) : 0;
}
void hw_disk_readonly(vm::NativeContext& cx, const vm::Value*, vm::Value* r) {
  DiskBackend* d = device_of(cx).resources().disk;
  r->i = !d || d->read_only() ? 1 : 0;
}
void hw_disk_read(vm::NativeContext& cx, const vm::Value* a, vm::Value* r) {
  DiskBackend* d = device_of(cx).resources().disk;
  if (!d) {
    r->i = -ENODEV;
    return;
  }
  std::uint8_t* p = dma_window(cx, a[0].i, a[2].i);
  if (!p || a[1].i < 0) {
    r->i = -EFAULT;
    return;
  }
  r->i = d->read(static_cast<std::uint64_t>(a[1].i), {p, static_cast<std::size_t>(a[2].i)});
  announce_ram_write(cx, a[0].i, a[2].i);
}
void hw_disk_write(vm::NativeContext& cx, const vm::Value* a, vm::Value* r) {
  DiskBackend* d = device_of(cx).resources().disk;
  if (!d) {
    r->i = -ENODEV;
    return;
  }
  std::uint8_t* p = dma_window(cx, a[0].i, a[2].i);
  if (!p || a[1].i < 0) {
    r->i = -EFAULT;
    return;
  }
  r->i = d->write(static_cast<std::uint64_t>(a[1].i), {p, static_cast<std::size_t>(a[2].i)});
}
void hw_disk_flush(vm::NativeContext& cx, const vm::Value*, vm::Value* r) {
  DiskBackend* d = device_of(cx).resources().disk;
  r->i = d ? d->flush() : -ENODEV;
}
// Copies the serial into [addr, addr + len), zero-padded; returns len.
void hw_disk_id(vm::NativeContext& cx, const vm::Value* a, vm::Value* r) {
  DiskBackend* d = device_of(cx).resources().disk;
  if (!d) {
    r->i = -ENODEV;
    return;
  }
  std::uint8_t* p = dma_window(cx, a[0].i, a[1].i);
  if (!p) {
    r->i = -EFAULT;
    return;
  }
  const std::string_view s = d->serial();
  const auto n = static_cast<std::size_t>(a[1].i);
  for (std::size_t i = 0; i < n; ++i) p[i] = i < s.size() ? static_cast<std::uint8_t>(s[i]) : 0;
  announce_ram_write(cx, a[0].i, a[1].i);
  r->i = a[1].i;
}

constexpr vm::NativeDef kHwNatives[] = {
    {"hw", "irq_set", "(i64) -> void", hw_irq_set, "drive the device's interrupt line"},
    {"hw", "console_write", "(i64) -> void", hw_console_write, "a byte to the console"},
    {"hw", "console_read", "() -> i64", hw_console_read, "next console byte, -1 if none"},
    {"hw", "reset_system", "() -> void", hw_reset_system, "reset the machine"},
    {"hw", "power_off", "(i64) -> void", hw_power_off, "end the run with this exit code"},
    {"hw", "irq_out", "(i64, i64) -> void", hw_irq_out,
     "an interrupt controller drives output line to level"},
    {"hw", "lines", "() -> i64", hw_lines, "how many outputs the machine wired"},
    {"hw", "time", "() -> i64", hw_time, "the machine's clock (timer ticks)"},
    {"hw", "timer_at", "(i64, i64) -> void", hw_timer_at,
     "call timer(n) once time() reaches deadline"},
    {"hw", "set_state", "(ref) -> void", hw_set_state, "hand the model's state record over"},
    {"hw", "state", "() -> ref", hw_state, "the state record given to set_state"},
    {"hw", "report", "(ref) -> void", hw_report, "log a line about the device (a string)"},
    {"hw", "guest_ram_base", "() -> i64", hw_guest_ram_base, "guest address of linear 0"},
    {"hw", "disk_size", "() -> i64", hw_disk_size, "disk size in bytes (0: no disk)"},
    {"hw", "disk_readonly", "() -> i64", hw_disk_readonly, "1 if writes will fail"},
    {"hw", "disk_read", "(i64, i64, i64) -> i64", hw_disk_read,
     "disk bytes [off, off+len) to memory at addr; 0 or -errno"},
    {"hw", "disk_write", "(i64, i64, i64) -> i64", hw_disk_write,
     "memory at addr to disk bytes [off, off+len); 0 or -errno"},
    {"hw", "disk_flush", "() -> i64", hw_disk_flush, "make writes durable; 0 or -errno"},
    {"hw", "disk_id", "(i64, i64) -> i64", hw_disk_id,
     "the disk's serial, zero-padded, to memory at addr; len or -errno"},
};

struct Required {
  std::string_view name;
  std::string_view sig;
};
constexpr Required kRequired[] = {
    {"reset", "() -> void"},
    {"read", "(i64, i64) -> i64"},
    {"write", "(i64, i64, i64) -> void"},
};

// The export's signature text, or nullopt when the module does not export `name`.
std::optional<std::string> export_sig(const isa::Module& m, std::string_view name) {
  auto f = m.find_export(name);
  if (!f) return std::nullopt;
  return isa::to_string(m.sigs[m.funcs[*f].sig]);
}

}  // namespace

std::span<const vm::NativeDef> hw_natives() {
  return kHwNatives;
}

SviDevice::SviDevice(std::string name, isa::Module model, DeviceHost& host, int irq, FaultSink sink,
                     DeviceResources res)
    : name_(std::move(name)),
      model_(std::move(model)),
      host_(host),
      irq_(irq),
      sink_(std::move(sink)),
      res_(res) {
  vm::heap_init();  // a device may be made before any Program has touched the heap
  state_ = static_cast<vm::Value*>(GC_MALLOC_UNCOLLECTABLE(sizeof(vm::Value)));
  if (!sink_) sink_ = [](std::string_view line) { fmt::print(stderr, "{}\n", line); };
  if (!state_) {
    fmt::print(stderr, "device {}: out of memory for its state slot\n", name_);
    std::abort();
  }
  state_->r = nullptr;
}

SviDevice::~SviDevice() {
  program_.reset();
  GC_FREE(state_);
}

Result<std::unique_ptr<SviDevice>> SviDevice::create(std::string name, isa::Module model,
                                                     DeviceHost& host, int irq, FaultSink sink,
                                                     DeviceResources res) {
  for (const Required& r : kRequired) {
    auto sig = export_sig(model, r.name);
    if (!sig) return fail("device {}: model '{}' does not export {}", name, model.name, r.name);
    if (*sig != r.sig)
      return fail("device {}: model '{}' exports {} as {}, expected {}", name, model.name, r.name,
                  *sig, r.sig);
  }
  auto poll_sig = export_sig(model, "poll");
  if (poll_sig && *poll_sig != "() -> void")
    return fail("device {}: model '{}' exports poll as {}, expected () -> void", name, model.name,
                *poll_sig);
  auto input_sig = export_sig(model, "input");
  if (input_sig && *input_sig != "(i64, i64) -> void")
    return fail("device {}: model '{}' exports input as {}, expected (i64, i64) -> void", name,
                model.name, *input_sig);
  auto timer_sig = export_sig(model, "timer");
  if (timer_sig && *timer_sig != "(i64) -> void")
    return fail("device {}: model '{}' exports timer as {}, expected (i64) -> void", name,
                model.name, *timer_sig);
  auto ram_sig = export_sig(model, "wants_guest_ram");
  if (ram_sig && *ram_sig != "() -> i64")
    return fail("device {}: model '{}' exports wants_guest_ram as {}, expected () -> i64", name,
                model.name, *ram_sig);
  std::unique_ptr<SviDevice> d(
      new SviDevice(std::move(name), std::move(model), host, irq, std::move(sink), res));
  d->has_poll_ = poll_sig.has_value();
  d->has_input_ = input_sig.has_value();
  d->has_timer_ = timer_sig.has_value();
  d->wants_ram_ = ram_sig.has_value();
  // A model is small: a few KiB of code, reloaded at most once per fault.
  auto cache = jit::CodeCache::create({.capacity_bytes = size_t{1} << 20, .name = "strata-device"});
  if (!cache) return fail("device {}: {}", d->name_, cache.error().message);
  d->code_ = std::move(*cache);
  d->jit_ = std::make_unique<jit::baseline::BaselineJit>(*d->code_);
  STRATA_TRY(d->load());
  return d;
}

Result<void> SviDevice::load() {
  program_.reset();
  vm::LoadOptions opts;
  opts.natives = hw_natives();
  opts.user_data = this;
  // No resolver: a device model may import only "hw" (it must not reach files or stdio).
  auto p = vm::Program::load_library(model_, std::move(opts));
  if (!p) {
    disabled_ = true;
    return fail("device {}: {}", name_, p.error().message);
  }
  program_ = std::move(*p);
  state_->r = nullptr;  // the old record's struct type belonged to the old Program
  STRATA_TRY(bind_guest_ram());
  // Functions the tier declines stay interpreted, with the same semantics.
  if (jit_) jit_->compile_program(*program_);
  auto r = program_->call("reset", {});
  if (!r || r->kind != vm::RunResult::Kind::Returned) {
    disabled_ = true;
    std::string why =
        !r ? r.error().message : (r->trap ? vm::format_trap(*r->trap) : std::string("exited"));
    while (!why.empty() && why.back() == '\n') why.pop_back();
    return fail("device {}: reset failed: {}", name_, why);
  }
  disabled_ = false;
  return {};
}

vm::LinearMemory* SviDevice::guest_ram() {
  if (!program_ || !program_->main_instance().memory.external()) return nullptr;
  return &program_->main_instance().memory;
}

void SviDevice::report(std::string_view what) {
  sink_(fmt::format("device {}: {}", name_, what));
}

Result<void> SviDevice::bind_guest_ram() {
  if (!wants_ram_) return {};
  auto w = program_->call("wants_guest_ram", {});
  if (!w || w->kind != vm::RunResult::Kind::Returned) {
    disabled_ = true;
    return fail("device {}: wants_guest_ram failed", name_);
  }
  if (w->value.i == 0) return {};
  vm::LinearMemory& mem = program_->main_instance().memory;
  // Its own memory would be silently replaced, data segments and all.
  if (mem.size() != 0) {
    disabled_ = true;
    return fail("device {}: model '{}' wants guest RAM but declares a .memory of its own", name_,
                model_.name);
  }
  // No RAM given: an empty window, so every DMA the model tries fails its bounds check (the
  // registers still work; hwvm::make_device refuses this for kinds that need RAM).
  if (!mem.bind_external(res_.ram.data, res_.ram.data ? res_.ram.size : 0)) {
    disabled_ = true;
    return fail("device {}: cannot bind guest RAM", name_);
  }
  return {};
}

std::optional<std::int64_t> SviDevice::call(std::string_view fn, std::span<const vm::Value> args) {
  if (disabled_) return std::nullopt;
  auto r = program_->call(fn, args);
  if (r && r->kind == vm::RunResult::Kind::Returned) return r->value.i;
  ++faults_;
  std::string what;
  if (!r) {
    what = r.error().message;
  } else if (r->trap) {
    const vm::Trap& t = *r->trap;
    what = fmt::format("{}{}{}", vm::to_string(t.kind), t.message.empty() ? "" : ": ", t.message);
    if (!t.trace.empty() && t.trace.front().line != 0)
      what += fmt::format(" (in {} at line {})", t.trace.front().function, t.trace.front().line);
  } else {
    what = "the model tried to exit";
  }
  auto reloaded = load();
  if (reloaded) {
    sink_(fmt::format("device {}: trap in {}: {}; device reset", name_, fn, what));
  } else {
    sink_(fmt::format("device {}: trap in {}: {}; {}; device disabled", name_, fn, what,
                      reloaded.error().message));
  }
  return std::nullopt;
}

std::uint64_t SviDevice::read(std::uint64_t offset, unsigned size) {
  const vm::Value args[] = {vm::Value::from_i(static_cast<std::int64_t>(offset)),
                            vm::Value::from_i(size)};
  auto v = call("read", args);
  if (!v) return all_ones(size);
  return static_cast<std::uint64_t>(*v) & all_ones(size);
}

void SviDevice::write(std::uint64_t offset, unsigned size, std::uint64_t value) {
  const vm::Value args[] = {vm::Value::from_i(static_cast<std::int64_t>(offset)),
                            vm::Value::from_i(size),
                            vm::Value::from_i(static_cast<std::int64_t>(value))};
  (void)call("write", args);
}

void SviDevice::poll() {
  if (has_poll_) (void)call("poll", {});
}

bool SviDevice::input(std::int64_t line, bool level) {
  if (!has_input_) return false;
  const vm::Value args[] = {vm::Value::from_i(line), vm::Value::from_i(level ? 1 : 0)};
  (void)call("input", args);
  return true;
}

bool SviDevice::timer(std::int64_t n) {
  if (!has_timer_) return false;
  const vm::Value args[] = {vm::Value::from_i(n)};
  (void)call("timer", args);
  return true;
}

}  // namespace strata::hwvm

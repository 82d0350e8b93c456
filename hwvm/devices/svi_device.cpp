// The SVI device adapter: bus accesses become calls of the model's exports.
#include "hwvm/devices/svi_device.hpp"

#include <cstdio>

#include <fmt/format.h>

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

constexpr vm::NativeDef kHwNatives[] = {
    {"hw", "irq_set", "(i64) -> void", hw_irq_set, "drive the device's interrupt line"},
    {"hw", "console_write", "(i64) -> void", hw_console_write, "a byte to the console"},
    {"hw", "console_read", "() -> i64", hw_console_read, "next console byte, -1 if none"},
    {"hw", "reset_system", "() -> void", hw_reset_system, "reset the machine"},
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

SviDevice::SviDevice(std::string name, isa::Module model, DeviceHost& host, int irq, FaultSink sink)
    : name_(std::move(name)),
      model_(std::move(model)),
      host_(host),
      irq_(irq),
      sink_(std::move(sink)) {
  if (!sink_) sink_ = [](std::string_view line) { fmt::print(stderr, "{}\n", line); };
}

SviDevice::~SviDevice() = default;

Result<std::unique_ptr<SviDevice>> SviDevice::create(std::string name, isa::Module model,
                                                     DeviceHost& host, int irq, FaultSink sink) {
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
  std::unique_ptr<SviDevice> d(
      new SviDevice(std::move(name), std::move(model), host, irq, std::move(sink)));
  d->has_poll_ = poll_sig.has_value();
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

}  // namespace strata::hwvm

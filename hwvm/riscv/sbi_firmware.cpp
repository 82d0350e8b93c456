#include "hwvm/riscv/sbi_firmware.hpp"

#include <fmt/format.h>

#include "assembler/assembler.hpp"
#include "isa/module.hpp"
#include "stdlib/firmware/firmware.hpp"
#include "vm/native.hpp"
#include "vm/program.hpp"

namespace strata::hwvm::riscv {

namespace {

SbiFirmware& fw_of(vm::NativeContext& cx) {
  return *static_cast<SbiFirmware*>(cx.user_data());
}
SbiHost& host_of(vm::NativeContext& cx) {
  return fw_of(cx).host();
}
std::uint64_t u(const vm::Value& v) {
  return static_cast<std::uint64_t>(v.i);
}
std::uint32_t hart(const vm::Value& v) {
  return static_cast<std::uint32_t>(v.i);
}

void fw_hart_count(vm::NativeContext& cx, const vm::Value*, vm::Value* r) {
  r->i = host_of(cx).hart_count();
}
void fw_hart_id(vm::NativeContext& cx, const vm::Value*, vm::Value* r) {
  r->i = host_of(cx).hart_id();
}
void fw_set_value(vm::NativeContext& cx, const vm::Value* a, vm::Value*) {
  fw_of(cx).pending_value = a[0].i;
}
void fw_set_timer(vm::NativeContext& cx, const vm::Value* a, vm::Value*) {
  host_of(cx).set_timer(u(a[0]));
}
void fw_console_write(vm::NativeContext& cx, const vm::Value* a, vm::Value*) {
  host_of(cx).console_write(static_cast<std::uint8_t>(a[0].i));
}
void fw_console_read(vm::NativeContext& cx, const vm::Value*, vm::Value* r) {
  r->i = host_of(cx).console_read();
}
void fw_console_write_phys(vm::NativeContext& cx, const vm::Value* a, vm::Value* r) {
  r->i = host_of(cx).console_write_phys(u(a[0]), u(a[1]));
}
void fw_console_read_phys(vm::NativeContext& cx, const vm::Value* a, vm::Value* r) {
  r->i = host_of(cx).console_read_phys(u(a[0]), u(a[1]));
}
void fw_send_ipi(vm::NativeContext& cx, const vm::Value* a, vm::Value*) {
  host_of(cx).send_ipi(hart(a[0]));
}
void fw_remote_fence_i(vm::NativeContext& cx, const vm::Value* a, vm::Value*) {
  host_of(cx).remote_fence_i(hart(a[0]));
}
void fw_remote_sfence_vma(vm::NativeContext& cx, const vm::Value* a, vm::Value*) {
  host_of(cx).remote_sfence_vma(hart(a[0]), u(a[1]), u(a[2]), u(a[3]));
}
void fw_hart_start(vm::NativeContext& cx, const vm::Value* a, vm::Value* r) {
  r->i = host_of(cx).hart_start(hart(a[0]), u(a[1]), u(a[2]));
}
void fw_hart_stop(vm::NativeContext& cx, const vm::Value*, vm::Value*) {
  host_of(cx).hart_stop();
}
void fw_hart_suspend(vm::NativeContext& cx, const vm::Value*, vm::Value*) {
  host_of(cx).hart_suspend();
}
void fw_system_reset(vm::NativeContext& cx, const vm::Value* a, vm::Value*) {
  host_of(cx).system_reset(static_cast<std::uint32_t>(a[0].i), static_cast<std::uint32_t>(a[1].i));
}

constexpr vm::NativeDef kFwNatives[] = {
    {"fw", "hart_count", "() -> i64", fw_hart_count, "number of harts"},
    {"fw", "hart_id", "() -> i64", fw_hart_id, "the hart whose ecall is served"},
    {"fw", "set_value", "(i64) -> void", fw_set_value, "sbiret.value of this call"},
    {"fw", "set_timer", "(i64) -> void", fw_set_timer, "the caller's timer deadline"},
    {"fw", "console_write", "(i64) -> void", fw_console_write, "a byte to the console"},
    {"fw", "console_read", "() -> i64", fw_console_read, "next console byte, -1 if none"},
    {"fw", "console_write_phys", "(i64, i64) -> i64", fw_console_write_phys,
     "guest RAM bytes to the console; count or -1"},
    {"fw", "console_read_phys", "(i64, i64) -> i64", fw_console_read_phys,
     "console input into guest RAM; count or -1"},
    {"fw", "send_ipi", "(i64) -> void", fw_send_ipi, "supervisor software interrupt"},
    {"fw", "remote_fence_i", "(i64) -> void", fw_remote_fence_i, "fence.i on a hart"},
    {"fw", "remote_sfence_vma", "(i64, i64, i64, i64) -> void", fw_remote_sfence_vma,
     "sfence.vma on a hart"},
    {"fw", "hart_start", "(i64, i64, i64) -> i64", fw_hart_start, "start a stopped hart"},
    {"fw", "hart_stop", "() -> void", fw_hart_stop, "stop the calling hart"},
    {"fw", "hart_suspend", "() -> void", fw_hart_suspend, "wait for an interrupt"},
    {"fw", "system_reset", "(i64, i64) -> void", fw_system_reset, "shutdown or reboot"},
};

}  // namespace

SbiFirmware::SbiFirmware(SbiHost& host, isa::Module module, FaultSink sink)
    : host_(host), module_(std::move(module)), sink_(std::move(sink)) {
  if (!sink_) sink_ = [](std::string_view line) { fmt::print(stderr, "{}\n", line); };
}

SbiFirmware::~SbiFirmware() = default;

Result<std::unique_ptr<SbiFirmware>> SbiFirmware::create(SbiHost& host, FaultSink sink) {
  auto src = stdlib::firmware::find("firmware.sbi");
  if (!src) return fail("sbi: the built-in firmware module is missing from this build");
  auto m = as::assemble((*src)->source, (*src)->file);
  if (!m) return fail("sbi: {}", m.error().message);
  return create(host, std::move(*m), std::move(sink));
}

Result<std::unique_ptr<SbiFirmware>> SbiFirmware::create(SbiHost& host, isa::Module module,
                                                         FaultSink sink) {
  const std::uint32_t harts = host.hart_count();
  if (harts == 0 || harts > kSbiMaxHarts)
    return fail("sbi: {} harts; the firmware serves 1..{}", harts, kSbiMaxHarts);
  for (auto [name, sig] : {std::pair<std::string_view, std::string_view>{"reset", "() -> void"},
                           {"ecall", "(i64, i64, i64, i64, i64, i64, i64, i64) -> i64"}}) {
    auto f = module.find_export(name);
    if (!f) return fail("sbi: firmware module '{}' does not export {}", module.name, name);
    const std::string have = isa::to_string(module.sigs[module.funcs[*f].sig]);
    if (have != sig)
      return fail("sbi: firmware module '{}' exports {} as {}, expected {}", module.name, name,
                  have, sig);
  }
  std::unique_ptr<SbiFirmware> fw(new SbiFirmware(host, std::move(module), std::move(sink)));
  STRATA_TRY(fw->load());
  return fw;
}

Result<void> SbiFirmware::load() {
  program_.reset();
  vm::LoadOptions opts;
  opts.natives = kFwNatives;
  opts.user_data = this;
  auto p = vm::Program::load_library(module_, std::move(opts));
  if (!p) return fail("sbi: {}", p.error().message);
  program_ = std::move(*p);
  auto r = program_->call("reset", {});
  if (!r || r->kind != vm::RunResult::Kind::Returned)
    return fail("sbi: the firmware's reset failed: {}",
                !r ? r.error().message : (r->trap ? vm::format_trap(*r->trap) : "it exited"));
  return {};
}

SbiRet SbiFirmware::call(const std::array<std::uint64_t, 8>& regs) {
  if (!program_) return SbiRet{kSbiErrFailed, 0};
  // ecall(eid, fid, a0..a5)
  vm::Value args[8];
  args[0] = vm::Value::from_i(static_cast<std::int64_t>(regs[7]));
  args[1] = vm::Value::from_i(static_cast<std::int64_t>(regs[6]));
  for (int i = 0; i < 6; ++i) args[2 + i] = vm::Value::from_i(static_cast<std::int64_t>(regs[i]));
  pending_value = 0;
  auto r = program_->call("ecall", args);
  if (r && r->kind == vm::RunResult::Kind::Returned) return SbiRet{r->value.i, pending_value};
  ++faults_;
  std::string what =
      !r ? r.error().message : (r->trap ? vm::format_trap(*r->trap) : std::string("it exited"));
  while (!what.empty() && what.back() == '\n') what.pop_back();
  auto reloaded = load();
  sink_(fmt::format("sbi: firmware fault in ecall (eid 0x{:x}, fid {}): {}; {}", regs[7], regs[6],
                    what, reloaded ? "firmware reloaded" : reloaded.error().message));
  return SbiRet{kSbiErrFailed, 0};
}

}  // namespace strata::hwvm::riscv

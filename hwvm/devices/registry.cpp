// The registry of device kinds.
#include "hwvm/devices/registry.hpp"

#include "assembler/assembler.hpp"
#include "stdlib/devices/models.hpp"

namespace strata::hwvm {

namespace {

constexpr DeviceKind kDeviceKinds[] = {
    {"uart16550", "devices.uart16550", "NS16550A serial port (console)"},
    {"i8042", "devices.i8042", "i8042 keyboard controller: the reset line"},
    {"virtio-blk", "devices.virtio_mmio_blk",
     "virtio-mmio (virtio 1.x) block device on a raw disk image", true, true},
    {"plic", "devices.plic", "RISC-V platform-level interrupt controller (31 sources)"},
    {"clint", "devices.clint", "RISC-V core-local interruptor: msip, mtimecmp, mtime"},
    {"sifive-test", "devices.sifive_test", "SiFive test device: power off, reset, exit code"},
};

}  // namespace

std::span<const DeviceKind> device_kinds() {
  return kDeviceKinds;
}

const DeviceKind* find_device_kind(std::string_view kind) {
  for (const DeviceKind& k : kDeviceKinds)
    if (k.kind == kind) return &k;
  return nullptr;
}

Result<isa::Module> device_model(std::string_view kind) {
  const DeviceKind* k = find_device_kind(kind);
  if (!k) return fail("unknown device kind '{}'", kind);
  auto src = stdlib::devices::find_model(k->model);
  if (!src) return fail("device model '{}' is not built into this strata", k->model);
  return as::assemble((*src)->source, (*src)->file);
}

Result<std::unique_ptr<SviDevice>> make_device(std::string_view kind, std::string name,
                                               DeviceHost& host, int irq, SviDevice::FaultSink sink,
                                               DeviceResources res) {
  const DeviceKind* k = find_device_kind(kind);
  if (!k) return fail("unknown device kind '{}'", kind);
  if (k->needs_guest_ram && !res.ram.data) return fail("device {}: {} needs guest RAM", name, kind);
  if (k->needs_disk && !res.disk) return fail("device {}: {} needs a disk", name, kind);
  auto model = device_model(kind);
  if (!model) return tl::unexpected(model.error());
  return SviDevice::create(std::move(name), std::move(*model), host, irq, std::move(sink), res);
}

}  // namespace strata::hwvm

// The registry of device kinds.
#include "hwvm/devices/registry.hpp"

#include "assembler/assembler.hpp"
#include "stdlib/devices/models.hpp"

namespace strata::hwvm {

namespace {

constexpr DeviceKind kDeviceKinds[] = {
    {"uart16550", "devices.uart16550", "NS16550A serial port (console)"},
    {"i8042", "devices.i8042", "i8042 keyboard controller: the reset line"},
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

}  // namespace strata::hwvm

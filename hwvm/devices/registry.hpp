// The device kinds the monitor knows, in one explicit table (no static self-registration,
// which static libraries silently drop: STYLE lesson 6). Each kind names its SVI model in
// stdlib/devices/; where a device lives (ports, addresses, IRQ) is the machine layout's
// business (hwvm/monitor/), not the kind's.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "hwvm/devices/svi_device.hpp"
#include "isa/error.hpp"
#include "isa/module.hpp"

namespace strata::hwvm {

struct DeviceKind {
  std::string_view kind;   // "uart16550"
  std::string_view model;  // the embedded SVI module: "devices.uart16550"
  std::string_view doc;
  // What a device of this kind needs in its DeviceResources.
  bool needs_guest_ram = false;
  bool needs_disk = false;
};

[[nodiscard]] std::span<const DeviceKind> device_kinds();
[[nodiscard]] const DeviceKind* find_device_kind(std::string_view kind);

// The model of `kind`, assembled from its embedded source.
[[nodiscard]] Result<isa::Module> device_model(std::string_view kind);

// A device of `kind` running its built-in model (SviDevice::create), after checking that `res`
// holds what the kind needs ("device vda: virtio-blk needs a disk").
[[nodiscard]] Result<std::unique_ptr<SviDevice>> make_device(std::string_view kind,
                                                             std::string name, DeviceHost& host,
                                                             int irq = -1,
                                                             SviDevice::FaultSink sink = {},
                                                             DeviceResources res = {});

}  // namespace strata::hwvm

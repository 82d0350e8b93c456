// The device kinds the monitor knows, in one explicit table (no static self-registration,
// which static libraries silently drop: STYLE lesson 6). Each kind names its SVI model in
// stdlib/devices/; where a device lives (ports, addresses, IRQ) is the machine layout's
// business (hwvm/monitor/), not the kind's.
#pragma once

#include <span>
#include <string_view>

#include "isa/error.hpp"
#include "isa/module.hpp"

namespace strata::hwvm {

struct DeviceKind {
  std::string_view kind;   // "uart16550"
  std::string_view model;  // the embedded SVI module: "devices.uart16550"
  std::string_view doc;
};

[[nodiscard]] std::span<const DeviceKind> device_kinds();
[[nodiscard]] const DeviceKind* find_device_kind(std::string_view kind);

// The model of `kind`, assembled from its embedded source.
[[nodiscard]] Result<isa::Module> device_model(std::string_view kind);

}  // namespace strata::hwvm

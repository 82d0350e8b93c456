// The device models of the KVM monitor: SVI modules written in SASM (stdlib/devices/*.sasm),
// embedded into the library at build time like the std modules. stdlib/devices/README.md is
// the contract every model follows; hwvm/devices/ runs them.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "stdlib/stdlib.hpp"

namespace strata::stdlib::devices {

// Every embedded model ("devices.uart16550", "devices.i8042"), in build order.
std::span<const SasmModule> models();

// The SASM text of the model `name` ("devices.uart16550"), or nullopt.
std::optional<const SasmModule*> find_model(std::string_view name);

}  // namespace strata::stdlib::devices

// Firmware written in SVI (stdlib/firmware/*.sasm), embedded into the library at build time like
// the device models: today the SBI implementation of the RISC-V full-system machine
// (firmware.sbi, run by hwvm/riscv/sbi_firmware.hpp).
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "stdlib/stdlib.hpp"

namespace strata::stdlib::firmware {

std::span<const SasmModule> modules();

// The SASM text of firmware `name` ("firmware.sbi"), or nullopt.
std::optional<const SasmModule*> find(std::string_view name);

}  // namespace strata::stdlib::firmware

// The embedded firmware (generated array; see stdlib/CMakeLists.txt).
#include "stdlib/firmware/firmware.hpp"

namespace strata::stdlib::firmware {

namespace detail {
extern const SasmModule kEmbeddedFirmware[];
extern const size_t kEmbeddedFirmwareCount;
}  // namespace detail

std::span<const SasmModule> modules() {
  return {detail::kEmbeddedFirmware, detail::kEmbeddedFirmwareCount};
}

std::optional<const SasmModule*> find(std::string_view name) {
  for (const SasmModule& m : modules())
    if (m.name == name) return &m;
  return std::nullopt;
}

}  // namespace strata::stdlib::firmware

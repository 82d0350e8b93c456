// The embedded device models (generated array; see stdlib/CMakeLists.txt).
#include "stdlib/devices/models.hpp"

namespace strata::stdlib::devices {

namespace detail {
extern const SasmModule kEmbeddedDevices[];
extern const size_t kEmbeddedDevicesCount;
}  // namespace detail

std::span<const SasmModule> models() {
  return {detail::kEmbeddedDevices, detail::kEmbeddedDevicesCount};
}

std::optional<const SasmModule*> find_model(std::string_view name) {
  for (const SasmModule& m : models())
    if (m.name == name) return &m;
  return std::nullopt;
}

}  // namespace strata::stdlib::devices

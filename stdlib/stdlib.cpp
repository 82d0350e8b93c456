// The registry: an explicit concatenation of each module's table (see natives/tables.hpp).
#include "stdlib/stdlib.hpp"

#include <vector>

#include "stdlib/natives/tables.hpp"

namespace strata::stdlib {

namespace detail {
// Generated at build time from stdlib/*.sasm (cmake/embed_sasm.cmake).
extern const SasmModule kEmbeddedSasm[];
extern const size_t kEmbeddedSasmCount;
}  // namespace detail

std::span<const vm::NativeDef> natives() {
  // Built on first use (thread-safe static); NativeDef holds only views of static data.
  static const std::vector<vm::NativeDef> all = [] {
    std::vector<vm::NativeDef> v;
    for (auto table : {io_natives(), fmt_natives(), str_natives(), math_natives(), array_natives(),
                       map_natives(), fs_natives(), time_natives(), sys_natives()})
      v.insert(v.end(), table.begin(), table.end());
    return v;
  }();
  return all;
}

const vm::NativeDef* find_native(std::string_view module, std::string_view name) {
  for (const vm::NativeDef& d : natives())
    if (d.module == module && d.name == name) return &d;
  return nullptr;
}

std::span<const SasmModule> sasm_modules() {
  return {detail::kEmbeddedSasm, detail::kEmbeddedSasmCount};
}

std::optional<std::string_view> sasm_source(std::string_view module_name) {
  for (const SasmModule& m : sasm_modules())
    if (m.name == module_name) return m.source;
  return std::nullopt;
}

}  // namespace strata::stdlib

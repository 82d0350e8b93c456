#include "jit/rv64/helpers.hpp"

#include <array>
#include <string_view>

namespace strata::jit::rv64 {

namespace {

// Counts parameters in "(i64, i64) -> i64": commas + 1, or 0 for "()".
constexpr uint32_t count_params(std::string_view sig) {
  if (sig.size() >= 2 && sig[1] == ')') return 0;
  uint32_t n = 1;
  for (char c : sig.substr(0, sig.find(')')))
    if (c == ',') ++n;
  return n;
}

constexpr bool returns_value(std::string_view sig) {
  return sig.substr(sig.find("->")).find("void") == std::string_view::npos;
}

// Indexed by Helper: both expand helpers_list.inc.
constexpr std::array<HelperInfo, static_cast<size_t>(Helper::Count)> kTable{{
#define STRATA_RV_HELPER(name, sig) \
  {#name, sig, &helper_##name, count_params(sig), returns_value(sig)},
#include "jit/rv64/helpers_list.inc"
#undef STRATA_RV_HELPER
}};

}  // namespace

std::span<const HelperInfo> helper_table() {
  return kTable;
}

}  // namespace strata::jit::rv64

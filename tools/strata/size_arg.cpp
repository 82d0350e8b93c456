#include "tools/strata/size_arg.hpp"

#include <limits>

namespace strata::cli {

std::optional<uint64_t> parse_count(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  bool digit_seen = false;
  for (char c : s) {
    if (c == '_' && digit_seen) continue;
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return std::nullopt;
    v = v * 10 + d;
    digit_seen = true;
  }
  return digit_seen ? std::optional(v) : std::nullopt;
}

std::optional<uint64_t> parse_size(std::string_view s) {
  if (s.empty()) return std::nullopt;
  unsigned shift = 0;
  switch (s.back()) {
    case 'K':
    case 'k': shift = 10; break;
    case 'M':
    case 'm': shift = 20; break;
    case 'G':
    case 'g': shift = 30; break;
    default: break;
  }
  if (shift) s.remove_suffix(1);
  auto v = parse_count(s);
  if (!v || (shift && *v > (std::numeric_limits<uint64_t>::max() >> shift))) return std::nullopt;
  return *v << shift;
}

}  // namespace strata::cli

#include "stdlib/natives/numfmt.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace strata::stdlib {

void format_f64(double v, int64_t prec, std::string& out) {
  if (prec < 0) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
    return;
  }
  char small[128];
  int n = std::snprintf(small, sizeof small, "%.*f", static_cast<int>(prec), v);
  if (n < 0) return;
  if (static_cast<size_t>(n) < sizeof small) {
    out.append(small, static_cast<size_t>(n));
    return;
  }
  // Large magnitudes (1e300) or long precisions: format again into a buffer of the exact size.
  size_t at = out.size();
  out.resize(at + static_cast<size_t>(n) + 1);
  std::snprintf(out.data() + at, static_cast<size_t>(n) + 1, "%.*f", static_cast<int>(prec), v);
  out.resize(at + static_cast<size_t>(n));
}

std::string format_i64(int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string format_hex(int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, static_cast<uint64_t>(v), 16);
  return std::string(buf, r.ptr);
}

bool parse_i64(std::string_view s, int64_t* out) {
  // from_chars accepts '-' but not '+'; a lone sign is malformed.
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
    if (s.empty() || s[0] == '-') return false;
  }
  if (s.empty()) return false;
  int64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v, 10);
  if (r.ec != std::errc{} || r.ptr != s.data() + s.size()) return false;
  *out = v;
  return true;
}

bool parse_f64(std::string_view s, double* out) {
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
    if (s.empty() || s[0] == '-') return false;
  }
  if (s.empty()) return false;
  double v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  if (r.ptr != s.data() + s.size()) return false;
  if (r.ec == std::errc::result_out_of_range) {
    // from_chars leaves v untouched on overflow/underflow; the text is well formed, so take
    // strtod's IEEE answer (±inf, or the nearest subnormal/zero) like C would.
    std::string copy(s);
    v = std::strtod(copy.c_str(), nullptr);
  } else if (r.ec != std::errc{}) {
    return false;
  }
  *out = v;
  return true;
}

}  // namespace strata::stdlib

// Number <-> text conversions shared by std.io, std.fmt and std.str. Fixed notation goes
// through C's snprintf("%.*f") so output matches C programs digit for digit (benchmarks compare
// their output with C's); shortest round-trip text comes from std::to_chars.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace strata::stdlib {

// The largest `prec` accepted by the f64 formatters; a double needs at most 1074 digits after
// the point, so anything beyond is padding, and the bound keeps a guest from asking for gigabytes.
inline constexpr int64_t kMaxPrecision = 1 << 16;

// Writes `v` to `out`: `%.*f` with `prec` digits when prec >= 0, the shortest text that reads
// back as the same double when prec < 0. Precondition: prec <= kMaxPrecision.
void format_f64(double v, int64_t prec, std::string& out);
std::string format_i64(int64_t v);
std::string format_hex(int64_t v);  // lower-case, of the 64-bit two's-complement pattern

// Whole-text parses: an optional sign then decimal digits (i64, no overflow), or a decimal /
// exponent / inf / nan float (f64). No surrounding spaces. False if malformed.
bool parse_i64(std::string_view s, int64_t* out);
bool parse_f64(std::string_view s, double* out);

}  // namespace strata::stdlib

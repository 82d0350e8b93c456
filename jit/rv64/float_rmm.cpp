#include "jit/rv64/float_rmm.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace strata::jit::rv64 {

namespace {

// m >> shift rounded to nearest, ties away from zero; `lost` says whether bits were dropped.
uint64_t shift_rmm(uint64_t m, int shift, bool& lost) {
  if (shift >= 64) {
    // m < 2^63 <= half of the first dropped weight: rounds to zero.
    lost = m != 0;
    return 0;
  }
  const uint64_t rem = m & ((uint64_t{1} << shift) - 1);
  lost = rem != 0;
  return (m >> shift) + (rem >= (uint64_t{1} << (shift - 1)) ? 1 : 0);
}

}  // namespace

template <typename T>
T round_rmm(Extended x, unsigned& flags) {
  constexpr int p = std::numeric_limits<T>::digits;
  constexpr int emin = std::numeric_limits<T>::min_exponent;  // frexp exponent of the least normal
  const bool neg = std::signbit(x.value);
  int e = 0;
  // |x| = frac * 2^e with frac in [0.5, 1); m holds the top 63 bits, everything below in bit 0.
  const long double frac = std::frexp(std::fabs(x.value), &e);
  const long double scaled = std::ldexp(frac, 63);
  uint64_t m = static_cast<uint64_t>(scaled);
  if (static_cast<long double>(m) != scaled || x.inexact) m |= 1;

  // The quantum of the result: 2^(e - p) for a normal, fixed at 2^(emin - p) below the normals.
  const int qexp = std::max(e, emin) - p;
  bool lost = false;
  const uint64_t q = shift_rmm(m, qexp - (e - 63), lost);
  const long double mag = std::ldexp(static_cast<long double>(q), qexp);

  // Tininess after rounding: the result rounded with an unbounded exponent is below 2^(emin-1).
  bool unb_lost = false;
  const uint64_t qu = shift_rmm(m, 63 - p, unb_lost);
  const int unb_exp = qu == (uint64_t{1} << p) ? e + 1 : e;
  const bool tiny = unb_exp < emin;

  T r;
  if (mag > static_cast<long double>(std::numeric_limits<T>::max())) {
    r = std::numeric_limits<T>::infinity();
    flags |= kFlagOF | kFlagNX;
  } else {
    r = static_cast<T>(mag);  // exact: q has at most p bits at an exponent T can hold
    if (lost) flags |= kFlagNX;
    if (lost && tiny) flags |= kFlagUF;
  }
  return neg ? -r : r;
}

template float round_rmm<float>(Extended, unsigned&);
template double round_rmm<double>(Extended, unsigned&);

}  // namespace strata::jit::rv64

// The fast path of the F/D helpers: round-to-nearest add, sub, mul, div, sqrt and conversions
// whose only possible exception is inexact, decided without touching the host's MXCSR.
//
// Why: setting the host rounding mode and clearing its sticky flags (HostFpScope) means writing
// MXCSR, and a write that changes it costs about 80 ns here (measured: 171 ns per operation
// with the two writes, 8 ns with one that changes nothing), against a few ns for the arithmetic.
// Compiled RISC-V code mostly runs RNE arithmetic on ordinary values, so those take this path:
// the host computes in its own round-to-nearest mode and an exact test says whether the result
// is exact: TwoSum for add/sub, the fma residual for mul, div and sqrt, an integer sum of the
// significands for fma (fast_fma), the value converted back for conversions.
//
// It applies only where nothing but NX can be raised and the test is exact: finite operands in
// [2^-400, 2^400] for mul/div/sqrt (so the result is a normal number and the residual cannot
// underflow); finite operands up to 2^1000 for add/sub (their sum cannot overflow, and an
// inexact sum is never subnormal); for singles and fma a result that is a normal number or a
// true zero. Anything else (NaNs, infinities, zeros in mul/div, possible overflow or underflow,
// a host not in its default round-to-nearest mode, RTZ/RDN/RUP/RMM) returns false and goes to
// the exact slow path (float_compute.hpp). The host's rounding mode is never changed here; its
// sticky flags may gain the inexact bit, as with any host arithmetic (they are scratch: see
// float_env.hpp).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "jit/rv64/float_env.hpp"

namespace strata::jit::rv64 {

enum class FastOp : uint8_t { Add, Sub, Mul, Div, Sqrt };

namespace fast_detail {

inline bool in_product_range(double v) {
  const double m = std::fabs(v);
  return m >= 0x1p-400 && m <= 0x1p400;
}

inline bool in_sum_range(double v) {
  return std::fabs(v) <= 0x1p1000;  // false for NaN and infinities too
}

}  // namespace fast_detail

// r = op(a, b) rounded to nearest, and whether it is exact; false when outside the fast domain.
inline bool fast_op(FastOp op, double a, double b, double& r, bool& exact) {
  using fast_detail::in_product_range;
  using fast_detail::in_sum_range;
  switch (op) {
    case FastOp::Add:
    case FastOp::Sub: {
      if (!in_sum_range(a) || !in_sum_range(b)) return false;
      const double c = op == FastOp::Sub ? -b : b;
      r = a + c;
      // TwoSum (Knuth): the rounding error of a + c, exactly, in six operations.
      const double z = r - a;
      const double err = (a - (r - z)) + (c - z);
      exact = err == 0;
      return true;
    }
    case FastOp::Mul:
      if (!in_product_range(a) || !in_product_range(b)) return false;
      r = a * b;
      exact = std::fma(a, b, -r) == 0;
      return true;
    case FastOp::Div:
      if (!in_product_range(a) || !in_product_range(b)) return false;
      r = a / b;
      exact = std::fma(-r, b, a) == 0;  // the remainder a - r*b
      return true;
    case FastOp::Sqrt:
      if (!in_product_range(a) || a < 0) return false;
      r = std::sqrt(a);
      exact = std::fma(-r, r, a) == 0;
      return true;
  }
  return false;
}

// The same for singles, computed in double (exact operands; rounding twice is innocuous for
// these operations since 53 >= 2*24 + 2) and rounded to float by the host.
inline bool fast_op(FastOp op, float a, float b, float& r, bool& exact) {
  double d = 0;
  bool d_exact = false;
  if (!fast_op(op, static_cast<double>(a), static_cast<double>(b), d, d_exact)) return false;
  r = static_cast<float>(d);
  // A result at or below the least normal may be tiny (UF), one past the largest finite is an
  // overflow; an exact zero is fine.
  const float m = std::fabs(r);
  if (!(m > 0x1p-126f && m <= 0x1.fffffep127f) && !(m == 0 && d == 0)) return false;
  exact = d_exact && static_cast<double>(r) == d;
  return true;
}

// Fused multiply-add rounded to nearest: r = a*b + c in one rounding (the host's fma), exact
// when the exact value a*b + c has at most `precision` significant bits. That is decided in
// integers: the 106-bit product of the significands and the addend's significand, aligned in
// 128 bits, added, stripped of trailing zeros (or, when their bit ranges do not even meet,
// inexact outright). Only normal nonzero a and b, a normal or zero c, and a normal result;
// `precision` is 53 for doubles, 24 for singles computed on widened (exact) operands.
namespace fast_detail {

struct Split {
  bool neg;
  uint64_t sig;  // with the implicit bit: [2^52, 2^53)
  int exp;       // value = sig * 2^exp
};

inline bool split_normal(double v, Split& s) {
  const uint64_t b = std::bit_cast<uint64_t>(v);
  const int biased = static_cast<int>((b >> 52) & 0x7ff);
  if (biased == 0 || biased == 0x7ff) return false;  // zero, subnormal, infinity, NaN
  s = {(b >> 63) != 0, (b & ((uint64_t{1} << 52) - 1)) | (uint64_t{1} << 52), biased - 1075};
  return true;
}

inline int bit_length(unsigned __int128 v) {
  const auto hi = static_cast<uint64_t>(v >> 64);
  return hi != 0 ? 128 - std::countl_zero(hi) : 64 - std::countl_zero(static_cast<uint64_t>(v));
}

inline int trailing_zeros(unsigned __int128 v) {
  const auto lo = static_cast<uint64_t>(v);
  return lo != 0 ? std::countr_zero(lo) : 64 + std::countr_zero(static_cast<uint64_t>(v >> 64));
}

// Whether a*b + c (exactly) has at most `precision` significant bits; false in `ok` when the
// operands are outside what the integer test covers; `zero` when it is exactly zero.
inline bool fma_exact(double a, double b, double c, int precision, bool& ok, bool& zero) {
  Split sa, sb, sc;
  ok = false;
  if (!split_normal(a, sa) || !split_normal(b, sb)) return false;
  const unsigned __int128 prod = static_cast<unsigned __int128>(sa.sig) * sb.sig;  // < 2^106
  const int pexp = sa.exp + sb.exp;
  __int128 sum;
  const auto signed_prod = [&](int shift) {
    const auto p = static_cast<__int128>(prod << shift);
    return sa.neg != sb.neg ? -p : p;
  };
  if (c == 0) {
    sum = signed_prod(0);
  } else {
    if (!split_normal(c, sc)) return false;
    // Bit ranges far apart: the addend entirely below the product's last unit (product >=
    // 2^(pexp+104)), or the product (< 2^(pexp+106)) well below the addend's last unit (addend
    // >= 2^(sc.exp+52)). The exact sum, a difference included, then has a set bit at or above
    // the larger one's top - 1 and one below the smaller's top: far more than 53 bits.
    if (sc.exp + 53 <= pexp || pexp + 110 <= sc.exp) {
      ok = true;
      zero = false;
      return false;
    }
    const int lo = pexp < sc.exp ? pexp : sc.exp;
    // Shifted, each stays below 2^126 (product < 2^106 up 20 bits, addend < 2^53 up 73), so
    // their sum fits a signed 128-bit integer.
    if (pexp - lo > 20 || sc.exp - lo > 73) return false;
    const auto addend =
        static_cast<__int128>(static_cast<unsigned __int128>(sc.sig) << (sc.exp - lo));
    sum = signed_prod(pexp - lo) + (sc.neg ? -addend : addend);
  }
  ok = true;
  zero = sum == 0;
  if (zero) return true;
  auto mag = static_cast<unsigned __int128>(sum < 0 ? -sum : sum);
  mag >>= trailing_zeros(mag);
  return bit_length(mag) <= precision;
}

}  // namespace fast_detail

template <typename T>
inline bool fast_fma(T a, T b, T c, T& r, bool& exact) {
  bool ok = false, zero = false;
  exact = fast_detail::fma_exact(a, b, c, std::numeric_limits<T>::digits, ok, zero);
  if (!ok) return false;
  r = std::fma(a, b, c);
  const T m = std::fabs(r);
  // A normal result, or a true zero (not an underflow to zero): anything near underflow or
  // overflow is the slow path's.
  return (m > std::numeric_limits<T>::min() && m <= std::numeric_limits<T>::max()) || zero;
}

// double -> single rounded to nearest, when the result is a normal single or an exact zero.
inline bool fast_narrow(double d, float& r, bool& exact) {
  if (!fast_detail::in_sum_range(d)) return false;
  r = static_cast<float>(d);
  const float m = std::fabs(r);
  if (!(m > 0x1p-126f && m <= 0x1.fffffep127f) && !(m == 0 && d == 0)) return false;
  exact = static_cast<double>(r) == d;
  return true;
}

// integer -> T rounded to nearest: never out of range, never tiny; exact when the value comes
// back unchanged (compared in long double, which holds every 64-bit integer).
template <typename T, typename I>
inline T fast_from_int(I x, bool& exact) {
  const T r = static_cast<T>(x);
  exact = static_cast<long double>(r) == static_cast<long double>(x);
  return r;
}

}  // namespace strata::jit::rv64

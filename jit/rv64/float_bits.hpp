// Bit-level facts of RISC-V F/D values shared by the helpers: NaN-boxing, canonical NaNs,
// signalling-NaN tests. An f register holds 64 raw bits; a single lives in the low half with
// the high half all ones ("boxed"), and an operation reading a single that is not boxed sees
// the canonical NaN instead (spec, "NaN Boxing of Narrower Values").
#pragma once

#include <bit>
#include <cstdint>

namespace strata::jit::rv64 {

inline constexpr uint64_t kBoxHigh = 0xffffffff00000000ull;
inline constexpr uint32_t kCanonicalNanS = 0x7fc00000u;
inline constexpr uint64_t kCanonicalNanD = 0x7ff8000000000000ull;

// Classification by bits, not by comparison: a comparison is no cheaper and cannot tell a
// signalling NaN from a quiet one.
inline uint32_t magnitude(float v) {
  return std::bit_cast<uint32_t>(v) & 0x7fffffffu;
}
inline uint64_t magnitude(double v) {
  return std::bit_cast<uint64_t>(v) & 0x7fffffffffffffffull;
}
inline bool is_nan(float v) {
  return magnitude(v) > 0x7f800000u;
}
inline bool is_nan(double v) {
  return magnitude(v) > 0x7ff0000000000000ull;
}
inline bool is_inf(float v) {
  return magnitude(v) == 0x7f800000u;
}
inline bool is_inf(double v) {
  return magnitude(v) == 0x7ff0000000000000ull;
}
inline bool is_zero(float v) {
  return magnitude(v) == 0;
}
inline bool is_zero(double v) {
  return magnitude(v) == 0;
}
inline bool is_subnormal(float v) {
  return magnitude(v) != 0 && magnitude(v) < 0x00800000u;
}
inline bool is_subnormal(double v) {
  return magnitude(v) != 0 && magnitude(v) < 0x0010000000000000ull;
}

inline float unbox_s(uint64_t reg) {
  const uint32_t bits = (reg & kBoxHigh) == kBoxHigh ? static_cast<uint32_t>(reg) : kCanonicalNanS;
  return std::bit_cast<float>(bits);
}

inline double as_d(uint64_t reg) {
  return std::bit_cast<double>(reg);
}

// The register image of a result: NaN-boxed for singles; every NaN becomes the canonical one.
inline uint64_t result_bits(float v) {
  const uint32_t bits = is_nan(v) ? kCanonicalNanS : std::bit_cast<uint32_t>(v);
  return kBoxHigh | bits;
}

inline uint64_t result_bits(double v) {
  return is_nan(v) ? kCanonicalNanD : std::bit_cast<uint64_t>(v);
}

inline double canonical_nan_d() {
  return std::bit_cast<double>(kCanonicalNanD);
}

inline float canonical_nan_s() {
  return std::bit_cast<float>(kCanonicalNanS);
}

template <typename T>
inline T canonical_nan();
template <>
inline float canonical_nan<float>() {
  return canonical_nan_s();
}
template <>
inline double canonical_nan<double>() {
  return canonical_nan_d();
}

// A NaN whose most significant fraction bit (the quiet bit) is clear.
inline bool is_snan(float v) {
  const uint32_t b = std::bit_cast<uint32_t>(v);
  return is_nan(v) && (b & 0x00400000u) == 0;
}

inline bool is_snan(double v) {
  const uint64_t b = std::bit_cast<uint64_t>(v);
  return is_nan(v) && (b & 0x0008000000000000ull) == 0;
}

}  // namespace strata::jit::rv64

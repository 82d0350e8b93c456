// Floating-point to integer conversion (fcvt.{w,wu,l,lu}.{s,d}) with RISC-V's saturation:
//
//                      w            wu            l            lu
//   NaN, +inf, large   2^31 - 1     2^32 - 1      2^63 - 1     2^64 - 1
//   -inf, small        -2^31        0             -2^63        0
//
// An out-of-range or NaN input raises NV (and only NV); an in-range one that is not an integer
// raises NX. "In range" is judged on the value already rounded to an integer in the guest's
// mode, so -0.4 converts to unsigned 0 (NX) while -0.6 under RNE is -1: invalid.
#pragma once

#include <cstdint>

namespace strata::jit::rv64 {

enum class IntFormat : uint8_t { W, Wu, L, Lu };

// The x-register image of the conversion of `x` (a float is widened exactly first); ORs the
// flags into `flags`. W and Wu results are sign-extended from bit 31.
uint64_t float_to_int(double x, unsigned rm, IntFormat fmt, unsigned& flags);

// `x` rounded to an integral value in rounding mode `rm` (0..4), no flags.
double round_integral(double x, unsigned rm);

}  // namespace strata::jit::rv64

#include "jit/rv64/float_convert.hpp"

#include <math.h>  // ::roundeven (C23, glibc 2.25)

#include <cmath>

#include "jit/rv64/float_bits.hpp"
#include "jit/rv64/float_env.hpp"

namespace strata::jit::rv64 {

double round_integral(double x, unsigned rm) {
  switch (rm) {
    case kRmRtz: return std::trunc(x);
    case kRmRdn: return std::floor(x);
    case kRmRup: return std::ceil(x);
    case kRmRmm: return std::round(x);  // halfway cases away from zero
    default: return ::roundeven(x);
  }
}

namespace {

struct Range {
  double lo;         // least valid rounded value
  double hi;         // values >= hi are too large (hi itself is not representable)
  uint64_t min_sat;  // result for -inf and values below lo
  uint64_t max_sat;  // result for NaN, +inf and values >= hi
};

Range range_of(IntFormat fmt) {
  switch (fmt) {
    case IntFormat::W: return {-0x1p31, 0x1p31, 0xffffffff80000000ull, 0x7fffffffull};
    case IntFormat::Wu: return {0.0, 0x1p32, 0, ~uint64_t{0}};
    case IntFormat::L: return {-0x1p63, 0x1p63, 0x8000000000000000ull, 0x7fffffffffffffffull};
    case IntFormat::Lu: return {0.0, 0x1p64, 0, ~uint64_t{0}};
  }
  return {0.0, 0.0, 0, 0};
}

}  // namespace

uint64_t float_to_int(double x, unsigned rm, IntFormat fmt, unsigned& flags) {
  const Range rg = range_of(fmt);
  if (is_nan(x)) {
    flags |= kFlagNV;
    return rg.max_sat;
  }
  const double r = round_integral(x, rm);
  if (r >= rg.hi) {
    flags |= kFlagNV;
    return rg.max_sat;
  }
  if (r < rg.lo) {
    flags |= kFlagNV;
    return rg.min_sat;
  }
  if (r != x) flags |= kFlagNX;
  switch (fmt) {
    case IntFormat::W: return static_cast<uint64_t>(static_cast<int64_t>(r));
    case IntFormat::Wu:
      return static_cast<uint64_t>(
          static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(r))));
    case IntFormat::L: return static_cast<uint64_t>(static_cast<int64_t>(r));
    case IntFormat::Lu: return static_cast<uint64_t>(r);
  }
  return 0;
}

}  // namespace strata::jit::rv64

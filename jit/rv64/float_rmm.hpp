// RMM (round to nearest, ties to max magnitude): the one RISC-V rounding mode with no host
// (x86 SSE) equivalent.
//
// Method: the operation is recomputed in `long double` rounded toward zero, keeping whether it
// was inexact (a "sticky" bit). With at least p + 2 significand bits (x87 has 64, doubles need
// 53 + 2) that pair carries everything a correct rounding to p bits needs: the bits kept, the
// round bit and whether anything nonzero lies below it (round-to-odd). round_rmm then rounds it
// to float or double by hand, with the target's subnormal range, overflow to infinity, and
// tininess detected after rounding (as RISC-V does), and reports NX/UF/OF.
//
// The long double range covers every double and float operation exactly (no overflow and no
// underflow of the extended intermediate), so the only information lost is in the sticky bit.
#pragma once

#include <limits>

#include "jit/rv64/float_env.hpp"

namespace strata::jit::rv64 {

static_assert(std::numeric_limits<long double>::digits >= 55,
              "RMM rounding needs long double with at least 55 significand bits");

struct Extended {
  long double value;  // the exact result rounded toward zero
  bool inexact;       // true when that rounding dropped a nonzero remainder
};

// `op` applied to `args` in long double, rounded toward zero (op receives long double values).
template <typename Op, typename... A>
Extended round_to_odd(Op op, A... args) {
  FenvScope env(kRmRtz);
  (fp_barrier(args), ...);
  long double r = op(static_cast<long double>(args)...);
  fp_barrier(r);
  return Extended{r, (env.flags() & kFlagNX) != 0};
}

// Rounds a finite nonzero `x` to T (float or double) with RMM; ORs NX, UF, OF into `flags`.
template <typename T>
T round_rmm(Extended x, unsigned& flags);

extern template float round_rmm<float>(Extended, unsigned&);
extern template double round_rmm<double>(Extended, unsigned&);

}  // namespace strata::jit::rv64

// One IEEE operation of the F/D helpers, exactly as RISC-V defines it: computed by the host FPU
// in the guest's rounding mode with the exception flags it raises, RMM included.
#pragma once

#include <cmath>

#include "jit/rv64/float_env.hpp"
#include "jit/rv64/float_rmm.hpp"

namespace strata::jit::rv64 {

// T = op(args...) rounded with `rm`; ORs the raised fflags into `flags`. `xop` is the same
// operation on long double arguments returning long double (it must be exact but for its final
// rounding), used only for RMM.
//
// RMM is computed as RNE first: the two agree unless the exact result is a tie, and a tie is
// inexact, so an exact or non-finite RNE result (NaN, an infinity, an overflow, which both
// modes reach at the same threshold because the largest finite significand is odd) is the RMM
// result too, flags included. Only an inexact finite result is redone by round_rmm.
template <typename T, typename Op, typename XOp, typename... A>
T compute(unsigned rm, unsigned& flags, Op op, XOp xop, A... args) {
  T r;
  unsigned f;
  {
    HostFpScope env(rm == kRmRmm ? kRmRne : rm);
    (fp_barrier(args), ...);
    r = op(args...);
    fp_barrier(r);
    f = env.flags();
  }
  if (rm == kRmRmm && (f & kFlagNX) != 0 && std::isfinite(r)) {
    unsigned rf = 0;
    r = round_rmm<T>(round_to_odd(xop, args...), rf);
    f = (f & ~(kFlagNX | kFlagUF | kFlagOF)) | rf;
  }
  flags |= f;
  return r;
}

// The common case: the same generic lambda serves both precisions.
template <typename T, typename Op, typename... A>
T compute_arith(unsigned rm, unsigned& flags, Op op, A... args) {
  return compute<T>(rm, flags, op, op, args...);
}

}  // namespace strata::jit::rv64

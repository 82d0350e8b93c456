// The host floating-point environment around one F/D helper operation.
//
// A helper computes with the host FPU: it sets the guest's rounding mode, clears the host
// exception flags, runs one IEEE operation, reads the flags back as RISC-V fflags, and puts the
// host's rounding mode back, so neither the runtime nor the next helper computes in a guest's
// mode.
//
// Two scopes. HostFpScope is the fast one: on x86-64 it touches only MXCSR (all that SSE
// arithmetic and glibc's double/float fma use) and writes it only when the value must change,
// because such a write costs about 80 ns on these machines. It restores the control bits
// (rounding, FTZ/DAZ, masks) exactly but treats the host's sticky exception flags as scratch:
// it clears them when it needs them clear and may leave the operation's flags raised (nothing
// in the runtime reads them). FenvScope goes through <cfenv> and restores everything, flags
// included; it also covers the x87 unit that `long double` arithmetic uses (the rare RMM path,
// float_rmm.hpp).
#pragma once

#include <cfenv>
#include <cstdint>

namespace strata::jit::rv64 {

// RISC-V fflags bits (fcsr bits 4..0).
inline constexpr unsigned kFlagNX = 1;   // inexact
inline constexpr unsigned kFlagUF = 2;   // underflow
inline constexpr unsigned kFlagOF = 4;   // overflow
inline constexpr unsigned kFlagDZ = 8;   // divide by zero
inline constexpr unsigned kFlagNV = 16;  // invalid

// RISC-V rounding modes as the helpers receive them (the translator resolves dyn and rejects
// 5..7 before the call).
inline constexpr unsigned kRmRne = 0;
inline constexpr unsigned kRmRtz = 1;
inline constexpr unsigned kRmRdn = 2;
inline constexpr unsigned kRmRup = 3;
inline constexpr unsigned kRmRmm = 4;

// Pins `v` in memory at this point of the program: the compiler may not compute it earlier
// (inputs) or read it later (results) than the environment change next to the barrier, because
// IEEE arithmetic is otherwise free to move across those calls.
template <typename T>
inline void fp_barrier(T& v) {
  asm volatile("" : "+m"(v) : : "memory");
}

// Through <cfenv>: any host, x87 included. `rm` is one of RNE/RTZ/RDN/RUP.
class FenvScope {
 public:
  explicit FenvScope(unsigned rm);
  ~FenvScope();
  FenvScope(const FenvScope&) = delete;
  FenvScope& operator=(const FenvScope&) = delete;
  unsigned flags() const;  // RISC-V fflags raised since construction

 private:
  int saved_round_;
  std::fexcept_t saved_flags_;
};

#if defined(__x86_64__)
// MXCSR only: rounding control in bits 13-14, sticky flags in bits 0-5; flush-to-zero (15) and
// denormals-are-zero (6) are cleared for the operation, whatever the host had. A round-to-
// nearest operation on a host in its default mode with clear flags writes MXCSR at most once.
class HostFpScope {
 public:
  explicit HostFpScope(unsigned rm);
  ~HostFpScope();
  HostFpScope(const HostFpScope&) = delete;
  HostFpScope& operator=(const HostFpScope&) = delete;
  unsigned flags() const;

 private:
  uint32_t saved_;  // the host's MXCSR
  uint32_t set_;    // what the operation runs with
};
// True when the host computes in round-to-nearest without flush-to-zero or denormals-are-zero,
// the mode the fast path (float_fast.hpp) relies on. Inline: it runs on every fast operation.
inline bool host_in_default_mode() {
  uint32_t mxcsr;
  asm volatile("stmxcsr %0" : "=m"(mxcsr) : : "memory");
  constexpr uint32_t kRoundFtzDaz = (3u << 13) | (1u << 15) | (1u << 6);
  return (mxcsr & kRoundFtzDaz) == 0;
}
#else
using HostFpScope = FenvScope;

// Without a portable way to see flush-to-zero, other hosts always take the exact slow path.
inline bool host_in_default_mode() {
  return false;
}
#endif

}  // namespace strata::jit::rv64

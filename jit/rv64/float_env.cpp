#include "jit/rv64/float_env.hpp"

namespace strata::jit::rv64 {

namespace {

int fenv_mode(unsigned rm) {
  switch (rm) {
    case kRmRtz: return FE_TOWARDZERO;
    case kRmRdn: return FE_DOWNWARD;
    case kRmRup: return FE_UPWARD;
    default: return FE_TONEAREST;
  }
}

}  // namespace

FenvScope::FenvScope(unsigned rm) : saved_round_(std::fegetround()) {
  std::fegetexceptflag(&saved_flags_, FE_ALL_EXCEPT);
  std::fesetround(fenv_mode(rm));
  std::feclearexcept(FE_ALL_EXCEPT);
}

FenvScope::~FenvScope() {
  std::fesetexceptflag(&saved_flags_, FE_ALL_EXCEPT);
  std::fesetround(saved_round_);
}

unsigned FenvScope::flags() const {
  const int e = std::fetestexcept(FE_ALL_EXCEPT);
  unsigned f = 0;
  if (e & FE_INEXACT) f |= kFlagNX;
  if (e & FE_UNDERFLOW) f |= kFlagUF;
  if (e & FE_OVERFLOW) f |= kFlagOF;
  if (e & FE_DIVBYZERO) f |= kFlagDZ;
  if (e & FE_INVALID) f |= kFlagNV;
  return f;
}

#if defined(__x86_64__)

namespace {

// Volatile asm with a memory clobber: ordered against the operation's fp_barrier()s.
uint32_t read_mxcsr() {
  uint32_t v;
  asm volatile("stmxcsr %0" : "=m"(v) : : "memory");
  return v;
}

void write_mxcsr(uint32_t v) {
  asm volatile("ldmxcsr %0" : : "m"(v) : "memory");
}

constexpr uint32_t kMxFlags = 0x3f;
constexpr uint32_t kMxDaz = 1u << 6;
constexpr uint32_t kMxRoundShift = 13;
constexpr uint32_t kMxRound = 3u << kMxRoundShift;
constexpr uint32_t kMxFtz = 1u << 15;

// MXCSR rounding control: 0 nearest, 1 down, 2 up, 3 toward zero.
uint32_t mx_mode(unsigned rm) {
  switch (rm) {
    case kRmRtz: return 3;
    case kRmRdn: return 1;
    case kRmRup: return 2;
    default: return 0;
  }
}

}  // namespace

HostFpScope::HostFpScope(unsigned rm) : saved_(read_mxcsr()) {
  write_mxcsr((saved_ & ~(kMxFlags | kMxDaz | kMxRound | kMxFtz)) | (mx_mode(rm) << kMxRoundShift));
}

HostFpScope::~HostFpScope() {
  write_mxcsr(saved_);
}

unsigned HostFpScope::flags() const {
  // MXCSR: IE 0, DE 1 (denormal operand: not an IEEE flag), ZE 2, OE 3, UE 4, PE 5.
  const uint32_t m = read_mxcsr();
  unsigned f = 0;
  if (m & (1u << 5)) f |= kFlagNX;
  if (m & (1u << 4)) f |= kFlagUF;
  if (m & (1u << 3)) f |= kFlagOF;
  if (m & (1u << 2)) f |= kFlagDZ;
  if (m & (1u << 0)) f |= kFlagNV;
  return f;
}

#endif

}  // namespace strata::jit::rv64

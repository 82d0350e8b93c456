// Floating-point helpers of translated RV64 blocks (helpers_float.def): the F and D arithmetic,
// comparisons, classification and conversions. Bit moves (loads, stores, fmv, fsgnj) and the
// exact int32 -> double conversions are inline SVI (translate_float.cpp).
#include <bit>
#include <cmath>
#include <cstdint>

#include "jit/rv64/float_bits.hpp"
#include "jit/rv64/float_compute.hpp"
#include "jit/rv64/float_convert.hpp"
#include "jit/rv64/float_fast.hpp"
#include "jit/rv64/helpers.hpp"
#include "vm/memory.hpp"
#include "vm/rv64/guest_layout.hpp"

namespace strata::jit::rv64 {

namespace {

using vm::NativeContext;
using vm::Value;

// ORs fflags into the guest's fcsr (the blocks never cache fcsr in a register).
void accrue(NativeContext& cx, unsigned flags) {
  if (flags == 0) return;
  vm::LinearMemory* mem = cx.memory();
  uint64_t fcsr = 0;
  if (mem == nullptr || !mem->read(vm::rv64::state::kFcsr, &fcsr, sizeof fcsr)) return;
  if ((fcsr & flags) == flags) return;  // already accrued (NX mostly is)
  fcsr |= flags;
  mem->write(vm::rv64::state::kFcsr, &fcsr, sizeof fcsr);
}

// The translator passes only 0..4; anything else (never emitted) is read as RNE rather than
// trusted.
unsigned rm_of(const Value& v) {
  return v.bits <= kRmRmm ? static_cast<unsigned>(v.bits) : kRmRne;
}

float s(const Value& v) {
  return unbox_s(v.bits);
}
double d(const Value& v) {
  return as_d(v.bits);
}

constexpr auto kAdd = [](auto a, auto b) { return a + b; };
constexpr auto kSub = [](auto a, auto b) { return a - b; };
constexpr auto kMul = [](auto a, auto b) { return a * b; };
constexpr auto kDiv = [](auto a, auto b) { return a / b; };
constexpr auto kSqrt = [](auto a) { return std::sqrt(a); };
constexpr auto kFma = [](auto a, auto b, auto c) { return std::fma(a, b, c); };

// RNE on ordinary values without touching the host flags (float_fast.hpp), when it applies.
template <typename T>
bool try_fast(FastOp k, unsigned rm, T a, T b, T& r, unsigned& fl) {
  bool exact = false;
  if (rm != kRmRne || !host_in_default_mode() || !fast_op(k, a, b, r, exact)) return false;
  if (!exact) fl |= kFlagNX;
  return true;
}

template <typename T, typename Op>
uint64_t binary(NativeContext& cx, FastOp k, Op op, T a, T b, unsigned rm) {
  unsigned fl = 0;
  T r;
  if (!try_fast(k, rm, a, b, r, fl)) r = compute_arith<T>(rm, fl, op, a, b);
  accrue(cx, fl);
  return result_bits(r);
}

template <typename T>
uint64_t square_root(NativeContext& cx, T a, unsigned rm) {
  unsigned fl = 0;
  T r;
  if (!try_fast(FastOp::Sqrt, rm, a, T{0}, r, fl)) r = compute_arith<T>(rm, fl, kSqrt, a);
  accrue(cx, fl);
  return result_bits(r);
}

// (neg_product ? -(a*b) : a*b) + (neg_addend ? -c : c), one rounding. Negating a NaN operand
// changes nothing visible: a NaN result is canonical and a sNaN stays signalling.
template <typename T>
uint64_t fused(NativeContext& cx, T a, T b, T c, unsigned rm, bool neg_product, bool neg_addend) {
  unsigned fl = 0;
  // The spec requires NV for inf * 0 even when the addend is a quiet NaN (the host may not).
  if ((is_inf(a) && is_zero(b)) || (is_zero(a) && is_inf(b))) fl |= kFlagNV;
  const T x = neg_product ? -a : a, z = neg_addend ? -c : c;
  T r;
  bool exact = false;
  if (rm == kRmRne && fl == 0 && host_in_default_mode() && fast_fma(x, b, z, r, exact)) {
    if (!exact) fl |= kFlagNX;
  } else {
    r = compute_arith<T>(rm, fl, kFma, x, b, z);
  }
  accrue(cx, fl);
  return result_bits(r);
}

// minimumNumber / maximumNumber (RISC-V F 2.2): a NaN operand yields the other one; two NaNs the
// canonical NaN; a signalling NaN raises NV; -0 is less than +0.
template <typename T>
uint64_t min_max(NativeContext& cx, T a, T b, bool want_max) {
  if (is_snan(a) || is_snan(b)) accrue(cx, kFlagNV);
  T r;
  if (is_nan(a) && is_nan(b)) {
    r = canonical_nan<T>();
  } else if (is_nan(a)) {
    r = b;
  } else if (is_nan(b)) {
    r = a;
  } else if (a == b) {
    r = (std::signbit(a) != want_max) ? a : b;  // equal values differ at most in a zero's sign
  } else {
    r = ((a < b) != want_max) ? a : b;
  }
  return result_bits(r);
}

enum class Cmp : uint8_t { Eq, Lt, Le };

template <typename T>
uint64_t compare(NativeContext& cx, T a, T b, Cmp c) {
  if (is_nan(a) || is_nan(b)) {
    const bool quiet_ok = c == Cmp::Eq && !is_snan(a) && !is_snan(b);
    if (!quiet_ok) accrue(cx, kFlagNV);
    return 0;
  }
  switch (c) {
    case Cmp::Eq: return a == b;
    case Cmp::Lt: return a < b;
    case Cmp::Le: return a <= b;
  }
  return 0;
}

template <typename T>
uint64_t classify(T v) {
  const bool neg = std::signbit(v);
  if (is_nan(v)) return is_snan(v) ? 1u << 8 : 1u << 9;
  if (is_inf(v)) return neg ? 1u << 0 : 1u << 7;
  if (is_zero(v)) return neg ? 1u << 3 : 1u << 4;
  if (is_subnormal(v)) return neg ? 1u << 2 : 1u << 5;
  return neg ? 1u << 1 : 1u << 6;
}

// A single widened exactly; any NaN becomes the quiet canonical one (converting a signalling
// NaN would quieten it anyway, and float_to_int only needs to know it is a NaN).
double widen(float v) {
  return is_nan(v) ? canonical_nan_d() : static_cast<double>(v);
}

uint64_t to_int(NativeContext& cx, double x, unsigned rm, IntFormat fmt) {
  unsigned fl = 0;
  const uint64_t r = float_to_int(x, rm, fmt, fl);
  accrue(cx, fl);
  return r;
}

// int -> T conversion (the host's cvtsi2s{s,d} honour the rounding mode and raise NX).
template <typename T, typename I>
uint64_t from_int(NativeContext& cx, I x, unsigned rm) {
  unsigned fl = 0;
  T r;
  if (rm == kRmRne && host_in_default_mode()) {
    bool exact = false;
    r = fast_from_int<T>(x, exact);
    if (!exact) fl |= kFlagNX;
  } else {
    r = compute<T>(
        rm, fl, [](auto v) { return static_cast<T>(v); }, [](long double v) { return v; }, x);
  }
  accrue(cx, fl);
  return result_bits(r);
}

}  // namespace

#define STRATA_RV_BINARY(Name, fast, op)                                     \
  void helper_##Name##S(NativeContext& cx, const Value* a, Value* res) {     \
    res->bits = binary<float>(cx, fast, op, s(a[0]), s(a[1]), rm_of(a[2]));  \
  }                                                                          \
  void helper_##Name##D(NativeContext& cx, const Value* a, Value* res) {     \
    res->bits = binary<double>(cx, fast, op, d(a[0]), d(a[1]), rm_of(a[2])); \
  }
STRATA_RV_BINARY(Fadd, FastOp::Add, kAdd)
STRATA_RV_BINARY(Fsub, FastOp::Sub, kSub)
STRATA_RV_BINARY(Fmul, FastOp::Mul, kMul)
STRATA_RV_BINARY(Fdiv, FastOp::Div, kDiv)
#undef STRATA_RV_BINARY

#define STRATA_RV_FUSED(Name, neg_product, neg_addend)                                             \
  void helper_##Name##S(NativeContext& cx, const Value* a, Value* res) {                           \
    res->bits = fused<float>(cx, s(a[0]), s(a[1]), s(a[2]), rm_of(a[3]), neg_product, neg_addend); \
  }                                                                                                \
  void helper_##Name##D(NativeContext& cx, const Value* a, Value* res) {                           \
    res->bits =                                                                                    \
        fused<double>(cx, d(a[0]), d(a[1]), d(a[2]), rm_of(a[3]), neg_product, neg_addend);        \
  }
STRATA_RV_FUSED(Fmadd, false, false)
STRATA_RV_FUSED(Fmsub, false, true)
STRATA_RV_FUSED(Fnmsub, true, false)
STRATA_RV_FUSED(Fnmadd, true, true)
#undef STRATA_RV_FUSED

#define STRATA_RV_BOTH(Name, expr_s, expr_d)                             \
  void helper_##Name##S(NativeContext& cx, const Value* a, Value* res) { \
    (void)cx;                                                            \
    res->bits = expr_s;                                                  \
  }                                                                      \
  void helper_##Name##D(NativeContext& cx, const Value* a, Value* res) { \
    (void)cx;                                                            \
    res->bits = expr_d;                                                  \
  }
STRATA_RV_BOTH(Fsqrt, square_root(cx, s(a[0]), rm_of(a[1])), square_root(cx, d(a[0]), rm_of(a[1])))
STRATA_RV_BOTH(Fmin, min_max(cx, s(a[0]), s(a[1]), false), min_max(cx, d(a[0]), d(a[1]), false))
STRATA_RV_BOTH(Fmax, min_max(cx, s(a[0]), s(a[1]), true), min_max(cx, d(a[0]), d(a[1]), true))
STRATA_RV_BOTH(Feq, compare(cx, s(a[0]), s(a[1]), Cmp::Eq), compare(cx, d(a[0]), d(a[1]), Cmp::Eq))
STRATA_RV_BOTH(Flt, compare(cx, s(a[0]), s(a[1]), Cmp::Lt), compare(cx, d(a[0]), d(a[1]), Cmp::Lt))
STRATA_RV_BOTH(Fle, compare(cx, s(a[0]), s(a[1]), Cmp::Le), compare(cx, d(a[0]), d(a[1]), Cmp::Le))
STRATA_RV_BOTH(Fclass, classify(s(a[0])), classify(d(a[0])))
#undef STRATA_RV_BOTH

void helper_FcvtWS(NativeContext& cx, const Value* a, Value* res) {
  res->bits = to_int(cx, widen(s(a[0])), rm_of(a[1]), IntFormat::W);
}
void helper_FcvtWuS(NativeContext& cx, const Value* a, Value* res) {
  res->bits = to_int(cx, widen(s(a[0])), rm_of(a[1]), IntFormat::Wu);
}
void helper_FcvtLS(NativeContext& cx, const Value* a, Value* res) {
  res->bits = to_int(cx, widen(s(a[0])), rm_of(a[1]), IntFormat::L);
}
void helper_FcvtLuS(NativeContext& cx, const Value* a, Value* res) {
  res->bits = to_int(cx, widen(s(a[0])), rm_of(a[1]), IntFormat::Lu);
}
void helper_FcvtWD(NativeContext& cx, const Value* a, Value* res) {
  res->bits = to_int(cx, d(a[0]), rm_of(a[1]), IntFormat::W);
}
void helper_FcvtWuD(NativeContext& cx, const Value* a, Value* res) {
  res->bits = to_int(cx, d(a[0]), rm_of(a[1]), IntFormat::Wu);
}
void helper_FcvtLD(NativeContext& cx, const Value* a, Value* res) {
  res->bits = to_int(cx, d(a[0]), rm_of(a[1]), IntFormat::L);
}
void helper_FcvtLuD(NativeContext& cx, const Value* a, Value* res) {
  res->bits = to_int(cx, d(a[0]), rm_of(a[1]), IntFormat::Lu);
}

void helper_FcvtSW(NativeContext& cx, const Value* a, Value* res) {
  res->bits = from_int<float>(cx, static_cast<int32_t>(a[0].i), rm_of(a[1]));
}
void helper_FcvtSWu(NativeContext& cx, const Value* a, Value* res) {
  res->bits = from_int<float>(cx, static_cast<uint32_t>(a[0].bits), rm_of(a[1]));
}
void helper_FcvtSL(NativeContext& cx, const Value* a, Value* res) {
  res->bits = from_int<float>(cx, a[0].i, rm_of(a[1]));
}
void helper_FcvtSLu(NativeContext& cx, const Value* a, Value* res) {
  res->bits = from_int<float>(cx, a[0].bits, rm_of(a[1]));
}
void helper_FcvtDL(NativeContext& cx, const Value* a, Value* res) {
  res->bits = from_int<double>(cx, a[0].i, rm_of(a[1]));
}
void helper_FcvtDLu(NativeContext& cx, const Value* a, Value* res) {
  res->bits = from_int<double>(cx, a[0].bits, rm_of(a[1]));
}

void helper_FcvtSD(NativeContext& cx, const Value* a, Value* res) {
  unsigned fl = 0;
  const unsigned rm = rm_of(a[1]);
  float r;
  bool exact = false;
  if (rm == kRmRne && host_in_default_mode() && fast_narrow(d(a[0]), r, exact)) {
    if (!exact) fl |= kFlagNX;
  } else {
    r = compute<float>(
        rm, fl, [](double v) { return static_cast<float>(v); }, [](long double v) { return v; },
        d(a[0]));
  }
  accrue(cx, fl);
  res->bits = result_bits(r);
}

// Widening is exact: the only flag is NV for a signalling NaN; rm (validated) plays no part.
void helper_FcvtDS(NativeContext& cx, const Value* a, Value* res) {
  const float v = s(a[0]);
  if (is_nan(v)) {
    if (is_snan(v)) accrue(cx, kFlagNV);
    res->bits = kCanonicalNanD;
    return;
  }
  res->bits = result_bits(static_cast<double>(v));
}

}  // namespace strata::jit::rv64

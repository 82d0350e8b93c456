// std.math: libm on f64, a few i64 helpers. No argument is a ref, so nothing can trap.
#include <cmath>
#include <numbers>

#include "stdlib/natives/common.hpp"
#include "stdlib/natives/tables.hpp"

namespace strata::stdlib {
namespace {

template <double (*F)(double)>
void unary(NativeContext&, const Value* a, Value* r) {
  *r = Value::from_f(F(a[0].f));
}

template <double (*F)(double, double)>
void binary(NativeContext&, const Value* a, Value* r) {
  *r = Value::from_f(F(a[0].f, a[1].f));
}

// Named wrappers: taking the address of a <cmath> overload set is not portable.
double m_sin(double x) {
  return std::sin(x);
}
double m_cos(double x) {
  return std::cos(x);
}
double m_tan(double x) {
  return std::tan(x);
}
double m_asin(double x) {
  return std::asin(x);
}
double m_acos(double x) {
  return std::acos(x);
}
double m_atan(double x) {
  return std::atan(x);
}
double m_exp(double x) {
  return std::exp(x);
}
double m_log(double x) {
  return std::log(x);
}
double m_log10(double x) {
  return std::log10(x);
}
double m_log2(double x) {
  return std::log2(x);
}
double m_cbrt(double x) {
  return std::cbrt(x);
}
double m_atan2(double y, double x) {
  return std::atan2(y, x);
}
double m_pow(double x, double y) {
  return std::pow(x, y);
}
double m_fmod(double x, double y) {
  return std::fmod(x, y);
}
double m_hypot(double x, double y) {
  return std::hypot(x, y);
}

void abs_i64(NativeContext&, const Value* a, Value* r) {
  // Wraps like `neg`: abs(INT64_MIN) is INT64_MIN, computed without signed overflow.
  uint64_t u = static_cast<uint64_t>(a[0].i);
  *r = Value::from_i(a[0].i < 0 ? static_cast<int64_t>(0 - u) : a[0].i);
}
void min_i64(NativeContext&, const Value* a, Value* r) {
  *r = Value::from_i(a[0].i < a[1].i ? a[0].i : a[1].i);
}
void max_i64(NativeContext&, const Value* a, Value* r) {
  *r = Value::from_i(a[0].i > a[1].i ? a[0].i : a[1].i);
}
void pi(NativeContext&, const Value*, Value* r) {
  *r = Value::from_f(std::numbers::pi);
}

constexpr std::string_view kF = "(f64) -> f64";
constexpr std::string_view kFF = "(f64, f64) -> f64";

constexpr vm::NativeDef kNatives[] = {
    {"std.math", "sin", kF, guarded<unary<m_sin>>, "sine (radians)"},
    {"std.math", "cos", kF, guarded<unary<m_cos>>, "cosine (radians)"},
    {"std.math", "tan", kF, guarded<unary<m_tan>>, "tangent (radians)"},
    {"std.math", "asin", kF, guarded<unary<m_asin>>, "arc sine"},
    {"std.math", "acos", kF, guarded<unary<m_acos>>, "arc cosine"},
    {"std.math", "atan", kF, guarded<unary<m_atan>>, "arc tangent"},
    {"std.math", "exp", kF, guarded<unary<m_exp>>, "e to the x"},
    {"std.math", "log", kF, guarded<unary<m_log>>, "natural logarithm"},
    {"std.math", "log10", kF, guarded<unary<m_log10>>, "base-10 logarithm"},
    {"std.math", "log2", kF, guarded<unary<m_log2>>, "base-2 logarithm"},
    {"std.math", "cbrt", kF, guarded<unary<m_cbrt>>, "cube root"},
    {"std.math", "atan2", kFF, guarded<binary<m_atan2>>, "arc tangent of y/x, by quadrant"},
    {"std.math", "pow", kFF, guarded<binary<m_pow>>, "x to the y"},
    {"std.math", "fmod", kFF, guarded<binary<m_fmod>>, "remainder of x/y, sign of x"},
    {"std.math", "hypot", kFF, guarded<binary<m_hypot>>, "sqrt(x*x + y*y) without overflow"},
    {"std.math", "abs_i64", "(i64) -> i64", guarded<abs_i64>,
     "absolute value (abs(INT64_MIN) wraps)"},
    {"std.math", "min_i64", "(i64, i64) -> i64", guarded<min_i64>, "the smaller"},
    {"std.math", "max_i64", "(i64, i64) -> i64", guarded<max_i64>, "the larger"},
    {"std.math", "pi", "() -> f64", guarded<pi>, "π"},
};

}  // namespace

std::span<const vm::NativeDef> math_natives() {
  return kNatives;
}

}  // namespace strata::stdlib

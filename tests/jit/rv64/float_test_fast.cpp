// The RNE fast path (float_fast.hpp) against the slow path (float_compute.hpp, the host FPU's
// own flags): where the fast path claims a case, result and inexactness must agree, and it must
// claim the ordinary cases it exists for.
#include <bit>
#include <cstdint>

#include <gtest/gtest.h>

#include "jit/rv64/float_compute.hpp"
#include "jit/rv64/float_fast.hpp"

namespace strata::jit::rv64 {
namespace {

uint64_t rng = 0x243f6a8885a308d3ull;
uint64_t next() {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

// A double with a random significand and an exponent in [lo, hi].
double random_double(int lo, int hi) {
  const uint64_t e = static_cast<uint64_t>(lo + static_cast<int>(next() % (hi - lo + 1)) + 1023);
  return std::bit_cast<double>((next() & 0x800fffffffffffffull) | (e << 52));
}

// Sometimes keep only a few significand bits, so that exact results are common too.
double shaped(int lo, int hi) {
  const double v = random_double(lo, hi);
  if (next() % 2) return v;
  return std::bit_cast<double>(std::bit_cast<uint64_t>(v) & ~((uint64_t{1} << 40) - 1));
}

template <typename T>
void check_binary(FastOp k, T a, T b, int& claimed) {
  T fast_r;
  bool exact = false;
  if (!fast_op(k, a, b, fast_r, exact)) return;
  ++claimed;
  unsigned fl = 0;
  const auto op = [k](auto x, auto y) {
    switch (k) {
      case FastOp::Add: return x + y;
      case FastOp::Sub: return x - y;
      case FastOp::Mul: return x * y;
      case FastOp::Div: return x / y;
      case FastOp::Sqrt: return std::sqrt(x);
    }
    return x;
  };
  const T slow_r = compute_arith<T>(kRmRne, fl, op, a, b);
  // Compared as the bits of their (exact) widening to double.
  ASSERT_EQ(std::bit_cast<uint64_t>(static_cast<double>(fast_r)),
            std::bit_cast<uint64_t>(static_cast<double>(slow_r)))
      << a << " op" << static_cast<int>(k) << " " << b;
  ASSERT_EQ(exact ? 0u : kFlagNX, fl) << a << " op" << static_cast<int>(k) << " " << b;
}

TEST(RvFloatFast, AgreesWithTheHostFlagsOnOrdinaryValues) {
  ASSERT_TRUE(host_in_default_mode());
  int claimed = 0, tried = 0;
  for (int i = 0; i < 20000; ++i) {
    const double a = shaped(-60, 60), b = shaped(-60, 60);
    for (FastOp k : {FastOp::Add, FastOp::Sub, FastOp::Mul, FastOp::Div, FastOp::Sqrt}) {
      const double sa = k == FastOp::Sqrt ? std::fabs(a) : a;
      check_binary<double>(k, sa, b, claimed);
      check_binary<float>(k, static_cast<float>(sa), static_cast<float>(b), claimed);
      tried += 2;
    }
  }
  EXPECT_GT(claimed, tried * 9 / 10);  // the path exists for exactly these values
}

TEST(RvFloatFast, FusedAgreesWithTheHostFlags) {
  int claimed = 0;
  for (int i = 0; i < 20000; ++i) {
    const double a = shaped(-20, 20), b = shaped(-20, 20);
    // Addends near the product (cancellation), far below it, or exactly its negation.
    const double c = i % 4 == 0   ? -(a * b) * (1 + std::ldexp(1.0, -static_cast<int>(next() % 60)))
                     : i % 4 == 1 ? shaped(-60, 20)
                     : i % 4 == 2 ? shaped(-150, 150)
                                  : -(a * b);
    for (int single = 0; single < 2; ++single) {
      bool exact = false;
      unsigned fl = 0;
      const auto fma = [](auto x, auto y, auto z) { return std::fma(x, y, z); };
      if (single) {
        const float fa = static_cast<float>(a), fb = static_cast<float>(b),
                    fc = static_cast<float>(c);
        float r;
        if (!fast_fma(fa, fb, fc, r, exact)) continue;
        const float slow = compute_arith<float>(kRmRne, fl, fma, fa, fb, fc);
        ASSERT_EQ(std::bit_cast<uint32_t>(r), std::bit_cast<uint32_t>(slow));
      } else {
        double r;
        if (!fast_fma(a, b, c, r, exact)) continue;
        const double slow = compute_arith<double>(kRmRne, fl, fma, a, b, c);
        ASSERT_EQ(std::bit_cast<uint64_t>(r), std::bit_cast<uint64_t>(slow));
      }
      ++claimed;
      ASSERT_EQ(exact ? 0u : kFlagNX, fl) << a << " * " << b << " + " << c << " single " << single;
    }
  }
  EXPECT_GT(claimed, 20000);
}

TEST(RvFloatFast, StandsAsideWhereOtherFlagsArePossible) {
  double r = 0;
  float rs = 0;
  bool exact = false;
  EXPECT_FALSE(fast_op(FastOp::Mul, 0x1p-600, 0x1p-600, r, exact));  // underflow
  EXPECT_FALSE(fast_op(FastOp::Mul, 0x1p600, 0x1p600, r, exact));    // overflow
  EXPECT_FALSE(fast_op(FastOp::Div, 1.0, 0.0, r, exact));            // divide by zero
  EXPECT_FALSE(fast_op(FastOp::Sqrt, -4.0, 0.0, r, exact));          // invalid
  EXPECT_FALSE(fast_op(FastOp::Add, INFINITY, 1.0, r, exact));
  EXPECT_FALSE(fast_op(FastOp::Add, NAN, 1.0, r, exact));
  EXPECT_FALSE(fast_op(FastOp::Mul, 0x1p-70f, 0x1p-70f, rs, exact));  // single underflow
  EXPECT_FALSE(fast_op(FastOp::Add, 0x1p127f, 0x1p127f, rs, exact));  // single overflow
  EXPECT_FALSE(fast_fma(0x1p-600, 0x1p-600, 0.0, r, exact));
  EXPECT_FALSE(fast_fma(1.0, 1.0, 0x1p-80, r, exact));  // too far apart for the integer test
  EXPECT_TRUE(fast_fma(1.0, 1.0, 0x1p-200, r, exact));  // ... but this far, surely inexact
  EXPECT_FALSE(exact);
  EXPECT_TRUE(fast_fma(0x1p-200, 1.0, -1.0, r, exact));
  EXPECT_FALSE(exact);
  EXPECT_FALSE(fast_narrow(1e-40, rs, exact));  // a subnormal single
  EXPECT_FALSE(fast_narrow(1e39, rs, exact));   // overflows
  EXPECT_TRUE(fast_op(FastOp::Add, 1.0, 0x1p-60, r, exact));
  EXPECT_FALSE(exact);
  EXPECT_TRUE(fast_fma(3.0, 5.0, -15.0, r, exact));
  EXPECT_TRUE(exact);
  EXPECT_EQ(std::bit_cast<uint64_t>(r), 0u);  // +0
}

}  // namespace
}  // namespace strata::jit::rv64

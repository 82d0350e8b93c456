// The high halves of 128-bit products (mulh: signed, mulhu: unsigned), which RISC-V's mulh and
// mulhu translate to. The JIT tiers are compared with this interpreter
// (tests/jit/baseline_test.cpp, tests/jit/opt/opt_test.cpp).
#include <cstdint>
#include <limits>

#include "tests/vm/vm_test_util.hpp"

namespace strata::vm::test {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// f(x, y: i64) -> i64 { op r, x, y ; ret r }
int64_t high(Op op, int64_t x, int64_t y) {
  ModuleBuilder b;
  b.func("f", {I, I}, I, {I}, {abc(op, 2, 0, 1), abc(Op::Ret, 2)});
  auto p = load_lib(std::move(b.m));
  return p ? call_ok(*p, "f", {vi(x), vi(y)}).i : 0;
}

TEST(IntOps, SignedHighHalf) {
  EXPECT_EQ(high(Op::MulH, -1, -1), 0);                           // 1
  EXPECT_EQ(high(Op::MulH, kMin, kMin), int64_t{1} << 62);        // 2^126
  EXPECT_EQ(high(Op::MulH, kMin, 1), -1);                         // a negative product
  EXPECT_EQ(high(Op::MulH, kMax, kMax), (int64_t{1} << 62) - 1);  // (2^63 - 1)^2
  EXPECT_EQ(high(Op::MulH, int64_t{1} << 32, int64_t{1} << 32), 1);
}

TEST(IntOps, UnsignedHighHalf) {
  EXPECT_EQ(high(Op::MulHU, -1, -1), -2);  // (2^64 - 1)^2 = 2^128 - 2^65 + 1
  EXPECT_EQ(high(Op::MulHU, kMin, 2), 1);
  EXPECT_EQ(high(Op::MulHU, -1, 1), 0);
  EXPECT_EQ(high(Op::MulHU, 0x1234567890abcdef, 0x0fedcba987654321), 0x0121fa00acd77d74);
}

}  // namespace
}  // namespace strata::vm::test

// std.math natives.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "tests/stdlib/fake_context.hpp"

namespace strata::stdlib::test {
namespace {

TEST(StdMath, FloatFunctionsAreLibm) {
  FakeContext cx;
  EXPECT_EQ(cx.call("std.math", "sin", {F(1.0)}).f, std::sin(1.0));
  EXPECT_EQ(cx.call("std.math", "cos", {F(1.0)}).f, std::cos(1.0));
  EXPECT_EQ(cx.call("std.math", "tan", {F(1.0)}).f, std::tan(1.0));
  EXPECT_EQ(cx.call("std.math", "asin", {F(0.5)}).f, std::asin(0.5));
  EXPECT_EQ(cx.call("std.math", "acos", {F(0.5)}).f, std::acos(0.5));
  EXPECT_EQ(cx.call("std.math", "atan", {F(0.5)}).f, std::atan(0.5));
  EXPECT_EQ(cx.call("std.math", "exp", {F(2.0)}).f, std::exp(2.0));
  EXPECT_EQ(cx.call("std.math", "log", {F(2.0)}).f, std::log(2.0));
  EXPECT_EQ(cx.call("std.math", "log10", {F(1000.0)}).f, 3.0);
  EXPECT_EQ(cx.call("std.math", "log2", {F(8.0)}).f, 3.0);
  EXPECT_DOUBLE_EQ(cx.call("std.math", "cbrt", {F(27.0)}).f, 3.0);
  EXPECT_EQ(cx.call("std.math", "atan2", {F(1.0), F(-1.0)}).f, std::atan2(1.0, -1.0));
  EXPECT_EQ(cx.call("std.math", "pow", {F(2.0), F(10.0)}).f, 1024.0);
  EXPECT_EQ(cx.call("std.math", "fmod", {F(-7.0), F(3.0)}).f, -1.0);
  EXPECT_EQ(cx.call("std.math", "hypot", {F(3.0), F(4.0)}).f, 5.0);
  EXPECT_EQ(cx.call("std.math", "pi", {}).f, std::numbers::pi);
  EXPECT_TRUE(std::isnan(cx.call("std.math", "log", {F(-1.0)}).f));
}

TEST(StdMath, IntegerHelpers) {
  FakeContext cx;
  EXPECT_EQ(cx.call("std.math", "abs_i64", {I(-5)}).i, 5);
  EXPECT_EQ(cx.call("std.math", "abs_i64", {I(5)}).i, 5);
  EXPECT_EQ(cx.call("std.math", "abs_i64", {I(INT64_MIN)}).i, INT64_MIN);  // wraps
  EXPECT_EQ(cx.call("std.math", "min_i64", {I(-1), I(3)}).i, -1);
  EXPECT_EQ(cx.call("std.math", "max_i64", {I(-1), I(3)}).i, 3);
}

}  // namespace
}  // namespace strata::stdlib::test

// std.fmt and the shared number formatting: C's %.*f digit for digit, shortest round trip.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>

#include "tests/stdlib/fake_context.hpp"

namespace strata::stdlib::test {
namespace {

std::string c_printf(double v, int prec) {
  char buf[512];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

TEST(StdFmt, Integers) {
  FakeContext cx;
  EXPECT_EQ(text(cx.call("std.fmt", "i64", {I(0)})), "0");
  EXPECT_EQ(text(cx.call("std.fmt", "i64", {I(-17)})), "-17");
  EXPECT_EQ(text(cx.call("std.fmt", "i64", {I(INT64_MAX)})), "9223372036854775807");
  EXPECT_EQ(text(cx.call("std.fmt", "i64", {I(INT64_MIN)})), "-9223372036854775808");
  EXPECT_EQ(text(cx.call("std.fmt", "hex", {I(255)})), "ff");
  EXPECT_EQ(text(cx.call("std.fmt", "hex", {I(0)})), "0");
  EXPECT_EQ(text(cx.call("std.fmt", "hex", {I(-1)})), "ffffffffffffffff");
  EXPECT_EQ(text(cx.call("std.fmt", "hex", {I(INT64_MIN)})), "8000000000000000");
}

TEST(StdFmt, FixedNotationEdgeCases) {
  FakeContext cx;
  auto f = [&](double v, int64_t p) { return text(cx.call("std.fmt", "f64", {F(v), I(p)})); };
  EXPECT_EQ(f(-0.16907516382852447, 9), "-0.169075164");  // nbody's energy line
  EXPECT_EQ(f(-0.0, 2), "-0.00");
  EXPECT_EQ(f(0.0, 0), "0");
  EXPECT_EQ(f(-0.0, 0), "-0");
  EXPECT_EQ(f(-0.001, 2), "-0.00");  // rounds to zero, keeps its sign, like C
  EXPECT_EQ(f(2.5, 0), "2");         // exact tie: round half to even
  EXPECT_EQ(f(3.5, 0), "4");
  EXPECT_EQ(f(0.125, 2), "0.12");
  EXPECT_EQ(f(1.005, 2), "1.00");  // 1.005 is 1.00499999999999989...
  EXPECT_EQ(f(1e300, 0), c_printf(1e300, 0));
  EXPECT_EQ(f(5e-324, 330), c_printf(5e-324, 330));
  EXPECT_EQ(f(std::numeric_limits<double>::infinity(), 3), "inf");
  EXPECT_EQ(f(-std::numeric_limits<double>::infinity(), 3), "-inf");
  EXPECT_EQ(f(std::nan(""), 3), c_printf(std::nan(""), 3));
  EXPECT_EQ(f(-std::nan(""), 3), c_printf(-std::nan(""), 3));
  EXPECT_EQ(f(123.456, 1), "123.5");
}

TEST(StdFmt, FixedNotationMatchesCOnRandomValues) {
  FakeContext cx;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    double v;
    uint64_t bits = rng();
    std::memcpy(&v, &bits, 8);
    if (i % 2) v = std::ldexp(static_cast<double>(rng() % 2000000) - 1e6, -(int)(rng() % 30));
    int prec = static_cast<int>(rng() % 20);
    ASSERT_EQ(text(cx.call("std.fmt", "f64", {F(v), I(prec)})), c_printf(v, prec))
        << "value bits " << bits << " prec " << prec;
  }
}

TEST(StdFmt, ShortestRoundTrip) {
  FakeContext cx;
  auto f = [&](double v) { return text(cx.call("std.fmt", "f64", {F(v), I(-1)})); };
  EXPECT_EQ(f(0.1), "0.1");
  EXPECT_EQ(f(100.0), "100");
  EXPECT_EQ(f(-0.0), "-0");
  EXPECT_EQ(f(1e100), "1e+100");
  EXPECT_EQ(f(5e-324), "5e-324");
  EXPECT_EQ(f(0.30000000000000004), "0.30000000000000004");
  EXPECT_EQ(f(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(f(std::nan("")), "nan");
  std::mt19937_64 rng(99);
  for (int i = 0; i < 10000; ++i) {
    double v;
    uint64_t bits = rng();
    std::memcpy(&v, &bits, 8);
    if (std::isnan(v)) continue;
    std::string s = f(v);
    EXPECT_EQ(std::strtod(s.c_str(), nullptr), v) << s;
  }
}

TEST(StdFmt, FormatTemplates) {
  FakeContext cx;
  vm::Array* args = vm::new_array(vm::ObjKind::ArrayRef, 3);
  auto** items = static_cast<vm::Object**>(args->data);
  items[0] = S("x").r;
  items[1] = nullptr;
  items[2] = vm::new_array(vm::ObjKind::ArrayF64, 0);
  EXPECT_EQ(text(cx.call("std.fmt", "format", {S("a{}b{}c{}d {{}} {{"), R(args)})),
            "axbnullc<f64 array>d {} {");
  EXPECT_EQ(text(cx.call("std.fmt", "format", {S("no holes"), R(args)})), "no holes");
  cx.call("std.fmt", "format", {S("{}{}{}{}"), R(args)});
  ASSERT_TRUE(cx.trapped);
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::IndexOutOfBounds);
  cx.call("std.fmt", "format", {S("oops {x}"), R(args)});
  ASSERT_TRUE(cx.trapped);
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::HostError);
  cx.call("std.fmt", "format", {S("}"), R(args)});
  EXPECT_TRUE(cx.trapped);
  cx.call("std.fmt", "format", {S("{}"), R(vm::new_array(vm::ObjKind::ArrayI64, 1))});
  ASSERT_TRUE(cx.trapped);
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::TypeMismatch);
  EXPECT_NE(cx.trapped->message.find("argument 2"), std::string::npos);
  cx.call("std.fmt", "format", {null_ref(), R(args)});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::NullReference);
}

}  // namespace
}  // namespace strata::stdlib::test

// std.str natives.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/stdlib/fake_context.hpp"

namespace strata::stdlib::test {
namespace {

TEST(StdStr, ConcatSliceCompareEquals) {
  FakeContext cx;
  EXPECT_EQ(text(cx.call("std.str", "concat", {S("ab"), S("cd")})), "abcd");
  EXPECT_EQ(text(cx.call("std.str", "concat", {S(""), S("")})), "");
  EXPECT_EQ(text(cx.call("std.str", "slice", {S("hello"), I(1), I(4)})), "ell");
  EXPECT_EQ(text(cx.call("std.str", "slice", {S("hello"), I(5), I(5)})), "");
  for (auto [a, b] :
       {std::pair<int64_t, int64_t>{-1, 2}, {0, 6}, {3, 2}, {6, 6}, {INT64_MIN, INT64_MAX}}) {
    cx.call("std.str", "slice", {S("hello"), I(a), I(b)});
    ASSERT_TRUE(cx.trapped) << a << "," << b;
    EXPECT_EQ(cx.trapped->kind, vm::TrapKind::IndexOutOfBounds);
  }
  EXPECT_EQ(cx.call("std.str", "compare", {S("a"), S("b")}).i, -1);
  EXPECT_EQ(cx.call("std.str", "compare", {S("b"), S("a")}).i, 1);
  EXPECT_EQ(cx.call("std.str", "compare", {S("ab"), S("ab")}).i, 0);
  EXPECT_EQ(cx.call("std.str", "compare", {S("ab"), S("abc")}).i, -1);
  EXPECT_EQ(cx.call("std.str", "compare", {S("\xff"), S("a")}).i, 1);  // bytes are unsigned
  EXPECT_EQ(cx.call("std.str", "equals", {S("x"), S("x")}).i, 1);
  EXPECT_EQ(cx.call("std.str", "equals", {S("x"), S("y")}).i, 0);
  EXPECT_EQ(cx.call("std.str", "equals", {S(std::string_view("a\0b", 3)), S("a")}).i, 0);
  cx.call("std.str", "concat", {S("x"), null_ref()});
  ASSERT_TRUE(cx.trapped);
  EXPECT_EQ(cx.trapped->message, "std.str.concat: argument 2 is null, expected a string");
}

TEST(StdStr, HashIsFnv1a) {
  FakeContext cx;
  EXPECT_EQ(static_cast<uint64_t>(cx.call("std.str", "hash", {S("hello")}).i),
            0xa430d84680aabd0bull);
}

TEST(StdStr, NumberConversions) {
  FakeContext cx;
  EXPECT_EQ(text(cx.call("std.str", "from_i64", {I(-5)})), "-5");
  EXPECT_EQ(text(cx.call("std.str", "from_f64", {F(2.0 / 3), I(4)})), "0.6667");
  for (auto [s, v] : {std::pair<const char*, int64_t>{"0", 0},
                      {"-12", -12},
                      {"+7", 7},
                      {"9223372036854775807", INT64_MAX},
                      {"-9223372036854775808", INT64_MIN}}) {
    EXPECT_EQ(cx.call("std.str", "is_i64", {S(s)}).i, 1) << s;
    EXPECT_EQ(cx.call("std.str", "to_i64", {S(s)}).i, v) << s;
  }
  for (const char* s :
       {"", "-", "+", "+-1", "1 ", " 1", "1.0", "0x10", "9223372036854775808", "12a"}) {
    EXPECT_EQ(cx.call("std.str", "is_i64", {S(s)}).i, 0) << s;
    cx.call("std.str", "to_i64", {S(s)});
    ASSERT_TRUE(cx.trapped) << s;
    EXPECT_EQ(cx.trapped->kind, vm::TrapKind::HostError);
  }
  for (auto [s, v] : {std::pair<const char*, double>{"1.5", 1.5},
                      {"-2", -2},
                      {"+1e3", 1000},
                      {"inf", INFINITY},
                      {"-inf", -INFINITY},
                      {"1e999", INFINITY},
                      {".5", 0.5}}) {
    EXPECT_EQ(cx.call("std.str", "is_f64", {S(s)}).i, 1) << s;
    EXPECT_EQ(cx.call("std.str", "to_f64", {S(s)}).f, v) << s;
  }
  EXPECT_TRUE(std::isnan(cx.call("std.str", "to_f64", {S("nan")}).f));
  EXPECT_EQ(cx.call("std.str", "to_f64", {S("1e-999")}).f, 0.0);
  for (const char* s : {"", "1.5x", " 1", "e5", "--1", "0x1p3"}) {
    EXPECT_EQ(cx.call("std.str", "is_f64", {S(s)}).i, 0) << s;
    cx.call("std.str", "to_f64", {S(s)});
    EXPECT_TRUE(cx.trapped) << s;
  }
}

TEST(StdStr, CharsAndFind) {
  FakeContext cx;
  EXPECT_EQ(text(cx.call("std.str", "from_char", {I('A')})), "A");
  EXPECT_EQ(text(cx.call("std.str", "from_char", {I(0x141)})), "A");
  EXPECT_EQ(text(cx.call("std.str", "from_char", {I(0)})), std::string(1, '\0'));
  EXPECT_EQ(cx.call("std.str", "find", {S("banana"), S("an"), I(0)}).i, 1);
  EXPECT_EQ(cx.call("std.str", "find", {S("banana"), S("an"), I(2)}).i, 3);
  EXPECT_EQ(cx.call("std.str", "find", {S("banana"), S("an"), I(4)}).i, -1);
  EXPECT_EQ(cx.call("std.str", "find", {S("banana"), S(""), I(6)}).i, 6);
  EXPECT_EQ(cx.call("std.str", "find", {S("banana"), S("x"), I(6)}).i, -1);
  cx.call("std.str", "find", {S("banana"), S("a"), I(7)});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::IndexOutOfBounds);
  cx.call("std.str", "find", {S("banana"), S("a"), I(-1)});
  EXPECT_TRUE(cx.trapped);
}

TEST(StdStr, BytesAndBuilder) {
  FakeContext cx;
  vm::Value bytes = cx.call("std.str", "to_bytes", {S("hello")});
  ASSERT_EQ(bytes.r->kind, vm::ObjKind::ArrayU8);
  EXPECT_EQ(static_cast<vm::Array*>(bytes.r)->len, 5u);
  EXPECT_EQ(text(cx.call("std.str", "from_bytes", {bytes, I(1), I(3)})), "ell");
  cx.call("std.str", "from_bytes", {bytes, I(3), I(3)});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::IndexOutOfBounds);
  cx.call("std.str", "from_bytes", {S("not bytes"), I(0), I(0)});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::TypeMismatch);

  vm::Value b = cx.call("std.str", "builder", {});
  for (int i = 0; i < 1000; ++i) {
    cx.call("std.str", "append", {b, S("ab")});
    cx.call("std.str", "append_i64", {b, I(i)});
    cx.call("std.str", "append_char", {b, I(',')});
  }
  std::string want;
  for (int i = 0; i < 1000; ++i) want += "ab" + std::to_string(i) + ",";
  EXPECT_EQ(text(cx.call("std.str", "build", {b})), want);
  EXPECT_FALSE(cx.trapped);
  cx.call("std.str", "append", {b, null_ref()});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::NullReference);
  cx.call("std.str", "build", {S("x")});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::TypeMismatch);
}

}  // namespace
}  // namespace strata::stdlib::test

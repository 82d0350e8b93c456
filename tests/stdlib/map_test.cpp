// std.map natives: typed values, defaults, key-kind and value-type traps, many keys.
#include <gtest/gtest.h>

#include "tests/stdlib/fake_context.hpp"
#include "vm/heap/gc.hpp"

namespace strata::stdlib::test {
namespace {

TEST(StdMap, StringKeys) {
  FakeContext cx;
  vm::Value m = cx.call("std.map", "new_str", {});
  ASSERT_EQ(m.r->kind, vm::ObjKind::Map);
  cx.call("std.map", "set_si", {m, S("one"), I(1)});
  cx.call("std.map", "set_sf", {m, S("half"), F(0.5)});
  cx.call("std.map", "set_sr", {m, S("name"), S("strata")});
  EXPECT_EQ(cx.call("std.map", "len", {m}).i, 3);
  EXPECT_EQ(cx.call("std.map", "get_si", {m, S("one"), I(-1)}).i, 1);
  EXPECT_EQ(cx.call("std.map", "get_si", {m, S("two"), I(-1)}).i, -1);
  EXPECT_EQ(cx.call("std.map", "get_sf", {m, S("half"), F(9)}).f, 0.5);
  EXPECT_EQ(cx.call("std.map", "get_sf", {m, S("none"), F(9)}).f, 9.0);
  EXPECT_EQ(text(cx.call("std.map", "get_sr", {m, S("name")})), "strata");
  EXPECT_EQ(text(cx.call("std.map", "get_sr", {m, S("nope")})), "<null>");
  EXPECT_EQ(cx.call("std.map", "has_s", {m, S("one")}).i, 1);
  EXPECT_EQ(cx.call("std.map", "has_s", {m, S("two")}).i, 0);
  EXPECT_EQ(cx.call("std.map", "del_s", {m, S("one")}).i, 1);
  EXPECT_EQ(cx.call("std.map", "del_s", {m, S("one")}).i, 0);
  EXPECT_EQ(cx.call("std.map", "len", {m}).i, 2);
  vm::Value keys = cx.call("std.map", "keys", {m});
  auto* k = static_cast<vm::Array*>(keys.r);
  ASSERT_EQ(k->kind, vm::ObjKind::ArrayRef);
  ASSERT_EQ(k->len, 2u);
  EXPECT_EQ(text(R(static_cast<vm::Object**>(k->data)[0])), "half");
  EXPECT_EQ(text(R(static_cast<vm::Object**>(k->data)[1])), "name");
  EXPECT_FALSE(cx.trapped);
}

TEST(StdMap, IntKeys) {
  FakeContext cx;
  vm::Value m = cx.call("std.map", "new_int", {});
  cx.call("std.map", "set_ii", {m, I(-3), I(9)});
  cx.call("std.map", "set_if", {m, I(4), F(1.5)});
  cx.call("std.map", "set_ir", {m, I(5), S("five")});
  EXPECT_EQ(cx.call("std.map", "get_ii", {m, I(-3), I(0)}).i, 9);
  EXPECT_EQ(cx.call("std.map", "get_if", {m, I(4), F(0)}).f, 1.5);
  EXPECT_EQ(text(cx.call("std.map", "get_ir", {m, I(5)})), "five");
  EXPECT_EQ(text(cx.call("std.map", "get_ir", {m, I(6)})), "<null>");
  EXPECT_EQ(cx.call("std.map", "has_i", {m, I(4)}).i, 1);
  EXPECT_EQ(cx.call("std.map", "del_i", {m, I(4)}).i, 1);
  EXPECT_EQ(cx.call("std.map", "has_i", {m, I(4)}).i, 0);
  auto* k = static_cast<vm::Array*>(cx.call("std.map", "keys", {m}).r);
  ASSERT_EQ(k->kind, vm::ObjKind::ArrayI64);
  ASSERT_EQ(k->len, 2u);
  EXPECT_EQ(static_cast<int64_t*>(k->data)[0], -3);
  EXPECT_EQ(static_cast<int64_t*>(k->data)[1], 5);
}

TEST(StdMap, BrokenContractsTrap) {
  FakeContext cx;
  vm::Value sm = cx.call("std.map", "new_str", {});
  vm::Value im = cx.call("std.map", "new_int", {});
  cx.call("std.map", "set_si", {sm, S("k"), I(1)});
  cx.call("std.map", "get_sf", {sm, S("k"), F(0)});
  ASSERT_TRUE(cx.trapped);
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::TypeMismatch);
  EXPECT_EQ(cx.trapped->message, "std.map.get_sf: the value stored under this key is i64, not f64");
  cx.call("std.map", "get_sr", {sm, S("k")});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::TypeMismatch);
  cx.call("std.map", "set_ii", {sm, I(1), I(1)});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::TypeMismatch);
  cx.call("std.map", "has_s", {im, S("k")});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::TypeMismatch);
  cx.call("std.map", "set_si", {sm, null_ref(), I(1)});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::NullReference);
  EXPECT_EQ(cx.trapped->message, "std.map.set_si: argument 2 is null, expected a string");
  cx.call("std.map", "len", {null_ref()});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::NullReference);
  cx.call("std.map", "keys", {S("not a map")});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::TypeMismatch);
  cx.call("std.map", "del_s", {sm, R(vm::new_array(vm::ObjKind::ArrayU8, 0))});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::TypeMismatch);
}

TEST(StdMap, HundredThousandKeysSurviveCollection) {
  FakeContext cx;
  vm::Value m = cx.call("std.map", "new_str", {});
  for (int i = 0; i < 100000; ++i)
    cx.call("std.map", "set_si", {m, S("k" + std::to_string(i)), I(i)});
  for (int i = 0; i < 100000; i += 3) cx.call("std.map", "del_s", {m, S("k" + std::to_string(i))});
  GC_gcollect();
  EXPECT_EQ(cx.call("std.map", "len", {m}).i, 100000 - 33334);
  for (int i = 0; i < 100000; ++i) {
    int64_t got = cx.call("std.map", "get_si", {m, S("k" + std::to_string(i)), I(-1)}).i;
    ASSERT_EQ(got, i % 3 == 0 ? -1 : i) << i;
  }
  EXPECT_FALSE(cx.trapped);
}

}  // namespace
}  // namespace strata::stdlib::test

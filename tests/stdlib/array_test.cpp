// std.array natives.
#include <gtest/gtest.h>

#include "tests/stdlib/fake_context.hpp"
#include "vm/heap/gc.hpp"

namespace strata::stdlib::test {
namespace {

vm::Array* arr(vm::Value v) {
  return static_cast<vm::Array*>(v.r);
}

TEST(StdArray, PushPopEachKind) {
  FakeContext cx;
  vm::Value ai = R(vm::new_array(vm::ObjKind::ArrayI64, 0));
  vm::Value af = R(vm::new_array(vm::ObjKind::ArrayF64, 0));
  vm::Value ar = R(vm::new_array(vm::ObjKind::ArrayRef, 0));
  vm::Value ab = R(vm::new_array(vm::ObjKind::ArrayU8, 0));
  for (int i = 0; i < 10000; ++i) {
    cx.call("std.array", "push_i", {ai, I(i * 3)});
    cx.call("std.array", "push_f", {af, F(i * 0.5)});
    cx.call("std.array", "push_r", {ar, S(std::to_string(i))});
    cx.call("std.array", "push_b", {ab, I(i)});
  }
  EXPECT_FALSE(cx.trapped);
  EXPECT_EQ(arr(ai)->len, 10000u);
  GC_gcollect();  // pushed strings are reachable only through the array
  for (int i = 9999; i >= 0; --i) {
    ASSERT_EQ(cx.call("std.array", "pop_i", {ai}).i, i * 3);
    ASSERT_EQ(cx.call("std.array", "pop_f", {af}).f, i * 0.5);
    ASSERT_EQ(text(cx.call("std.array", "pop_r", {ar})), std::to_string(i));
    ASSERT_EQ(cx.call("std.array", "pop_b", {ab}).i, i & 0xff);
  }
  EXPECT_EQ(arr(ar)->len, 0u);
  // Popped slots are cleared (no stale refs kept alive).
  for (uint64_t i = 0; i < arr(ar)->cap; ++i)
    EXPECT_EQ(static_cast<vm::Object**>(arr(ar)->data)[i], nullptr);
  for (const char* pop : {"pop_i", "pop_f", "pop_r", "pop_b"}) {
    vm::Value empty = R(vm::new_array(pop == std::string("pop_i")   ? vm::ObjKind::ArrayI64
                                      : pop == std::string("pop_f") ? vm::ObjKind::ArrayF64
                                      : pop == std::string("pop_r") ? vm::ObjKind::ArrayRef
                                                                    : vm::ObjKind::ArrayU8,
                                      0));
    cx.call("std.array", pop, {empty});
    ASSERT_TRUE(cx.trapped) << pop;
    EXPECT_EQ(cx.trapped->kind, vm::TrapKind::IndexOutOfBounds);
  }
}

TEST(StdArray, KindIsChecked) {
  FakeContext cx;
  vm::Value af = R(vm::new_array(vm::ObjKind::ArrayF64, 0));
  cx.call("std.array", "push_i", {af, I(1)});
  ASSERT_TRUE(cx.trapped);
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::TypeMismatch);
  EXPECT_EQ(cx.trapped->message,
            "std.array.push_i: argument 1 is an f64 array, expected an i64 array");
  cx.call("std.array", "pop_r", {null_ref()});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::NullReference);
  cx.call("std.array", "resize", {S("str"), I(1)});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::TypeMismatch);
}

TEST(StdArray, ResizeZeroesNewElements) {
  FakeContext cx;
  vm::Value a = R(vm::new_array(vm::ObjKind::ArrayI64, 4));
  for (int i = 0; i < 4; ++i) static_cast<int64_t*>(arr(a)->data)[i] = 7;
  cx.call("std.array", "resize", {a, I(2)});
  cx.call("std.array", "resize", {a, I(100)});
  EXPECT_EQ(arr(a)->len, 100u);
  auto* d = static_cast<int64_t*>(arr(a)->data);
  EXPECT_EQ(d[0], 7);
  EXPECT_EQ(d[1], 7);
  for (int i = 2; i < 100; ++i) ASSERT_EQ(d[i], 0) << i;
  cx.call("std.array", "resize", {a, I(0)});
  EXPECT_EQ(arr(a)->len, 0u);
  cx.call("std.array", "resize", {a, I(-1)});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::IndexOutOfBounds);
  cx.call("std.array", "resize", {a, I(int64_t{1} << 62)});
  ASSERT_TRUE(cx.trapped);
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::OutOfMemory);
  EXPECT_EQ(arr(a)->len, 0u);
}

TEST(StdArray, CopyChecksRangesAndKinds) {
  FakeContext cx;
  vm::Value a = R(vm::new_array(vm::ObjKind::ArrayI64, 6));
  auto* d = static_cast<int64_t*>(arr(a)->data);
  for (int i = 0; i < 6; ++i) d[i] = i;
  cx.call("std.array", "copy", {a, I(1), a, I(0), I(5)});  // overlapping
  EXPECT_FALSE(cx.trapped);
  EXPECT_EQ(std::vector<int64_t>(d, d + 6), (std::vector<int64_t>{0, 0, 1, 2, 3, 4}));
  vm::Value b = R(vm::new_array(vm::ObjKind::ArrayI64, 2));
  cx.call("std.array", "copy", {b, I(0), a, I(4), I(2)});
  EXPECT_EQ(static_cast<int64_t*>(arr(b)->data)[1], 4);
  cx.call("std.array", "copy", {b, I(1), a, I(0), I(2)});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::IndexOutOfBounds);
  cx.call("std.array", "copy", {b, I(0), a, I(5), I(2)});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::IndexOutOfBounds);
  cx.call("std.array", "copy", {b, I(0), a, I(0), I(-1)});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::IndexOutOfBounds);
  cx.call("std.array", "copy", {b, I(0), R(vm::new_array(vm::ObjKind::ArrayF64, 2)), I(0), I(1)});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::TypeMismatch);
  cx.call("std.array", "copy", {b, I(0), a, I(6), I(0)});  // empty range at the end is fine
  EXPECT_FALSE(cx.trapped);
}

TEST(StdArray, SwapAnyKind) {
  FakeContext cx;
  vm::Value b = R(vm::new_array(vm::ObjKind::ArrayU8, 3));
  static_cast<uint8_t*>(arr(b)->data)[0] = 1;
  cx.call("std.array", "swap", {b, I(0), I(2)});
  EXPECT_EQ(static_cast<uint8_t*>(arr(b)->data)[2], 1);
  vm::Value r = R(vm::new_array(vm::ObjKind::ArrayRef, 2));
  static_cast<vm::Object**>(arr(r)->data)[0] = S("s").r;
  cx.call("std.array", "swap", {r, I(0), I(1)});
  EXPECT_EQ(text(R(static_cast<vm::Object**>(arr(r)->data)[1])), "s");
  cx.call("std.array", "swap", {r, I(0), I(2)});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::IndexOutOfBounds);
}

}  // namespace
}  // namespace strata::stdlib::test

// Objects: records (struct-type checks), typed arrays (kind checks, bounds), strings, refs.
#include "tests/vm/vm_test_util.hpp"

namespace strata::vm::test {
namespace {

constexpr std::string_view kObj = R"(
.struct P { x: i64, y: f64, next: ref }
.struct Q { a: i64 }
.func rec() -> i64 export
  .reg %p: ref, %q: ref, %x: i64, %y: f64, %t: ref
  rnew %p, P
  rget %x, %p, P.x           ; fields start zero
  bnz %x, bad
  rget %t, %p, P.next        ; and null
  bnonnull %t, bad
  li %x, 40
  rset %p, %x, P.x
  lf %y, 2.0
  rset %p, %y, P.y
  rnew %q, P
  rset %q, %p, P.next
  rget %t, %q, P.next
  rget %x, %t, P.x
  rget %y, %t, P.y
  ret %x
bad:
  ret -1
.end
.func wrong_type() -> i64 export
  .reg %q: ref, %x: i64
  rnew %q, Q
  rget %x, %q, P.x
  ret %x
.end
.func not_record() -> i64 export
  .reg %q: ref, %x: i64
  ldk %q, "str"
  rget %x, %q, P.x
  ret %x
.end
.func null_set() export
  .reg %q: ref, %x: i64
  null %q
  rset %q, %x, Q.a
  retv
.end
.func arr(%i: i64) -> i64 export
  .reg %a: ref, %n: i64, %v: i64
  li %n, 4
  anew.i %a, %n
  li %v, 7
  li %n, 3
  aset.i %a, %n, %v
  aget.i %v, %a, %i
  ret %v
.end
.func alen(%n: i64) -> i64 export
  .reg %a: ref
  anew.b %a, %n
  alen %n, %a
  ret %n
.end
.func kinds() -> i64 export
  .reg %a: ref, %x: i64
  anew.f %a, %x
  li %x, 0
  aget.i %x, %a, %x
  ret %x
.end
.func neg_len() -> i64 export
  .reg %a: ref, %x: i64
  li %x, -1
  anew.i %a, %x
  ret %x
.end
.func huge() -> i64 export
  .reg %a: ref, %x: i64
  li %x, 1
  shli %x, %x, 61
  anew.f %a, %x
  ret %x
.end
.func bytes() -> i64 export
  .reg %a: ref, %x: i64, %v: i64
  li %x, 2
  anew.b %a, %x
  li %v, 300
  li %x, 1
  aset.b %a, %x, %v
  aget.b %v, %a, %x
  ret %v
.end
.func floats() -> f64 export
  .reg %a: ref, %x: i64, %v: f64
  li %x, 2
  anew.f %a, %x
  lf %v, 1.25
  li %x, 1
  aset.f %a, %x, %v
  aget.f %v, %a, %x
  ret %v
.end
.func refs() -> i64 export
  .reg %a: ref, %x: i64, %s: ref, %t: ref, %y: i64
  li %x, 3
  anew.r %a, %x
  ldk %s, "abc"
  li %x, 2
  aset.r %a, %x, %s
  aget.r %t, %a, %x
  req %x, %s, %t
  li %y, 0
  aget.r %t, %a, %y
  isnull %y, %t
  add %x, %x, %y
  ret %x
.end
.func str(%i: i64) -> i64 export
  .reg %s: ref, %n: i64
  ldk %s, "hello"
  slen %n, %s
  sbyte %i, %s, %i
  muli %n, %n, 1000
  add %n, %n, %i
  ret %n
.end
.func slen_arr() -> i64 export
  .reg %s: ref, %n: i64
  anew.i %s, %n
  slen %n, %s
  ret %n
.end
)";

class Objects : public ::testing::Test {
 protected:
  void SetUp() override {
    p = load_lib(sasm(kObj, "obj.sasm"));
    ASSERT_TRUE(p);
  }
  std::unique_ptr<Program> p;
};

TEST_F(Objects, Records) {
  EXPECT_EQ(call_ok(*p, "rec").i, 40);
  Trap t = call_trap(*p, "wrong_type");
  EXPECT_EQ(t.kind, TrapKind::TypeMismatch);
  EXPECT_EQ(t.message, "expected a P record, got a Q record");
  EXPECT_EQ(t.trace.at(0).pc, 1u);
  t = call_trap(*p, "not_record");
  EXPECT_EQ(t.kind, TrapKind::TypeMismatch);
  EXPECT_EQ(t.message, "expected a P record, got a string");
  t = call_trap(*p, "null_set");
  EXPECT_EQ(t.kind, TrapKind::NullReference);
}

TEST_F(Objects, Arrays) {
  EXPECT_EQ(call_ok(*p, "arr", {vi(3)}).i, 7);
  EXPECT_EQ(call_ok(*p, "arr", {vi(0)}).i, 0);
  Trap t = call_trap(*p, "arr", {vi(4)});
  EXPECT_EQ(t.kind, TrapKind::IndexOutOfBounds);
  EXPECT_EQ(t.message, "index 4 out of bounds for length 4");
  EXPECT_EQ(call_trap(*p, "arr", {vi(-1)}).kind, TrapKind::IndexOutOfBounds);
  EXPECT_EQ(call_ok(*p, "alen", {vi(10)}).i, 10);
  EXPECT_EQ(call_ok(*p, "alen", {vi(0)}).i, 0);
  t = call_trap(*p, "kinds");
  EXPECT_EQ(t.kind, TrapKind::TypeMismatch);
  EXPECT_EQ(t.message, "expected a i64 array, got a f64 array");
  EXPECT_EQ(call_trap(*p, "neg_len").kind, TrapKind::IndexOutOfBounds);
  EXPECT_EQ(call_trap(*p, "huge").kind, TrapKind::OutOfMemory);
  EXPECT_EQ(call_ok(*p, "bytes").i, 300 & 0xff);
  EXPECT_EQ(call_ok(*p, "floats").f, 1.25);
  EXPECT_EQ(call_ok(*p, "refs").i, 2);
}

TEST_F(Objects, Strings) {
  EXPECT_EQ(call_ok(*p, "str", {vi(1)}).i, 5000 + 'e');
  EXPECT_EQ(call_ok(*p, "str", {vi(4)}).i, 5000 + 'o');
  EXPECT_EQ(call_trap(*p, "str", {vi(5)}).kind, TrapKind::IndexOutOfBounds);
  EXPECT_EQ(call_trap(*p, "str", {vi(-1)}).kind, TrapKind::IndexOutOfBounds);
  Trap t = call_trap(*p, "slen_arr");
  EXPECT_EQ(t.kind, TrapKind::TypeMismatch);
}

}  // namespace
}  // namespace strata::vm::test

// Module-level directives: .module .source .memory .data .const .struct .layout .import
// .export .sig .kpool .nolines
#include <cstring>

#include "tests/assembler/helpers.hpp"

namespace strata::as::test {
namespace {

using isa::ValType;

TEST(Directives, ModuleNameAndSource) {
  EXPECT_EQ(asm_ok("", "dir/prog.sasm").name, "prog");
  EXPECT_EQ(asm_ok("", "dir/prog.sasm").debug.source, "dir/prog.sasm");
  auto m = asm_ok(".module std.core\n.source \"orig.sasm\"\n");
  EXPECT_EQ(m.name, "std.core");
  EXPECT_EQ(m.debug.source, "orig.sasm");
  EXPECT_EQ(asm_ok(".module \"odd name\"").name, "odd name");
}

TEST(Directives, Memory) {
  auto m = asm_ok(".memory 1");
  EXPECT_EQ(m.memory.initial, 65536u);
  EXPECT_EQ(m.memory.max, 65536u);
  m = asm_ok(".memory 65536 max 65537");
  EXPECT_EQ(m.memory.initial, 65536u);
  EXPECT_EQ(m.memory.max, 131072u);
  m = asm_ok(".memory 0 max 0x10000");
  EXPECT_EQ(m.memory.initial, 0u);
  EXPECT_EQ(m.memory.max, 65536u);
  EXPECT_EQ(asm_ok("").memory, isa::Memory{});
}

TEST(Directives, DataItems) {
  auto m = asm_ok(R"(
.const N = 0x0102
.data 16 "ab", i8 -1, 255, i16 N, i32 -2, i64 3, f64 1.5, f32 0.5, zero 3, "\x00z"
.data 0 i8 1,
  2, 3
)");
  ASSERT_EQ(m.data.size(), 2u);
  EXPECT_EQ(m.data[0].offset, 16u);
  std::string want = "ab";
  want += "\xff\xff";
  want += std::string("\x02\x01", 2);
  want += std::string("\xfe\xff\xff\xff", 4);
  want += std::string("\x03\0\0\0\0\0\0\0", 8);
  double d = 1.5;
  want.append(reinterpret_cast<const char*>(&d), 8);
  float f = 0.5f;
  want.append(reinterpret_cast<const char*>(&f), 4);
  want += std::string(3, '\0');
  want += std::string("\0z", 2);
  EXPECT_EQ(m.data[0].bytes, want);
  EXPECT_EQ(m.data[1].bytes, std::string("\1\2\3", 3));
}

TEST(Directives, ConstantsEverywhere) {
  auto m = asm_ok(R"(
.const I = 1000
.const F = 2.5
.const S = "str"
.const BIG = 0x100000000
.func f() -> i64
  .reg %r: i64, %d: f64, %s: ref
  li %r, I
  addi %r, %r, I
  ldk %d, F
  ldk %s, S
  li %r, BIG
  ret %r
.end
)");
  const auto& c = m.funcs[0].code;
  EXPECT_EQ(c[0], isa::make_abx(isa::Op::Li, 0, 1000));
  EXPECT_EQ(c[1], isa::make_abc(isa::Op::AddI, 0, 0, 1000));
  ASSERT_EQ(m.consts.size(), 3u);
  EXPECT_EQ(m.consts[0], isa::Constant{2.5});
  EXPECT_EQ(m.consts[1], isa::Constant{std::string("str")});
  EXPECT_EQ(m.consts[2], isa::Constant{int64_t{0x100000000}});
  EXPECT_EQ(c[4], isa::make_abx(isa::Op::Ldk, 0, 2));
}

TEST(Directives, StructsFlattenFields) {
  auto m = asm_ok(R"(
.struct A { x: i64, y: f64 }
.struct B {
  p: ref,
  q: i64,
}
.struct E { }
.func f() -> i64
  .reg %b: ref, %v: i64
  rnew %b, B
  rget %v, %b, B.q
  rset %b, %v, B.q
  ret %v
.end
)");
  ASSERT_EQ(m.structs.size(), 3u);
  EXPECT_EQ(m.structs[1], (isa::StructType{"B", 2, 2}));
  EXPECT_EQ(m.structs[2], (isa::StructType{"E", 4, 0}));
  ASSERT_EQ(m.fields.size(), 4u);
  EXPECT_EQ(m.fields[3], (isa::FieldRef{1, 1, {"q", ValType::I64}}));
  EXPECT_EQ(m.funcs[0].code[0], isa::make_abc(isa::Op::RNew, 0, 1, 0));
  EXPECT_EQ(m.funcs[0].code[1], isa::make_abc(isa::Op::RGet, 1, 0, 3));
  EXPECT_EQ(m.funcs[0].code[2], isa::make_abc(isa::Op::RSet, 0, 1, 3));
}

TEST(Directives, LayoutOffsetsAlignSize) {
  auto m = asm_ok(R"(
.layout H { a: i8, b: i32, c: i8[3], d: f64, e: i16 }
.data 0 i64 H.a, H.b, H.c, H.d, H.e, H.size
)");
  int64_t v[6];
  std::memcpy(v, m.data[0].bytes.data(), sizeof v);
  EXPECT_EQ(v[0], 0);
  EXPECT_EQ(v[1], 4);
  EXPECT_EQ(v[2], 8);
  EXPECT_EQ(v[3], 16);
  EXPECT_EQ(v[4], 24);
  EXPECT_EQ(v[5], 32);  // rounded up to the largest alignment
}

TEST(Directives, ImportsSingleBlockAndAlias) {
  auto m = asm_ok(R"(
.import "std.io" println(ref)
.import "std.str" {
  concat(ref, ref) -> ref
  len(ref) -> i64, tail(ref) -> ref
}
.import "other" len(ref) -> i64 as olen
.func f(%s: ref) -> i64
  .reg %n: i64
  callh println(%s)
  callh %s, concat(%s, %s)
  call %n, olen(%s)
  ret %n
.end
)");
  ASSERT_EQ(m.imports.size(), 5u);
  EXPECT_EQ(m.imports[1].module, "std.str");
  EXPECT_EQ(m.imports[1].name, "concat");
  EXPECT_EQ(m.sigs[m.imports[1].sig], (isa::Signature{{ValType::Ref, ValType::Ref}, ValType::Ref}));
  EXPECT_EQ(m.imports[4].name, "len");
  EXPECT_EQ(m.imports[4].module, "other");
  EXPECT_EQ(m.imports[2].sig, m.imports[4].sig);  // interned
  const auto& c = m.funcs[0].code;
  EXPECT_EQ(c[0], isa::make_abc(isa::Op::CallH, 0, 0, 0));
  EXPECT_EQ(c[1], isa::make_args(0));
  EXPECT_EQ(c[2], isa::make_abc(isa::Op::CallH, 0, 1, 0));
  EXPECT_EQ(c[3], isa::make_args(0, 0));
  EXPECT_EQ(c[4], isa::make_abc(isa::Op::CallH, 1, 4, 0));  // `call` of an import is callh
}

TEST(Directives, ExportsInOrder) {
  auto m = asm_ok(R"(
.export later as "entry"
.func a() export
  ret
.end
.func later()
  ret
.end
.export a as a2
)");
  ASSERT_EQ(m.exports.size(), 3u);
  EXPECT_EQ(m.exports[0], (isa::Export{"entry", 1}));
  EXPECT_EQ(m.exports[1], (isa::Export{"a", 0}));
  EXPECT_EQ(m.exports[2], (isa::Export{"a2", 0}));
}

TEST(Directives, SigAndKpoolFixOrder) {
  auto m = asm_ok(R"(
.sig () -> void
.sig (f64) -> ref
.kpool "z", 2, 2, -1.5
.func f() -> i64
  .reg %r: i64
  ldk %r, 9
  ldk %r, 2
  ldk %r, #2
  ret %r
.end
)");
  ASSERT_EQ(m.sigs.size(), 3u);
  EXPECT_EQ(m.sigs[0], (isa::Signature{{}, std::nullopt}));
  EXPECT_EQ(m.funcs[0].sig, 2u);
  ASSERT_EQ(m.consts.size(), 5u);
  EXPECT_EQ(m.consts[4], isa::Constant{int64_t{9}});
  EXPECT_EQ(isa::bc_of(m.funcs[0].code[0]), 4u);
  EXPECT_EQ(isa::bc_of(m.funcs[0].code[1]), 1u);
  EXPECT_EQ(isa::bc_of(m.funcs[0].code[2]), 2u);
}

TEST(Directives, NoLines) {
  auto m = asm_ok(".nolines\n.func f()\n ret\n.end\n");
  EXPECT_TRUE(m.debug.lines.empty());
}

}  // namespace
}  // namespace strata::as::test

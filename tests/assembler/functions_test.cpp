// Functions and instructions: operand kinds, call syntax, pseudo-instructions, labels and
// long branches, the line table and register names.
#include "tests/assembler/helpers.hpp"

namespace strata::as::test {
namespace {

using isa::Op;
using isa::ValType;

TEST(Functions, ParamsRegsAndNames) {
  auto m = asm_ok(R"(
.func f(%a: i64, %b: f64) -> ref
  .reg %c: ref, %d: i64
  .reg %e: f64,
       %g: i64
  ret %c
.end
)");
  const auto& f = m.funcs[0];
  EXPECT_EQ(f.regs, (std::vector<ValType>{ValType::I64, ValType::F64, ValType::Ref, ValType::I64,
                                          ValType::F64, ValType::I64}));
  EXPECT_EQ(f.reg_names, (std::vector<std::string>{"a", "b", "c", "d", "e", "g"}));
  EXPECT_EQ(m.sigs[f.sig], (isa::Signature{{ValType::I64, ValType::F64}, ValType::Ref}));
  EXPECT_EQ(f.code[0], isa::make_abc(Op::Ret, 2, 0, 0));
}

TEST(Functions, PlainNamesAreDropped) {
  auto m = asm_ok(".func f(%r0: i64) -> i64\n .reg %r1: i64\n ret %r1\n.end\n");
  EXPECT_TRUE(m.funcs[0].reg_names.empty());
  m = asm_ok(".func f(%r1: i64) -> i64\n ret %r1\n.end\n");
  EXPECT_EQ(m.funcs[0].reg_names, std::vector<std::string>{"r1"});
}

TEST(Functions, ImmediateKinds) {
  auto m = asm_ok(R"(
.func f(%x: i64) -> i64
  addi %x, %x, -32768
  shli %x, %x, 65535
  li %x, -2147483648
  li %x, 2147483647
  trap 9
  trap
  ld.i64 %x, %x
  st.i8 %x, %x, 4
.end
)");
  const auto& c = m.funcs[0].code;
  EXPECT_EQ(c[0], isa::make_abc(Op::AddI, 0, 0, 0x8000));
  EXPECT_EQ(c[1], isa::make_abc(Op::ShlI, 0, 0, 0xffff));
  EXPECT_EQ(c[2], isa::make_abx(Op::Li, 0, 0x80000000u));
  EXPECT_EQ(c[3], isa::make_abx(Op::Li, 0, 0x7fffffffu));
  EXPECT_EQ(c[4], isa::make_abc(Op::Trap, 0, 0, 9));
  EXPECT_EQ(c[5], isa::make_abc(Op::Trap, 0, 0, 0));
  EXPECT_EQ(c[6], isa::make_abc(Op::LdI64, 0, 0, 0));
  EXPECT_EQ(c[7], isa::make_abc(Op::StI8, 0, 0, 4));
}

TEST(Functions, BranchesForwardAndBackward) {
  auto m = asm_ok(R"(
.func f(%a: i64, %b: i64, %r: ref) -> i64
top:
  beq %a, %b, out
  bnz %a, top
  bnull %r, out
  j top
out: ret %a
.end
)");
  const auto& c = m.funcs[0].code;
  EXPECT_EQ(c[0], isa::make_abc(Op::Beq, 0, 1, 4));
  EXPECT_EQ(c[1], isa::make_abx(Op::Bnz, 0, static_cast<uint32_t>(-1)));
  EXPECT_EQ(c[2], isa::make_abx(Op::BNull, 2, 2));
  EXPECT_EQ(c[3], isa::make_abx(Op::Jmp, 0, static_cast<uint32_t>(-3)));
}

TEST(Functions, LongConditionalBranches) {
  std::string src =
      ".func f(%a: i64, %b: i64, %x: f64) -> i64\n  blt %a, %b, far\n  bfge %x, %x, far\n";
  for (int i = 0; i < 33000; ++i) src += "  nop\n";
  src += "far:\n  ret %a\n.end\n";
  auto m = asm_ok(src);
  const auto& c = m.funcs[0].code;
  // blt -> bge over jmp (2 words); bfge -> bfge to a jmp, jmp over it, jmp far (3 words).
  EXPECT_EQ(c[0], isa::make_abc(Op::Bge, 0, 1, 2));
  EXPECT_EQ(c[1], isa::make_abx(Op::Jmp, 0, 33000 + 3 + 1));
  EXPECT_EQ(c[2], isa::make_abc(Op::BfGe, 2, 2, 2));
  EXPECT_EQ(c[3], isa::make_abx(Op::Jmp, 0, 2));
  EXPECT_EQ(c[4], isa::make_abx(Op::Jmp, 0, 33000 + 1));
  EXPECT_EQ(c.size(), 5u + 33000 + 1);
  // Every word of an expansion has the source line of the branch.
  EXPECT_EQ(m.line_of(0, 1), 2u);
  EXPECT_EQ(m.line_of(0, 4), 3u);
}

TEST(Functions, CallSyntax) {
  auto m = asm_ok(R"(
.func g(%a: i64, %b: i64, %c: i64, %d: i64, %e: i64) -> i64
  ret %e
.end
.func v()
  ret
.end
.func f(%x: i64, %fr: ref) -> i64
  .reg %y: i64
  call %y, g(%x, %x, %x, %x, %y)
  call v()
  call g(%x, %x, %x, %x, %x)
  calli %y, %fr : (i64) -> i64 (%x)
  calli %fr : () -> void ()
  call %y, later()
  ret %y
.end
.func later() -> i64
  ret 1
.end
)");
  const auto& f = m.funcs[2];
  const auto& c = f.code;
  EXPECT_EQ(c[0], isa::make_abc(Op::Call, 2, 0, 0));
  EXPECT_EQ(c[1], isa::make_args(0, 0, 0, 0));
  EXPECT_EQ(c[2], isa::make_args(2));
  EXPECT_EQ(c[3], isa::make_abc(Op::Call, 0, 1, 0));
  // A discarded result goes to a hidden register.
  ASSERT_EQ(f.regs.size(), 4u);
  EXPECT_EQ(f.reg_names[3], ".ti");
  EXPECT_EQ(c[4], isa::make_abc(Op::Call, 3, 0, 0));
  uint32_t s = isa::c_of(c[7]);
  EXPECT_EQ(m.sigs[s], (isa::Signature{{ValType::I64}, ValType::I64}));
  EXPECT_EQ(c[7], isa::make_abc(Op::CallI, 2, 1, static_cast<uint16_t>(s)));
  EXPECT_EQ(c[8], isa::make_args(0));
  EXPECT_EQ(isa::op_of(c[9]), Op::CallI);
  EXPECT_EQ(c[10], isa::make_abc(Op::Call, 2, 3, 0));
}

TEST(Functions, PseudoInstructions) {
  auto m = asm_ok(R"(
.func f() -> i64
  .reg %r: i64, %d: f64
  li %r, 0x123456789
  lf %d, 1.5
  j next
next:
  ret 7
.end
.func g() -> f64
  ret 2.5
.end
.func h() -> i64
  ret 0x7fffffffffffffff
.end
.func v()
  ret
.end
)");
  const auto& c = m.funcs[0].code;
  EXPECT_EQ(c[0], isa::make_abx(Op::Ldk, 0, 0));
  EXPECT_EQ(c[1], isa::make_abx(Op::Ldk, 1, 1));
  EXPECT_EQ(c[2], isa::make_abx(Op::Jmp, 0, 1));
  EXPECT_EQ(c[3], isa::make_abx(Op::Li, 2, 7));
  EXPECT_EQ(c[4], isa::make_abc(Op::Ret, 2, 0, 0));
  EXPECT_EQ(m.funcs[0].reg_names[2], ".ti");
  EXPECT_EQ(m.funcs[1].code[0], isa::make_abx(Op::Ldk, 0, 2));
  EXPECT_EQ(m.funcs[1].reg_names[0], ".tf");
  EXPECT_EQ(m.funcs[2].code[0], isa::make_abx(Op::Ldk, 0, 3));
  EXPECT_EQ(m.funcs[3].code[0], isa::make_abc(Op::RetV, 0, 0, 0));
}

TEST(Functions, FloatPseudosTakeIntegers) {
  auto m = asm_ok(".func f() -> f64\n .reg %d: f64\n lf %d, 2\n ret 0\n.end\n");
  ASSERT_EQ(m.consts.size(), 2u);
  EXPECT_EQ(m.consts[0], isa::Constant{2.0});
  EXPECT_EQ(m.consts[1], isa::Constant{0.0});
  EXPECT_EQ(m.funcs[0].reg_names[1], ".tf");
}

TEST(Functions, ConstantPoolDedup) {
  auto m = asm_ok(R"(
.func f() -> i64
  .reg %r: i64, %d: f64, %s: ref
  ldk %s, "a"
  ldk %r, 1
  ldk %s, "a"
  ldk %d, 0.0
  ldk %d, -0.0
  ldk %d, 0.0
  ldk %r, 1
  ret %r
.end
)");
  ASSERT_EQ(m.consts.size(), 4u);
  const auto& c = m.funcs[0].code;
  EXPECT_EQ(isa::bc_of(c[2]), 0u);
  EXPECT_EQ(isa::bc_of(c[4]), 3u);
  EXPECT_EQ(isa::bc_of(c[5]), 2u);
  EXPECT_EQ(isa::bc_of(c[6]), 1u);
}

TEST(Functions, FnRefForward) {
  auto m = asm_ok(
      ".func f() -> ref\n .reg %r: ref\n fnref %r, g\n ret %r\n.end\n.func g()\n ret\n.end\n");
  EXPECT_EQ(m.funcs[0].code[0], isa::make_abc(Op::FnRef, 0, 1, 0));
}

TEST(Functions, LineTableOneEntryPerInstruction) {
  auto m = asm_ok(R"(.func f(%a: i64) -> i64
  addi %a, %a, 1

  call %a, f(%a)
  ret 3
.end
.func g()
.line 100
  nop
  ; comment
  nop
  ret
.end
)");
  EXPECT_EQ(m.debug.lines[0], (std::vector<isa::LineEntry>{{0, 2}, {1, 4}, {3, 5}, {4, 5}}));
  EXPECT_EQ(m.debug.lines[1], (std::vector<isa::LineEntry>{{0, 100}, {1, 102}, {2, 103}}));
}

TEST(Functions, WordDirective) {
  auto m = asm_ok(".func f()\n .word 0x1234\n .word -1\n ret\n.end\n");
  EXPECT_EQ(m.funcs[0].code[0], 0x1234u);
  EXPECT_EQ(m.funcs[0].code[1], ~uint64_t{0});
}

TEST(Functions, SeveralLabelsOnOneInstruction) {
  auto m = asm_ok(".func f()\na: b: jmp c\nc:\n d: ret\n.end\n");
  EXPECT_EQ(m.funcs[0].code[0], isa::make_abx(Op::Jmp, 0, 1));
}

}  // namespace
}  // namespace strata::as::test

// KnownBounds (jit/baseline/known_bounds.hpp): which register bounds the baseline emitter may
// trust, and the accesses it then leaves unchecked behaving exactly as the interpreter's, traps
// included, also when another path reaches the access without the andi.
#include <optional>
#include <vector>

#include <gtest/gtest.h>

#include "jit/baseline/known_bounds.hpp"
#include "tests/jit/baseline_support.hpp"
#include "tests/jit/tier_programs.hpp"

namespace strata::jit::baseline::test {
namespace {

using isa::make_abc;
using isa::make_abx;
using isa::Op;
using strata::jit::testing::kMax;
using strata::jit::testing::kMin;

uint16_t u16(int v) {
  return static_cast<uint16_t>(static_cast<int16_t>(v));
}

// Walks `code` and returns, before each instruction, the bound known for `reg`.
std::vector<std::optional<uint64_t>> bounds_of(const std::vector<isa::Word>& code, uint16_t reg) {
  isa::Module m;
  isa::Function f;
  f.regs.assign(8, isa::ValType::I64);
  f.code = code;
  KnownBounds k(m, f);
  std::vector<std::optional<uint64_t>> out;
  for (const isa::Insn& in : isa::CodeWalk(m, f)) {
    k.enter(in);
    out.push_back(k.max_of(reg));
    k.leave(in);
  }
  return out;
}

TEST(KnownBounds, AndiBoundsItsRegisterUntilItIsWritten) {
  const auto b = bounds_of(
      {make_abc(Op::AndI, 1, 0, 0x1fe0), make_abc(Op::LdI64, 2, 1, 8), make_abc(Op::AddI, 3, 1, 4),
       make_abc(Op::AddI, 1, 1, 4), make_abc(Op::Ret, 0, 0, 0)},
      1);
  ASSERT_EQ(b.size(), 5u);
  EXPECT_EQ(b[0], std::nullopt);
  EXPECT_EQ(b[1], 0x1fe0u);
  EXPECT_EQ(b[2], 0x1fe0u);  // another register written
  EXPECT_EQ(b[3], 0x1fe0u);
  EXPECT_EQ(b[4], std::nullopt);  // r1 itself written
}

TEST(KnownBounds, NegativeMaskProvesNothing) {
  const auto b = bounds_of({make_abc(Op::AndI, 1, 0, u16(-4096)), make_abc(Op::Ret, 0, 0, 0)}, 1);
  EXPECT_EQ(b[1], std::nullopt);
}

TEST(KnownBounds, ForwardBranchKeepsTheBoundButItsTargetForgetsIt) {
  // 0 andi; 1 bne r2, r3, +3 (to 4); 2 ld; 3 ld; 4 ld (target); 5 ret
  const auto b = bounds_of(
      {make_abc(Op::AndI, 1, 0, 0xff), make_abc(Op::Bne, 2, 3, 3), make_abc(Op::LdI64, 2, 1, 0),
       make_abc(Op::LdI64, 3, 1, 0), make_abc(Op::LdI64, 4, 1, 0), make_abc(Op::Ret, 0, 0, 0)},
      1);
  EXPECT_EQ(b[2], 0xffu);
  EXPECT_EQ(b[3], 0xffu);
  EXPECT_EQ(b[4], std::nullopt);
}

TEST(KnownBounds, GivenBranchTargetsForgetAsFoundOnes) {
  // The emitter's form: the targets it found in its own walk (here pc 2), not the code's.
  KnownBounds k(std::vector<bool>{false, false, true, false});
  const isa::Word andi = make_abc(Op::AndI, 1, 0, 0xff), ld = make_abc(Op::LdI64, 2, 1, 0);
  std::vector<std::optional<uint64_t>> seen;
  for (uint32_t pc = 0; pc < 4; ++pc) {
    isa::Insn in;
    in.pc = pc;
    in.word = pc == 0 ? andi : ld;
    k.enter(in);
    seen.push_back(k.max_of(1));
    k.leave(in);
  }
  EXPECT_EQ(seen[1], 0xffu);
  EXPECT_EQ(seen[2], std::nullopt);
  EXPECT_EQ(seen[3], std::nullopt);
}

TEST(KnownBounds, BackwardBranchForgetsEverything) {
  // 0 andi; 1 bnz r2, -1 (to 0, an OSR entry); 2 ld; 3 ret
  const auto b =
      bounds_of({make_abc(Op::AndI, 1, 0, 0xff), make_abx(Op::Bnz, 2, static_cast<uint32_t>(-1)),
                 make_abc(Op::LdI64, 2, 1, 0), make_abc(Op::Ret, 0, 0, 0)},
                1);
  EXPECT_EQ(b[1], 0xffu);
  EXPECT_EQ(b[2], std::nullopt);
}

TEST(KnownBounds, AnOpcodeOutsideTheListForgetsEverything) {
  // mgrow calls a helper: whatever writes its A, nothing is trusted after it.
  const auto b = bounds_of(
      {make_abc(Op::AndI, 1, 0, 0xff), make_abc(Op::MGrow, 2, 3, 0), make_abc(Op::Ret, 0, 0, 0)},
      1);
  EXPECT_EQ(b[1], 0xffu);
  EXPECT_EQ(b[2], std::nullopt);
}

TEST(KnownBounds, FactsForSeveralRegisters) {
  const auto code = std::vector<isa::Word>{
      make_abc(Op::AndI, 1, 0, 0xff), make_abc(Op::AndI, 2, 0, 0x7f), make_abc(Op::Ret, 0, 0, 0)};
  EXPECT_EQ(bounds_of(code, 1)[2], 0xffu);
  EXPECT_EQ(bounds_of(code, 2)[2], 0x7fu);
}

// Every width, loads and stores, at addresses an andi bounds: the checks are gone in the
// compiled code, the results are the interpreter's.
TEST(KnownBoundsJit, ProvenAccessesMatchTheInterpreter) {
  const char* src = R"(
.memory 65536
.func f(%x: i64, %v: i64) -> i64 export
  .reg %a: i64, %y: i64, %s: i64, %g: f64
  andi %a, %x, 0x7ff8
  st.i64 %a, %v, 0x10
  st.i32 %a, %v, 0x18
  st.i16 %a, %v, 0x1c
  st.i8 %a, %v, 0x1e
  ld.i8 %s, %a, 0x10
  ld.u8 %y, %a, 0x11
  add %s, %s, %y
  ld.i16 %y, %a, 0x12
  add %s, %s, %y
  ld.u16 %y, %a, 0x12
  add %s, %s, %y
  ld.i32 %y, %a, 0x14
  add %s, %s, %y
  ld.u32 %y, %a, 0x14
  add %s, %s, %y
  ld.i64 %y, %a, 0x18
  add %s, %s, %y
  bitsf %g, %v
  andi %a, %x, 0x7ff8
  st.f64 %a, %g, 0x20
  ld.f64 %g, %a, 0x20
  st.f32 %a, %g, 0x28
  ld.f32 %g, %a, 0x28
  fbits %y, %g
  xor %s, %s, %y
  ret %s
.end
)";
  for (int64_t x : {int64_t{0}, int64_t{8}, int64_t{0x7ff8}, int64_t{-1}, kMin, kMax})
    for (int64_t v : {int64_t{0}, int64_t{-2}, int64_t{0x0102030405060708}})
      same(src, "f", {vi(x), vi(v)});
}

// andi bounds the address, but not enough for this memory: the check stays and traps as the
// interpreter's does.
TEST(KnownBoundsJit, ABoundPastTheMemoryKeepsTheCheck) {
  const char* src = R"(
.memory 65536
.func f(%x: i64) -> i64 export
  .reg %a: i64, %y: i64
  andi %a, %x, 0x7fff
  ld.i64 %y, %a, 0xfff8
  ret %y
.end
)";
  EXPECT_EQ(same(src, "f", {vi(0)}).find("trap"), std::string::npos);
  const std::string t = same(src, "f", {vi(-1)});
  EXPECT_NE(t.find("outside memory"), std::string::npos) << t;
}

// GUEST: a branch reaches the access without the andi: the hostile address must still trap.
TEST(KnownBoundsJit, AnotherPathToTheAccessIsStillChecked) {
  const char* src = R"(
.memory 65536
.func f(%x: i64, %skip: i64) -> i64 export
  .reg %a: i64, %y: i64
  mov %a, %x
  bnz %skip, access
  andi %a, %x, 0xff8
access:
  ld.i64 %y, %a, 0
  st.i64 %a, %y, 8
  ret %y
.end
)";
  for (int64_t x : {int64_t{0x10}, int64_t{65536}, int64_t{-8}, kMax}) {
    same(src, "f", {vi(x), vi(0)});
    const std::string t = same(src, "f", {vi(x), vi(1)});
    if (x != 0x10) {
      EXPECT_NE(t.find("outside memory"), std::string::npos) << t;
    }
  }
}

// GUEST: a bound set before a loop's back-edge is not trusted after it (an OSR entry or the
// loop itself may bring any value), and a write to the register ends it.
TEST(KnownBoundsJit, BoundsEndAtLoopsAndWrites) {
  const char* src = R"(
.memory 65536
.func f(%x: i64, %n: i64) -> i64 export
  .reg %a: i64, %y: i64, %s: i64
  li %s, 0
  andi %a, %x, 0xff8
loop:
  ld.i64 %y, %a, 0
  add %s, %s, %y
  add %a, %a, %x
  addi %n, %n, -1
  bnz %n, loop
  ret %s
.end
)";
  for (int64_t x : {int64_t{8}, int64_t{0x4000}, int64_t{-8}})
    for (int64_t n : {int64_t{1}, int64_t{3}, int64_t{10}}) same(src, "f", {vi(x), vi(n)});
}

}  // namespace
}  // namespace strata::jit::baseline::test

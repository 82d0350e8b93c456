// The baseline tier's register cache (jit/baseline/reg_cache.hpp): which registers it keeps in
// host registers, where they are live, and programs whose cached values cross calls, helpers,
// window-reading float instructions, jump targets and traps behaving exactly as in the
// interpreter.
#include <memory>
#include <string>
#include <vector>

#include <asmjit/x86.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "jit/baseline/emitter.hpp"
#include "jit/baseline/reg_cache.hpp"
#include "tests/jit/baseline_support.hpp"

namespace strata::jit::baseline::test {
namespace {

using isa::make_abc;
using isa::make_abx;
using isa::Op;

std::vector<isa::Insn> walk(const isa::Module& m, const isa::Function& f) {
  std::vector<isa::Insn> out;
  for (const isa::Insn& in : isa::CodeWalk(m, f)) out.push_back(in);
  return out;
}

isa::Function function_of(std::vector<isa::Word> code, size_t nregs = 8) {
  isa::Function f;
  f.regs.assign(nregs, isa::ValType::I64);
  f.code = std::move(code);
  return f;
}

// The function called `name` in the program's first instance (null: none).
vm::FuncInfo* func_named(vm::Program& p, const std::string& name) {
  for (vm::FuncInfo& f : p.instances().front()->funcs)
    if (f.name == name) return &f;
  return nullptr;
}

uint16_t back(int words) {
  return static_cast<uint16_t>(static_cast<int16_t>(-words));
}

TEST(RegCacheChoice, TheMostUsedRegistersFirstAndOnlyThoseUsedTwice) {
  isa::Module m;
  const isa::Function f = function_of({
      make_abc(Op::Add, 1, 2, 3),  // r1 r2 r3
      make_abc(Op::Add, 1, 1, 2),  // r1 r1 r2
      make_abc(Op::Add, 1, 1, 4),  // r1 r1 r4
      make_abc(Op::Ret, 1, 0, 0),  // r1
  });
  const std::vector<int8_t> host = choose_cached(walk(m, f), f.regs.size(), true);
  EXPECT_EQ(host[1], 0);   // six uses: the first cache register
  EXPECT_EQ(host[2], 1);   // two
  EXPECT_EQ(host[3], -1);  // one use stays in the window
  EXPECT_EQ(host[4], -1);
}

TEST(RegCacheChoice, AUseInALoopWeighsAsEightOutside) {
  isa::Module m;
  // Two loops: pc 4..14 (the jmp at pc 14) and, inside it, pc 9..10. A use weighs 1 outside
  // them, 8 in one and 64 in both, except in the exit run pc 12..13 (it ends in a ret: once).
  // r1: 3 + 24 + 128 + 8 + 1, r5: 24 + 64, r7 (read once, in both): 64, r4: 48, r6: 24 + 4 (32
  // more if the exit counted as loop code, ahead of r4), r2: 6, r3: 3.
  const isa::Function f = function_of(
      {
          make_abc(Op::Add, 1, 1, 1),  // pc0
          make_abc(Op::Add, 2, 2, 2), make_abc(Op::Add, 2, 2, 2), make_abc(Op::Add, 3, 3, 3),
          make_abc(Op::Add, 4, 4, 4),  // pc4
          make_abc(Op::Add, 4, 4, 4), make_abc(Op::Add, 5, 5, 5), make_abc(Op::Add, 6, 6, 6),
          make_abc(Op::Add, 1, 1, 1), make_abc(Op::AddI, 1, 7, 1),  // pc9
          make_abc(Op::Blt, 1, 5, back(1)),                         // pc10
          isa::make_abx(Op::Bnz, 1, 4),                             // pc11: to pc 15
          make_abc(Op::Add, 6, 6, 6),                               // pc12
          make_abc(Op::Ret, 6, 0, 0),                               // pc13
          isa::make_abx(Op::Jmp, 0, static_cast<uint32_t>(-10)),    // pc14: to pc 4
          make_abc(Op::Ret, 1, 0, 0),                               // pc15
      },
      9);
  const std::vector<int8_t> host =
      choose_cached(walk(m, f), f.regs.size(), true, nullptr, /*weigh_loops=*/true);
  EXPECT_EQ(host[1], 0);
  EXPECT_EQ(host[5], 1);
  EXPECT_EQ(host[7], 2);
  EXPECT_EQ(host[4], 3);
  EXPECT_EQ(host[6], 4);
  EXPECT_EQ(host[2], 5);
  EXPECT_EQ(host[3], 6);
  // Unweighted (a function without register homes): r7, used once, is not cached.
  EXPECT_EQ(choose_cached(walk(m, f), f.regs.size(), true)[7], -1);
}

TEST(RegCacheChoice, CallsDoNotCountAndFloatOpsDo) {
  isa::Module m;
  // r2 is read by fadd (cache-aware, movq to and from xmm) and r3 only by f2i, which calls a
  // helper with the cache written back: r2 counts three uses, r3 one.
  const isa::Function f = function_of({
      make_abc(Op::FAdd, 2, 2, 2),
      make_abc(Op::F2I, 4, 3, 0),
      make_abc(Op::F2I, 4, 3, 0),
      make_abc(Op::Ret, 4, 0, 0),
  });
  const std::vector<int8_t> host = choose_cached(walk(m, f), f.regs.size(), true);
  EXPECT_GE(host[2], 0);
  EXPECT_EQ(host[3], -1);
  EXPECT_EQ(host[4], -1);  // f2i's results and one ret
}

TEST(RegCacheChoice, ThePromisedZeroRegisterIsNeverCached) {
  isa::Module m;
  const isa::Function f = function_of({
      make_abc(Op::Add, 1, 0, 0),
      make_abc(Op::Add, 1, 1, 0),
      make_abc(Op::Ret, 1, 0, 0),
  });
  EXPECT_EQ(choose_cached(walk(m, f), f.regs.size(), true)[0], -1);
  EXPECT_GE(choose_cached(walk(m, f), f.regs.size(), false)[0], 0);
}

TEST(RegCacheChoice, AtMostOneRegisterPerHostRegister) {
  isa::Module m;
  std::vector<isa::Word> code;
  for (uint16_t r = 1; r < 20; ++r) code.push_back(make_abc(Op::Add, r, r, r));
  code.push_back(make_abc(Op::Ret, 1, 0, 0));
  const isa::Function f = function_of(code, 20);
  const std::vector<int8_t> host = choose_cached(walk(m, f), f.regs.size(), true);
  std::vector<int> taken(kPlainCacheRegs, 0);
  size_t cached = 0;
  for (int8_t h : host) {
    if (h < 0) continue;
    ++cached;
    ASSERT_LT(static_cast<size_t>(h), kPlainCacheRegs);
    ++taken[static_cast<size_t>(h)];
  }
  EXPECT_EQ(cached, kPlainCacheRegs);
  for (int t : taken) EXPECT_EQ(t, 1);
}

// With the unlimited-fuel promise the emitter allows all of kCacheRegs: r12 and r13 (the ninth
// and tenth) go to registers with kMinUsesBeyondPlain weighted uses, never to fewer.
TEST(RegCacheChoice, R12AndR13GoOnlyToRegistersUsedAsInALoop) {
  isa::Module m;
  // r1..r8: 3 uses in each of 4 rounds (12); r9: 2 per round (8, enough); r10: 2 in 3 rounds
  // (6, not enough).
  std::vector<isa::Word> code;
  for (int k = 0; k < 4; ++k) {
    for (uint16_t r = 1; r <= 8; ++r) code.push_back(make_abc(Op::Add, r, r, r));
    code.push_back(make_abc(Op::Add, 9, 9, 0));
    if (k < 3) code.push_back(make_abc(Op::Add, 10, 10, 0));
  }
  code.push_back(make_abc(Op::Ret, 1, 0, 0));
  const isa::Function f = function_of(code, 11);
  const auto count = [](const std::vector<int8_t>& host) {
    size_t n = 0;
    for (int8_t h : host) n += h >= 0;
    return n;
  };
  EXPECT_EQ(count(choose_cached(walk(m, f), f.regs.size(), true)), kPlainCacheRegs);
  const std::vector<int8_t> all =
      choose_cached(walk(m, f), f.regs.size(), true, nullptr, false, nullptr, kCacheRegCount);
  EXPECT_EQ(count(all), kPlainCacheRegs + 1);
  EXPECT_EQ(all[9], static_cast<int8_t>(kStCacheIndex));
  EXPECT_EQ(all[10], -1);
  // Ten registers used 12 times each: all ten cached, one host register each.
  std::vector<isa::Word> heavy;
  for (int k = 0; k < 4; ++k)
    for (uint16_t r = 1; r <= 10; ++r) heavy.push_back(make_abc(Op::Add, r, r, r));
  heavy.push_back(make_abc(Op::Ret, 1, 0, 0));
  const isa::Function g = function_of(heavy, 11);
  const std::vector<int8_t> ten =
      choose_cached(walk(m, g), g.regs.size(), true, nullptr, false, nullptr, kCacheRegCount);
  std::vector<int> taken(kCacheRegCount, 0);
  for (int8_t h : ten)
    if (h >= 0) ++taken[static_cast<size_t>(h)];
  for (int t : taken) EXPECT_EQ(t, 1);
}

// The bit of register r in a CacheMask under `host`.
CacheMask bit(const std::vector<int8_t>& host, uint16_t r) {
  return static_cast<CacheMask>(1u << host[r]);
}

TEST(RegCacheLiveness, DefsKillUsesGenerateAndBackEdgesCarryLoopValues) {
  isa::Module m;
  // pc0 li r1, 0 ; pc1 li r2, 0 ; pc2 loop: add r2, r2, r1 ; pc3 addi r1, r1, 1
  // pc4 blt r1, r3, loop ; pc5 ret r2
  const isa::Function f = function_of({
      make_abx(Op::Li, 1, 0),
      make_abx(Op::Li, 2, 0),
      make_abc(Op::Add, 2, 2, 1),
      make_abc(Op::AddI, 1, 1, 1),
      make_abc(Op::Blt, 1, 3, back(2)),
      make_abc(Op::Ret, 2, 0, 0),
  });
  const std::vector<isa::Insn> insns = walk(m, f);
  const std::vector<int8_t> host = choose_cached(insns, f.regs.size(), true);
  ASSERT_GE(host[1], 0);
  ASSERT_GE(host[2], 0);
  ASSERT_EQ(host[3], -1);  // read once: not cached, so in no mask
  const std::vector<CacheMask> live =
      live_cached(insns, f.code.size(), host, [](const isa::Insn&) { return true; });
  const CacheMask r1 = bit(host, 1), r2 = bit(host, 2);
  EXPECT_EQ(live[0], 0);  // r1 and r2 are written before any read: dead at the entry
  EXPECT_EQ(live[1], r1);
  EXPECT_EQ(live[2], r1 | r2);  // the loop header: what it reads, around the back-edge too
  EXPECT_EQ(live[3], r1 | r2);
  EXPECT_EQ(live[4], r1 | r2);
  EXPECT_EQ(live[5], r2);  // after the loop only the result
}

TEST(RegCacheLiveness, AVoidCallsResultOperandIsNotADef) {
  isa::Module m;
  // pc0 add r1, r1, r1 ; pc1 <a call-like A def> ; pc2 ret r1. With writes_a false for pc1, r1
  // stays live across it.
  const isa::Function f = function_of({
      make_abc(Op::Add, 1, 1, 1),
      make_abc(Op::Add, 1, 1, 1),
      make_abx(Op::Li, 1, 0),
      make_abc(Op::Ret, 1, 0, 0),
  });
  const std::vector<isa::Insn> insns = walk(m, f);
  const std::vector<int8_t> host = choose_cached(insns, f.regs.size(), true);
  ASSERT_GE(host[1], 0);
  auto writes_all = [](const isa::Insn&) { return true; };
  auto li_writes_nothing = [](const isa::Insn& in) { return in.op() != Op::Li; };
  EXPECT_EQ(live_cached(insns, f.code.size(), host, writes_all)[2], 0);
  EXPECT_EQ(live_cached(insns, f.code.size(), host, li_writes_nothing)[2], bit(host, 1));
}

// A loop whose eleven live values are more than the cache holds, crossing a call (the cache
// registers are caller-saved), host calls, float instructions that read the window, byte
// extensions of cached registers, stores and loads at cached addresses, shifts and divisions by
// cached registers; then a recursion deep enough to move the frame array (churn caches eight
// registers, so its fp offset is on the host stack, not in r15) and a trap with the values
// still live.
// A leaf callee, and a recursion that moves the frame array when deep enough.
constexpr const char* kLeafAndDown = R"(
.func leaf(%x: i64) -> i64
  .reg %y: i64
  muli %y, %x, 3
  xori %y, %y, 0x55
  ret %y
.end
.func down(%n: i64) -> i64
  .reg %m: i64
  bz %n, zero
  addi %m, %n, -1
  call %m, down(%m)
  addi %m, %m, 2
  ret %m
zero:
  ret %n
.end
)";

const std::string kPressure = std::string(R"(
.memory 65536
.import "std.io" println_i64(i64)
)") + kLeafAndDown + R"(
.func churn(%n: i64, %z: i64) -> i64 export
  .reg %i: i64, %a: i64, %b: i64, %c: i64, %d: i64, %e: i64, %g: i64, %h: i64, %k: i64
  .reg %p: i64, %t: i64, %f: f64, %q: f64, %s: i64
  li %i, 0
  li %a, 1
  li %b, 2
  li %c, 3
  li %d, 4
  li %e, 5
  li %g, 6
  li %h, 7
  li %k, 8
  li %p, 64
loop:
  add %a, %a, %i
  sub %b, %b, %a
  xor %c, %c, %b
  shl %t, %a, %d
  add %d, %d, %t
  andi %d, %d, 31
  call %t, leaf(%a)
  add %e, %e, %t
  sext8 %t, %e
  add %g, %g, %t
  zext16 %t, %c
  add %h, %h, %t
  st.i64 %p, %h, 8
  st.i8 %p, %g, 3
  ld.i64 %t, %p, 8
  add %k, %k, %t
  ld.u8 %t, %p, 3
  add %k, %k, %t
  i2f %f, %k
  i2f %q, %a
  fadd %f, %f, %q
  f2i %t, %f
  xor %b, %b, %t
  ori %s, %i, 1
  divu %t, %h, %s
  add %c, %c, %t
  rem %t, %g, %s
  add %a, %a, %t
  addi %p, %p, 16
  andi %p, %p, 4095
  addi %i, %i, 1
  blt %i, %n, loop
  li %t, 5000
  call %t, down(%t)
  add %e, %e, %t
  callh println_i64(%a)
  callh println_i64(%b)
  callh println_i64(%c)
  callh println_i64(%d)
  callh println_i64(%e)
  callh println_i64(%g)
  callh println_i64(%h)
  callh println_i64(%k)
  callh println_i64(%p)
  div %a, %a, %z
  add %a, %a, %b
  ret %a
.end
)";

// Fuel enough for the interpreter's run: a loop counter lost in compiled code fails, not hangs.
vm::Limits fueled() {
  vm::Limits l;
  l.fuel = 1'000'000;
  return l;
}

TEST(RegCacheProgram, ValuesLiveAcrossCallsHelpersAndJumpTargetsMatchTheInterpreter) {
  const std::string ok =
      same(kPressure, "churn", {vm::Value::from_i(300), vm::Value::from_i(7)}, fueled());
  EXPECT_NE(ok.find("stdout:"), std::string::npos) << ok;
  EXPECT_EQ(ok.find("trap"), std::string::npos) << ok;
}

TEST(RegCacheProgram, ATrapWithCachedValuesLiveMatchesTheInterpreter) {
  // %z = 0: the division after the loop traps (the trace, fuel and output compared).
  const std::string trapped =
      same(kPressure, "churn", {vm::Value::from_i(50), vm::Value::from_i(0)}, fueled());
  EXPECT_NE(trapped.find("trap"), std::string::npos) << trapped;
}

// A call without a result names r0 as its A operand and writes nothing: r0's cached value must
// stay live across it (and so be written back before and reloaded after), for each call kind.
TEST(RegCacheProgram, ACallWithoutAResultKeepsTheValueOfR0) {
  const std::string out = same(R"(
.import "std.io" println_i64(i64)
.func g()
  retv
.end
.func h() -> i64 export
  .reg %x: i64, %f: ref
  li %x, 5
  addi %x, %x, 1
  fnref %f, g
  calli %f : () -> void ()
  addi %x, %x, 1
  call g()
  addi %x, %x, 1
  callh println_i64(%x)
  addi %x, %x, 1
  ret %x
.end
)",
                               "h");
  EXPECT_EQ(out.substr(0, out.find("\nfuel")), "returned 0x9") << out;
  EXPECT_NE(out.find("stdout:\n8\n"), std::string::npos) << out;
}

// Emitter::store_rax leaves out the store of a result the next instruction overwrites after
// reading it from rax (`add a; sext32 a, a`, chains of immediates): with eleven registers more
// than the cache holds, the chains' registers live in the window. Also the shapes where the store
// must stay: the next instruction is a jump target, reads the register a second time (`add a,
// a, a`), or takes a shift count first (`shl a, a, b` reloads a from the window).
// (Eight other registers, used far more, take the cache.)
TEST(RegCacheProgram, StoresTheNextInstructionOverwritesMatchTheInterpreter) {
  std::string regs = "%n: i64";
  std::string init, sum;
  for (char c = 'a'; c <= 'k'; ++c) {
    regs += fmt::format(", %{}: i64", c);
    init += fmt::format("  li %{}, {}\n", c, (c - 'a') * 7 + 3);
    sum += fmt::format("  add %n, %n, %{}\n", c);
  }
  // Eight registers used far more often take the cache; among their updates, `a = b op a` of
  // cached registers (a commutative op is done as a op= b; sub is not commutative).
  std::string hot;
  for (int i = 0; i < 8; ++i) {
    regs += fmt::format(", %p{}: i64", i);
    init += fmt::format("  li %p{}, {}\n", i, i + 1);
    sum += fmt::format("  add %n, %n, %p{}\n", i);
    for (int k = 0; k < 4; ++k) hot += fmt::format("  add %p{}, %p{}, %p{}\n", i, i, (i + 1) % 8);
  }
  hot += "  sub %p1, %p2, %p1\n  or %p3, %p4, %p3\n  mul %p5, %p6, %p5\n  xor %p7, %p0, %p7\n";
  const std::string src = fmt::format(R"(
.func f(%n: i64) -> i64 export
  .reg {}
{}
loop:
{}  add %a, %b, %c
  sext32 %a, %a
  addi %b, %a, 0x7fff
  shli %b, %b, 20
  sext32 %b, %b
  xori %b, %b, 5
  mul %c, %b, %d
  add %c, %c, %c
  sub %d, %c, %e
  shl %d, %d, %f
  zext16 %d, %d
  addi %e, %e, -1
  and %f, %a, %g
  neg %f, %f
  andi %i, %e, 1
  bz %i, skip
  xori %g, %g, 9
skip:
  addi %g, %g, 3
  addi %n, %n, -1
  bnz %n, next
  jmp done
next:
  or %h, %h, %g
  not %h, %h
  jmp loop
done:
{}  ret %n
.end
)",
                                      regs.substr(9), init, hot, sum);
  const std::string out = same(src, "f", {vm::Value::from_i(25)}, fueled());
  EXPECT_NE(out.find("returned"), std::string::npos) << out;
}

// A loaded word that only the next beq/bne reads is compared in memory (`cmp other, [mem]`, the
// TLB check's tag): the branch goes both ways, the other operand is cached, in the window, or the
// loaded value is read again where a branch goes (then the load must stay: `keep`, `keep2`).
TEST(RegCacheProgram, ALoadOnlyABranchReadsMatchesTheInterpreter) {
  // Without `hot`, every register fits the cache; with it, %x and %w stay in the window.
  for (const bool pressure : {false, true}) {
    const Pressure hot = pressure ? Pressure::make() : Pressure{};
    const std::string src = fmt::format(R"(
.memory 65536
.func f(%n: i64) -> i64 export
  .reg %i: i64, %p: i64, %t: i64, %x: i64, %acc: i64, %w: i64{}
{}
  li %i, 0
fill:
  shli %p, %i, 3
  andi %t, %i, 3
  st.i64 %p, %t, 0
  addi %i, %i, 1
  li %t, 512
  bne %i, %t, fill
  li %acc, 0
  li %i, 0
  li %x, 1
  li %w, 2
loop:
{}  andi %p, %i, 255
  shli %p, %p, 3
  ld.i64 %t, %p, 0
  bne %t, %x, miss
  ld.i64 %t, %p, 8
  add %acc, %acc, %t
  jmp two
miss:
  li %t, 100
  add %acc, %acc, %t
two:
  ld.i64 %t, %p, 0
  beq %w, %t, hit
  li %t, 7
  add %acc, %acc, %t
  jmp three
hit:
  addi %acc, %acc, 1000
three:
  ld.i64 %t, %p, 8
  bne %t, %x, keep
  li %t, 3
keep:
  add %acc, %acc, %t
  ld.i64 %t, %p, 16
  beq %t, %w, keep2
  li %t, 0
  jmp four
keep2:
  add %acc, %acc, %t
four:
  addi %i, %i, 1
  bne %i, %n, loop
  ret %acc
.end
)",
                                        hot.regs, hot.init, hot.hot);
    const std::string out = same(src, "f", {vm::Value::from_i(700)}, fueled());
    EXPECT_NE(out.find("returned"), std::string::npos) << "pressure " << pressure << ": " << out;
  }
}

// a = b >> k followed by a &= m is a rotate where m clears what it brings in (the TLB index:
// shri 7, andi 0x1fe0), with a and b cached or in the window; a mask with bits the rotate would
// fill (andi -8, sign-extended) or another register's andi keeps the shift.
TEST(RegCacheProgram, AShiftAMaskFollowsMatchesTheInterpreter) {
  for (const bool pressure : {false, true}) {
    const Pressure hot = pressure ? Pressure::make() : Pressure{};
    const std::string src = fmt::format(R"(
.func f(%n: i64) -> i64 export
  .reg %v: i64, %t: i64, %u: i64, %acc: i64{}
{}
  li %acc, 0
  li %v, -1
loop:
{}  muli %v, %v, 0x2f3b
  xori %v, %v, -0x4c1
  shri %t, %v, 7
  andi %t, %t, 0x1fe0
  add %acc, %acc, %t
  shri %t, %v, 60
  andi %t, %t, 15
  add %acc, %acc, %t
  shri %t, %v, 61
  andi %t, %t, 15
  add %acc, %acc, %t
  shri %t, %v, 3
  andi %t, %t, -8
  add %acc, %acc, %t
  shri %u, %v, 9
  andi %t, %u, 255
  add %acc, %acc, %t
  add %acc, %acc, %u
  addi %n, %n, -1
  bnz %n, loop
  ret %acc
.end
)",
                                        hot.regs, hot.init, hot.hot);
    const std::string out = same(src, "f", {vm::Value::from_i(300)}, fueled());
    EXPECT_NE(out.find("returned"), std::string::npos) << "pressure " << pressure << ": " << out;
  }
}

// The emitter caches the loop's most used registers of `churn` and leaves r0-like promises
// alone: checked on the emitter itself, as the tier builds it.
TEST(RegCacheProgram, TheEmitterCachesTheLoopsMostUsedRegisters) {
  std::unique_ptr<vm::Program> p = testing::load_test_program(kPressure, "churn", {}, -1);
  ASSERT_TRUE(p);
  const auto& inst = p->instances().front();
  const vm::FuncInfo* churn = func_named(*p, "churn");
  ASSERT_NE(churn, nullptr);
  asmjit::CodeHolder code;
  code.init(asmjit::Environment::host());
  Emitter e(code, *churn, inst->module.funcs[churn->index]);
  ASSERT_TRUE(e.emit_function());
  size_t cached = 0;
  for (uint16_t r = 0; r < inst->module.funcs[churn->index].regs.size(); ++r) cached += e.cached(r);
  EXPECT_EQ(cached, kPlainCacheRegs);
}

// Twelve registers a loop uses far more than eight times each, so that under the unlimited-fuel
// promise the cache takes r12 (st) and r13 (fp) too; around them a call in the loop (an
// OpSync::All instruction: st and fp back, the two registers read in the window), a recursion
// deep enough to move the frame array after the loop (fp reloaded: its frame slot must follow),
// and then either a division by zero with every value live (a trap stub: st and fp back after
// the write-back) or the `ret` of a sum of all of them.
std::string pinned_pressure(int divisor) {
  std::string regs, init, hot, sum;
  for (int i = 0; i < 12; ++i) {
    regs += fmt::format(", %q{}: i64", i);
    init += fmt::format("  li %q{}, {}\n", i, 3 * i + 1);
    for (int k = 0; k < 4; ++k)
      hot += fmt::format("  {} %q{}, %q{}, %q{}\n", k % 2 ? "xor" : "add", i, i, (i + 1) % 12);
    sum += fmt::format("  muli %s, %s, 31\n  add %s, %s, %q{}\n", i);
  }
  return fmt::format(R"(
.memory 65536
{}
.func main() -> i64 export
  .reg %i: i64, %n: i64, %t: i64, %s: i64, %z: i64{}
{}  li %i, 0
  li %n, 300
  li %z, {}
loop:
{}  call %t, leaf(%q0)
  add %q1, %q1, %t
  addi %i, %i, 1
  blt %i, %n, loop
  li %t, 5000
  call %t, down(%t)
  add %q2, %q2, %t
  li %s, 0
{}  div %s, %s, %z
  ret %s
.end
)",
                     kLeafAndDown, regs, init, divisor, hot, sum);
}

TEST(RegCacheProgram, R12AndR13HoldRegistersUnderTheUnlimitedFuelPromise) {
  const std::string src = pinned_pressure(1);
  std::unique_ptr<vm::Program> p = testing::load_test_program(src, "main", {}, -1);
  ASSERT_TRUE(p);
  const vm::FuncInfo* main = func_named(*p, "main");
  ASSERT_NE(main, nullptr);
  const isa::Function& body = p->instances().front()->module.funcs[main->index];
  const auto cached_under = [&](const CodePromises& promises) {
    asmjit::CodeHolder code;
    code.init(asmjit::Environment::host());
    Emitter e(code, *main, body, nullptr, promises);
    EXPECT_TRUE(e.emit_function());
    size_t n = 0;
    for (uint16_t r = 0; r < body.regs.size(); ++r) n += e.cached(r);
    return n;
  };
  EXPECT_EQ(cached_under({}), kPlainCacheRegs);
  EXPECT_EQ(cached_under({.unlimited_fuel = true}), kCacheRegCount);
}

TEST(RegCacheProgram, ValuesInR12AndR13MatchTheInterpreterAcrossCallsFrameMovesAndATrap) {
  const CodePromises unlimited{.unlimited_fuel = true};
  for (int divisor : {1, 0}) {
    const std::string src = pinned_pressure(divisor);
    const std::string want = run_promised(src, nullptr);
    EXPECT_EQ(run_promised(src, &unlimited), want) << src;
    EXPECT_NE(want.find(divisor == 0 ? "trap" : "returned"), std::string::npos) << want;
  }
}

// An allocation (OpSync::All, its fast path reads st's allocation cache) inside a loop whose
// registers %l (its length) and %m live in r12 and r13: st and fp must be back in r12 and r13
// around it, and the length is read where the write-back put it (a length read from the host
// register would be st's address, which only sends the allocation to its slow path). Eight
// registers used far more (Pressure, 18 uses each) take the plain cache registers; %l and %m,
// eleven uses each, the rest.
TEST(RegCacheProgram, AnAllocationWithItsLengthInR12OrR13MatchesTheInterpreter) {
  const Pressure pressure = Pressure::make();
  const std::string src = fmt::format(R"(
.func main() -> i64 export
  .reg %i: i64, %n: i64, %t: i64, %arr: ref, %l: i64, %m: i64{}
{}  li %i, 0
  li %n, 50
  li %l, 3
  li %m, 5
loop:
{}  andi %l, %l, 7
  addi %l, %l, 1
  xor %m, %m, %l
  addi %m, %m, 3
  andi %l, %l, 7
  addi %l, %l, 2
  xor %m, %m, %l
  addi %m, %m, 3
  anew.r %arr, %l
  alen %t, %arr
  add %m, %m, %t
  addi %i, %i, 1
  blt %i, %n, loop
  add %t, %p0, %l
  add %t, %t, %m
  ret %t
.end
)",
                                      pressure.regs, pressure.init, pressure.hot);
  std::unique_ptr<vm::Program> p = testing::load_test_program(src, "main", {}, -1);
  ASSERT_TRUE(p);
  const vm::FuncInfo& main = *func_named(*p, "main");
  const isa::Function& body = p->instances().front()->module.funcs[main.index];
  asmjit::CodeHolder code;
  code.init(asmjit::Environment::host());
  Emitter e(code, main, body, nullptr, {.unlimited_fuel = true});
  ASSERT_TRUE(e.emit_function());
  // .reg order: %i r0, %n r1, %t r2, %arr r3, %l r4, %m r5.
  for (uint16_t r : {4, 5}) {
    ASSERT_TRUE(e.cached(r)) << r;
    EXPECT_TRUE(e.host(r) == x86::r12 || e.host(r) == x86::r13) << r;
  }
  const CodePromises unlimited{.unlimited_fuel = true};
  const std::string want = run_promised(src, nullptr);
  EXPECT_NE(want.find("returned"), std::string::npos) << want;
  EXPECT_EQ(run_promised(src, &unlimited), want) << src;
}

}  // namespace
}  // namespace strata::jit::baseline::test

// Register homes (jit/baseline/register_homes.hpp): which registers the emitter keeps in their
// state word, and code compiled with CodePromises::register_homes behaving as the interpreter
// in the shapes a translated unit has and in the ones that must rule a home out.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "jit/baseline/baseline.hpp"
#include "jit/baseline/register_homes.hpp"
#include "jit/code_cache.hpp"
#include "tests/jit/baseline_support.hpp"
#include "tests/jit/tier_harness.hpp"
#include "vm/program.hpp"

namespace strata::jit::baseline::test {
namespace {

using isa::make_abc;
using isa::Op;

constexpr uint64_t kMemory = 65536;

std::vector<isa::Insn> walk(const isa::Module& m, const isa::Function& f) {
  std::vector<isa::Insn> out;
  for (const isa::Insn& in : isa::CodeWalk(m, f)) out.push_back(in);
  return out;
}

// The homes of `code` (8 i64 registers, no parameters, no branch targets unless given), with
// `mul` standing for an instruction that reads its operands from the window.
std::vector<int32_t> homes_of(std::vector<isa::Word> code, std::vector<bool> targets = {}) {
  isa::Module m;
  isa::Function f;
  f.regs.assign(8, isa::ValType::I64);
  f.code = std::move(code);
  if (targets.empty()) targets.assign(f.code.size(), false);
  const RegisterHomes h =
      find_register_homes(walk(m, f), f.regs, 0, targets, kMemory,
                          [](const isa::Insn& in) { return in.op() == Op::Mul; });
  if (!h.any) return std::vector<int32_t>(8, -1);
  return h.offset;
}

TEST(RegisterHomes, AUnitsGuestRegistersLiveInTheirWords) {
  const std::vector<int32_t> h = homes_of({
      make_abc(Op::LdI64, 1, 0, 0x28),  // the leading run: loads from the state
      make_abc(Op::LdI64, 2, 0, 0x30),
      make_abc(Op::Add, 3, 1, 2),  // r3: written only, stored at the exit
      make_abc(Op::AddI, 1, 1, 1),
      make_abc(Op::StI64, 0, 1, 0x28),  // the exit's write-back
      make_abc(Op::StI64, 0, 3, 0x38),
      make_abc(Op::Ret, 3, 0, 0),
  });
  EXPECT_EQ(h[1], 0x28);
  EXPECT_EQ(h[2], 0x30);
  EXPECT_EQ(h[3], 0x38);
  EXPECT_EQ(h[0], -1);  // the zero register is the base, never a home
  EXPECT_EQ(h[4], -1);  // no access at all
}

TEST(RegisterHomes, ALoadAfterTheLeadingRunRulesItsRegisterOut) {
  // r1 is reloaded after it was written: its home would give the written value, SVI the old.
  const std::vector<int32_t> h = homes_of({
      make_abc(Op::LdI64, 1, 0, 0x28),
      make_abc(Op::AddI, 1, 1, 1),
      make_abc(Op::LdI64, 1, 0, 0x28),
      make_abc(Op::LdI64, 2, 0, 0x30),  // after the run too
      make_abc(Op::Ret, 1, 0, 0),
  });
  EXPECT_EQ(h[1], -1);
  EXPECT_EQ(h[2], -1);
}

TEST(RegisterHomes, ABranchTargetEndsTheLeadingRun) {
  std::vector<bool> targets(5, false);
  targets[1] = true;
  const std::vector<int32_t> h = homes_of(
      {
          make_abc(Op::LdI64, 1, 0, 0x28),
          make_abc(Op::LdI64, 2, 0, 0x30),  // a jump lands here: no longer at the start
          make_abc(Op::Add, 1, 1, 2),
          make_abc(Op::StI64, 0, 1, 0x28),
          make_abc(Op::Ret, 1, 0, 0),
      },
      targets);
  EXPECT_EQ(h[1], 0x28);
  EXPECT_EQ(h[2], -1);
}

TEST(RegisterHomes, AnyOtherAccessToTheWordRulesItOut) {
  const std::vector<int32_t> h = homes_of({
      make_abc(Op::LdI64, 1, 0, 0x28),
      make_abc(Op::LdI64, 2, 0, 0x30),
      make_abc(Op::LdI64, 3, 0, 0x40),
      make_abc(Op::LdI64, 4, 0, 0x48),
      make_abc(Op::LdI64, 5, 0, 0x60),
      make_abc(Op::StI64, 0, 6, 0x28),  // another register's store into r1's word
      make_abc(Op::StI32, 0, 6, 0x34),  // four bytes of r2's
      make_abc(Op::LdU8, 6, 0, 0x47),   // a byte of r3's
      make_abc(Op::StI64, 0, 4, 0x50),  // r4 at a second word
      make_abc(Op::LdI64, 6, 0, 0x64),  // an eight-byte load overlapping r5's
      make_abc(Op::Ret, 1, 0, 0),
  });
  for (unsigned r = 1; r <= 6; ++r) EXPECT_EQ(h[r], -1) << "r" << r;
}

TEST(RegisterHomes, TheOperandsOfAnInstructionThatReadsTheWindowStayThere) {
  // homes_of's stand-in for a call through the runtime's helpers: mul.
  const std::vector<int32_t> h = homes_of({
      make_abc(Op::LdI64, 1, 0, 0x28),
      make_abc(Op::LdI64, 2, 0, 0x30),
      make_abc(Op::Mul, 3, 1, 1),
      make_abc(Op::StI64, 0, 3, 0x38),
      make_abc(Op::Ret, 2, 0, 0),
  });
  EXPECT_EQ(h[1], -1);    // an operand
  EXPECT_EQ(h[3], -1);    // the result
  EXPECT_EQ(h[2], 0x30);  // untouched by it
}

TEST(RegisterHomes, ARegisterChangedAfterItsLastStoreAtAnExitIsNoHome) {
  // A unit's special exit: the pc stored, then its low bit set in the value returned.
  EXPECT_EQ(homes_of({
                make_abx(isa::Op::Li, 2, 100),
                make_abc(Op::StI64, 0, 2, 0x208),
                make_abc(Op::OrI, 2, 2, 1),
                make_abc(Op::Ret, 2, 0, 0),
            })[2],
            -1);
  EXPECT_EQ(homes_of({
                make_abx(isa::Op::Li, 2, 100),
                make_abc(Op::StI64, 0, 2, 0x208),
                make_abc(Op::Ret, 2, 0, 0),
            })[2],
            0x208);
  // Written on the path that skips its store: the other exit is fine, that one is not.
  std::vector<bool> targets(7, false);
  targets[5] = true;
  EXPECT_EQ(homes_of(
                {
                    make_abc(Op::LdI64, 1, 0, 0x28),
                    make_abc(Op::AddI, 1, 1, 1),
                    isa::make_abx(Op::Bnz, 3, 3),  // to pc 5
                    make_abc(Op::StI64, 0, 1, 0x28),
                    make_abc(Op::Ret, 3, 0, 0),
                    make_abc(Op::Ret, 3, 0, 0),
                    make_abc(Op::Ret, 3, 0, 0),
                },
                targets)[1],
            -1);
}

TEST(RegisterHomes, AWordPastTheMemoryIsNoHome) {
  const std::vector<int32_t> h = homes_of({
      make_abc(Op::LdI64, 1, 0, static_cast<uint16_t>(kMemory - 4)),
      make_abc(Op::Ret, 1, 0, 0),
  });
  EXPECT_EQ(h[1], -1);
}

constexpr CodePromises kUnit{.fixed_memory = true, .zero_r0 = true, .unlimited_fuel = true};
constexpr CodePromises kHomes{
    .fixed_memory = true, .zero_r0 = true, .unlimited_fuel = true, .register_homes = true};

std::string run(const std::string& src, const CodePromises* promises, uint64_t* bytes = nullptr) {
  return run_promised(src, promises, {}, bytes);
}

// A unit's shape, called twice so that the second call sees the first one's stores: its
// registers load from the state words, go round a loop, and are stored at two exits; `main`
// checks the words. There are more than the register cache holds, so some live in the window
// or, with homes, in their words: the code is the interpreter's, and smaller (no copies).
constexpr const char* kUnitLike = R"(
.memory 65536
.func unit() -> i64
  .reg %z: i64, %a: i64, %b: i64, %c: i64, %n: i64, %t: i64, %d: i64, %e: i64, %f: i64, %g: i64, %h: i64, %i: i64
  ld.i64 %a, %z, 40
  ld.i64 %b, %z, 48
  ld.i64 %n, %z, 56
  ld.i64 %d, %z, 72
  ld.i64 %e, %z, 80
  ld.i64 %f, %z, 88
  ld.i64 %g, %z, 96
  ld.i64 %h, %z, 104
  ld.i64 %i, %z, 112
  addi %d, %d, 1
  addi %e, %e, 2
  addi %f, %f, 3
  addi %g, %g, 4
  addi %h, %h, 5
  addi %i, %i, 6
loop:
  add %c, %a, %b
  mov %a, %b
  mov %b, %c
  sext32 %t, %c
  addi %n, %n, -1
  bz %n, out
  bnz %t, loop
  st.i64 %z, %a, 40
  st.i64 %z, %b, 48
  st.i64 %z, %n, 56
  st.i64 %z, %c, 64
  st.i64 %z, %d, 72
  st.i64 %z, %e, 80
  st.i64 %z, %f, 88
  st.i64 %z, %g, 96
  st.i64 %z, %h, 104
  st.i64 %z, %i, 112
  ret %t
out:
  st.i64 %z, %a, 40
  st.i64 %z, %b, 48
  st.i64 %z, %n, 56
  st.i64 %z, %c, 64
  st.i64 %z, %d, 72
  st.i64 %z, %e, 80
  st.i64 %z, %f, 88
  st.i64 %z, %g, 96
  st.i64 %z, %h, 104
  st.i64 %z, %i, 112
  ret %c
.end
.func main() -> i64 export
  .reg %z: i64, %v: i64, %s: i64, %k: i64
  li %v, 1
  st.i64 %z, %v, 48
  li %v, 30
  st.i64 %z, %v, 56
  call %s, unit()
  li %v, 20
  st.i64 %z, %v, 56
  call %v, unit()
  add %s, %s, %v
  ld.i64 %k, %z, 40
  add %s, %s, %k
  ld.i64 %k, %z, 48
  add %s, %s, %k
  ld.i64 %k, %z, 56
  add %s, %s, %k
  ld.i64 %k, %z, 64
  add %s, %s, %k
  ld.i64 %k, %z, 72
  add %s, %s, %k
  ld.i64 %k, %z, 80
  add %s, %s, %k
  ld.i64 %k, %z, 88
  add %s, %s, %k
  ld.i64 %k, %z, 96
  add %s, %s, %k
  ld.i64 %k, %z, 104
  add %s, %s, %k
  ld.i64 %k, %z, 112
  add %s, %s, %k
  ret %s
.end
)";

TEST(RegisterHomes, AUnitsCodeWithHomesIsTheInterpretersAndSmaller) {
  const std::string want = run(kUnitLike, nullptr);
  EXPECT_NE(want.find("returned"), std::string::npos) << want;
  uint64_t plain = 0, homed = 0;
  EXPECT_EQ(run(kUnitLike, &kUnit, &plain), want);
  EXPECT_EQ(run(kUnitLike, &kHomes, &homed), want);
  EXPECT_LT(homed, plain);
}

// The shapes that rule a home out, compiled with the promise: still the interpreter's results.
TEST(RegisterHomes, ShapesWithoutHomesKeepTheInterpretersResults) {
  const char* bodies[] = {
      // A reload after a write: SVI reads the word's old value.
      "ld.i64 %a, %z, 40\n  addi %a, %a, 5\n  ld.i64 %a, %z, 40\n  st.i64 %z, %a, 48\n  ret %a",
      // Another register's store into the word, read back through the first.
      "ld.i64 %a, %z, 40\n  li %b, 9\n  st.i64 %z, %b, 40\n  addi %a, %a, 1\n"
      "  st.i64 %z, %a, 48\n  ld.i64 %b, %z, 40\n  add %a, %a, %b\n  ret %a",
      // Part of the word written through a narrower store.
      "ld.i64 %a, %z, 40\n  li %b, -1\n  st.i8 %z, %b, 41\n  st.i64 %z, %a, 48\n"
      "  ld.i64 %b, %z, 40\n  add %a, %a, %b\n  ret %a",
      // One register at two words.
      "ld.i64 %a, %z, 40\n  st.i64 %z, %a, 48\n  addi %a, %a, 3\n  st.i64 %z, %a, 40\n"
      "  ld.i64 %b, %z, 48\n  add %a, %a, %b\n  ret %a",
  };
  // A special exit's shape: the word keeps the stored value, the register returned changes.
  {
    const std::string src = R"(
.memory 65536
.func exit_like() -> i64
  .reg %z: i64, %p: i64, %q: i64
  ld.i64 %q, %z, 40
  li %p, 100
  st.i64 %z, %p, 48
  ori %p, %p, 1
  addi %q, %q, 1
  st.i64 %z, %q, 40
  ret %p
.end
.func main() -> i64 export
  .reg %z: i64, %v: i64, %k: i64
  call %v, exit_like()
  ld.i64 %k, %z, 48
  add %v, %v, %k
  ld.i64 %k, %z, 40
  add %v, %v, %k
  ret %v
.end
)";
    const std::string want = run(src, nullptr);
    EXPECT_NE(want.find("returned 0xca"), std::string::npos) << want;  // 101 + 100 + 1
    EXPECT_EQ(run(src, &kHomes), want) << src;
  }
  for (const char* body : bodies) {
    const std::string src = std::string(R"(
.memory 65536
.func main() -> i64 export
  .reg %z: i64, %a: i64, %b: i64
  li %b, 1000
  st.i64 %z, %b, 40
  li %b, 0
  )") + body + "\n.end\n";
    const std::string want = run(src, nullptr);
    EXPECT_NE(want.find("returned"), std::string::npos) << want;
    EXPECT_EQ(run(src, &kHomes), want) << src;
  }
}

}  // namespace
}  // namespace strata::jit::baseline::test

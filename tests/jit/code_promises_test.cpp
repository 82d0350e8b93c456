// CodePromises (jit/baseline/code_promises.hpp): code compiled trusting a fixed memory and a zero
// r0 behaves exactly as the interpreter, traps included, at every bound of the memory; and the
// emitter stops trusting r0 in a function that writes it.
#include <cstdint>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "tests/jit/baseline_support.hpp"
#include "tests/jit/tier_harness.hpp"
#include "vm/program.hpp"

namespace strata::jit::baseline::test {
namespace {

constexpr CodePromises kBoth{.fixed_memory = true, .zero_r0 = true};

std::string run(const std::string& src, const CodePromises* promises, vm::Limits limits = {}) {
  return run_promised(src, promises, limits);
}

// The interpreter, plain baseline code and promised baseline code agree; returns the outcome.
std::string same(const std::string& src) {
  const std::string want = run(src, nullptr);
  const CodePromises none{};
  EXPECT_EQ(want, run(src, &none)) << src;
  EXPECT_EQ(want, run(src, &kBoth)) << src;
  return want;
}

// r0 is a local never written (0 at entry): accesses at r0 + offset up to the memory's end.
TEST(CodePromises, AccessesAtZeroPlusAnOffsetMatchTheInterpreter) {
  const std::string ok = same(R"(
.memory 65536
.func main() -> i64 export
  .reg %z: i64, %v: i64, %y: i64, %s: i64
  li %v, -3
  st.i64 %z, %v, 0
  st.i32 %z, %v, 0xfffc
  st.i8 %z, %v, 0xfff0
  ld.i64 %s, %z, 0
  ld.u32 %y, %z, 0xfffc
  add %s, %s, %y
  ld.i8 %y, %z, 0xfff0
  add %s, %s, %y
  ld.i64 %y, %z, 0xfff8
  add %s, %s, %y
  msize %y
  add %s, %s, %y
  ret %s
.end
)");
  EXPECT_EQ(ok.find("trap"), std::string::npos) << ok;
  // GUEST: one byte past the end from r0 still traps.
  const std::string t = same(R"(
.memory 65536
.func main() -> i64 export
  .reg %z: i64, %y: i64
  ld.i64 %y, %z, 0xfff9
  ret %y
.end
)");
  EXPECT_NE(t.find("outside memory"), std::string::npos) << t;
}

// GUEST: addresses at, just past and far past the end (wrapping ones included), every width,
// loads and stores, against the constant limit of a fixed memory.
TEST(CodePromises, FixedMemoryBoundsAreExact) {
  const char* shapes[] = {"ld.i64 %y, %a, {}", "ld.u32 %y, %a, {}", "ld.u16 %y, %a, {}",
                          "ld.i8 %y, %a, {}",  "st.i64 %a, %a, {}", "st.i16 %a, %a, {}"};
  const unsigned widths[] = {8, 4, 2, 1, 8, 2};
  for (size_t k = 0; k < std::size(shapes); ++k) {
    const int64_t last = 65536 - widths[k];
    struct Case {
      std::string set;  // sets %a
      unsigned off;
      bool traps;
    };
    const Case cases[] = {
        {fmt::format("li %a, {}", last), 0, false},
        {fmt::format("li %a, {}", last - 0x100), 0x100, false},
        {fmt::format("li %a, {}", last + 1), 0, true},
        {fmt::format("li %a, {}", last), 1, true},
        {"li %a, -1", 0, true},
        {"li %a, -1", 1, true},  // wraps to 0
        {"li %a, -1\n  shri %a, %a, 1", 0, true},
        {"li %a, 0", 0xfff0, false},
    };
    for (const Case& c : cases) {
      const std::string access = fmt::format(fmt::runtime(shapes[k]), c.off);
      const std::string src = fmt::format(R"(
.memory 65536
.func main() -> i64 export
  .reg %z: i64, %a: i64, %y: i64
  {}
  {}
  ret %y
.end
)",
                                          c.set, access);
      const std::string t = same(src);
      EXPECT_EQ(t.find("outside memory") != std::string::npos, c.traps) << src << t;
    }
  }
}

// A memory past 2 GiB: its limit is no 32-bit immediate, so the fixed memory's code compares with
// a constant kept in the code (Emitter::memory_limit); the same bounds, exactly.
TEST(CodePromises, FixedMemoryBoundsPast2GiBAreExact) {
  constexpr uint64_t kSize = (uint64_t{1} << 31) + 65536;
  struct Case {
    uint64_t at;
    bool traps;
  };
  for (const Case c : {Case{kSize - 8, false}, Case{kSize - 7, true}, Case{kSize, true},
                       Case{(uint64_t{1} << 31) - 8, false}}) {
    const std::string src = fmt::format(R"(
.memory {}
.func main() -> i64 export
  .reg %z: i64, %a: i64, %b: i64, %y: i64
  li %a, 1
  shli %a, %a, 31
  li %b, {}
  add %a, %a, %b
  st.i64 %a, %a, 0
  ld.i64 %y, %a, 0
  ret %y
.end
)",
                                        kSize, static_cast<int64_t>(c.at - (uint64_t{1} << 31)));
    const std::string t = same(src);
    EXPECT_EQ(t.find("outside memory") != std::string::npos, c.traps) << src << t;
  }
}

// A function that writes r0 keeps its checks and reads r0: the promise covers the entry only.
TEST(CodePromises, AFunctionThatWritesR0IsNotTrusted) {
  const std::string t = same(R"(
.memory 65536
.func main() -> i64 export
  .reg %z: i64, %y: i64, %v: i64
  li %v, 77
  st.i64 %z, %v, 64
  li %z, 64
  ld.i64 %y, %z, 0
  li %z, -8
  ld.i64 %v, %z, 0
  ret %y
.end
)");
  EXPECT_NE(t.find("outside memory"), std::string::npos) << t;
  const std::string ok = same(R"(
.memory 65536
.func main() -> i64 export
  .reg %z: i64, %y: i64, %v: i64
  li %v, 77
  st.i64 %z, %v, 64
  li %z, 64
  ld.i64 %y, %z, 0
  ret %y
.end
)");
  EXPECT_NE(ok.find("returned 0x4d"), std::string::npos) << ok;  // 77
}

// Bytes of the code of `main` of `src` compiled trusting `promises` (nothing is run).
uint64_t main_code_bytes(const std::string& src, const CodePromises& promises) {
  std::unique_ptr<vm::Program> p = testing::load_test_program(src, "main", {}, -1);
  if (!p) return 0;
  auto cache = CodeCache::create({});
  EXPECT_TRUE(cache.has_value());
  BaselineJit j(**cache);
  for (const auto& inst : p->instances())
    for (vm::FuncInfo& f : inst->funcs)
      if (f.name == "main") {
        EXPECT_TRUE(j.compile(f, inst->module.funcs[f.index], nullptr, promises));
      }
  return (*cache)->stats().bytes_installed;
}

// A call of a function or native without a result names r0 as its result register but writes
// nothing there (the RV64 system translator's store helpers are such calls, in most units): the
// function keeps the zero_r0 promise, so its accesses at r0 + offset lose their checks. A real
// write of r0 still costs it the promise (same size as with fixed memory alone).
TEST(CodePromises, AVoidCallKeepsTheZeroR0Promise) {
  const CodePromises fixed{.fixed_memory = true};
  const auto program = [](const std::string& call) {
    return fmt::format(R"(
.memory 65536
.import "std.io" print_i64(i64)
.func v()
  retv
.end
.func main() -> i64 export
  .reg %z: i64, %y: i64, %v: i64
  li %v, 77
  st.i64 %z, %v, 64
  {}
  ld.i64 %y, %z, 64
  st.i64 %z, %y, 72
  ld.i64 %v, %z, 72
  add %y, %y, %v
  ret %y
.end
)",
                       call);
  };
  for (const char* call : {"call v()", "callh print_i64(%v)"}) {
    const std::string src = program(call);
    EXPECT_LT(main_code_bytes(src, kBoth), main_code_bytes(src, fixed)) << call;
  }
  const std::string writes = program("li %z, 0");
  EXPECT_EQ(main_code_bytes(writes, kBoth), main_code_bytes(writes, fixed));
  EXPECT_NE(same(program("call v()")).find("returned 0x9a"), std::string::npos);  // 77 + 77
}

// A function that grows its memory cannot have it fixed: the emitter drops that promise, and an
// access past the old end works after the growth.
TEST(CodePromises, AGrowingMemoryIsNotFixed) {
  const std::string t = same(R"(
.memory 65536 max 131072
.func main() -> i64 export
  .reg %z: i64, %a: i64, %y: i64, %n: i64
  li %n, 1
  mgrow %y, %n
  li %a, 65536
  li %y, 5
  st.i64 %a, %y, 8
  ld.i64 %y, %a, 8
  msize %n
  add %y, %y, %n
  ret %y
.end
)");
  EXPECT_NE(t.find("returned 0x20005"), std::string::npos) << t;  // 5 + 131072
}

// unlimited_fuel: a taken backward branch charges no fuel. Seen by breaking the promise: under a
// fuel limit of 100 the loop of 1000 iterations traps OutOfFuel in the interpreter and in plain
// baseline code, and runs to its end in code compiled with the promise.
TEST(CodePromises, UnlimitedFuelChargesNoFuelOnBackEdges) {
  constexpr const char* kLoop = R"(
.func main() -> i64 export
  .reg %i: i64, %n: i64, %s: i64
  li %i, 0
  li %n, 1000
  li %s, 0
loop:
  add %s, %s, %i
  addi %i, %i, 1
  blt %i, %n, loop
  ret %s
.end
)";
  const auto run_limited = [&](const CodePromises* promises) {
    return run(kLoop, promises, vm::Limits{.fuel = 100});
  };
  const std::string interpreted = run_limited(nullptr);
  EXPECT_NE(interpreted.find("fuel"), std::string::npos) << interpreted;
  const CodePromises plain{};
  EXPECT_EQ(run_limited(&plain), interpreted);
  const CodePromises unlimited{.unlimited_fuel = true};
  const std::string promised = run_limited(&unlimited);
  EXPECT_NE(promised.find("returned 0x79f2c"), std::string::npos) << promised;  // 499500
}

// Branches comparing with the promised zero register (a `test` instead of a load and compare)
// take the interpreter's way for negative, zero and positive values, both operand orders.
TEST(CodePromises, BranchesAgainstTheZeroRegisterMatchTheInterpreter) {
  const std::string t = same(R"(
.func main() -> i64 export
  .reg %z: i64, %v: i64, %s: i64, %k: i64
  li %s, 0
  li %v, -2
loop:
  blt %v, %z, neg
  beq %v, %z, zero
  addi %s, %s, 100
  jmp next
neg:
  addi %s, %s, 1
  jmp next
zero:
  addi %s, %s, 10
next:
  bge %z, %v, low
  addi %s, %s, 1000
low:
  addi %v, %v, 1
  li %k, 3
  blt %v, %k, loop
  ret %s
.end
)");
  // v = -2, -1: 1 each; 0: 10; 1, 2: 100 + 1000 each
  EXPECT_NE(t.find("returned 0x8a4"), std::string::npos) << t;  // 2212
}

}  // namespace
}  // namespace strata::jit::baseline::test

namespace strata::jit::baseline::test {
namespace {

// CodePromises::leaf_host_calls: a callh is a plain C call of the native. The arguments reach it
// in order (atan2 is not symmetric) from cached registers and window slots alike, and the
// result lands in its register, which the code reads right after.
TEST(CodePromises, LeafHostCallsPassArgumentsInOrderAndTakeTheResult) {
  const std::string src = R"(
.import "std.math" atan2(f64, f64) -> f64
.func main() -> i64 export
  .reg %y: f64, %x: f64, %r: f64, %s: f64, %i: i64, %n: i64, %k: i64
  li %n, 0
  li %i, 1
.loop:
  i2f %y, %i
  li %k, 2
  i2f %x, %k
  callh %r, atan2(%y, %x)
  callh %s, atan2(%x, %y)
  fsub %r, %s, %r
  li %k, 1000000
  i2f %s, %k
  fmul %r, %r, %s
  f2i %k, %r
  add %n, %n, %k
  addi %i, %i, 1
  li %k, 4
  blt %i, %k, .loop
  ret %n
.end
)";
  const std::string want = run(src, nullptr);
  EXPECT_NE(want.find("returned"), std::string::npos) << want;
  const CodePromises leaf{.fixed_memory = true, .zero_r0 = true, .leaf_host_calls = true};
  EXPECT_EQ(run(src, &leaf), want);
}

}  // namespace
}  // namespace strata::jit::baseline::test

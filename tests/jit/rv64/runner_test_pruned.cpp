// Units compiled by LLVM with only the blocks their baseline code ran
// (TranslationCache::prepare_opt, docs/RV64.md "Compiling what ran"): a path that never ran
// before the compile is left out and, when it runs later, leaves the LLVM code for a unit of its
// own; the program computes what the interpreter computes.
#include <string>

#include <gtest/gtest.h>

#include "jit/rv64/runner.hpp"
#include "tests/jit/rv64/runner_rig.hpp"
#include "tests/vm/rv64/rv64_test_util.hpp"

namespace strata::jit::rv64 {
namespace {

namespace t = vm::rv64::test;

// work(n, 0) never takes the branch to the `k != 0` path; work(n, 3) takes it every third
// iteration. The first call makes the loop hot (its unit goes to LLVM without that path), the
// second runs the path the compile left out, millions of times.
constexpr const char* kProgram = R"(#include <stdio.h>
__attribute__((noinline)) long work(long n, long k) {
  long s = 0;
  for (long i = 0; i < n; ++i) {
    if (k != 0 && i % k == 0)
      s += i * 7 + (s >> 5);
    else
      s += i ^ (s >> 3);
  }
  return s;
}
int main(void) {
  long (*volatile w)(long, long) = work;
  long a = w(3000000, 0);
  long b = w(3000000, 3);
  printf("%ld %ld\n", a, b);
  return 0;
}
)";

TEST(Rv64PrunedUnits, APathLeftOutOfTheCompileRunsCorrectlyLater) {
  if (!t::have_tool(t::kCrossGcc)) GTEST_SKIP() << "riscv64-linux-gnu-gcc is not installed";
  const std::string elf = test::program("pruned", kProgram);
  ASSERT_FALSE(elf.empty());
  const test::Outcome want = test::run_program(JitMode::Off, elf);
  ASSERT_EQ(want.exit.status, 0);
  ASSERT_FALSE(want.out.empty());
  const test::Outcome got = test::run_program(JitMode::Auto, elf, {}, /*stats=*/true);
  EXPECT_EQ(got.exit.status, 0) << got.diag;
  EXPECT_EQ(got.out, want.out) << got.diag;
  // "opt pruned     N units compiled with only the blocks that ran (A -> B guest blocks)"
  const size_t at = got.diag.find("opt pruned");
  ASSERT_NE(at, std::string::npos) << got.diag;
  unsigned units = 0, before = 0, after = 0;
  ASSERT_EQ(std::sscanf(got.diag.c_str() + at,
                        "opt pruned %u units compiled with only the blocks that ran (%u -> %u",
                        &units, &before, &after),
            3)
      << got.diag;
  EXPECT_GE(units, 1u) << got.diag;
  EXPECT_LT(after, before) << got.diag;
}

// Without --jit=auto there are no probes and nothing is pruned: --jit=baseline prints no line.
TEST(Rv64PrunedUnits, OnlyAutoProbes) {
  if (!t::have_tool(t::kCrossGcc)) GTEST_SKIP() << "riscv64-linux-gnu-gcc is not installed";
  const std::string elf = test::program("pruned", kProgram);
  ASSERT_FALSE(elf.empty());
  const test::Outcome got = test::run_program(JitMode::Baseline, elf, {}, /*stats=*/true);
  EXPECT_EQ(got.exit.status, 0) << got.diag;
  EXPECT_EQ(got.diag.find("opt pruned"), std::string::npos) << got.diag;
}

}  // namespace
}  // namespace strata::jit::rv64

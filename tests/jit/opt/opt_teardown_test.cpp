// The tier going away with many functions' code still installed: every function's code is freed
// with it, and (under valgrind) nothing reads freed memory on the way. LLVM 19's ORC handed the
// code of a tracker destroyed without remove() to the default tracker through a reference its
// own map insertion could free (llvm_compiler.cpp, ~LlvmCompiler); with a few dozen functions
// that read happened on every teardown and one run in about fifty aborted.
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "jit/opt/opt_loader.hpp"
#include "tests/jit/tier_harness.hpp"
#include "tests/support/subprocess.hpp"

namespace strata::jit::opt {
namespace {

// `n` exported functions, each compiled alone (one tracker each).
std::string many_functions(int n) {
  std::string src;
  for (int i = 0; i < n; ++i)
    src += fmt::format(
        ".func f{0}(%x: i64) -> i64 export\n  .reg %r: i64\n  addi %r, %x, {0}\n  ret %r\n"
        ".end\n",
        i);
  return src;
}

// Compiles `n` functions, runs the last one's LLVM code, and drops the tier with all of them
// installed.
void compile_all_and_drop(int n) {
  std::unique_ptr<vm::Program> p = testing::load_test_program(many_functions(n), "f0", {}, 1);
  ASSERT_NE(p, nullptr);
  auto tier = OptTier::load();
  ASSERT_TRUE(tier.has_value()) << tier.error().message;
  for (const auto& inst : p->instances())
    for (vm::FuncInfo& f : inst->funcs) ASSERT_TRUE((*tier)->compile(f)) << f.name;
  EXPECT_EQ((*tier)->stats().compiled, static_cast<uint64_t>(n));
  vm::RunResult r;
  bool has_result = true;
  const vm::Value arg = vm::Value::from_i(5);
  const std::string last = fmt::format("f{}", n - 1);
  ASSERT_TRUE(testing::run_test_program(*p, last, {&arg, 1}, &r, &has_result));
  EXPECT_EQ(r.kind, vm::RunResult::Kind::Returned);
  EXPECT_EQ(r.value.i, 5 + n - 1);
  tier->reset();
}

// DenseMap grows when its entries reach 3/4 of its buckets: with 23, 47 or 95 functions the
// default tracker's key, inserted by the first transfer, is the entry that makes it grow.
TEST(OptTeardown, TheTierGoesWithManyFunctionsInstalled) {
  for (int n : {23, 47, 95}) compile_all_and_drop(n);
}

TEST(OptTeardown, ValgrindSeesNoInvalidAccessWhenTheTierGoes) {
  if (std::system("command -v valgrind >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "valgrind is not installed (tools/setup.sh installs it)";
  char self[PATH_MAX];
  const ssize_t len = ::readlink("/proc/self/exe", self, sizeof self - 1);
  ASSERT_GT(len, 0);
  self[len] = '\0';
  // Uninitialised-value reports are off: Boehm GC's conservative stack scan makes them.
  const test::ProcessResult r = test::run_process(
      {"/usr/bin/env", "valgrind", "--error-exitcode=97", "--undef-value-errors=no",
       "--leak-check=no", self, "--gtest_filter=OptTeardown.TheTierGoesWithManyFunctionsInstalled"},
      "", 600);
  EXPECT_EQ(r.exit_code, 0) << r.err.substr(r.err.size() > 8000 ? r.err.size() - 8000 : 0);
}

}  // namespace
}  // namespace strata::jit::opt

// Differential harness for the baseline tier: the same program run by the interpreter and with
// every function compiled, compared on result bits, trap (kind, message, full trace: function,
// pc, line), fuel used and guest stdout.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "assembler/assembler.hpp"
#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "stdlib/stdlib.hpp"
#include "tests/jit/tier_harness.hpp"
#include "vm/program.hpp"

namespace strata::jit::baseline::test {

using vm::Value;

struct RunOutcome {
  std::string text;  // everything observable, one canonical string
  uint64_t compiled = 0, fallen_back = 0;
  uint64_t evicted = 0;  // cache entries evicted while compiling
};

using strata::jit::testing::describe;

// Which functions get compiled: none (the interpreter), all, or every other one (by index in
// its module), so that compiled and interpreted frames interleave (nested interpreter runs
// under compiled code and compiled code entered from the interpreter).
enum class Mode { kInterp, kAll, kOdd, kEven };

// Runs export `fn` of `src` (or main when fn is empty) with `args`.
inline RunOutcome run(const std::string& src, Mode mode, const std::string& fn = "",
                      std::vector<Value> args = {}, vm::Limits limits = {},
                      size_t cache_bytes = size_t{4} << 20) {
  RunOutcome out;
  int fd = memfd_create("baseline_test_out", MFD_CLOEXEC);
  std::unique_ptr<vm::Program> p = testing::load_test_program(src, fn, limits, fd);
  if (!p) {
    ::close(fd);
    return out;
  }
  auto cache = CodeCache::create({.capacity_bytes = cache_bytes});
  EXPECT_TRUE(cache.has_value());
  BaselineJit j(**cache);
  if (mode == Mode::kAll) j.compile_program(*p);
  if (mode == Mode::kOdd || mode == Mode::kEven)
    for (const auto& inst : p->instances())
      for (vm::FuncInfo& f : inst->funcs)
        if ((f.index % 2 == 1) == (mode == Mode::kOdd)) j.compile(f);
  out.compiled = j.stats().compiled;
  out.fallen_back = j.stats().fallen_back;
  out.evicted = (*cache)->stats().evicted_entries;
  vm::RunResult r;
  bool has_result = true;
  if (!testing::run_test_program(*p, fn, args, &r, &has_result)) {
    ::close(fd);
    return out;
  }
  const std::string stdout_text = testing::read_output(fd);
  ::close(fd);
  out.text =
      describe(r, has_result) + fmt::format("\nfuel {}\nstdout:\n{}", p->fuel_used(), stdout_text);
  return out;
}

// Interpreter and baseline agree, with every function compiled and with half of them (both
// halves). Returns the (common) outcome.
inline std::string same(const std::string& src, const std::string& fn = "",
                        std::vector<Value> args = {}, vm::Limits limits = {}) {
  RunOutcome a = run(src, Mode::kInterp, fn, args, limits);
  for (Mode m : {Mode::kAll, Mode::kOdd, Mode::kEven}) {
    RunOutcome b = run(src, m, fn, args, limits);
    EXPECT_EQ(b.fallen_back, 0u);
    if (m == Mode::kAll) {
      EXPECT_GT(b.compiled, 0u);
    }
    EXPECT_EQ(a.text, b.text) << "mode " << static_cast<int>(m) << ", program:\n" << src;
  }
  return a.text;
}

// Eight registers a loop updates far more often than the rest (`regs` to add to a .reg line,
// `init` to set them, `hot` the loop's updates): they take the cache, so a test's own registers
// live in the window.
struct Pressure {
  std::string regs, init, hot;
  static Pressure make() {
    Pressure p;
    for (int i = 0; i < 8; ++i) {
      p.regs += fmt::format(", %p{}: i64", i);
      p.init += fmt::format("  li %p{}, {}\n", i, i + 1);
      for (int k = 0; k < 6; ++k)
        p.hot += fmt::format("  add %p{}, %p{}, %p{}\n", i, i, (i + 1) % 8);
    }
    return p;
  }
};

inline Value vi(int64_t x) {
  return Value::from_i(x);
}
inline Value vf(double x) {
  return Value::from_f(x);
}

// Runs `main` of `src` under `limits`, interpreted (promises null) or with every function
// compiled trusting `*promises` (jit/baseline/code_promises.hpp): the canonical outcome text, and
// the bytes of code installed in `*bytes` (may be null).
inline std::string run_promised(const std::string& src, const CodePromises* promises,
                                vm::Limits limits = {}, uint64_t* bytes = nullptr) {
  std::unique_ptr<vm::Program> p = testing::load_test_program(src, "main", limits, -1);
  if (!p) return "load failed";
  auto cache = CodeCache::create({});
  EXPECT_TRUE(cache.has_value());
  BaselineJit j(**cache);
  if (promises != nullptr) {
    for (const auto& inst : p->instances())
      for (vm::FuncInfo& f : inst->funcs)
        EXPECT_TRUE(j.compile(f, inst->module.funcs[f.index], nullptr, *promises));
    if (bytes != nullptr) *bytes = (*cache)->stats().bytes_installed;
  }
  vm::RunResult r;
  bool has_result = true;
  if (!testing::run_test_program(*p, "main", {}, &r, &has_result)) return "run failed";
  return testing::describe(r, has_result);
}

}  // namespace strata::jit::baseline::test

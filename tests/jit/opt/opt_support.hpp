// Differential harness for the optimizing tier: the same program run by the interpreter and with
// functions compiled by LLVM (all of them, or every other one with the rest interpreted or on
// the baseline tier), compared on result bits, trap (kind, message, full trace: function, pc,
// line), fuel used and guest stdout.
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
#include "jit/opt/opt_loader.hpp"
#include "stdlib/stdlib.hpp"
#include "tests/jit/tier_harness.hpp"
#include "vm/program.hpp"

namespace strata::jit::opt::test {

using vm::Value;

// Which functions the opt tier compiles: none (the interpreter), all, the odd-indexed ones (the
// others interpreted), or the even-indexed ones (the others on the baseline tier).
enum class Mode { kInterp, kOpt, kOptOddInterp, kOptEvenBaseline };

inline const char* mode_name(Mode m) {
  switch (m) {
    case Mode::kInterp: return "interp";
    case Mode::kOpt: return "opt";
    case Mode::kOptOddInterp: return "opt-odd+interp";
    case Mode::kOptEvenBaseline: return "opt-even+baseline";
  }
  return "?";
}

using strata::jit::testing::describe;

struct RunOutcome {
  std::vector<std::string> texts;  // one canonical description per call
  uint64_t opt_compiled = 0, opt_declined = 0;
  std::string declined;  // the first reasons, for failure messages
};

// Loads `src` once, prepares it for `mode`, then runs export `fn` (main when empty) once per
// argument list in `calls`; each outcome also has the fuel used and stdout so far.
inline RunOutcome run(const std::string& src, Mode mode, const std::string& fn = "",
                      const std::vector<std::vector<Value>>& calls = {{}}, vm::Limits limits = {}) {
  RunOutcome out;
  int fd = memfd_create("opt_test_out", MFD_CLOEXEC);
  std::unique_ptr<vm::Program> p = testing::load_test_program(src, fn, limits, fd);
  if (!p) {
    ::close(fd);
    return out;
  }
  auto cache = CodeCache::create({});
  EXPECT_TRUE(cache.has_value());
  baseline::BaselineJit base_jit(**cache);
  std::unique_ptr<OptTier> tier;
  if (mode != Mode::kInterp) {
    auto t = OptTier::load();
    if (!t) {
      ADD_FAILURE() << t.error().message;
      ::close(fd);
      return out;
    }
    tier = std::move(*t);
    for (const auto& inst : p->instances())
      for (vm::FuncInfo& f : inst->funcs) {
        const bool odd = f.index % 2 == 1;
        if (mode == Mode::kOpt || (mode == Mode::kOptOddInterp && odd) ||
            (mode == Mode::kOptEvenBaseline && !odd))
          tier->compile(f);
        else if (mode == Mode::kOptEvenBaseline)
          base_jit.compile(f);
      }
    out.opt_compiled = tier->stats().compiled;
    out.opt_declined = tier->stats().declined;
    for (const auto& why : tier->stats().declined_reasons) out.declined += why + "\n";
  }
  for (const auto& args : calls) {
    vm::RunResult r;
    bool has_result = true;
    if (!testing::run_test_program(*p, fn, args, &r, &has_result)) break;
    const std::string stdout_text = testing::read_output(fd);
    out.texts.push_back(describe(r, has_result) +
                        fmt::format("\nfuel {}\nstdout:\n{}", p->fuel_used(), stdout_text));
  }
  ::close(fd);
  return out;
}

// Interpreter and opt tier agree in every mode, nothing declined. Returns the interpreter's
// outcomes.
inline std::vector<std::string> same(const std::string& src, const std::string& fn = "",
                                     const std::vector<std::vector<Value>>& calls = {{}},
                                     vm::Limits limits = {},
                                     std::vector<Mode> modes = {Mode::kOpt, Mode::kOptOddInterp,
                                                                Mode::kOptEvenBaseline}) {
  RunOutcome a = run(src, Mode::kInterp, fn, calls, limits);
  for (Mode m : modes) {
    RunOutcome b = run(src, m, fn, calls, limits);
    EXPECT_EQ(b.opt_declined, 0u) << b.declined;
    if (m == Mode::kOpt) {
      EXPECT_GT(b.opt_compiled, 0u);
    }
    EXPECT_EQ(a.texts.size(), b.texts.size());
    for (size_t i = 0; i < a.texts.size() && i < b.texts.size(); ++i)
      EXPECT_EQ(a.texts[i], b.texts[i])
          << "mode " << mode_name(m) << ", call " << i << ", program:\n"
          << src;
  }
  return a.texts;
}

inline Value vi(int64_t x) {
  return Value::from_i(x);
}
inline Value vf(double x) {
  return Value::from_f(x);
}

// Doubly recursive Fibonacci, exported: the self-call path's program (opt_calls_test.cpp,
// opt_self_frames_test.cpp).
inline constexpr const char* kFib = R"(
.func fib(%n: i64) -> i64 export
  .reg %a: i64, %b: i64, %two: i64
  li %two, 2
  blt %n, %two, small
  addi %a, %n, -1
  call %a, fib(%a)
  addi %b, %n, -2
  call %b, fib(%b)
  add %a, %a, %b
  ret %a
small:
  ret %n
.end
)";

}  // namespace strata::jit::opt::test

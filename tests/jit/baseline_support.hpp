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
#include "vm/program.hpp"

namespace strata::jit::baseline::test {

using vm::Value;

struct RunOutcome {
  std::string text;  // everything observable, one canonical string
  uint64_t compiled = 0, fallen_back = 0;
  uint64_t evicted = 0;  // cache entries evicted while compiling
};

inline std::string describe(const vm::RunResult& r, bool has_result) {
  std::string s;
  switch (r.kind) {
    case vm::RunResult::Kind::Returned:
      s = has_result ? fmt::format("returned {:#x}", r.value.bits) : "returned";
      break;
    case vm::RunResult::Kind::Exited: s = fmt::format("exited {}", r.exit_code); break;
    case vm::RunResult::Kind::Trapped:
      s = fmt::format("trapped {}: {}", vm::to_string(r.trap->kind), r.trap->message);
      for (const auto& f : r.trap->trace)
        s += fmt::format("\n  at {}.{} pc {} line {}", f.module, f.function, f.pc, f.line);
      break;
  }
  return s;
}

// Which functions get compiled: none (the interpreter), all, or every other one (by index in
// its module), so that compiled and interpreted frames interleave (nested interpreter runs
// under compiled code and compiled code entered from the interpreter).
enum class Mode { kInterp, kAll, kOdd, kEven };

// Runs export `fn` of `src` (or main when fn is empty) with `args`.
inline RunOutcome run(const std::string& src, Mode mode, const std::string& fn = "",
                      std::vector<Value> args = {}, vm::Limits limits = {},
                      size_t cache_bytes = size_t{4} << 20) {
  RunOutcome out;
  auto m = as::assemble(src, "t.sasm");
  if (!m) {
    ADD_FAILURE() << m.error().message;
    return out;
  }
  int fd = memfd_create("baseline_test_out", MFD_CLOEXEC);
  vm::LoadOptions o;
  o.limits = limits;
  o.natives = stdlib::natives();
  o.out_fd = o.err_fd = fd;
  auto p = fn.empty() ? vm::Program::load(std::move(*m), std::move(o))
                      : vm::Program::load_library(std::move(*m), std::move(o));
  if (!p) {
    ADD_FAILURE() << p.error().message;
    ::close(fd);
    return out;
  }
  auto cache = CodeCache::create({.capacity_bytes = cache_bytes});
  EXPECT_TRUE(cache.has_value());
  BaselineJit j(**cache);
  if (mode == Mode::kAll) j.compile_program(**p);
  if (mode == Mode::kOdd || mode == Mode::kEven)
    for (const auto& inst : (*p)->instances())
      for (vm::FuncInfo& f : inst->funcs)
        if ((f.index % 2 == 1) == (mode == Mode::kOdd)) j.compile(f);
  out.compiled = j.stats().compiled;
  out.fallen_back = j.stats().fallen_back;
  out.evicted = (*cache)->stats().evicted_entries;
  vm::RunResult r;
  bool has_result = true;
  if (fn.empty()) {
    r = (*p)->run_main({});
  } else {
    auto rr = (*p)->call(fn, args);
    if (!rr) {
      ADD_FAILURE() << rr.error().message;
      ::close(fd);
      return out;
    }
    r = std::move(*rr);
    const auto& inst = (*p)->main_instance();
    auto idx = inst.module.find_export(fn);
    has_result = idx && inst.funcs[*idx].has_result;
  }
  std::string stdout_text;
  off_t size = lseek(fd, 0, SEEK_END);
  stdout_text.resize(static_cast<size_t>(size));
  if (size > 0) {
    EXPECT_EQ(pread(fd, stdout_text.data(), stdout_text.size(), 0), size);
  }
  ::close(fd);
  out.text = describe(r, has_result) +
             fmt::format("\nfuel {}\nstdout:\n{}", (*p)->fuel_used(), stdout_text);
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

inline Value vi(int64_t x) {
  return Value::from_i(x);
}
inline Value vf(double x) {
  return Value::from_f(x);
}

}  // namespace strata::jit::baseline::test

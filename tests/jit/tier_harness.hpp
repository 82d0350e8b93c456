// The pieces every tier's differential harness shares (tests/jit/baseline_support.hpp,
// tests/jit/opt/opt_support.hpp): load a SASM program with its output captured, run main or an
// export, read the output back, and describe an outcome as one canonical string.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <memory>
#include <span>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "assembler/assembler.hpp"
#include "stdlib/stdlib.hpp"
#include "vm/program.hpp"

namespace strata::jit::testing {

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

// Assembles and loads `src` (as a program when `fn` is empty, else as a library whose export
// `fn` is called), its stdout and stderr going to `out_fd`. Null after a test failure.
inline std::unique_ptr<vm::Program> load_test_program(const std::string& src, const std::string& fn,
                                                      vm::Limits limits, int out_fd) {
  auto m = as::assemble(src, "t.sasm");
  if (!m) {
    ADD_FAILURE() << m.error().message;
    return nullptr;
  }
  vm::LoadOptions o;
  o.limits = limits;
  o.natives = stdlib::natives();
  o.out_fd = o.err_fd = out_fd;
  auto p = fn.empty() ? vm::Program::load(std::move(*m), std::move(o))
                      : vm::Program::load_library(std::move(*m), std::move(o));
  if (!p) {
    ADD_FAILURE() << p.error().message;
    return nullptr;
  }
  return std::move(*p);
}

// Runs main (fn empty) or export `fn` with `args`. False after a test failure (no such export).
inline bool run_test_program(vm::Program& p, const std::string& fn, std::span<const vm::Value> args,
                             vm::RunResult* r, bool* has_result) {
  *has_result = true;
  if (fn.empty()) {
    *r = p.run_main({});
    return true;
  }
  auto rr = p.call(fn, args);
  if (!rr) {
    ADD_FAILURE() << rr.error().message;
    return false;
  }
  *r = std::move(*rr);
  const auto& inst = p.main_instance();
  auto idx = inst.module.find_export(fn);
  *has_result = idx && inst.funcs[*idx].has_result;
  return true;
}

// Everything written to `fd` so far.
inline std::string read_output(int fd) {
  std::string text;
  const off_t size = lseek(fd, 0, SEEK_END);
  text.resize(static_cast<size_t>(size));
  if (size > 0) {
    EXPECT_EQ(pread(fd, text.data(), text.size(), 0), size);
  }
  return text;
}

}  // namespace strata::jit::testing

// Shared helpers for the VM tests: loading hand-built or assembled modules and running exports.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "assembler/assembler.hpp"
#include "tests/vm/module_builder.hpp"
#include "vm/program.hpp"

namespace strata::vm::test {

// Assembles SASM text; an assembly error fails the test (and yields an empty module).
inline isa::Module sasm(std::string_view src, std::string_view file = "test.sasm") {
  auto m = as::assemble(src, file);
  if (!m) {
    ADD_FAILURE() << "assembly failed: " << m.error().message;
    return isa::Module{};
  }
  return std::move(*m);
}

inline std::unique_ptr<Program> load_lib(isa::Module m, LoadOptions o = {}) {
  auto p = Program::load_library(std::move(m), std::move(o));
  if (!p) {
    ADD_FAILURE() << "load failed: " << p.error().message;
    return nullptr;
  }
  return std::move(*p);
}

// Calls export `name`; fails the test unless it returned normally.
inline Value call_ok(Program& p, std::string_view name, std::initializer_list<Value> a = {}) {
  auto r = p.call(name, std::span<const Value>(a.begin(), a.size()));
  if (!r) {
    ADD_FAILURE() << r.error().message;
    return Value{};
  }
  if (r->kind != RunResult::Kind::Returned) {
    ADD_FAILURE() << "did not return: "
                  << (r->trap ? format_trap(*r->trap) : std::string("exited"));
  }
  return r->value;
}

// Calls export `name` expecting a trap; returns it (a default Trap if it did not trap).
inline Trap call_trap(Program& p, std::string_view name, std::initializer_list<Value> a = {}) {
  auto r = p.call(name, std::span<const Value>(a.begin(), a.size()));
  if (!r) {
    ADD_FAILURE() << r.error().message;
    return Trap{};
  }
  if (r->kind != RunResult::Kind::Trapped || !r->trap) {
    ADD_FAILURE() << "expected a trap";
    return Trap{};
  }
  return *r->trap;
}

inline std::unique_ptr<Program> load_sasm(std::string_view src, LoadOptions o = {}) {
  return load_lib(sasm(src), std::move(o));
}

inline Value vi(int64_t x) {
  return Value::from_i(x);
}
inline Value vf(double x) {
  return Value::from_f(x);
}

}  // namespace strata::vm::test

// Runs one device model of stdlib/devices with natives of the test's own in place of the
// machine's, and calls its exports: how the PLIC and CLINT tests drive a model with no CPU.
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "assembler/assembler.hpp"
#include "stdlib/devices/models.hpp"
#include "vm/native.hpp"
#include "vm/program.hpp"

namespace strata::hwvm::riscv::test {

class ModelRig {
 public:
  // Loads model `name` ("devices.plic") with `natives`, whose user_data is `host`, and resets it.
  ModelRig(std::string_view name, std::span<const vm::NativeDef> natives, void* host) {
    auto src = stdlib::devices::find_model(name);
    EXPECT_TRUE(src) << name;
    if (!src) return;
    auto m = as::assemble((*src)->source, (*src)->file);
    EXPECT_TRUE(m) << m.error().message;
    if (!m) return;
    vm::LoadOptions o;
    o.natives = natives;
    o.user_data = host;
    auto prog = vm::Program::load_library(std::move(*m), std::move(o));
    EXPECT_TRUE(prog) << prog.error().message;
    if (!prog) return;
    program_ = std::move(*prog);
    call("reset", {});
  }

  // Calls export `fn`; a trap (or a model that failed to load) fails the test and gives -1.
  int64_t call(std::string_view fn, std::vector<int64_t> args) {
    if (!program_) return -1;
    std::vector<vm::Value> v;
    for (auto a : args) v.push_back(vm::Value::from_i(a));
    auto r = program_->call(fn, v);
    EXPECT_TRUE(r && r->kind == vm::RunResult::Kind::Returned) << fn;
    return r && r->kind == vm::RunResult::Kind::Returned ? r->value.i : -1;
  }
  uint64_t rd(uint64_t off, int64_t size) {
    return static_cast<uint64_t>(call("read", {static_cast<int64_t>(off), size}));
  }
  void wr(uint64_t off, uint64_t v, int64_t size) {
    call("write", {static_cast<int64_t>(off), size, static_cast<int64_t>(v)});
  }

 private:
  std::unique_ptr<vm::Program> program_;
};

}  // namespace strata::hwvm::riscv::test

// Hand-assembled translated units for the tests of what holds them (TranslationCache,
// OptPromoter): each unit returns a fixed next pc, and a fixture runs one with the interpreter
// or whatever code its slot holds.
#pragma once

#include <memory>

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "assembler/assembler.hpp"
#include "jit/rv64/guest_module.hpp"
#include "jit/rv64/translation_cache.hpp"
#include "vm/host_context.hpp"
#include "vm/interp.hpp"

namespace strata::jit::rv64::test {

// A unit of guest bytes [start, end) whose SVI body returns `next`.
inline TranslatedBlock make_block(uint64_t start, uint64_t end, uint64_t next) {
  auto m = as::assemble(fmt::format(".func blk() -> i64\n  ret {}\n.end\n", next), "blk.sasm");
  EXPECT_TRUE(m.has_value()) << (m ? "" : m.error().message);
  TranslatedBlock b;
  if (!m) return b;
  b.fn = m->funcs.at(0);
  b.fn.name = fmt::format("block_{:x}", start);
  b.fn.sig = kBlockSig;
  b.start = start;
  b.end = end;
  b.guest_insns = static_cast<uint32_t>((end - start) / 4);
  b.pc_map = {{0, start}};
  return b;
}

// A 1 MiB guest instance to hold units, and run(): a unit's result through its code slot.
class UnitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto inst = make_guest_instance(1 << 20);
    ASSERT_TRUE(inst.has_value());
    inst_ = std::move(*inst);
  }
  int64_t run(const CachedBlock& b) {
    vm::ExecState st{vm::Limits{}};
    vm::HostContext cx(1, 2);
    vm::Value ret{};
    vm::Trap trap;
    EXPECT_EQ(vm::execute(st, cx, &b.func, nullptr, &ret, &trap), vm::ExecStatus::Returned)
        << vm::format_trap(trap);
    return ret.i;
  }

  std::unique_ptr<vm::Instance> inst_;
};

}  // namespace strata::jit::rv64::test

// The shared set-up of the chaining tests (chain_links_test.cpp, chain_exits_test.cpp): a
// TranslationCache of hand-assembled units whose exits chain, its context's slice and written
// word, and run_chain(): a run entered at one unit, as Rv64Vcpu::run_block starts it.
#pragma once

#include <memory>

#include <gtest/gtest.h>

#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "jit/rv64/translation_cache.hpp"
#include "tests/jit/rv64/unit_rig.hpp"
#include "vm/interp.hpp"

namespace strata::jit::rv64::test {

// make_block's unit, its `ret` recorded as a constant exit (as emit_exit_to records it).
inline TranslatedBlock chainable(uint64_t start, uint64_t next) {
  TranslatedBlock b = make_block(start, start + 4, next);
  for (uint32_t pc = 0; pc < b.fn.code.size(); ++pc)
    if (isa::op_of(b.fn.code[pc]) == isa::Op::Ret) b.const_exits.emplace_back(pc, next);
  EXPECT_EQ(b.const_exits.size(), 1u);
  return b;
}

class ChainRig : public UnitTest {
 protected:
  // A CodeCache of `pages` 4 KiB pages and the baseline tier over it.
  void make_jit(size_t pages) {
    auto code = CodeCache::create({.capacity_bytes = pages * 4096, .chunk_bytes = 4096});
    ASSERT_TRUE(code.has_value()) << code.error().message;
    code_ = std::move(*code);
    jit_ = std::make_unique<baseline::BaselineJit>(*code_);
  }
  // A fresh cache whose units chain through a context on this fixture's slice and written word.
  // `count_limit` nonzero: --jit=auto's counting towards LLVM.
  void make_chaining_cache(uint32_t count_limit) {
    cache_.reset();
    cache_ = std::make_unique<TranslationCache>(*inst_, jit_.get(), code_.get());
    baseline::ChainContext& ctx = cache_->chain().context();
    ctx.slice_left = &slice_;
    ctx.written = &written_;
    ctx.count_limit = count_limit;
  }
  void TearDown() override {
    cache_.reset();  // its units' code leaves the CodeCache first
    jit_.reset();
  }

  LinkSlot& slot(CachedBlock& b) { return b.exits.at(0); }
  baseline::ChainContext& ctx() { return cache_->chain().context(); }

  // Runs `b` as Rv64Vcpu::run_block does (frame 0 over the stack) and returns the next pc.
  uint64_t run_chain(const CachedBlock& b) {
    vm::Frame* fp = st_.frames;
    fp->fn = &b.func;
    fp->base = st_.stack;
    fp->pc = b.func.code;
    ctx().running = &b;
    const auto s = static_cast<vm::ExecStatus>(b.func.jit_entry(&st_, st_.stack, fp));
    EXPECT_EQ(s, vm::ExecStatus::Returned);
    // The frame names the unit that returned.
    EXPECT_EQ(fp->fn, &static_cast<const CachedBlock*>(ctx().running)->func);
    return st_.jit_retval.bits;
  }

  vm::ExecState st_{vm::Limits{}};
  int64_t slice_ = 1000;
  size_t written_ = 0;
  std::unique_ptr<CodeCache> code_;
  std::unique_ptr<baseline::BaselineJit> jit_;
  std::unique_ptr<TranslationCache> cache_;
};

}  // namespace strata::jit::rv64::test

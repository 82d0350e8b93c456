// The LLVM IR of a translated RV64 unit, optimized (STRATA_OPT_DUMP=1) or as translated
// (STRATA_OPT_DUMP=raw), for tests that look at what the optimizing tier makes of one.
#pragma once

#include <cstdlib>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "isa/code_walk.hpp"
#include "jit/baseline/chain.hpp"
#include "jit/opt/opt_loader.hpp"
#include "jit/rv64/guest_module.hpp"
#include "tests/jit/rv64/sys_rig.hpp"
#include "tests/jit/rv64/translate_test_support.hpp"

namespace strata::jit::rv64::systest {

// How often `what` occurs in `text` (an IR listing).
inline size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// One unit translated from `words` at kCodeVa, compiled as often as asked, each time into a
// FuncInfo of its own.
class UnitIr {
 public:
  explicit UnitIr(const std::vector<uint32_t>& words)
      : tb_(test::translate_words(words, kCodeVa)) {}
  const TranslatedBlock& unit() const { return tb_; }

  // The optimized IR of the unit compiled as a guest unit (or as an SVI function).
  std::string optimized(opt::OptTier& tier, bool guest_unit) { return ir(tier, guest_unit, "1"); }
  // The IR as translated, before the pass pipeline.
  std::string translated(opt::OptTier& tier) { return ir(tier, true, "raw"); }
  // The same with every `ret` a chained exit, as the runner compiles its units (the slots
  // unlinked: the code is never run).
  std::string translated_chained(opt::OptTier& tier) {
    const isa::Module m = make_guest_module(kLinearBytes);
    chain_.ctx = &ctx_;
    ctx_.slice_left = &slice_left_;
    ctx_.written = &written_;
    chain_.rets.clear();
    for (const isa::Insn& in : isa::CodeWalk(m, tb_.fn))
      if (in.op() == isa::Op::Ret) chain_.rets.emplace_back(in.pc, &slots_.emplace_back());
    return ir(tier, true, "raw", &chain_);
  }

 private:
  std::string ir(opt::OptTier& tier, bool guest_unit, const char* dump,
                 const baseline::ChainExits* chain = nullptr) {
    if (inst_ == nullptr) inst_ = std::move(*make_guest_instance(kLinearBytes));
    vm::FuncInfo& fn = funcs_.emplace_back();
    init_block_func(fn, tb_.fn, *inst_, static_cast<uint32_t>(funcs_.size()));
    ::setenv("STRATA_OPT_DUMP", dump, 1);
    testing::internal::CaptureStderr();
    const vm::JitEntry entry = tier.translate(fn, tb_.fn, guest_unit, 0, chain);
    std::string text = testing::internal::GetCapturedStderr();
    ::unsetenv("STRATA_OPT_DUMP");
    EXPECT_NE(entry, nullptr) << (guest_unit ? "guest unit" : "function") << ": declined";
    return text;
  }

  TranslatedBlock tb_;
  std::unique_ptr<vm::Instance> inst_;
  std::deque<vm::FuncInfo> funcs_;  // their addresses must not change
  baseline::ChainContext ctx_;
  int64_t slice_left_ = 0;
  size_t written_ = 0;
  std::deque<baseline::ChainSlot> slots_;
  baseline::ChainExits chain_;
};

}  // namespace strata::jit::rv64::systest

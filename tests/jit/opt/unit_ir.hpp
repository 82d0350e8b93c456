// The LLVM IR of a translated RV64 unit, optimized (STRATA_OPT_DUMP=1) or as translated
// (STRATA_OPT_DUMP=raw), for tests that look at what the optimizing tier makes of one.
#pragma once

#include <cstdlib>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "jit/opt/opt_loader.hpp"
#include "tests/jit/rv64/sys_rig.hpp"
#include "tests/jit/rv64/translate_test_support.hpp"

namespace strata::jit::rv64::systest {

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

 private:
  std::string ir(opt::OptTier& tier, bool guest_unit, const char* dump) {
    if (inst_ == nullptr) inst_ = std::move(*make_guest_instance(kLinearBytes));
    vm::FuncInfo& fn = funcs_.emplace_back();
    init_block_func(fn, tb_.fn, *inst_, static_cast<uint32_t>(funcs_.size()));
    ::setenv("STRATA_OPT_DUMP", dump, 1);
    testing::internal::CaptureStderr();
    const vm::JitEntry entry = tier.translate(fn, tb_.fn, guest_unit);
    std::string text = testing::internal::GetCapturedStderr();
    ::unsetenv("STRATA_OPT_DUMP");
    EXPECT_NE(entry, nullptr) << (guest_unit ? "guest unit" : "function") << ": declined";
    return text;
  }

  TranslatedBlock tb_;
  std::unique_ptr<vm::Instance> inst_;
  std::deque<vm::FuncInfo> funcs_;  // their addresses must not change
};

}  // namespace strata::jit::rv64::systest

// Which pass pipeline a translated RV64 unit goes through (jit/opt/pipeline.hpp, CodeKind): a
// guest unit the lighter one, without IndVarSimplify and the unrollers, an SVI function the full
// one. Seen in the optimized IR (STRATA_OPT_DUMP=1) of one counted loop compiled both ways: the
// full pipeline unrolls it, the unit pipeline keeps its back-edge.
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "jit/opt/opt_loader.hpp"
#include "tests/jit/rv64/sys_rig.hpp"
#include "tests/jit/rv64/translate_test_support.hpp"

namespace strata::jit::rv64::systest {
namespace {

namespace rv = test::rv;
using test::translate_words;

// x6 += 3, eight times: a loop whose trip count is a constant of the unit.
std::vector<uint32_t> counted_loop() {
  return {rv::addi(5, 0, 8), rv::addi(6, 6, 3), rv::addi(5, 5, -1), rv::bne(5, 0, -8)};
}

// The optimized IR of `tb` compiled as a guest unit or as an SVI function.
std::string optimized_ir(opt::OptTier& tier, vm::FuncInfo& fn, const TranslatedBlock& tb,
                         bool guest_unit) {
  ::setenv("STRATA_OPT_DUMP", "1", 1);
  testing::internal::CaptureStderr();
  const vm::JitEntry entry = tier.translate(fn, tb.fn, guest_unit);
  std::string ir = testing::internal::GetCapturedStderr();
  ::unsetenv("STRATA_OPT_DUMP");
  EXPECT_NE(entry, nullptr) << (guest_unit ? "guest unit" : "function") << ": declined";
  return ir;
}

// True when the control flow graph of `ir` (one function's text) has a cycle: a loop is left.
// Each block's successors are the labels its `br` names (the translated code has no switch).
bool has_loop(const std::string& ir) {
  std::map<std::string, std::vector<std::string>> succ;
  std::string block = "entry";
  const std::regex label(R"(^([\w.]+):)"), target(R"(label %([\w.]+))");
  std::istringstream lines(ir);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, label)) {
      block = m[1].str();
      continue;
    }
    if (line.find(" br ") == std::string::npos) continue;
    for (auto it = std::sregex_iterator(line.begin(), line.end(), target);
         it != std::sregex_iterator(); ++it)
      succ[block].push_back((*it)[1].str());
  }
  // Depth-first search: an edge to a block still on the path closes a cycle.
  std::map<std::string, int> state;  // 1: on the path, 2: done
  std::function<bool(const std::string&)> cycle = [&](const std::string& b) {
    state[b] = 1;
    for (const std::string& to : succ[b])
      if (state[to] == 1 || (state[to] == 0 && cycle(to))) return true;
    state[b] = 2;
    return false;
  };
  return cycle("entry");
}

TEST(OptUnitPipeline, AGuestUnitKeepsTheLoopTheFunctionPipelineUnrolls) {
  auto tier = opt::OptTier::load();
  ASSERT_TRUE(tier.has_value()) << tier.error().message;
  const TranslatedBlock tb = translate_words(counted_loop(), kCodeVa);
  ASSERT_TRUE(tb.has_loop);
  std::unique_ptr<vm::Instance> inst = std::move(*make_guest_instance(kLinearBytes));
  std::deque<vm::FuncInfo> funcs(2);
  init_block_func(funcs[0], tb.fn, *inst, 1);
  init_block_func(funcs[1], tb.fn, *inst, 2);
  const std::string unit = optimized_ir(**tier, funcs[0], tb, /*guest_unit=*/true);
  const std::string function = optimized_ir(**tier, funcs[1], tb, /*guest_unit=*/false);
  EXPECT_TRUE(has_loop(unit)) << unit;
  EXPECT_FALSE(has_loop(function)) << function;
}

}  // namespace
}  // namespace strata::jit::rv64::systest

// Which pass pipeline a translated RV64 unit goes through (jit/opt/pipeline.hpp, CodeKind): a
// guest unit the lighter one, without IndVarSimplify and the unrollers, an SVI function the full
// one. Seen in the optimized IR (STRATA_OPT_DUMP=1) of one counted loop compiled both ways: the
// full pipeline unrolls it, the unit pipeline keeps its back-edge.
#include <functional>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "jit/opt/opt_loader.hpp"
#include "tests/jit/opt/unit_ir.hpp"

namespace strata::jit::rv64::systest {
namespace {

namespace rv = test::rv;

// x6 += 3, eight times: a loop whose trip count is a constant of the unit.
std::vector<uint32_t> counted_loop() {
  return {rv::addi(5, 0, 8), rv::addi(6, 6, 3), rv::addi(5, 5, -1), rv::bne(5, 0, -8)};
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
  UnitIr ir(counted_loop());
  ASSERT_TRUE(ir.unit().has_loop);
  const std::string unit = ir.optimized(**tier, /*guest_unit=*/true);
  const std::string function = ir.optimized(**tier, /*guest_unit=*/false);
  EXPECT_TRUE(has_loop(unit)) << unit;
  EXPECT_FALSE(has_loop(function)) << function;
}

}  // namespace
}  // namespace strata::jit::rv64::systest

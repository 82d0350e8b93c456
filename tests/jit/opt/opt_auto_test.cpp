// --jit=auto with the optimizing tier (jit/opt/opt_auto.hpp): hot functions go to baseline at
// once and to opt when the background compile is published at a safe point; results, traps and
// fuel stay the interpreter's throughout.
#include "jit/opt/opt_auto.hpp"
#include "tests/jit/opt/opt_support.hpp"

namespace strata::jit::opt::test {
namespace {

const char* kProgram = R"(
.func leaf(%x: i64) -> i64
  .reg %y: i64
  muli %y, %x, 3
  addi %y, %y, 1
  ret %y
.end
.func fib(%n: i64) -> i64
  .reg %a: i64, %b: i64, %two: i64
  li %two, 2
  blt %n, %two, small
  addi %a, %n, -1
  call %a, fib(%a)
  addi %b, %n, -2
  call %b, fib(%b)
  add %a, %a, %b
  ret %a
small:
  ret %n
.end
.func loop(%n: i64) -> i64 export
  .reg %i: i64, %s: i64, %r: i64
  li %i, 0
  li %s, 0
again:
  call %r, leaf(%i)
  add %s, %s, %r
  addi %i, %i, 1
  blt %i, %n, again
  ret %s
.end
.func fibx(%n: i64) -> i64 export
  .reg %r: i64
  call %r, fib(%n)
  ret %r
.end
.func div(%x: i64, %y: i64) -> i64 export
  .reg %r: i64, %i: i64
  call %r, leaf(%x)
  div %r, %r, %y
  ret %r
.end
)";

struct Outcome {
  std::vector<std::string> texts;
  uint64_t installed = 0, promoted = 0;
  std::string stats;
};

// Runs `calls` (export name, args) in order on one program under OptAutoTier (threshold 3),
// waiting for the background compiles after each call so that the next one publishes them.
Outcome run_auto(const std::vector<std::pair<std::string, std::vector<Value>>>& calls,
                 bool use_auto, vm::Limits limits = {}) {
  Outcome out;
  auto m = as::assemble(kProgram, "t.sasm");
  EXPECT_TRUE(m.has_value());
  vm::LoadOptions o;
  o.limits = limits;
  auto p = vm::Program::load_library(std::move(*m), std::move(o));
  EXPECT_TRUE(p.has_value());
  auto cache = CodeCache::create({});
  baseline::BaselineJit jit(**cache);
  OptAutoTier tier(jit, **cache, 3);
  if (use_auto) tier.arm(**p);
  for (const auto& [name, args] : calls) {
    auto r = (*p)->call(name, args);
    EXPECT_TRUE(r.has_value());
    out.texts.push_back(describe(*r, true) + fmt::format(" fuel {}", (*p)->fuel_used()));
    tier.wait_idle();
  }
  out.installed = tier.opt_installed();
  out.promoted = tier.baseline_promoted();
  out.stats = tier.format_stats();
  return out;
}

TEST(OptAuto, HotFunctionsReachTheOptTierWithIdenticalResults) {
  const std::vector<std::pair<std::string, std::vector<Value>>> calls = {
      {"loop", {vi(10)}},      {"loop", {vi(10)}},      {"loop", {vi(1000)}},
      {"fibx", {vi(15)}},      {"fibx", {vi(20)}},      {"fibx", {vi(20)}},
      {"div", {vi(4), vi(0)}}, {"div", {vi(4), vi(2)}}, {"loop", {vi(100000)}}};
  Outcome interp = run_auto(calls, false);
  Outcome tiered = run_auto(calls, true);
  EXPECT_EQ(interp.texts, tiered.texts);
  EXPECT_EQ(interp.installed, 0u);
  // leaf and fib get hot; both end on the opt tier (the next counted call publishes them).
  EXPECT_GE(tiered.promoted, 2u) << tiered.stats;
  EXPECT_GE(tiered.installed, 2u) << tiered.stats;
  EXPECT_NE(tiered.stats.find("opt: "), std::string::npos) << tiered.stats;
  // The divide-by-zero trap is raised inside leaf's caller and traced as the interpreter does.
  EXPECT_NE(tiered.texts[6].find("integer divide by zero"), std::string::npos) << tiered.texts[6];
}

TEST(OptAuto, FuelLimitsHoldAcrossTierChanges) {
  vm::Limits l;
  l.fuel = 150000;
  const std::vector<std::pair<std::string, std::vector<Value>>> calls = {
      {"loop", {vi(1000)}}, {"fibx", {vi(18)}}, {"loop", {vi(1000000)}}};
  EXPECT_EQ(run_auto(calls, false, l).texts, run_auto(calls, true, l).texts);
}

}  // namespace
}  // namespace strata::jit::opt::test

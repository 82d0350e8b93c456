// --jit=auto on the full-system hart: which units the baseline tier compiles. A unit is compiled
// once its entries plus the loop back-edges it took interpreted reach hot_threshold, so a kernel
// loop that goes round a few times per call is not compiled for having a loop, and a loop that
// runs long inside few entries still is.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/jit/rv64sys/test_host.hpp"

namespace strata::jit::rv64sys::test {
namespace {

using vm::StopReason;
using vm::rv64sys::Priv;

constexpr std::uint64_t kRamBase = 0x8000'0000;

class HartTiering : public ::testing::Test {
 protected:
  // Runs programs/NAME.S in M-mode under --jit=auto with `threshold`; the units it compiled.
  std::uint64_t compiled_by(const std::string& name, std::uint32_t threshold) {
    std::ifstream in(std::string(STRATA_BINARY_DIR) + "/rv64sys/" + name + ".bin",
                     std::ios::binary);
    const std::vector<std::uint8_t> image{std::istreambuf_iterator<char>(in), {}};
    EXPECT_FALSE(image.empty()) << name << ".bin was not built";
    HartOptions opts;
    opts.ram_size = 1 << 20;
    opts.jit = JitMode::Auto;
    opts.sbi = false;
    opts.hot_threshold = threshold;
    auto h = Hart::create(opts, host_);
    EXPECT_TRUE(h.has_value()) << (h ? "" : h.error().message);
    if (!h) return 0;
    hart_ = std::move(*h);
    host_.hart = hart_.get();
    std::copy(image.begin(), image.end(), hart_->ram());
    hart_->reset(kRamBase, Priv::Machine, 0);
    auto r = hart_->run({});
    EXPECT_TRUE(r.has_value());
    EXPECT_EQ(r ? r->kind : StopReason::Kind::Fault, StopReason::Kind::Exited);
    EXPECT_EQ(r ? r->code : -1, 0) << "the program's check failed";
    const std::string stats = hart_->stats();
    const std::size_t at = stats.find("baseline ");
    unsigned long long n = 0;
    int end = 0;  // %n: set only when the whole pattern matched
    EXPECT_TRUE(at != std::string::npos &&
                std::sscanf(stats.c_str() + at, "baseline %llu units compiled%n", &n, &end) == 1 &&
                end > 0)
        << stats;
    return n;
  }

  // "units run R (I interpreted); G guest instructions" of the hart's --stats (false: absent).
  bool units_run(unsigned long long* runs, unsigned long long* interpreted,
                 unsigned long long* retired) const {
    const std::string stats = hart_->stats();
    const std::size_t at = stats.find("units run ");
    int end = 0;  // %n: set only when the whole pattern matched
    return at != std::string::npos &&
           std::sscanf(stats.c_str() + at, "units run %llu (%llu interpreted); %llu guest%n", runs,
                       interpreted, retired, &end) == 3 &&
           end > 0;
  }

  TestHost host_;
  std::unique_ptr<Hart> hart_;
};

TEST_F(HartTiering, ALoopThatGoesRoundAFewTimesStaysInterpreted) {
  EXPECT_EQ(compiled_by("tier_cold", 100), 0u) << hart_->stats();
}

TEST_F(HartTiering, BackEdgesMakeAUnitHot) {
  // Five entries, each with 999 back-edges: far past 100, though five entries are not.
  EXPECT_GE(compiled_by("tier_hot", 100), 1u) << hart_->stats();
}

TEST_F(HartTiering, ThresholdOneCompilesAtTheFirstEntry) {
  EXPECT_GE(compiled_by("tier_cold", 1), 1u) << hart_->stats();
  // The hart's memory never moves, its units' r0 is zero and their fuel unlimited: its units are
  // compiled trusting all three (jit/baseline/code_promises.hpp), as the user-mode runner's are.
  EXPECT_NE(hart_->stats().find("promised: fixed memory yes, r0 zero yes, unlimited fuel yes"),
            std::string::npos)
      << hart_->stats();
}

// --stats: how many unit runs the interpreter served, and the guest instructions retired, which
// are the program's whatever tier ran them.
TEST_F(HartTiering, StatsCountInterpretedRunsAndRetiredInstructions) {
  unsigned long long runs = 0, interpreted = 0, retired = 0;
  compiled_by("tier_cold", 100);
  ASSERT_TRUE(units_run(&runs, &interpreted, &retired)) << hart_->stats();
  EXPECT_GT(runs, 0u);
  EXPECT_EQ(interpreted, runs) << "nothing was hot: every run interpreted";
  // li, five rounds of addi + bnez, then PASS's lui, lui, addi, sw: 15; then PASS spins until
  // the stop its store asked for is seen. The interpreter keeps the slice in a register, so it
  // spins until the slice runs out; compiled code keeps it in its home (register_homes.hpp) and
  // sees the stop cut it at the spin's next back-edge.
  constexpr std::uint64_t kToPass = 15;
  EXPECT_GE(retired, kToPass);
  compiled_by("tier_cold", 1);
  ASSERT_TRUE(units_run(&runs, &interpreted, &retired)) << hart_->stats();
  EXPECT_EQ(interpreted, 0u) << "every unit compiled at its first entry";
  EXPECT_GE(retired, kToPass) << hart_->stats();
  EXPECT_LE(retired, kToPass + 4) << hart_->stats();
}

}  // namespace
}  // namespace strata::jit::rv64sys::test

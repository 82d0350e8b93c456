// --jit=auto's optimizing tier on the full-system hart: hot units are compiled by LLVM on the
// background thread and installed between units, and a unit dropped (its code page written)
// while its compile is in flight stays alive until the result comes back, which is then freed.
// The programs check every result themselves and wait for the host's go (TestHost::go), which
// on_tick gives once the hart's statistics show what the test is about.
#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/jit/rv64sys/test_host.hpp"

namespace strata::jit::rv64sys::test {
namespace {

using vm::StopReason;
using vm::rv64sys::Priv;

constexpr std::uint64_t kRamBase = 0x8000'0000;

struct OptCounts {
  std::uint64_t installed = 0, declined = 0, discarded = 0;
};

OptCounts opt_counts(const std::string& stats) {
  std::smatch m;
  static const std::regex re(
      "opt +([0-9]+) units installed, ([0-9]+) declined; ([0-9]+) compiles discarded");
  if (!std::regex_search(stats, m, re)) return {};
  return {std::stoull(m[1].str()), std::stoull(m[2].str()), std::stoull(m[3].str())};
}

class HartOpt : public ::testing::Test {
 protected:
  // Runs programs/NAME.S in M-mode under --jit=auto with an opt threshold of 500 (each call of
  // the programs' hot function counts 1001); the host says go once `ready` holds for the
  // hart's statistics. A run longer than 20 s is stopped (a hang fails).
  StopReason run(const std::string& name, bool (*ready)(const OptCounts&)) {
    std::ifstream in(std::string(STRATA_BINARY_DIR) + "/rv64sys/" + name + ".bin",
                     std::ios::binary);
    const std::vector<std::uint8_t> image{std::istreambuf_iterator<char>(in), {}};
    EXPECT_FALSE(image.empty()) << name << ".bin was not built";
    HartOptions opts;
    opts.ram_size = 1 << 20;
    opts.jit = JitMode::Auto;
    opts.sbi = false;
    opts.hot_threshold = 2;
    opts.opt_threshold = 500;
    auto h = Hart::create(opts, host_);
    EXPECT_TRUE(h.has_value()) << (h ? "" : h.error().message);
    if (!h) return {};
    hart_ = std::move(*h);
    host_.hart = hart_.get();
    host_.on_tick = [ready](TestHost& host) {
      if (host.go == 0 && ready(opt_counts(host.hart->stats()))) host.go = 1;
    };
    std::copy(image.begin(), image.end(), hart_->ram());
    hart_->reset(kRamBase, Priv::Machine, 0);
    std::atomic<bool> done{false};
    std::thread watchdog([&] {
      for (int i = 0; i < 2000 && !done; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (!done) hart_->request_stop();
    });
    auto r = hart_->run({});
    done = true;
    watchdog.join();
    EXPECT_TRUE(r.has_value());
    return r ? *r : StopReason{};
  }
  void expect_pass(const StopReason& r) {
    EXPECT_EQ(r.kind, StopReason::Kind::Exited) << r.message << "\n" << hart_->stats();
    EXPECT_EQ(r.code, 0) << "the program's check " << r.code << " failed\n" << hart_->stats();
  }

  TestHost host_;
  std::unique_ptr<Hart> hart_;
};

TEST_F(HartOpt, AHotLoopIsPromotedAndKeepsItsResults) {
  expect_pass(run("opt_hot", [](const OptCounts& c) { return c.installed >= 1; }));
  const OptCounts c = opt_counts(hart_->stats());
  EXPECT_GE(c.installed, 1u) << hart_->stats();
  EXPECT_EQ(c.declined, 0u) << hart_->stats();
  EXPECT_EQ(host_.go, 1u);
}

TEST_F(HartOpt, AUnitDroppedWhileItsCompileIsInFlightIsFreedWithTheResult) {
  expect_pass(run("opt_drop", [](const OptCounts& c) { return c.discarded >= 1; }));
  const OptCounts c = opt_counts(hart_->stats());
  EXPECT_GE(c.discarded, 1u) << hart_->stats();
  EXPECT_EQ(c.declined, 0u) << hart_->stats();
}

}  // namespace
}  // namespace strata::jit::rv64sys::test

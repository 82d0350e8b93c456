// --jit=auto's way to the LLVM tier (Rv64Vcpu::count_for_opt, start_opt_count), seen through
// describe_code: a unit counts its entries plus the loop back-edges it took, so a loop entered
// once reaches the tier by its iterations; and a big unit needs more work than a small one,
// its compile costing more.
#include <fcntl.h>
#include <unistd.h>

#include <sstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "jit/rv64/rv64_vcpu.hpp"
#include "tests/jit/rv64/runner_rig.hpp"
#include "tests/vm/rv64/rv64_test_util.hpp"

namespace strata::jit::rv64 {
namespace {

namespace t = vm::rv64::test;

// big(): straight-line code past a region's 512 instructions (a unit of over 512 SVI words),
// called 1500 times through a pointer (a direct call would put it in the caller's region);
// spin(): one loop of 200000 iterations, called once; nest(): a loop of 200000 iterations around
// two loops of 3, called once through a pointer (its unit starts at its entry).
constexpr const char* kProgram = R"(#include <stdio.h>
#define R4(s) s s s s
#define R16(s) R4(R4(s))
#define R64(s) R4(R16(s))
__attribute__((noinline)) long big(long x) {
  volatile long v = x, w = 1;
  R64(v = v * 3 + w; w = w ^ v;)
  return v;
}
__attribute__((noinline)) long spin(long n) {
  volatile long s = 0;
  for (long i = 0; i < n; ++i) s += i;
  return s;
}
volatile long inner_trips = 3;
__attribute__((noinline)) long nest(long n) {
  volatile long s = 0;
  const long m = inner_trips;
  for (long i = 0; i < n; ++i) {
    for (long j = 0; j < m; ++j) s += i ^ j;
    for (long k = 0; k < m; ++k) s -= i + k;
  }
  return s;
}
int main(void) {
  long (*volatile nest_at)(long) = nest;
  long sum = spin(200000) + nest_at(200000);
  long (*volatile call)(long) = big;
  for (long i = 0; i < 1500; ++i) sum += call(i);
  printf("%ld\n", sum);
  return 0;
})";

// Above what spin's few entries reach (a slice is 20000 back-edges), below its iterations.
constexpr uint32_t kThreshold = 50000;
// Below big's size (its unit then needs a multiple of the threshold).
constexpr uint32_t kWordsPerThreshold = 256;

class OptPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override { start(kThreshold, RunOptions{}.opt_sample_us); }
  // Runs the program to its end under --jit=auto with these settings of the LLVM tier's policy.
  void start(uint32_t opt_threshold, uint32_t opt_sample_us) {
    if (!t::have_tool(t::kCrossGcc)) GTEST_SKIP() << "riscv64-linux-gnu-gcc is not installed";
    elf_ = test::program("opt_policy", kProgram);
    ASSERT_FALSE(elf_.empty()) << "the cross compiler failed";
    null_ = ::open("/dev/null", O_RDWR);
    RunOptions opts;
    opts.jit = JitMode::Auto;
    opts.hot_threshold = 4;
    opts.opt_threshold = opt_threshold;
    opts.opt_words_per_threshold = kWordsPerThreshold;
    opts.opt_sample_us = opt_sample_us;
    opts.guest_top = uint64_t{1} << 30;
    opts.process.path = elf_;
    opts.process.argv = {elf_};
    opts.process.stdin_fd = opts.process.stdout_fd = opts.process.stderr_fd = null_;
    opts.process.diag_fd = null_;
    auto v = Rv64Vcpu::create(opts);
    ASSERT_TRUE(v.has_value()) << v.error().message;
    vcpu_ = std::move(*v);
    auto r = vcpu_->run(vm::RunLimit{});
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->kind, vm::StopReason::Kind::Exited);
  }
  void TearDown() override {
    vcpu_.reset();
    if (null_ >= 0) ::close(null_);
    null_ = -1;
  }
  // The units entered at pcs of function `symbol` that went to the optimizing tier.
  int units_sent_to_opt(const std::string& symbol) {
    // "address size kind name" lines (symbols without a size have three fields).
    uint64_t at = 0, bytes = 0;
    std::istringstream nm(t::capture("riscv64-linux-gnu-nm -S " + elf_));
    std::string line, name;
    while (name != symbol && std::getline(nm, line)) {
      std::istringstream fields(line);
      std::string kind;
      if (!(fields >> std::hex >> at >> bytes >> kind >> name)) name.clear();
    }
    EXPECT_EQ(name, symbol);
    EXPECT_NE(bytes, 0u) << symbol;
    int sent = 0;
    for (uint64_t pc = at; pc < at + bytes; pc += 2) {
      auto d = vcpu_->describe_code(pc);
      if (!d || d->find("in the translation cache") == std::string::npos) continue;
      if (d->find("optimizing tier: compile requested") != std::string::npos ||
          d->find("optimizing tier: installed") != std::string::npos ||
          d->find("optimizing tier: declined") != std::string::npos)
        ++sent;
    }
    return sent;
  }
  std::string describe(const char* symbol) {
    const uint64_t at = test::symbol_address(elf_, symbol);
    EXPECT_NE(at, 0u) << symbol;
    auto d = vcpu_->describe_code(at);
    EXPECT_TRUE(d.has_value());
    return d ? *d : std::string();
  }

  int null_ = -1;
  std::string elf_;
  std::unique_ptr<Rv64Vcpu> vcpu_;
};

// spin's loop runs as one unit entered a few times (the time slice ends it every 20000
// back-edges): its back-edges, not its entries, take it past the threshold.
TEST_F(OptPolicyTest, ALoopEnteredOnceIsCountedByItsIterations) {
  bool found = false;
  // The loop's unit starts at spin's entry or at its loop header, after the slice ended there.
  const uint64_t spin = test::symbol_address(elf_, "spin");
  for (uint64_t pc = spin; pc < spin + 64; pc += 2) {
    auto d = vcpu_->describe_code(pc);
    if (!d || d->find("in the translation cache") == std::string::npos) continue;
    if (d->find("optimizing tier: compile requested") != std::string::npos ||
        d->find("optimizing tier: installed") != std::string::npos ||
        d->find("optimizing tier: declined") != std::string::npos)
      found = true;
  }
  EXPECT_TRUE(found) << describe("spin");
}

// big's unit runs 1500 times and needs a multiple of the threshold.
TEST_F(OptPolicyTest, ABigUnitNeedsMoreWorkThanTheThreshold) {
  const std::string d = describe("big");
  ASSERT_NE(d.find("in the translation cache"), std::string::npos) << d;
  const size_t at = d.find("optimizing tier: ");
  ASSERT_NE(at, std::string::npos) << d;
  unsigned done = 0, needed = 0;
  ASSERT_EQ(std::sscanf(d.c_str() + at, "optimizing tier: %u of %u counted", &done, &needed), 2)
      << d;
  unsigned words = 0;
  const size_t w = d.find("SVI translation: ");
  ASSERT_NE(w, std::string::npos) << d;
  ASSERT_EQ(std::sscanf(d.c_str() + w, "SVI translation: %u words", &words), 1);
  ASSERT_GE(words, 512u);
  EXPECT_EQ(done, 1500u);
  EXPECT_EQ(needed, kThreshold * (words / kWordsPerThreshold));
}

// A slice ends at one of nest's three loop headers. A unit entered at one header leaves at
// another only kSliceOverdraw back-edges past the slice's end (guest_layout.hpp), which never
// comes, so the loop nest runs in one unit and goes to LLVM once. Without the overdraw the slice
// moved it between a unit entered at the first inner header and one at the second, and both
// went to LLVM.
TEST_F(OptPolicyTest, ALoopNestIsCompiledOnceNotOncePerHeader) {
  EXPECT_EQ(units_sent_to_opt("nest"), 1);
}

// Samples weighted by the time their slice took (RunOptions::opt_sample_us). With a threshold
// spin's 200000 iterations cannot reach by counting (10 slices: 10 samples and 200000
// back-edges), it goes to LLVM only if its samples weigh what their slices took: at 100 µs per
// 104 samples, any slice of 20000 back-edges (5 µs or more on any host) weighs the most a sample
// may, 32, so four of them send the unit. A slice that ran a blocking syscall counts no more.
class OptSampleTimeTest : public OptPolicyTest {
 protected:
  void SetUp() override {}
  static constexpr uint32_t kUnreachable = 1u << 24;
};

TEST_F(OptSampleTimeTest, ALoopIsSentByTheTimeItsSlicesTook) {
  start(kUnreachable, 100);
  if (IsSkipped() || HasFatalFailure()) return;
  EXPECT_GE(units_sent_to_opt("spin"), 1);
}

TEST_F(OptSampleTimeTest, WithoutTimeWeightsTheSameLoopStaysInTheBaselineTier) {
  start(kUnreachable, 0);
  if (IsSkipped() || HasFatalFailure()) return;
  EXPECT_EQ(units_sent_to_opt("spin"), 0);
}

}  // namespace
}  // namespace strata::jit::rv64

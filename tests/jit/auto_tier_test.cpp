// Run-time tier-up (--jit=auto, jit/baseline/auto_tier.hpp): hot functions get promoted, cold
// ones do not, and promotion in the middle of a run (recursion promoted at depth, loops, fuel
// running out, traps crossing interpreted and freshly compiled frames) is invisible: result,
// trap (kind, message, full trace), fuel used and output equal the interpreter's.
#include <gtest/gtest.h>

#include "jit/baseline/auto_tier.hpp"
#include "tests/jit/baseline_support.hpp"
#include "tests/jit/tier_programs.hpp"
#include "vm/interp.hpp"

namespace strata::jit::baseline::test {
namespace {

struct AutoOutcome {
  std::string text;
  uint64_t promoted = 0, failed = 0;
  std::vector<std::string> compiled;  // names of functions with code at exit
};

// Runs export `fn` of `src` with tier-up at `threshold` calls (or interpreted when threshold is
// 0), like baseline_support's run().
AutoOutcome run_auto(const std::string& src, uint32_t threshold, const std::string& fn,
                     std::vector<Value> args, vm::Limits limits = {}) {
  AutoOutcome out;
  auto m = as::assemble(src, "t.sasm");
  if (!m) {
    ADD_FAILURE() << m.error().message;
    return out;
  }
  int fd = memfd_create("auto_tier_test_out", MFD_CLOEXEC);
  vm::LoadOptions o;
  o.limits = limits;
  o.natives = stdlib::natives();
  o.out_fd = o.err_fd = fd;
  auto p = vm::Program::load_library(std::move(*m), std::move(o));
  if (!p) {
    ADD_FAILURE() << p.error().message;
    ::close(fd);
    return out;
  }
  auto cache = CodeCache::create({.capacity_bytes = size_t{4} << 20});
  EXPECT_TRUE(cache.has_value());
  BaselineJit j(**cache);
  std::optional<AutoTier> tier;
  if (threshold != 0) {
    tier.emplace(j, **cache, threshold);
    tier->arm(**p);
  }
  auto rr = (*p)->call(fn, args);
  if (!rr) {
    ADD_FAILURE() << rr.error().message;
    ::close(fd);
    return out;
  }
  std::string stdout_text;
  off_t size = lseek(fd, 0, SEEK_END);
  stdout_text.resize(static_cast<size_t>(size));
  if (size > 0) {
    EXPECT_EQ(pread(fd, stdout_text.data(), stdout_text.size(), 0), size);
  }
  ::close(fd);
  const auto& inst = (*p)->main_instance();
  auto idx = inst.module.find_export(fn);
  out.text = describe(*rr, idx && inst.funcs[*idx].has_result) +
             fmt::format("\nfuel {}\nstdout:\n{}", (*p)->fuel_used(), stdout_text);
  for (const vm::FuncInfo& f : inst.funcs)
    if (f.jit_entry != nullptr) out.compiled.push_back(f.name);
  if (tier) {
    out.promoted = tier->promoted();
    out.failed = tier->failed();
  }
  return out;
}

// The interpreter and tier-up at `threshold` agree; returns the tiered outcome.
AutoOutcome same_auto(const std::string& src, uint32_t threshold, const std::string& fn,
                      std::vector<Value> args, vm::Limits limits = {}) {
  AutoOutcome a = run_auto(src, 0, fn, args, limits);
  AutoOutcome b = run_auto(src, threshold, fn, args, limits);
  EXPECT_EQ(a.text, b.text) << "threshold " << threshold << ", program:\n" << src;
  EXPECT_EQ(b.failed, 0u);
  return b;
}

constexpr const char* kHotCold = R"(
.func hot(%x: i64) -> i64
  addi %x, %x, 1
  ret %x
.end
.func cold(%x: i64) -> i64
  addi %x, %x, 2
  ret %x
.end
.func main(%n: i64) -> i64 export
  .reg %i: i64, %s: i64
  li %i, 0
  li %s, 0
loop:
  call %s, hot(%s)
  addi %i, %i, 1
  blt %i, %n, loop
  call %s, cold(%s)
  ret %s
.end
)";

TEST(AutoTier, HotFunctionIsPromotedColdOneIsNot) {
  AutoOutcome r = same_auto(kHotCold, 50, "main", {vi(200)});
  EXPECT_NE(r.text.find("returned 0xca"), std::string::npos) << r.text;
  EXPECT_EQ(r.promoted, 1u);
  EXPECT_EQ(r.compiled, std::vector<std::string>{"hot"});
  // Below the threshold nothing is compiled.
  AutoOutcome few = same_auto(kHotCold, 50, "main", {vi(10)});
  EXPECT_EQ(few.promoted, 0u);
  EXPECT_TRUE(few.compiled.empty());
}

// Promoted at depth `threshold` of the recursion: the frames above are interpreted, those below
// compiled; the trap at the bottom unwinds through both kinds with the interpreter's trace.
TEST(AutoTier, RecursionPromotedAtDepthKeepsResultTrapsAndTrace) {
  const char* src = R"(
.func down(%n: i64) -> i64 export
  .reg %m: i64
  bz %n, zero
  addi %m, %n, -1
  call %m, down(%m)
  addi %m, %m, 1
  ret %m
zero:
  ret %n
.end
.func boom(%n: i64) -> i64 export
  .reg %m: i64
  bz %n, bad
  addi %m, %n, -1
  call %m, boom(%m)
  ret %m
bad:
  trap 7
.end
)";
  for (uint32_t t : {1u, 2u, 17u, 100u}) {
    AutoOutcome r = same_auto(src, t, "down", {vi(500)});
    EXPECT_NE(r.text.find("returned 0x1f4"), std::string::npos) << r.text;
    EXPECT_EQ(r.promoted, 1u);
    AutoOutcome b = same_auto(src, t, "boom", {vi(40)});
    EXPECT_NE(b.text.find("explicit trap: code 7"), std::string::npos) << b.text;
    EXPECT_NE(b.text.find(".boom pc"), std::string::npos) << b.text;
    vm::Limits l;
    l.max_call_depth = 200;
    EXPECT_NE(same_auto(src, t, "down", {vi(1000)}, l).text.find("call depth limit"),
              std::string::npos);
  }
}

TEST(AutoTier, FuelRunsOutAtTheSameInstructionAcrossPromotion) {
  const char* src = R"(
.func calls(%n: i64) -> i64 export
  .reg %i: i64, %r: i64
  li %i, 0
loop:
  call %r, leaf(%i)
  addi %i, %i, 1
  blt %i, %n, loop
  ret %i
.end
.func leaf(%x: i64) -> i64
  ret %x
.end
)";
  for (uint64_t fuel : {1, 2, 5, 6, 7, 99, 100, 101, 65536, 65537, 200000}) {
    vm::Limits l;
    l.fuel = fuel;
    same_auto(src, 5, "calls", {vi(100000)}, l);
  }
}

// A function that spends a whole fuel slice in one loop is promoted at its next call (no OSR).
TEST(AutoTier, LongLoopIsPromotedAtItsNextCall) {
  const char* src = jit::testing::kLongLoopCalledTwice;
  AutoOutcome r = same_auto(src, 1000000, "main", {vi(200000)});
  EXPECT_EQ(r.compiled, std::vector<std::string>{"spin"});
  // A short loop is not promoted.
  EXPECT_TRUE(same_auto(src, 1000000, "main", {vi(1000)}).compiled.empty());
}

// Promotion with a cache too small for the code: the function stays interpreted, no crash.
TEST(AutoTier, CompileFailureLeavesTheFunctionInterpreted) {
  auto m = as::assemble(kHotCold, "t.sasm");
  ASSERT_TRUE(m.has_value());
  auto p = vm::Program::load_library(std::move(*m), vm::LoadOptions{});
  ASSERT_TRUE(p.has_value());
  auto cache = CodeCache::create({.capacity_bytes = 4096, .chunk_bytes = 4096});
  ASSERT_TRUE(cache.has_value());
  BaselineJit j(**cache);
  // Fill the cache's only chunk so that the promotion's install cannot fit. The key names a real
  // FuncInfo (the drop hook reads it) under another pc, so it is never that function's code.
  std::vector<std::byte> filler(4096, std::byte{0xcc});
  const uint64_t unit = reinterpret_cast<uint64_t>(&(*p)->main_instance().funcs[1]);
  ASSERT_TRUE((*cache)->install({unit, 1}, filler).has_value());
  AutoTier tier(j, **cache, 3);
  tier.arm(**p);
  auto r = (*p)->call("main", {{vi(100)}});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->value.i, 102);
  EXPECT_EQ(tier.promoted(), 0u);
  EXPECT_GE(tier.failed(), 1u);
}

}  // namespace
}  // namespace strata::jit::baseline::test

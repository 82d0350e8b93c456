// Chained exits of LLVM code and indirect exits of both tiers (baseline/chain.hpp, jit/opt/
// chain_exit.cpp) with hand-assembled units in a TranslationCache: an LLVM unit's constant exit
// jumps into baseline and LLVM code alike and refuses for the same reasons as the baseline's; an
// exit whose next pc is not a constant finds the unit at it in the front cache, counts that entry
// towards LLVM as the loop would, and never reports a slot.
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "jit/rv64/opt_promoter.hpp"
#include "jit/rv64/translation_cache.hpp"
#include "tests/jit/rv64/chain_rig.hpp"

namespace strata::jit::rv64 {
namespace {

using test::chainable;
using test::make_block;

enum class Tier { Baseline, Llvm };

class ChainExitsTest : public test::ChainRig {
 protected:
  void SetUp() override {
    test::ChainRig::SetUp();
    auto tier = opt::OptTier::load();
    if (!tier) GTEST_SKIP() << "the optimizing tier cannot be loaded: " << tier.error().message;
    make_jit(64);
    make_cache(0);
  }
  void TearDown() override {
    opt_.reset();  // before the cache it compiles for
    test::ChainRig::TearDown();
  }

  // A fresh cache whose units chain, and find the targets of their other exits. `count_limit`
  // nonzero: --jit=auto's counting towards LLVM.
  void make_cache(uint32_t count_limit) {
    opt_.reset();
    make_chaining_cache(count_limit);
    cache_->enable_indirect_exits(count_limit != 0);
    cache_->enable_chaining();
    auto p = OptPromoter::create(*cache_, OptPromoter::Mode::Sync);
    ASSERT_TRUE(p.has_value()) << p.error().message;
    opt_ = std::move(*p);
  }

  // A unit at `start` returning `next` through a constant exit (`constant`) or an exit the
  // translation does not know the target of, its code from `tier`.
  CachedBlock* unit(uint64_t start, uint64_t next, Tier tier, bool constant = true) {
    CachedBlock* b =
        cache_->insert(constant ? chainable(start, next) : make_block(start, start + 4, next));
    EXPECT_TRUE(cache_->compile(*b));
    if (tier == Tier::Llvm) {
      opt_->request(*b);
      EXPECT_EQ(b->opt, CachedBlock::Opt::Installed);
    }
    return b;
  }

  std::unique_ptr<OptPromoter> opt_;
};

TEST_F(ChainExitsTest, AnLlvmUnitsConstantExitJumpsIntoBaselineAndLlvmCode) {
  CachedBlock* a = unit(0x10000, 0x10004, Tier::Llvm);
  CachedBlock* b = unit(0x10004, 0x10008, Tier::Baseline);
  CachedBlock* c = unit(0x10008, 0x10010, Tier::Llvm);
  CachedBlock* d = unit(0x10010, 0x90000, Tier::Llvm);
  // Unlinked: A returns at once and reports its slot.
  EXPECT_EQ(run_chain(*a), 0x10004u);
  EXPECT_EQ(cache_->chain().take_missed(), &slot(*a));
  EXPECT_EQ(ctx().chained, 0u);
  // LLVM -> baseline -> LLVM -> LLVM.
  ASSERT_TRUE(cache_->chain().link(slot(*a), *b, 0));
  ASSERT_TRUE(cache_->chain().link(slot(*b), *c, 0));
  ASSERT_TRUE(cache_->chain().link(slot(*c), *d, 0));
  EXPECT_EQ(run_chain(*a), 0x90000u);
  EXPECT_EQ(ctx().chained, 3u);
  EXPECT_EQ(ctx().found, 0u);
  EXPECT_EQ(ctx().running, d);
  EXPECT_EQ(slice_, 997);
  EXPECT_EQ(cache_->chain().take_missed(), &slot(*d));
}

TEST_F(ChainExitsTest, AnLlvmUnitsConstantExitReturnsForEveryReasonTheBaselineDoes) {
  CachedBlock* a = unit(0x10000, 0x10004, Tier::Llvm);
  CachedBlock* b = unit(0x10004, 0x10008, Tier::Llvm);
  CachedBlock* c = unit(0x10008, 0x90000, Tier::Llvm);
  ASSERT_TRUE(cache_->chain().link(slot(*a), *b, 0));
  ASSERT_TRUE(cache_->chain().link(slot(*b), *c, 0));
  // The slice: B's exit finds it used up and leaves it at 0 for the loop.
  slice_ = 1;
  EXPECT_EQ(run_chain(*a), 0x10008u);
  EXPECT_EQ(slice_, 0);
  EXPECT_EQ(ctx().running, b);
  EXPECT_EQ(cache_->chain().take_missed(), &slot(*b));
  slice_ = 1000;
  // The debugger's hold.
  ctx().hold = 1;
  EXPECT_EQ(run_chain(*a), 0x10004u);
  EXPECT_EQ(cache_->chain().take_missed(), &slot(*a));
  ctx().hold = 0;
  // A written code page.
  written_ = 1;
  EXPECT_EQ(run_chain(*a), 0x10004u);
  EXPECT_EQ(cache_->chain().take_missed(), &slot(*a));
  written_ = 0;
  // A target whose code is gone (evicted) is returned to, not entered.
  const vm::JitEntry c_code = c->func.jit_entry;
  c->func.jit_entry = nullptr;
  EXPECT_EQ(run_chain(*a), 0x10008u);
  EXPECT_EQ(cache_->chain().take_missed(), &slot(*b));
  c->func.jit_entry = c_code;
  EXPECT_EQ(slice_, 999);
  EXPECT_EQ(ctx().chained, 2u);
  EXPECT_EQ(run_chain(*a), 0x90000u);
  EXPECT_EQ(ctx().chained, 4u);
}

TEST_F(ChainExitsTest, AnLlvmUnitsCountedEntriesStopAtTheLimit) {
  make_cache(10);
  CachedBlock* a = unit(0x10000, 0x10004, Tier::Llvm);
  CachedBlock* b = unit(0x10004, 0x90000, Tier::Baseline);
  ASSERT_TRUE(cache_->chain().link(slot(*a), *b, 4));
  EXPECT_EQ(run_chain(*a), 0x90000u);
  EXPECT_EQ(run_chain(*a), 0x90000u);
  EXPECT_EQ(b->opt_count, 8u);
  EXPECT_EQ(run_chain(*a), 0x10004u);
  EXPECT_EQ(cache_->chain().take_missed(), &slot(*a));
  EXPECT_EQ(b->opt_count, 8u);
  ASSERT_TRUE(cache_->chain().link(slot(*a), *b, 0));
  EXPECT_EQ(run_chain(*a), 0x90000u);
  EXPECT_EQ(b->opt_count, 8u);
}

class IndirectExitsTest : public ChainExitsTest, public ::testing::WithParamInterface<Tier> {};

// The exit's next pc is not a constant of the translation: the unit there is found in the front
// cache once it has code, and no miss reports a slot (there is none to link).
TEST_P(IndirectExitsTest, AReturnFindsTheUnitAtItsAddress) {
  CachedBlock* x = unit(0x10000, 0x20000, GetParam(), /*constant=*/false);
  EXPECT_TRUE(x->exits.empty());
  // Nothing at 0x20000 yet.
  EXPECT_EQ(run_chain(*x), 0x20000u);
  EXPECT_EQ(ctx().missed, nullptr);
  // A unit without code there yet.
  CachedBlock* t = cache_->insert(chainable(0x20000, 0x90000));
  EXPECT_EQ(run_chain(*x), 0x20000u);
  EXPECT_EQ(ctx().chained, 0u);
  ASSERT_TRUE(cache_->compile(*t));
  EXPECT_EQ(run_chain(*x), 0x90000u);
  EXPECT_EQ(ctx().chained, 1u);
  EXPECT_EQ(ctx().found, 1u);
  EXPECT_EQ(ctx().running, t);
  EXPECT_EQ(slice_, 999);
  // t's own exit is unlinked and reports its slot.
  EXPECT_EQ(cache_->chain().take_missed(), &slot(*t));
  // Every refusal returns at x's exit and reports nothing.
  ctx().hold = 1;
  EXPECT_EQ(run_chain(*x), 0x20000u);
  ctx().hold = 0;
  written_ = 1;
  EXPECT_EQ(run_chain(*x), 0x20000u);
  written_ = 0;
  slice_ = 0;
  EXPECT_EQ(run_chain(*x), 0x20000u);
  EXPECT_EQ(slice_, 0);
  slice_ = 1000;
  EXPECT_EQ(ctx().missed, nullptr);
  EXPECT_EQ(ctx().found, 1u);
  // The unit leaves the cache: not found any more.
  EXPECT_EQ(cache_->invalidate(0x20000, 4), 1u);
  EXPECT_EQ(run_chain(*x), 0x20000u);
  EXPECT_EQ(ctx().running, x);
  // A new unit there, in LLVM code this time.
  CachedBlock* t2 = unit(0x20000, 0x70000, Tier::Llvm);
  EXPECT_EQ(run_chain(*x), 0x70000u);
  EXPECT_EQ(ctx().running, t2);
  EXPECT_EQ(ctx().found, 2u);
}

// The runner's special exits return odd values, which no unit starts at (nor an empty slot).
TEST_P(IndirectExitsTest, AnOddValueIsNeverFound) {
  unit(0x20000, 0x90000, Tier::Baseline);
  CachedBlock* x = unit(0x10000, 0x20001, GetParam(), /*constant=*/false);
  CachedBlock* y = unit(0x10004, 0x1, GetParam(), /*constant=*/false);
  EXPECT_EQ(run_chain(*x), 0x20001u);
  EXPECT_EQ(run_chain(*y), 0x1u);
  EXPECT_EQ(ctx().chained, 0u);
}

// --jit=auto: a found unit that still counts towards LLVM counts one per entry, and the entry
// that would reach the limit is left to the loop; a unit with a loop is always left to it (the
// loop counts its back-edges), and neither counts once its compile is requested.
TEST_P(IndirectExitsTest, FoundEntriesCountTowardsLlvmAsTheLoopWould) {
  make_cache(3);
  CachedBlock* x = unit(0x10000, 0x20000, GetParam(), /*constant=*/false);
  CachedBlock* t = unit(0x20000, 0x90000, Tier::Baseline);
  EXPECT_EQ(run_chain(*x), 0x90000u);
  EXPECT_EQ(run_chain(*x), 0x90000u);
  EXPECT_EQ(t->opt_count, 2u);
  EXPECT_EQ(cache_->chain().take_missed(), &slot(*t));  // t's own exit, unlinked
  EXPECT_EQ(run_chain(*x), 0x20000u);
  EXPECT_EQ(t->opt_count, 2u);
  EXPECT_EQ(ctx().missed, nullptr);
  opt_->request(*t);
  EXPECT_EQ(run_chain(*x), 0x90000u);
  EXPECT_EQ(t->opt_count, 2u);
  TranslatedBlock with_loop = chainable(0x30000, 0x90000);
  with_loop.has_loop = true;
  CachedBlock* loop = cache_->insert(std::move(with_loop));
  ASSERT_TRUE(cache_->compile(*loop));
  CachedBlock* y = unit(0x10004, 0x30000, GetParam(), /*constant=*/false);
  EXPECT_EQ(run_chain(*y), 0x30000u);
  opt_->request(*loop);
  EXPECT_EQ(run_chain(*y), 0x90000u);
  EXPECT_EQ(loop->opt_count, 0u);
  EXPECT_EQ(ctx().found, 4u);
}

std::string tier_name(const ::testing::TestParamInfo<Tier>& p) {
  return p.param == Tier::Llvm ? "Llvm" : "Baseline";
}

INSTANTIATE_TEST_SUITE_P(BothTiers, IndirectExitsTest,
                         ::testing::Values(Tier::Baseline, Tier::Llvm), tier_name);

}  // namespace
}  // namespace strata::jit::rv64

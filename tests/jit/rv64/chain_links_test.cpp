// Direct chaining of baseline-compiled units (chain_links.hpp, baseline/chain.hpp) with
// hand-assembled units in a TranslationCache: a run entered at one unit goes through the linked
// ones without returning, and each reason to return instead (unlinked, no code, hold, written
// code, the slice, --jit=auto's count limit) returns the exit's pc with the slot reported; units
// leaving the cache or the CodeCache never leave a slot that reaches them.
#include <vector>

#include <gtest/gtest.h>

#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "jit/rv64/translation_cache.hpp"
#include "tests/jit/rv64/chain_rig.hpp"
#include "vm/interp.hpp"

namespace strata::jit::rv64 {
namespace {

using test::chainable;

class ChainLinksTest : public test::ChainRig {
 protected:
  void SetUp() override {
    test::ChainRig::SetUp();
    make_jit(8);
    make_cache(0);
  }
  void make_cache(uint32_t count_limit) {
    make_chaining_cache(count_limit);
    cache_->enable_chaining();
  }

  CachedBlock* unit(uint64_t start, uint64_t next) {
    CachedBlock* b = cache_->insert(chainable(start, next));
    EXPECT_TRUE(cache_->compile(*b));
    return b;
  }
};

TEST_F(ChainLinksTest, ALinkedRunGoesThroughEveryUnitAndCountsTheSlice) {
  CachedBlock* a = unit(0x10000, 0x10004);
  CachedBlock* b = unit(0x10004, 0x10008);
  CachedBlock* c = unit(0x10008, 0x90000);
  // Unlinked: A returns at once and reports its slot.
  EXPECT_EQ(run_chain(*a), 0x10004u);
  EXPECT_EQ(cache_->chain().take_missed(), &slot(*a));
  EXPECT_EQ(ctx().chained, 0u);
  ASSERT_TRUE(cache_->chain().link(slot(*a), *b, 0));
  ASSERT_TRUE(cache_->chain().link(slot(*b), *c, 0));
  // A slot links only to the unit at its next pc.
  EXPECT_FALSE(cache_->chain().link(slot(*c), *a, 0));
  EXPECT_EQ(run_chain(*a), 0x90000u);
  EXPECT_EQ(ctx().chained, 2u);
  EXPECT_EQ(ctx().running, c);
  EXPECT_EQ(slice_, 998);
  EXPECT_EQ(cache_->chain().take_missed(), &slot(*c));
  EXPECT_EQ(cache_->chain().stats().links, 2u);
  EXPECT_NE(cache_->format_stats().find("chaining       2 exits linked"), std::string::npos);
}

TEST_F(ChainLinksTest, EveryReasonToReturnReturnsAtTheExit) {
  CachedBlock* a = unit(0x10000, 0x10004);
  CachedBlock* b = unit(0x10004, 0x10008);
  CachedBlock* c = unit(0x10008, 0x90000);
  ASSERT_TRUE(cache_->chain().link(slot(*a), *b, 0));
  ASSERT_TRUE(cache_->chain().link(slot(*b), *c, 0));
  // The slice: one unit left chains into B, whose exit finds it used up (and leaves it at 0 for
  // the loop to count down and end the slice).
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
  // A written code page, waiting for the loop to drop its units.
  written_ = 1;
  EXPECT_EQ(run_chain(*a), 0x10004u);
  written_ = 0;
  EXPECT_EQ(slice_, 1000);
  EXPECT_EQ(ctx().chained, 1u);
  EXPECT_EQ(run_chain(*a), 0x90000u);
  EXPECT_EQ(ctx().chained, 3u);
}

TEST_F(ChainLinksTest, DroppedUnitsLeaveNoSlotReachingThem) {
  CachedBlock* a = unit(0x10000, 0x10004);
  CachedBlock* b = unit(0x10004, 0x10008);
  CachedBlock* c = unit(0x10008, 0x90000);
  ASSERT_TRUE(cache_->chain().link(slot(*a), *b, 0));
  ASSERT_TRUE(cache_->chain().link(slot(*b), *c, 0));
  EXPECT_EQ(c->incoming.size(), 1u);
  EXPECT_EQ(run_chain(*b), 0x90000u);
  // B's slot was reported last; B goes: the report goes with it.
  cache_->chain().context().missed = &slot(*b).code;
  EXPECT_EQ(cache_->invalidate(0x10004, 4), 1u);
  EXPECT_EQ(ctx().missed, nullptr);
  EXPECT_EQ(slot(*a).code.target, nullptr);
  EXPECT_EQ(slot(*a).target, nullptr);
  EXPECT_TRUE(c->incoming.empty());
  EXPECT_EQ(cache_->chain().stats().cleared, 1u);
  EXPECT_EQ(run_chain(*a), 0x10004u);
  // The new unit at B's pc links again, and runs its own (new) code.
  CachedBlock* b2 = unit(0x10004, 0x70000);
  ASSERT_TRUE(cache_->chain().link(slot(*a), *b2, 0));
  EXPECT_EQ(run_chain(*a), 0x70000u);
  // A unit linked to itself (a loop through the loop's exit) goes cleanly too.
  CachedBlock* d = unit(0x20000, 0x20000);
  ASSERT_TRUE(cache_->chain().link(slot(*d), *d, 0));
  slice_ = 5;
  EXPECT_EQ(run_chain(*d), 0x20000u);
  EXPECT_EQ(slice_, 0);
  EXPECT_EQ(cache_->invalidate(0x20000, 4), 1u);
  EXPECT_EQ(cache_->invalidate_all(), 3u);
}

// A CodeCache far smaller than the units' code: evicted targets' slots stay linked, their exits
// return (the target's FuncInfo has no code), and chain again once the target is compiled again.
TEST_F(ChainLinksTest, EvictedTargetsAreReturnedToAndChainedAgainWhenRecompiled) {
  CachedBlock* a = unit(0x10000, 0x10004);
  CachedBlock* b = unit(0x10004, 0x90000);
  ASSERT_TRUE(cache_->chain().link(slot(*a), *b, 0));
  EXPECT_EQ(run_chain(*a), 0x90000u);
  for (uint64_t i = 0; i < 2000 && b->func.jit_entry != nullptr; ++i)
    unit(0x40000 + 4 * i, 0x90000);
  ASSERT_EQ(b->func.jit_entry, nullptr) << "B's code was not evicted";
  if (a->func.jit_entry == nullptr) {
    ASSERT_TRUE(cache_->compile(*a));
  }
  EXPECT_EQ(slot(*a).target, b);
  EXPECT_EQ(run_chain(*a), 0x10004u);
  ASSERT_TRUE(cache_->compile(*b));
  EXPECT_EQ(run_chain(*a), 0x90000u);
  EXPECT_EQ(ctx().running, b);
}

// --jit=auto: a chained entry of a unit that still counts towards the LLVM tier adds its weight,
// and the entry that would reach the limit returns instead, for the loop to count and act on.
TEST_F(ChainLinksTest, CountedEntriesStopAtTheLimit) {
  make_cache(10);
  CachedBlock* a = unit(0x10000, 0x10004);
  CachedBlock* b = unit(0x10004, 0x90000);
  ASSERT_TRUE(cache_->chain().link(slot(*a), *b, 4));
  EXPECT_EQ(run_chain(*a), 0x90000u);
  EXPECT_EQ(run_chain(*a), 0x90000u);
  EXPECT_EQ(b->opt_count, 8u);
  EXPECT_EQ(run_chain(*a), 0x10004u);
  EXPECT_EQ(b->opt_count, 8u);
  EXPECT_EQ(slice_, 998);
  // Once B no longer counts (its LLVM compile requested), relinking stops the counting.
  ASSERT_TRUE(cache_->chain().link(slot(*a), *b, 0));
  EXPECT_EQ(run_chain(*a), 0x90000u);
  EXPECT_EQ(b->opt_count, 8u);
  EXPECT_EQ(cache_->chain().stats().links, 1u);
}

// Stands in for a unit's LLVM code: any JitEntry may be chained into.
uint64_t other_tier_entry(vm::ExecState* st, vm::Value*, vm::Frame*) {
  st->jit_retval.bits = 0x60000;
  return static_cast<uint64_t>(vm::ExecStatus::Returned);
}

// The optimizing tier installs its code through the FuncInfo's slot: a linked slot jumps to it
// with no relinking (and the baseline code it replaced is gone from the CodeCache).
TEST_F(ChainLinksTest, ALinkedTargetMovedToAnotherTierIsEnteredThere) {
  CachedBlock* a = unit(0x10000, 0x10004);
  CachedBlock* b = unit(0x10004, 0x90000);
  ASSERT_TRUE(cache_->chain().link(slot(*a), *b, 0));
  EXPECT_EQ(run_chain(*a), 0x90000u);
  b->opt = CachedBlock::Opt::Pending;
  cache_->finish_opt(*b, &other_tier_entry);
  ASSERT_EQ(b->opt, CachedBlock::Opt::Installed);
  EXPECT_EQ(run_chain(*a), 0x60000u);
  EXPECT_EQ(ctx().running, b);
  EXPECT_EQ(ctx().chained, 2u);
}

TEST_F(ChainLinksTest, WithoutChainingRetsReturnPlainly) {
  TranslationCache plain(*inst_, jit_.get(), code_.get());
  CachedBlock* a = plain.insert(chainable(0x10000, 0x10004));
  ASSERT_TRUE(plain.compile(*a));
  CachedBlock* b = plain.insert(chainable(0x10004, 0x90000));
  ASSERT_TRUE(plain.compile(*b));
  ASSERT_TRUE(plain.chain().link(slot(*a), *b, 0));
  vm::Frame* fp = st_.frames;
  fp->fn = &a->func;
  fp->base = st_.stack;
  fp->pc = a->func.code;
  EXPECT_EQ(a->func.jit_entry(&st_, st_.stack, fp), uint64_t(vm::ExecStatus::Returned));
  EXPECT_EQ(st_.jit_retval.bits, 0x10004u);
  EXPECT_EQ(plain.chain().context().missed, nullptr);
}

}  // namespace
}  // namespace strata::jit::rv64

// OptPromoter with hand-assembled units (each returns a fixed next pc): background LLVM compiles
// are installed at drain(), a unit dropped while its compile is in flight never gets its code,
// and the opt code of dropped units is freed.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "jit/rv64/opt_promoter.hpp"
#include "jit/rv64/translation_cache.hpp"
#include "tests/jit/rv64/unit_rig.hpp"

namespace strata::jit::rv64 {
namespace {

using test::make_block;

class OptPromoterTest : public test::UnitTest {
 protected:
  // Skips (returns false) when libstrata_opt.so cannot be loaded here.
  static bool tier_loads(std::string* why) {
    auto tier = opt::OptTier::load();
    if (!tier) *why = tier.error().message;
    return tier.has_value();
  }
};

TEST_F(OptPromoterTest, BackgroundCompileIsInstalledAtDrain) {
  std::string why;
  if (!tier_loads(&why)) GTEST_SKIP() << "the optimizing tier cannot be loaded: " << why;
  TranslationCache cache(*inst_, nullptr, nullptr);
  auto p = OptPromoter::create(cache, OptPromoter::Mode::Background);
  ASSERT_TRUE(p.has_value()) << p.error().message;
  CachedBlock* a = cache.insert(make_block(0x10000, 0x10008, 0x10008));
  (*p)->request(*a);
  EXPECT_EQ(a->opt, CachedBlock::Opt::Pending);
  (*p)->wait_idle();
  // Finished, but nothing is installed before the CPU loop's thread drains.
  EXPECT_EQ(a->func.jit_entry, nullptr);
  EXPECT_TRUE((*p)->has_done());
  (*p)->drain();
  ASSERT_EQ(a->opt, CachedBlock::Opt::Installed);
  EXPECT_NE(a->func.jit_entry, nullptr);
  EXPECT_EQ(a->func.jit_entry, a->opt_entry);
  EXPECT_EQ(run(*a), 0x10008);
  EXPECT_EQ(cache.stats().opt_installed, 1u);
  (*p)->stop();
}

TEST_F(OptPromoterTest, UnitDroppedDuringItsCompileNeverGetsTheCode) {
  std::string why;
  if (!tier_loads(&why)) GTEST_SKIP() << "the optimizing tier cannot be loaded: " << why;
  TranslationCache cache(*inst_, nullptr, nullptr);
  auto p = OptPromoter::create(cache, OptPromoter::Mode::Background);
  ASSERT_TRUE(p.has_value()) << p.error().message;
  CachedBlock* old_unit = cache.insert(make_block(0x10000, 0x10008, 0x10008));
  (*p)->request(*old_unit);
  // Dropped at once (as munmap or fence.i would), while the worker is still loading the tier or
  // compiling, and retranslated: the new unit at the same pc returns something else.
  ASSERT_EQ(cache.invalidate(0x10000, 4), 1u);
  EXPECT_EQ(cache.lookup(0x10000), nullptr);
  CachedBlock* new_unit = cache.insert(make_block(0x10000, 0x10008, 0x20000));
  (*p)->request(*new_unit);
  (*p)->wait_idle();
  (*p)->drain();
  // The old unit's code was discarded and freed (old_unit itself is gone); the new unit runs
  // its own LLVM code.
  EXPECT_EQ(cache.stats().opt_discarded, 1u);
  EXPECT_EQ(cache.stats().opt_installed, 1u);
  ASSERT_EQ(cache.lookup(0x10000), new_unit);
  ASSERT_EQ(new_unit->opt, CachedBlock::Opt::Installed);
  EXPECT_EQ(new_unit->func.jit_entry, new_unit->opt_entry);
  EXPECT_EQ(run(*new_unit), 0x20000);
  // Dropping an installed unit frees its opt code (through the worker).
  EXPECT_EQ(cache.invalidate_all(), 1u);
  EXPECT_EQ(cache.stats().opt_freed, 1u);
  (*p)->wait_idle();
  EXPECT_NE((*p)->format_stats().find("2 compiled functions freed"), std::string::npos)
      << (*p)->format_stats();
  (*p)->stop();
}

TEST_F(OptPromoterTest, SyncModeInstallsAtOnce) {
  std::string why;
  if (!tier_loads(&why)) GTEST_SKIP() << "the optimizing tier cannot be loaded: " << why;
  TranslationCache cache(*inst_, nullptr, nullptr);
  auto p = OptPromoter::create(cache, OptPromoter::Mode::Sync);
  ASSERT_TRUE(p.has_value()) << p.error().message;
  CachedBlock* a = cache.insert(make_block(0x10000, 0x10008, 0x10010));
  (*p)->request(*a);
  ASSERT_EQ(a->opt, CachedBlock::Opt::Installed);
  EXPECT_EQ(run(*a), 0x10010);
  EXPECT_EQ(cache.invalidate(0x10000, 8), 1u);
  EXPECT_EQ(cache.stats().opt_freed, 1u);
  EXPECT_NE((*p)->format_stats().find("1 compiled functions freed"), std::string::npos)
      << (*p)->format_stats();
}

}  // namespace
}  // namespace strata::jit::rv64

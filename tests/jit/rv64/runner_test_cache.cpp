// TranslationCache with hand-assembled blocks (each returns a fixed next pc), run by the
// interpreter and the baseline tier: lookups, front-cache collisions, range invalidation and the
// release of compiled code.
#include <map>
#include <vector>

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "jit/rv64/translation_cache.hpp"
#include "tests/jit/rv64/unit_rig.hpp"

namespace strata::jit::rv64 {
namespace {

using test::make_block;

class TranslationCacheTest : public test::UnitTest {};

TEST_F(TranslationCacheTest, LookupHitsTheFrontCacheThenTheMap) {
  TranslationCache cache(*inst_, nullptr, nullptr);
  EXPECT_EQ(cache.lookup(0x10000), nullptr);
  CachedBlock* a = cache.insert(make_block(0x10000, 0x10008, 0x10008));
  EXPECT_EQ(cache.lookup(0x10000), a);
  EXPECT_EQ(run(*a), 0x10008);
  // Same front slot (pc >> 1 modulo kFrontSize): the second insert takes the slot, the first is
  // then found in the map and takes it back.
  const uint64_t alias = 0x10000 + 2 * TranslationCache::kFrontSize;
  CachedBlock* b = cache.insert(make_block(alias, alias + 4, 0x10000));
  EXPECT_EQ(cache.lookup(alias), b);
  EXPECT_EQ(cache.lookup(0x10000), a);
  EXPECT_EQ(cache.lookup(alias), b);
  EXPECT_EQ(run(*b), 0x10000);
  const TranslationStats& s = cache.stats();
  EXPECT_EQ(s.blocks_translated, 2u);
  EXPECT_EQ(s.guest_insns, 3u);
  EXPECT_EQ(s.front_hits, 2u);    // a, then b right after its insert
  EXPECT_EQ(s.front_misses, 3u);  // the empty lookup, a after b's insert, b after a's refill
  EXPECT_EQ(s.map_hits, 2u);
  EXPECT_EQ(s.map_misses, 1u);
  EXPECT_NE(cache.format_stats().find("2 translated (2 guest blocks, 3 guest instructions"),
            std::string::npos)
      << cache.format_stats();
}

TEST_F(TranslationCacheTest, InvalidateDropsExactlyTheOverlappingBlocks) {
  TranslationCache cache(*inst_, nullptr, nullptr);
  cache.insert(make_block(0x10000, 0x10010, 0x10010));
  cache.insert(make_block(0x10010, 0x10020, 0x10020));
  cache.insert(make_block(0x100f0, 0x101f0, 0x10000));  // a long block starting earlier
  cache.insert(make_block(0x20000, 0x20008, 0x10000));
  // Touches the end of the first block only ([start, end) is half-open).
  EXPECT_EQ(cache.invalidate(0x1000c, 4), 1u);
  EXPECT_EQ(cache.lookup(0x10000), nullptr);
  EXPECT_NE(cache.lookup(0x10010), nullptr);
  EXPECT_EQ(cache.invalidate(0x10020, 0x10), 0u);
  // Inside the long block, far from its start.
  EXPECT_EQ(cache.invalidate(0x101e0, 2), 1u);
  EXPECT_EQ(cache.lookup(0x100f0), nullptr);
  // A guest range that would wrap around 2^64 is clamped, not wrapped.
  EXPECT_EQ(cache.invalidate(0x1ffff, UINT64_MAX), 1u);
  EXPECT_EQ(cache.lookup(0x20000), nullptr);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.stats().invalidations, 3u);
  EXPECT_EQ(cache.stats().blocks_invalidated, 3u);
  EXPECT_EQ(cache.invalidate_all(), 1u);
  EXPECT_EQ(cache.lookup(0x10010), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(TranslationCacheTest, InvalidatingAnyPageOfARegionDropsIt) {
  // 0x10ff8: beq x0, x0, +16 (-> 0x11008, next page); 0x10ffc: ecall; 0x11008: ecall.
  // Its guest bytes: [0x10ff8, 0x11000) and [0x11008, 0x1100c).
  std::map<uint64_t, uint32_t> words = {
      {0x10ff8, (((16u >> 1) & 0xf) << 8) | 0x63}, {0x10ffc, 0x73}, {0x11008, 0x73}};
  const FetchFn fetch = [&](uint64_t pc, uint16_t* parcel) {
    auto it = words.find(pc & ~uint64_t{3});
    if (it == words.end()) return false;
    *parcel = static_cast<uint16_t>(pc & 2 ? it->second >> 16 : it->second);
    return true;
  };
  TranslationCache cache(*inst_, nullptr, nullptr);
  const auto region = [&] {
    auto b = cache.translate(0x10ff8, fetch);
    EXPECT_TRUE(b.has_value());
    return b ? *b : nullptr;
  };
  CachedBlock* r = region();
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->block.guest_blocks, 3u);
  const std::vector<std::pair<uint64_t, uint64_t>> want = {{0x10ff8, 0x11000}, {0x11008, 0x1100c}};
  EXPECT_EQ(r->block.ranges, want);
  // Run: the branch is taken, so the region's ecall in the next page exits.
  EXPECT_EQ(run(*r), 0x11009);
  // The gap between its ranges is not its code.
  EXPECT_EQ(cache.invalidate(0x11000, 8), 0u);
  // The second page alone drops it ...
  EXPECT_EQ(cache.invalidate(0x1100a, 1), 1u);
  EXPECT_EQ(cache.lookup(0x10ff8), nullptr);
  // ... and so does the first, and a range covering both counts it once.
  region();
  EXPECT_EQ(cache.invalidate(0x10ff8, 2), 1u);
  region();
  EXPECT_EQ(cache.invalidate(0x10000, 0x10000), 1u);
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(TranslationCacheTest, ReinsertReplacesTheBlock) {
  TranslationCache cache(*inst_, nullptr, nullptr);
  cache.insert(make_block(0x10000, 0x10004, 0x10004));
  CachedBlock* b = cache.insert(make_block(0x10000, 0x10004, 0x20000));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.lookup(0x10000), b);
  EXPECT_EQ(run(*b), 0x20000);
}

TEST_F(TranslationCacheTest, CompiledBlocksReleaseTheirCodeWhenDropped) {
  auto code = CodeCache::create({});
  ASSERT_TRUE(code.has_value());
  baseline::BaselineJit jit(**code);
  {
    TranslationCache cache(*inst_, &jit, code->get());
    CachedBlock* a = cache.insert(make_block(0x10000, 0x10004, 0x30000));
    CachedBlock* b = cache.insert(make_block(0x10004, 0x10008, 0x40000));
    ASSERT_TRUE(cache.compile(*a));
    ASSERT_TRUE(cache.compile(*b));
    EXPECT_NE(a->func.jit_entry, nullptr);
    EXPECT_EQ(run(*a), 0x30000);
    EXPECT_EQ(run(*b), 0x40000);
    EXPECT_EQ((*code)->stats().live_entries, 2u);
    EXPECT_EQ(cache.stats().compiled, 2u);
    EXPECT_EQ(cache.stats().compile.count(), 2u);

    EXPECT_EQ(cache.invalidate(0x10000, 4), 1u);
    EXPECT_EQ((*code)->stats().live_entries, 1u);
    // Retranslated after the change: interpreted until compiled again.
    CachedBlock* a2 = cache.insert(make_block(0x10000, 0x10004, 0x50000));
    EXPECT_EQ(a2->func.jit_entry, nullptr);
    EXPECT_EQ(run(*a2), 0x50000);
    ASSERT_TRUE(cache.compile(*a2));
    EXPECT_EQ(run(*a2), 0x50000);
    EXPECT_EQ((*code)->stats().live_entries, 2u);
  }
  // The cache's destructor released the rest.
  EXPECT_EQ((*code)->stats().live_entries, 0u);
}

// A code cache far smaller than the blocks' code: installs evict older chunks, whose blocks
// go back to the interpreter (the drop hook reaches their live FuncInfos) and can be compiled
// again; every block keeps returning its own next pc.
TEST_F(TranslationCacheTest, EvictedBlocksFallBackAndRecompile) {
  auto code = CodeCache::create({.capacity_bytes = 8 * 4096, .chunk_bytes = 4096});
  ASSERT_TRUE(code.has_value()) << code.error().message;
  baseline::BaselineJit jit(**code);
  {
    TranslationCache cache(*inst_, &jit, code->get());
    constexpr uint64_t kBlocks = 1000;
    for (uint64_t i = 0; i < kBlocks; ++i) {
      CachedBlock* b = cache.insert(make_block(0x10000 + 4 * i, 0x10004 + 4 * i, 0x80000 + 2 * i));
      ASSERT_TRUE(cache.compile(*b)) << i;
    }
    ASSERT_GT((*code)->stats().evicted_entries, 0u);
    uint64_t interpreted = 0;
    for (uint64_t i = 0; i < kBlocks; ++i) {
      CachedBlock* b = cache.lookup(0x10000 + 4 * i);
      ASSERT_NE(b, nullptr);
      if (b->func.jit_entry == nullptr) ++interpreted;
      EXPECT_EQ(run(*b), static_cast<int64_t>(0x80000 + 2 * i));
    }
    EXPECT_EQ(interpreted, (*code)->stats().evicted_entries);
    CachedBlock* first = cache.lookup(0x10000);
    ASSERT_EQ(first->func.jit_entry, nullptr);
    ASSERT_TRUE(cache.compile(*first));
    EXPECT_EQ(run(*first), 0x80000);
  }
  EXPECT_EQ((*code)->stats().live_entries, 0u);
}

TEST_F(TranslationCacheTest, CompileWithoutAJitIsRefused) {
  TranslationCache cache(*inst_, nullptr, nullptr);
  CachedBlock* a = cache.insert(make_block(0x10000, 0x10004, 0x10004));
  EXPECT_FALSE(cache.compile(*a));
  EXPECT_EQ(a->func.jit_entry, nullptr);
  EXPECT_EQ(run(*a), 0x10004);
}

TEST_F(TranslationCacheTest, AFailedFirstFetchIsATranslationError) {
  TranslationCache cache(*inst_, nullptr, nullptr);
  auto r = cache.translate(0x10000, [](uint64_t, uint16_t*) { return false; });
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("10000"), std::string::npos) << r.error().message;
  EXPECT_EQ(cache.stats().translate_failures, 1u);
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace strata::jit::rv64

#include "jit/code_cache.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

#include "tests/jit/test_code.hpp"

namespace strata::jit {
namespace {

using testing::const_fn;
using testing::ConstFn;

std::unique_ptr<CodeCache> make_cache(CodeCache::Options o = {}) {
  auto c = CodeCache::create(std::move(o));
  EXPECT_TRUE(c) << c.error().message;
  return c ? std::move(*c) : nullptr;
}

TEST(CodeCache, InstallThenLookupHitsAndRuns) {
  auto cache = make_cache({.capacity_bytes = 1 << 20});
  ASSERT_TRUE(cache);
  auto code = const_fn(42);
  auto e = cache->install({7, 0x1000}, code, 1500);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_TRUE(cache->contains(e->code));
  EXPECT_EQ(e->size, code.size());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(e->code) % CodeCache::kDefaultAlign, 0u);

  CodeEntry hit = cache->lookup(7, 0x1000);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit.code, e->code);
  EXPECT_EQ(hit.as<ConstFn>()(), 42u);
  EXPECT_FALSE(cache->lookup(7, 0x1004));
  EXPECT_FALSE(cache->lookup(8, 0x1000));
  EXPECT_TRUE(cache->lookup(CodeKey{7, 0x1000}));

  CacheStats s = cache->stats();
  EXPECT_EQ(s.translations, 1u);
  EXPECT_EQ(s.hits, 2u);
  EXPECT_EQ(s.misses, 2u);
  EXPECT_EQ(s.live_entries, 1u);
  EXPECT_EQ(s.live_bytes, code.size());
  EXPECT_EQ(s.bytes_installed, code.size());
  EXPECT_GE(s.translate_mean_us, 1.5);  // the 1.5 µs compile time plus the install
  EXPECT_GE(s.translate_p99_us, 1.5);
  EXPECT_EQ(s.capacity_bytes, cache->capacity_bytes());
}

TEST(CodeCache, PeekDoesNotCount) {
  auto cache = make_cache({.capacity_bytes = 1 << 20});
  ASSERT_TRUE(cache->install({1, 2}, const_fn(3)));
  EXPECT_TRUE(cache->peek({1, 2}));
  EXPECT_FALSE(cache->peek({1, 3}));
  EXPECT_EQ(cache->stats().hits + cache->stats().misses, 0u);
}

TEST(CodeCache, ManyEntriesKeepTheirOwnCode) {
  auto cache = make_cache({.capacity_bytes = 1 << 20});
  for (uint32_t i = 0; i < 1000; ++i) {
    ASSERT_TRUE(cache->install({i % 3, i * 4}, const_fn(i * 7 + 1)));
  }
  for (uint32_t i = 0; i < 1000; ++i) {
    CodeEntry e = cache->lookup(i % 3, i * 4);
    ASSERT_TRUE(e) << i;
    EXPECT_EQ(e.as<ConstFn>()(), i * 7 + 1);
  }
  EXPECT_EQ(cache->stats().live_entries, 1000u);
  EXPECT_EQ(cache->stats().evicted_chunks, 0u);
}

TEST(CodeCache, ReinstallReplacesAndTellsTheHook) {
  std::vector<std::pair<DropReason, DroppedEntry>> seen;
  auto cache = make_cache(
      {.capacity_bytes = 1 << 20, .on_drop = [&](DropReason r, std::span<const DroppedEntry> d) {
         for (const auto& x : d) seen.emplace_back(r, x);
       }});
  auto first = cache->install({1, 0x40}, const_fn(1));
  auto second = cache->install({1, 0x40}, const_fn(2));
  ASSERT_TRUE(first && second);
  EXPECT_NE(first->code, second->code);
  EXPECT_EQ(cache->lookup(1, 0x40).as<ConstFn>()(), 2u);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, DropReason::kReplaced);
  EXPECT_EQ(seen[0].second.entry.code, first->code);
  CacheStats s = cache->stats();
  EXPECT_EQ(s.replaced_entries, 1u);
  EXPECT_EQ(s.live_entries, 1u);
  EXPECT_EQ(s.translations, 2u);
}

TEST(CodeCache, InvalidateRangeDropsExactlyThePcsInside) {
  std::vector<DroppedEntry> dropped;
  auto cache = make_cache(
      {.capacity_bytes = 1 << 20, .on_drop = [&](DropReason r, std::span<const DroppedEntry> d) {
         EXPECT_EQ(r, DropReason::kInvalidated);
         dropped.insert(dropped.end(), d.begin(), d.end());
       }});
  for (uint64_t pc = 0x1000; pc < 0x1100; pc += 0x10) {
    ASSERT_TRUE(cache->install({5, pc}, const_fn(static_cast<uint32_t>(pc))));
    ASSERT_TRUE(cache->install({6, pc}, const_fn(static_cast<uint32_t>(pc))));
  }
  // [0x1040, 0x1080): 0x1040 0x1050 0x1060 0x1070 — the end is exclusive.
  EXPECT_EQ(cache->invalidate_range(5, 0x1040, 0x1080), 4u);
  ASSERT_EQ(dropped.size(), 4u);
  for (const auto& d : dropped) {
    EXPECT_EQ(d.key.unit, 5u);
    EXPECT_GE(d.key.pc, 0x1040u);
    EXPECT_LT(d.key.pc, 0x1080u);
  }
  EXPECT_TRUE(cache->peek({5, 0x1030}));
  EXPECT_FALSE(cache->peek({5, 0x1040}));
  EXPECT_FALSE(cache->peek({5, 0x1070}));
  EXPECT_TRUE(cache->peek({5, 0x1080}));
  EXPECT_TRUE(cache->peek({6, 0x1050}));                      // other units untouched
  EXPECT_EQ(cache->invalidate_range(5, 0x1040, 0x1080), 0u);  // already gone
  EXPECT_EQ(cache->invalidate_range(5, 0x2000, 0x1000), 0u);  // empty range
  EXPECT_EQ(cache->invalidate_range(99, 0, 0x10000), 0u);     // unknown unit

  // Reinstalling an invalidated pc works (the guest rewrote its code).
  ASSERT_TRUE(cache->install({5, 0x1040}, const_fn(77)));
  EXPECT_EQ(cache->lookup(5, 0x1040).as<ConstFn>()(), 77u);
  CacheStats s = cache->stats();
  EXPECT_EQ(s.invalidated_entries, 4u);
  EXPECT_EQ(s.live_entries, 32u - 4u + 1u);
}

TEST(CodeCache, InvalidateUnitIncludingTheLastPc) {
  auto cache = make_cache({.capacity_bytes = 1 << 20});
  const uint64_t kMax = ~uint64_t{0};
  ASSERT_TRUE(cache->install({3, 0}, const_fn(1)));
  ASSERT_TRUE(cache->install({3, 0x8000}, const_fn(2)));
  ASSERT_TRUE(cache->install({3, kMax}, const_fn(3)));
  ASSERT_TRUE(cache->install({4, 0x8000}, const_fn(4)));
  EXPECT_EQ(cache->invalidate_unit(3), 3u);
  EXPECT_FALSE(cache->peek({3, kMax}));
  EXPECT_FALSE(cache->peek({3, 0}));
  EXPECT_TRUE(cache->peek({4, 0x8000}));
  EXPECT_EQ(cache->stats().live_entries, 1u);
  EXPECT_EQ(cache->invalidate_unit(3), 0u);
}

TEST(CodeCache, InstallWithRelocatesAgainstTheExecutableAddress) {
  auto cache = make_cache({.capacity_bytes = 1 << 20});
  uint64_t where = 0;
  // `lea rax, [rip + 0]; ret`: returns its own end address, which proves the emitter was told
  // the final executable address and wrote through the writable alias.
  auto e = cache->install_with({1, 1}, 32, 0, [&](std::byte* rw, uint64_t rx, size_t cap) {
    EXPECT_EQ(cap, 32u);
    where = rx;
    const uint8_t code[] = {0x48, 0x8D, 0x05, 0, 0, 0, 0, 0xC3};
    std::memcpy(rw, code, sizeof code);
    return Result<size_t>(sizeof code);
  });
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(reinterpret_cast<uint64_t>(e->code), where);
  EXPECT_EQ(e->size, 8u);
  auto* fn = e->as<uint64_t()>();
  EXPECT_EQ(fn(), where + 7);
}

TEST(CodeCache, InstallWithAcceptsConstAndMutableEmitters) {
  auto cache = make_cache({.capacity_bytes = 1 << 20});
  const auto emit_ret = [](std::byte* rw, uint64_t, size_t) -> Result<size_t> {
    rw[0] = std::byte{0xC3};
    return 1;
  };
  ASSERT_TRUE(cache->install_with({1, 1}, 1, 0, emit_ret));
  int calls = 0;
  auto counting = [calls](std::byte* rw, uint64_t, size_t) mutable -> Result<size_t> {
    rw[0] = std::byte{0xC3};
    return ++calls;
  };
  ASSERT_TRUE(cache->install_with({1, 2}, 1, 0, counting));
  cache->lookup(1, 2).as<void()>()();
  CodeCache::Executor unregistered;  // quiescent()/offline() on an empty Executor do nothing
  unregistered.quiescent();
  unregistered.offline();
}

TEST(CodeCache, RefusedInstallsLeaveNoTrace) {
  auto cache = make_cache({.capacity_bytes = 64 << 10, .chunk_bytes = 16 << 10});
  ASSERT_EQ(cache->chunk_bytes(), 16u << 10);
  std::vector<std::byte> huge((16 << 10) + 1, std::byte{0xC3});
  auto r = cache->install({1, 1}, huge);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("1..16384"), std::string::npos) << r.error().message;
  EXPECT_FALSE(cache->install({1, 2}, std::span<const std::byte>{}));
  auto bad = cache->install_with({1, 3}, 16, 0, [](std::byte*, uint64_t, size_t) -> Result<size_t> {
    return fail("emitter ran out of registers");
  });
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("emitter ran out of registers"), std::string::npos);
  auto liar = cache->install_with({1, 4}, 16, 0,
                                  [](std::byte*, uint64_t, size_t) { return Result<size_t>(17); });
  EXPECT_FALSE(liar);
  EXPECT_FALSE(cache->install_with(
      {1, 5}, 8, 0, [](std::byte*, uint64_t, size_t) { return Result<size_t>(1); }, /*align=*/3));
  CacheStats s = cache->stats();
  EXPECT_EQ(s.translations, 0u);
  EXPECT_EQ(s.install_failures, 5u);
  EXPECT_EQ(s.live_entries, 0u);
  EXPECT_EQ(s.arena_used_bytes, 0u);
}

TEST(CodeCache, OptionsAreChecked) {
  EXPECT_FALSE(CodeCache::create({.capacity_bytes = 100}));
  EXPECT_FALSE(CodeCache::create({.capacity_bytes = 64 << 10, .chunk_bytes = 128 << 10}));
  // The bound rounds down to whole chunks: never more memory than asked for.
  auto c = CodeCache::create({.capacity_bytes = 100 << 10, .chunk_bytes = 16 << 10});
  ASSERT_TRUE(c);
  EXPECT_EQ((*c)->chunk_count(), 6u);
  EXPECT_EQ((*c)->capacity_bytes(), 96u << 10);
  auto d = CodeCache::create({.capacity_bytes = 64 << 20});
  ASSERT_TRUE(d);
  EXPECT_EQ((*d)->chunk_count(), 16u);
}

TEST(CodeCache, WxHoldsForTheCacheArena) {
  auto cache = make_cache({.capacity_bytes = 256 << 10, .name = "strata-jit-cache-wx"});
  ASSERT_TRUE(cache->install({1, 1}, const_fn(1)));
  auto rx = testing::maps_overlapping(cache->rx_base(), cache->capacity_bytes());
  auto rw = testing::maps_overlapping(cache->rw_base(), cache->capacity_bytes());
  ASSERT_FALSE(rx.empty());
  ASSERT_FALSE(rw.empty());
  for (const auto& m : rx) EXPECT_FALSE(testing::writable_and_executable(m)) << m.perms;
  for (const auto& m : rw) EXPECT_FALSE(testing::writable_and_executable(m)) << m.perms;
  for (const auto& m : rx) EXPECT_EQ(m.perms[2], 'x');
  for (const auto& m : rw) EXPECT_EQ(m.perms[1], 'w');
}

// Whether the page of `p` is in this process's page tables (/proc/self/pagemap, bit 63).
bool mapped(const void* p) {
  const int fd = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const auto page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  uint64_t entry = 0;
  const auto at = static_cast<off_t>(reinterpret_cast<uintptr_t>(p) / page * sizeof entry);
  const bool ok = ::pread(fd, &entry, sizeof entry, at) == static_cast<ssize_t>(sizeof entry);
  ::close(fd);
  return ok && (entry >> 63) != 0;
}

// prefault_ahead maps the pages after the last install, in both views, from an install's
// unaligned end; then tops up only once half of what it mapped is used, and never past the
// arena.
TEST(CodeCache, PrefaultAheadMapsThePagesAfterTheLastInstallInBothViews) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  auto cache = make_cache({.capacity_bytes = 64 * page, .chunk_bytes = 16 * page});
  ASSERT_TRUE(cache);
  auto e = cache->install({1, 0}, const_fn(5));
  ASSERT_TRUE(e) << e.error().message;
  const std::byte* rx = cache->rx_base();
  const std::byte* rw = cache->rw_base();
  ASSERT_FALSE(mapped(rx + 3 * page)) << "a fresh arena has no pages mapped";
  ASSERT_FALSE(mapped(rw + 3 * page));
  cache->prefault_ahead(4 * page);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_TRUE(mapped(rx + i * page)) << "rx page " << i;
    EXPECT_TRUE(mapped(rw + i * page)) << "rw page " << i;
  }
  // The install's end + 4 pages reaches into page 4, not 5.
  EXPECT_TRUE(mapped(rx + 4 * page));
  EXPECT_FALSE(mapped(rx + 5 * page));
  EXPECT_FALSE(mapped(rw + 5 * page));
  // Less than half used since: nothing more.
  cache->prefault_ahead(4 * page);
  EXPECT_FALSE(mapped(rx + 5 * page));
  EXPECT_EQ(cache->lookup(1, 0).as<ConstFn>()(), 5u);
  // Past the arena's end: clipped, no error.
  cache->prefault_ahead(1000 * page);
  EXPECT_TRUE(mapped(rx + 63 * page));
  EXPECT_TRUE(mapped(rw + 63 * page));
}

TEST(CodeCache, FormatStatsNamesEveryCounter) {
  auto cache = make_cache({.capacity_bytes = 1 << 20});
  ASSERT_TRUE(cache->install({1, 1}, const_fn(1), 2000));
  cache->lookup(1, 1);
  cache->lookup(1, 2);
  cache->invalidate_unit(1);
  const std::string text = cache->format_stats();
  EXPECT_NE(text.find("jit code cache"), std::string::npos) << text;
  EXPECT_NE(text.find("translations   1"), std::string::npos) << text;
  EXPECT_NE(text.find("p99"), std::string::npos) << text;
  EXPECT_NE(text.find("1 hits, 1 misses (50.0% hits)"), std::string::npos) << text;
  EXPECT_NE(text.find("evictions      0 chunks"), std::string::npos) << text;
  EXPECT_NE(text.find("invalidations  1 entries"), std::string::npos) << text;
  EXPECT_NE(text.find("1.0 MiB arena"), std::string::npos) << text;
  EXPECT_EQ(text.back(), '\n');
}

}  // namespace
}  // namespace strata::jit

// The size bound: FIFO eviction of arena chunks, the drop hook, and reclamation that waits for
// executors.
#include <gtest/gtest.h>

#include <cstring>
#include <set>

#include "jit/code_cache.hpp"
#include "tests/jit/test_code.hpp"

namespace strata::jit {
namespace {

using testing::const_fn;
using testing::ConstFn;

constexpr size_t kChunk = 16 << 10;
constexpr size_t kCapacity = 4 * kChunk;

// Installs `mov eax, v; ret` padded with int3 to `size` bytes.
Result<CodeEntry> install_sized(CodeCache& c, CodeKey key, uint32_t v, size_t size) {
  return c.install_with(key, size, 0, [&](std::byte* rw, uint64_t, size_t cap) -> Result<size_t> {
    auto code = const_fn(v);
    std::memset(rw, 0xCC, cap);
    std::memcpy(rw, code.data(), code.size());
    return cap;
  });
}

uint32_t value_of(uint64_t pc) {
  return static_cast<uint32_t>(pc * 2654435761u + 1);
}

TEST(Eviction, ManyEntriesUnderASmallBound) {
  std::set<uint64_t> evicted;
  size_t hook_calls = 0;
  auto made = CodeCache::create({.capacity_bytes = kCapacity,
                                 .chunk_bytes = kChunk,
                                 .on_drop = [&](DropReason r, std::span<const DroppedEntry> d) {
                                   EXPECT_EQ(r, DropReason::kEvicted);
                                   ++hook_calls;
                                   for (const auto& x : d) {
                                     EXPECT_TRUE(evicted.insert(x.key.pc).second) << x.key.pc;
                                   }
                                 }});
  ASSERT_TRUE(made) << made.error().message;
  CodeCache& cache = **made;
  ASSERT_EQ(cache.chunk_count(), 4u);

  constexpr uint64_t kEntries = 5000;
  for (uint64_t pc = 0; pc < kEntries; ++pc) {
    // Sizes from 6 to 1005 bytes: entries of several sizes share chunks.
    auto e = install_sized(cache, {1, pc}, value_of(pc), 6 + (pc * 37) % 1000);
    ASSERT_TRUE(e) << e.error().message;
    ASSERT_TRUE(cache.contains(e->code));
    CacheStats s = cache.stats();
    ASSERT_LE(s.arena_used_bytes, kCapacity);
    ASSERT_LE(s.live_bytes, s.arena_used_bytes);
  }
  CacheStats s = cache.stats();
  EXPECT_GT(s.evicted_chunks, 0u);
  EXPECT_EQ(s.evicted_entries, evicted.size());
  EXPECT_EQ(hook_calls, s.evicted_chunks);
  EXPECT_EQ(s.live_entries + s.evicted_entries, kEntries);
  EXPECT_EQ(s.translations, kEntries);
  EXPECT_EQ(cache.capacity_bytes(), kCapacity);

  // Evicted entries are gone; the others still run their own code. FIFO: the survivors are
  // exactly the most recent installs.
  uint64_t first_live = kEntries;
  for (uint64_t pc = 0; pc < kEntries; ++pc) {
    CodeEntry e = cache.peek({1, pc});
    if (evicted.count(pc) != 0) {
      EXPECT_FALSE(e) << pc;
    } else {
      ASSERT_TRUE(e) << pc;
      EXPECT_EQ(e.as<ConstFn>()(), value_of(pc));
      first_live = std::min(first_live, pc);
    }
  }
  EXPECT_EQ(first_live, s.evicted_entries);
  // The survivors fill at least (n-1)/n of the arena's capacity.
  EXPECT_GE(s.arena_used_bytes, kCapacity * 3 / 4 - 3 * 1024);
}

TEST(Eviction, OneChunkCacheFlushesEverything) {
  auto made = CodeCache::create({.capacity_bytes = 4096, .chunk_bytes = 4096});
  ASSERT_TRUE(made);
  CodeCache& cache = **made;
  // 256 entries of 16 bytes fill the chunk; the 257th flushes it.
  for (uint64_t pc = 0; pc < 257; ++pc) ASSERT_TRUE(cache.install({2, pc}, const_fn(value_of(pc))));
  CacheStats s = cache.stats();
  EXPECT_EQ(s.evicted_chunks, 1u);
  EXPECT_EQ(s.evicted_entries, 256u);
  EXPECT_EQ(s.live_entries, 1u);
  EXPECT_EQ(cache.lookup(2, 256).as<ConstFn>()(), value_of(256));
}

TEST(Eviction, ReplacedCodeElsewhereSurvivesItsOldChunk) {
  auto made = CodeCache::create({.capacity_bytes = 2 * 4096, .chunk_bytes = 4096});
  ASSERT_TRUE(made);
  CodeCache& cache = **made;
  ASSERT_TRUE(cache.install({1, 0}, const_fn(1)));  // chunk 0
  for (uint64_t pc = 1; pc < 256; ++pc) ASSERT_TRUE(cache.install({1, pc}, const_fn(0)));
  ASSERT_TRUE(cache.install({1, 0}, const_fn(2)));  // replaced: now in chunk 1
  for (uint64_t pc = 1000; pc < 1255; ++pc) ASSERT_TRUE(cache.install({1, pc}, const_fn(0)));
  // Chunk 1 is full; the next install evicts chunk 0, which still lists key (1, 0).
  ASSERT_TRUE(cache.install({1, 5000}, const_fn(3)));
  EXPECT_EQ(cache.stats().evicted_chunks, 1u);
  CodeEntry e = cache.peek({1, 0});
  ASSERT_TRUE(e);
  EXPECT_EQ(e.as<ConstFn>()(), 2u);
}

TEST(Eviction, ReuseWaitsForExecutorsToBeQuiescent) {
  auto made = CodeCache::create({.capacity_bytes = 2 * 4096, .chunk_bytes = 4096});
  ASSERT_TRUE(made);
  CodeCache& cache = **made;
  CodeCache::Executor ex = cache.register_executor();

  // Fill both chunks; the executor holds a pointer into chunk 0.
  for (uint64_t pc = 0; pc < 512; ++pc) ASSERT_TRUE(cache.install({1, pc}, const_fn(value_of(pc))));
  CodeEntry held = cache.lookup(1, 0);
  ASSERT_TRUE(held);

  // Chunk 0 is evicted (its entries leave the index) but may not be reused yet.
  auto busy = cache.install({1, 1000}, const_fn(1));
  ASSERT_FALSE(busy);
  EXPECT_NE(busy.error().message.find("busy"), std::string::npos) << busy.error().message;
  EXPECT_FALSE(cache.peek({1, 0}));
  EXPECT_EQ(cache.stats().evicted_entries, 256u);
  EXPECT_EQ(held.as<ConstFn>()(), value_of(0));  // still intact

  // Still busy until the executor passes a quiescent point.
  EXPECT_FALSE(cache.install({1, 1000}, const_fn(1)));
  ex.quiescent();
  auto ok = cache.install({1, 1000}, const_fn(1));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->code, held.code);  // the chunk was reused from its start

  // Offline executors do not hold reclamation back either.
  for (uint64_t pc = 2000; pc < 2255; ++pc) ASSERT_TRUE(cache.install({1, pc}, const_fn(0)));
  EXPECT_FALSE(cache.install({1, 3000}, const_fn(0)));  // chunk 1 evicted, executor not quiescent
  ex.offline();
  EXPECT_TRUE(cache.install({1, 3000}, const_fn(0)));

  // Unregistered, the executor no longer matters.
  ex.quiescent();
  for (uint64_t pc = 4000; pc < 4255; ++pc) ASSERT_TRUE(cache.install({1, pc}, const_fn(0)));
  ex.reset();
  EXPECT_TRUE(cache.install({1, 5000}, const_fn(0)));
  CacheStats s = cache.stats();
  EXPECT_EQ(s.install_failures, 3u);
}

// CodeCache::reserve/commit: code a compile thread wrote into a reservation runs once committed,
// and the reservation pins its chunk: the ring does not take the chunk back (an install that
// needs it is refused as busy) until it is committed or cancelled.
TEST(Reservation, CommittedCodeRunsAndEntersTheIndex) {
  auto made = CodeCache::create({.capacity_bytes = kCapacity, .chunk_bytes = kChunk});
  ASSERT_TRUE(made) << made.error().message;
  CodeCache& cache = **made;
  ASSERT_TRUE(install_sized(cache, {1, 1}, 11, 100));
  auto r = cache.reserve(64);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->size, 64u);
  EXPECT_EQ(r->offset % CodeCache::kDefaultAlign, 0u);
  EXPECT_GE(r->offset, 100u) << "after the install before it";
  EXPECT_EQ(reinterpret_cast<const std::byte*>(r->rx), cache.rx_base() + r->offset);
  EXPECT_FALSE(cache.lookup(1, 2)) << "nothing is in the index before the commit";
  const auto code = const_fn(22);
  std::memcpy(r->rw, code.data(), code.size());
  auto e = cache.commit({1, 2}, *r, code.size(), 0);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(reinterpret_cast<uint64_t>(e->code), r->rx);
  EXPECT_EQ(cache.lookup(1, 2).as<ConstFn>()(), 22u);
  EXPECT_EQ(cache.stats().translations, 2u);
  // The next install goes after the reservation.
  auto after = install_sized(cache, {1, 3}, 33, 10);
  ASSERT_TRUE(after);
  EXPECT_GE(reinterpret_cast<uint64_t>(after->code), r->rx + r->size);
  // More than reserved: refused, and the reservation is spent all the same.
  auto r2 = cache.reserve(16);
  ASSERT_TRUE(r2);
  EXPECT_FALSE(cache.commit({1, 4}, *r2, 17, 0));
  EXPECT_FALSE(cache.lookup(1, 4));
}

TEST(Reservation, NoneWhereTheCurrentChunkHasNoRoom) {
  auto made = CodeCache::create({.capacity_bytes = kCapacity, .chunk_bytes = kChunk});
  ASSERT_TRUE(made) << made.error().message;
  CodeCache& cache = **made;
  ASSERT_TRUE(install_sized(cache, {1, 1}, 1, kChunk - 100));
  EXPECT_FALSE(cache.reserve(200)) << "taking the next chunk is the installer's to do";
  EXPECT_FALSE(cache.reserve(0));
  EXPECT_TRUE(cache.reserve(80));
}

TEST(Reservation, PinsItsChunkUntilCommittedOrCancelled) {
  for (const bool commit : {false, true}) {
    auto made = CodeCache::create({.capacity_bytes = kCapacity, .chunk_bytes = kChunk});
    ASSERT_TRUE(made) << made.error().message;
    CodeCache& cache = **made;
    auto r = cache.reserve(64);  // in chunk 0
    ASSERT_TRUE(r);
    // Fill chunks 0..3; the next install needs chunk 0 again.
    uint64_t pc = 0;
    for (size_t chunk = 0; chunk < 4; ++chunk)
      ASSERT_TRUE(install_sized(cache, {2, pc++}, 7, kChunk - 64 - 16));
    auto refused = install_sized(cache, {2, pc}, 7, kChunk / 2);
    ASSERT_FALSE(refused) << "chunk 0 holds code not committed yet";
    EXPECT_NE(refused.error().message.find("busy"), std::string::npos) << refused.error().message;
    EXPECT_EQ(cache.stats().evicted_chunks, 0u) << "nothing evicted for the refused install";
    if (commit) {
      const auto code = const_fn(5);
      std::memcpy(r->rw, code.data(), code.size());
      ASSERT_TRUE(cache.commit({3, 0}, *r, code.size(), 0));
      EXPECT_EQ(cache.lookup(3, 0).as<ConstFn>()(), 5u);
    } else {
      cache.cancel(*r);
    }
    auto e = install_sized(cache, {2, pc}, 9, kChunk / 2);
    ASSERT_TRUE(e) << e.error().message;
    EXPECT_EQ(cache.stats().evicted_chunks, 1u);
    EXPECT_FALSE(cache.lookup(3, 0)) << "the committed code went with its chunk";
    EXPECT_EQ(cache.lookup(2, pc).as<ConstFn>()(), 9u);
  }
}

}  // namespace
}  // namespace strata::jit

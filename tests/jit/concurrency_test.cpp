// Installs from background compiler threads while the executing thread looks up, runs and
// invalidates code, under a bound small enough that eviction and reclamation happen constantly.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "jit/code_cache.hpp"
#include "tests/jit/test_code.hpp"

namespace strata::jit {
namespace {

using testing::const_fn;
using testing::ConstFn;

uint32_t value_of(uint64_t unit, uint64_t pc) {
  return static_cast<uint32_t>((unit * 1000003 + pc) * 2654435761u);
}

struct Installer {
  uint64_t unit = 0;
  uint64_t count = 0;
  std::atomic<uint64_t> next{0};  // pcs below this were installed (or tried) already
  uint64_t installed = 0;
  uint64_t busy = 0;
  std::string error;                // read only after join
  std::atomic<bool> failed{false};  // error is set

  void run(CodeCache& cache) {
    for (uint64_t pc = 0; pc < count; ++pc) {
      for (;;) {
        auto e = cache.install({unit, pc}, const_fn(value_of(unit, pc)), 100);
        if (e) break;
        if (e.error().message.find("busy") == std::string::npos) {
          error = e.error().message;
          failed.store(true, std::memory_order_release);
          return;
        }
        ++busy;  // an executor still may run the chunk: try again shortly
        std::this_thread::yield();
      }
      ++installed;
      next.store(pc + 1, std::memory_order_release);
    }
  }
};

void run_against(size_t installers, uint64_t per_installer) {
  std::atomic<uint64_t> hook_evicted{0}, hook_invalidated{0}, hook_replaced{0};
  auto made = CodeCache::create({.capacity_bytes = 64 << 10,
                                 .chunk_bytes = 16 << 10,
                                 .on_drop = [&](DropReason r, std::span<const DroppedEntry> d) {
                                   auto& counter = r == DropReason::kEvicted    ? hook_evicted
                                                   : r == DropReason::kReplaced ? hook_replaced
                                                                                : hook_invalidated;
                                   counter += d.size();
                                 }});
  ASSERT_TRUE(made) << made.error().message;
  CodeCache& cache = **made;
  CodeCache::Executor ex = cache.register_executor();

  std::vector<Installer> work(installers);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < installers; ++i) {
    work[i].unit = i + 1;
    work[i].count = per_installer;
  }
  for (size_t i = 0; i < installers; ++i) {
    threads.emplace_back([&cache, &w = work[i]] { w.run(cache); });
  }

  std::mt19937_64 rng(12345);
  uint64_t lookups = 0, hits = 0, wrong = 0, invalidated = 0;
  auto all_done = [&] {
    for (const auto& w : work) {
      if (w.next.load(std::memory_order_acquire) < w.count && !w.failed.load()) return false;
    }
    return true;
  };
  while (!all_done()) {
    ex.quiescent();  // the top of the dispatch loop: no code pointer held from before
    for (int k = 0; k < 16; ++k) {
      const Installer& w = work[rng() % installers];
      const uint64_t upto = w.next.load(std::memory_order_acquire);
      if (upto == 0) continue;
      // Mostly recent code (likely cached), sometimes old code (likely evicted).
      const uint64_t pc =
          rng() % 4 == 0 ? rng() % upto : upto - 1 - rng() % std::min<uint64_t>(upto, 64);
      ++lookups;
      CodeEntry e = cache.lookup(w.unit, pc);
      if (!e) continue;
      ++hits;
      if (e.as<ConstFn>()() != value_of(w.unit, pc)) ++wrong;
    }
    if (rng() % 64 == 0) {
      const Installer& w = work[rng() % installers];
      const uint64_t lo = rng() % (w.next.load() + 1);
      invalidated += cache.invalidate_range(w.unit, lo, lo + 8);
    }
  }
  for (auto& t : threads) t.join();
  ex.reset();

  uint64_t installed = 0;
  for (const auto& w : work) {
    EXPECT_EQ(w.error, "");
    EXPECT_EQ(w.installed, per_installer);
    installed += w.installed;
  }
  EXPECT_EQ(wrong, 0u);
  EXPECT_GT(hits, 0u);
  CacheStats s = cache.stats();
  EXPECT_EQ(s.translations, installed);
  EXPECT_EQ(s.hits, hits);
  EXPECT_EQ(s.hits + s.misses, lookups);
  EXPECT_EQ(s.invalidated_entries, invalidated);
  EXPECT_EQ(s.evicted_entries, hook_evicted.load());
  EXPECT_EQ(s.invalidated_entries, hook_invalidated.load());
  EXPECT_EQ(s.replaced_entries, hook_replaced.load());
  EXPECT_EQ(s.replaced_entries, 0u);  // every key was installed once
  EXPECT_EQ(s.live_entries + s.evicted_entries + s.invalidated_entries, installed);
  EXPECT_GT(s.evicted_chunks, 0u);
  EXPECT_LE(s.arena_used_bytes, cache.capacity_bytes());
  // Each refusal was counted, and only those.
  uint64_t busy = 0;
  for (const auto& w : work) busy += w.busy;
  EXPECT_EQ(s.install_failures, busy);
}

TEST(Concurrency, OneBackgroundInstallerWhileExecuting) {
  run_against(1, 20000);
}

TEST(Concurrency, TwoBackgroundInstallersWhileExecuting) {
  run_against(2, 10000);
}

}  // namespace
}  // namespace strata::jit

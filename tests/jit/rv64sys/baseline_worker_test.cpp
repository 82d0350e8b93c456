// BaselineWorker with a SysCodeCache: a unit queued for a background compile gets its code only
// when the hart takes the result back; one dropped meanwhile stays alive (retired) until then and
// never gets code; one that got code by another way keeps it.
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "jit/rv64/guest_module.hpp"
#include "jit/rv64/translator.hpp"
#include "jit/rv64sys/baseline_worker.hpp"
#include "jit/rv64sys/sys_code_cache.hpp"
#include "vm/memory.hpp"

namespace strata::jit::rv64sys {
namespace {

constexpr std::uint64_t kRamBase = 0x8000'0000;
constexpr std::uint64_t kRamSize = 1 << 20;

class BaselineWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto inst = rv64::make_guest_instance(vm::LinearMemory::kPageSize);
    ASSERT_TRUE(inst) << inst.error().message;
    inst_ = std::move(*inst);
    make({.name = "worker-test"});
  }
  // The code cache, the SysCodeCache and a worker that writes into the cache, as the hart's.
  void make(CodeCache::Options o) {
    worker_.reset();
    cache_.reset();
    jit_.reset();
    auto code = CodeCache::create(o);
    ASSERT_TRUE(code) << code.error().message;
    code_ = std::move(*code);
    jit_ = std::make_unique<baseline::BaselineJit>(*code_);
    cache_ = std::make_unique<SysCodeCache>(*inst_, jit_.get(), code_.get(),
                                            vm::rv64sys::RamWindow{kRamBase, kRamSize, 0});
    worker_ = std::make_unique<BaselineWorker>(cache_->code_promises(), code_.get());
  }
  void TearDown() override {
    worker_.reset();  // before the cache, as the hart does
  }
  // A unit at physical `pa`: `addi a0, a0, 1; sd a0, 0(a1); ret` (a store: the unit has a slow
  // path and a writeback, not only straight code).
  rv64::CachedBlock* add_unit(std::uint64_t pa) {
    const std::uint64_t va = 0xffff'ffff'8000'0000 + (pa - kRamBase);
    const rv64::FetchFn fetch = [va](std::uint64_t at, std::uint16_t* parcel) {
      static constexpr std::uint32_t kCode[] = {0x00150513u, 0x00a5b023u, 0x00008067u};
      if (at < va || at >= va + sizeof kCode) return false;
      std::memcpy(parcel, reinterpret_cast<const std::uint8_t*>(kCode) + (at - va), 2);
      return true;
    };
    const rv64::SystemTarget target{};
    auto t = rv64::translate_block(va, fetch, &target);
    EXPECT_TRUE(t) << t.error().message;
    if (!t) return nullptr;
    return cache_->insert(UnitKey{va, pa, target.data_index, 0}, std::move(*t), 0);
  }
  // Takes every finished compile back, as the hart's loop does.
  std::size_t take() {
    std::size_t n = 0;
    for (auto& [b, emitted] : worker_->take_done()) {
      cache_->finish_compile(*b, std::move(emitted));
      ++n;
    }
    return n;
  }

  std::unique_ptr<vm::Instance> inst_;
  std::unique_ptr<CodeCache> code_;
  std::unique_ptr<baseline::BaselineJit> jit_;
  std::unique_ptr<SysCodeCache> cache_;
  std::unique_ptr<BaselineWorker> worker_;
};

TEST_F(BaselineWorkerTest, AUnitGetsItsCodeWhenTheResultIsTakenBack) {
  rv64::CachedBlock* b = add_unit(kRamBase + 0x1000);
  ASSERT_NE(b, nullptr);
  worker_->request(*b);
  EXPECT_TRUE(b->baseline_pending);
  worker_->wait_idle();
  EXPECT_TRUE(worker_->has_done());
  // Emitted, but nothing installed until the hart's thread takes it.
  EXPECT_EQ(b->func.jit_entry, nullptr);
  EXPECT_EQ(take(), 1u);
  EXPECT_FALSE(worker_->has_done());
  EXPECT_FALSE(b->baseline_pending);
  EXPECT_NE(b->func.jit_entry, nullptr);
  EXPECT_FALSE(b->compile_failed);
  EXPECT_NE(cache_->format_stats().find("1 units compiled (1 in the background, 1 of them "
                                        "written into the code cache there, 0 such"),
            std::string::npos)
      << cache_->format_stats();
}

TEST_F(BaselineWorkerTest, AUnitDroppedWhileItsCompileIsInFlightIsFreedWhenItComesBack) {
  rv64::CachedBlock* b = add_unit(kRamBase + 0x2000);
  rv64::CachedBlock* other = add_unit(kRamBase + 0x3000);
  ASSERT_NE(b, nullptr);
  ASSERT_NE(other, nullptr);
  worker_->request(*b);
  worker_->request(*other);
  // A store into b's page (or fence.i) drops it while the worker may be reading it.
  EXPECT_EQ(cache_->drop_page(kRamBase + 0x2000), 1u);
  EXPECT_EQ(cache_->size(), 1u);
  EXPECT_EQ(cache_->retired(), 1u) << "kept alive for the worker";
  EXPECT_TRUE(b->dropped);
  worker_->wait_idle();
  EXPECT_EQ(take(), 2u);
  EXPECT_EQ(cache_->retired(), 0u) << "freed once its result came back";
  EXPECT_NE(other->func.jit_entry, nullptr);
  EXPECT_NE(cache_->format_stats().find("1 units compiled (1 in the background, 1 of them "
                                        "written into the code cache there, 1 such compiles "
                                        "discarded"),
            std::string::npos)
      << cache_->format_stats();
}

TEST_F(BaselineWorkerTest, CodeTheUnitGotMeanwhileIsKept) {
  rv64::CachedBlock* b = add_unit(kRamBase + 0x4000);
  ASSERT_NE(b, nullptr);
  worker_->request(*b);
  worker_->wait_idle();
  // Code installed by another way before the result is taken (a synchronous compile here; in
  // the hart, the LLVM tier's).
  ASSERT_TRUE(cache_->compile(*b));
  const vm::JitEntry first = b->func.jit_entry;
  EXPECT_EQ(take(), 1u);
  EXPECT_EQ(b->func.jit_entry, first);
  EXPECT_FALSE(b->baseline_pending);
  EXPECT_NE(cache_->format_stats().find("1 units compiled (0 in the background, 0 of them "
                                        "written into the code cache there, 1 such"),
            std::string::npos)
      << cache_->format_stats();
}

// The hart's loop takes results with try_take_done, which does not wait for the worker's lock:
// nothing while the worker holds it, the results once it does not.
TEST_F(BaselineWorkerTest, TryTakeDoneHandsTheResultsOverWithoutWaiting) {
  rv64::CachedBlock* b = add_unit(kRamBase + 0x5000);
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(worker_->try_take_done().empty());
  worker_->request(*b);
  worker_->wait_idle();
  std::vector<BaselineWorker::Done> done;
  // The worker may hold its lock for a moment after wait_idle (a spurious wake-up): try again.
  for (int i = 0; i < 1000 && done.empty(); ++i) {
    done = worker_->try_take_done();
    if (done.empty()) std::this_thread::yield();
  }
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].first, b);
  EXPECT_FALSE(worker_->has_done());
  cache_->finish_compile(*b, std::move(done[0].second));
  EXPECT_NE(b->func.jit_entry, nullptr);
}

// The worker wrote the unit's code into the cache (a reservation that pins its chunk); the unit
// went meanwhile, so the result is discarded: the reservation must be given back, or the
// ring could not take that chunk again and every compile after the wrap would be refused.
TEST_F(BaselineWorkerTest, ADiscardedResultGivesItsPlaceInTheCacheBack) {
  make({.capacity_bytes = 64 << 10, .chunk_bytes = 16 << 10, .name = "worker-ring"});
  rv64::CachedBlock* b = add_unit(kRamBase + 0x2000);
  ASSERT_NE(b, nullptr);
  worker_->hold(true);
  worker_->request(*b);
  EXPECT_EQ(cache_->drop_page(kRamBase + 0x2000), 1u);
  worker_->hold(false);
  worker_->wait_idle();
  EXPECT_EQ(take(), 1u);
  // Enough compiles to go round the ring twice.
  std::size_t compiled = 0;
  for (std::uint64_t i = 0; i < 200; ++i) {
    rv64::CachedBlock* u = add_unit(kRamBase + 0x10000 + 0x1000 * (i % 200));
    ASSERT_NE(u, nullptr);
    if (cache_->compile(*u)) ++compiled;
  }
  EXPECT_EQ(compiled, 200u) << cache_->format_stats();
  EXPECT_GE(code_->stats().evicted_chunks, 4u);
}

// The queue is served by the interpreted work each unit waited for, the latest request among
// equals (baseline_worker.hpp, ORDER).
TEST_F(BaselineWorkerTest, TheUnitThatWaitedForMostWorkIsEmittedFirst) {
  rv64::CachedBlock* u[5];
  for (int i = 0; i < 5; ++i) {
    u[i] = add_unit(kRamBase + 0x10000 + 0x1000 * static_cast<std::uint64_t>(i));
    ASSERT_NE(u[i], nullptr);
  }
  worker_->hold(true);
  for (rv64::CachedBlock* b : u) worker_->request(*b);
  // As the hart counts while they wait: u[1] ran a loop, u[3] was entered twice.
  u[1]->waited_work = 500;
  u[3]->waited_work = 2;
  worker_->hold(false);
  worker_->wait_idle();
  std::vector<rv64::CachedBlock*> order;
  for (auto& [b, emitted] : worker_->take_done()) {
    order.push_back(b);
    cache_->finish_compile(*b, std::move(emitted));
  }
  const std::vector<rv64::CachedBlock*> want = {u[1], u[3], u[4], u[2], u[0]};
  EXPECT_EQ(order, want);
  // A request starts from nothing waited (what a unit's earlier wait counted is gone).
  rv64::CachedBlock* again = add_unit(kRamBase + 0x20000);
  ASSERT_NE(again, nullptr);
  again->waited_work = 9;
  worker_->request(*again);
  EXPECT_EQ(again->waited_work, 0u);
  worker_->wait_idle();
  EXPECT_EQ(take(), 1u);
}

TEST_F(BaselineWorkerTest, ResultsNotTakenBackGoWithTheWorker) {
  rv64::CachedBlock* b = add_unit(kRamBase + 0x5000);
  ASSERT_NE(b, nullptr);
  worker_->request(*b);
  cache_->drop_page(kRamBase + 0x5000);
  // The hart ends with a compile in flight: the worker joins and frees its results, the cache
  // then frees the retired unit (checked under valgrind/ASan: no leak, no use after free).
  worker_.reset();
  EXPECT_EQ(cache_->retired(), 1u);
}

}  // namespace
}  // namespace strata::jit::rv64sys

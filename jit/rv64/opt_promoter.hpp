// OptPromoter: hot translated RV64 units to the optimizing tier (LLVM, jit/opt/).
//
//   --jit=auto  a unit executed often enough (RunOptions::opt_threshold) is queued; a background
//               thread loads libstrata_opt.so (on the first request) and compiles it while the
//               unit keeps running its baseline code; the result is installed on the CPU loop's
//               thread, between unit executions (drain()).
//   --jit=opt   every unit is compiled by LLVM at its first execution, on the CPU loop's thread
//               (differential testing of the tier; start-up is slow).
//
// A unit's LLVM code chains its exits as its baseline code does, through the slots the cache
// gives (OptUnitCache::opt_exits, read when the unit is requested).
//
// The units come from an OptUnitCache: the user-mode TranslationCache or the full-system hart's
// SysCodeCache (jit/rv64sys); both keep a dropped Pending unit alive until its result is drained.
//
// SAFETY. Only the CPU loop's thread reads or writes a unit's code slot and CachedBlock::opt.
// The worker reads a queued unit's body and FuncInfo, which never change after translation. A
// unit dropped while its compile is in flight (munmap, fence.i, a store to its code) is kept by
// the cache, retired, until the result comes back: then both are freed, the code never installed
// (OptUnitCache::finish_opt). The opt code of a dropped installed unit is freed through
// release(), on the worker (LLVM's JIT is driven by one thread at a time).
//
// Faults: LLVM code accesses guest memory at the same linear addresses as the baseline code, so
// a host fault on a protected guest page is caught by the runner's GuestFaultTrap whatever tier
// ran, and SVI traps (a bounds trap below the guest origin) report the same function, pc and,
// for memory accesses, address register (jit/opt stores it to the frame on the trap path).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "isa/error.hpp"
#include "jit/opt/opt_loader.hpp"
#include "jit/rv64/translation_cache.hpp"

namespace strata::jit::rv64 {

class OptPromoter final : public OptCodeOwner {
 public:
  enum class Mode { Sync, Background };

  // Sync loads the tier now (an error says why it cannot be); Background loads it on the worker
  // at the first request, and if that fails every requested unit is declined (stats say why).
  static Result<std::unique_ptr<OptPromoter>> create(OptUnitCache& cache, Mode mode);
  // Stops the worker and detaches from the cache: destroy it before the cache.
  ~OptPromoter();
  OptPromoter(const OptPromoter&) = delete;
  OptPromoter& operator=(const OptPromoter&) = delete;

  // Requests `b` (Opt::None): Sync compiles and installs it now; Background queues it (Pending).
  // Its b.for_opt, if any, is what gets compiled (translation_cache.hpp).
  void request(CachedBlock& b);
  // True when finished compiles wait for drain() (a relaxed load: the CPU loop's cheap check).
  bool has_done() const { return has_done_.load(std::memory_order_relaxed); }
  // Installs (or discards) every finished compile. CPU loop's thread, between unit executions.
  void drain();
  // Blocks until the worker has finished everything queued so far (tests, --stats).
  void wait_idle();
  // Stops the worker after its current compile; later releases are left to the tier's
  // destruction (all opt code goes with it). Before the cache is destroyed.
  void stop();
  // Fork: before it, waits until the worker is idle (no compile in flight, the lock free), so
  // the child's copy of the tier and the queue is consistent; in the child, where the worker
  // thread does not exist, forgets it (never joined) and starts a new one.
  void quiesce_for_fork();
  void restart_after_fork();

  void release(vm::JitEntry entry) override;

  // "rv64 opt tier" lines: the tier's statistics, or why it is not loaded.
  std::string format_stats() const;

 private:
  OptPromoter(OptUnitCache& cache, Mode mode) : cache_(cache), mode_(mode) {}
  void worker();
  // A requested unit and the chained exits its code gets (OptUnitCache::opt_exits).
  struct Request {
    CachedBlock* unit = nullptr;
    baseline::ChainExits exits;
  };
  vm::JitEntry compile(const Request& r);  // null: declined

  OptUnitCache& cache_;
  const Mode mode_;
  std::unique_ptr<opt::OptTier> tier_;  // Sync: from create(); Background: set by the worker

  mutable std::mutex mu_;  // everything below
  std::condition_variable cv_;
  std::deque<Request> todo_;
  std::vector<std::pair<CachedBlock*, vm::JitEntry>> done_;
  std::vector<vm::JitEntry> to_release_;
  size_t busy_ = 0;
  bool stopping_ = false;
  std::string load_error_;
  std::atomic<bool> has_done_{false};
  std::thread thread_;
};

}  // namespace strata::jit::rv64

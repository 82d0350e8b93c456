// --jit=auto with both tiers: a hot function goes interpreter -> baseline at once (on the run's
// thread, a few µs) and is queued for the optimizing tier, which compiles on a background
// thread; the optimized code replaces the baseline code at a safe point of the run's thread.
//
//   jit::baseline::BaselineJit jit(cache);
//   jit::opt::OptAutoTier tier(jit, cache);   // outlives the runs
//   tier.arm(*program);                       // then program->run_main(...)
//
// Hotness is the interpreter's call counting (vm/interp.hpp "Tiering", threshold as
// baseline::AutoTier). libstrata_opt.so is loaded by the worker on the first promotion, so a
// program in which nothing gets hot never maps libLLVM, and the run's thread never waits for it.
//
// PUBLICATION. The interpreter and compiled code read a function's code slot (call_code,
// jit_entry) at calls, on the run's thread, so the slot is written only there: finished
// compilations wait in a queue that the promote hook drains. The hook runs at a call whose
// callee's frame is pushed but not entered. To keep getting those safe points, a function whose
// optimized code is pending keeps call_code = kCountCallWord over its baseline jit_entry: the
// interpreter then calls the hook at each of its calls (and enters the baseline code after it),
// rt::call does the same for calls from compiled code that take the slow path. Calls through
// the baseline or opt inline fast path do not count: a function called only that way keeps its
// baseline code until some counted call drains the queue.
//
// Eviction: as baseline::AutoTier, the run's thread is registered as a cache executor and
// never quiescent during a run. Optimized code lives in the OptTier (LLVM's JIT memory), never
// evicted.
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

#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "jit/opt/opt_loader.hpp"
#include "vm/program.hpp"

namespace strata::jit::opt {

class OptAutoTier {
 public:
  static constexpr uint32_t kDefaultThreshold = 1000;

  OptAutoTier(baseline::BaselineJit& jit, CodeCache& cache, uint32_t threshold = kDefaultThreshold);
  ~OptAutoTier();  // stops the worker (after its current compile)
  OptAutoTier(const OptAutoTier&) = delete;
  OptAutoTier& operator=(const OptAutoTier&) = delete;

  // Watches every function of `p` that has no compiled code yet.
  void arm(vm::Program& p);

  // Blocks until the worker has compiled everything queued so far (tests). The results are
  // still published only at the next safe point.
  void wait_idle();

  uint64_t baseline_promoted() const { return baseline_promoted_; }
  uint64_t opt_installed() const { return opt_installed_; }
  // "auto: N functions promoted to baseline, M queued for opt, K opt-compiled and installed" and
  // the opt tier's own line (or why it could not be loaded).
  std::string format_stats() const;

 private:
  static bool promote(void* self, vm::FuncInfo& fn);
  void drain();  // publishes finished compilations; the run's thread only
  void enqueue(vm::FuncInfo& fn);
  void worker();

  baseline::BaselineJit& jit_;
  CodeCache::Executor pin_;
  uint32_t threshold_;
  uint64_t baseline_promoted_ = 0;
  uint64_t baseline_failed_ = 0;
  uint64_t queued_ = 0;
  uint64_t opt_installed_ = 0;

  mutable std::mutex mu_;  // everything below
  std::condition_variable cv_;
  std::deque<vm::FuncInfo*> todo_;
  std::vector<std::pair<vm::FuncInfo*, vm::JitEntry>> done_;
  size_t busy_ = 0;  // compiles in progress
  bool stop_ = false;
  std::atomic<bool> has_done_{false};  // done_ non-empty (read without the lock by the hook)
  std::unique_ptr<OptTier> opt_;       // created by the worker
  std::string load_error_;
  std::thread thread_;
};

}  // namespace strata::jit::opt

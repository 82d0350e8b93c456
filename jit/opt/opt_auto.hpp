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
// program in which nothing gets hot never maps LLVM, and the run's thread never waits for it.
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
// ON-STACK REPLACEMENT (arm_osr). A function called once whose activation runs a long loop (a
// program's main) never gets a next call. When fuel slices run out at its back-edges, its
// activation moves from the interpreter into baseline code at once (BaselineJit::arm_osr); once
// kDefaultOsrSamples slices ran out at back-edges of one of its loops, that loop's header is
// queued for an optimized OSR entry (OptRequest::osr_pc), compiled in the background like any
// other. Not while the function's own optimized entry is queued: a function called often enough
// for that runs short activations, which its next calls replace. The next slice that runs out at a
// back-edge to that header, in the interpreter or in baseline code (rt::refuel_backedge,
// vm::OsrHook::upgrade), finds it ready and enters it: the activation continues in optimized code
// and its status becomes the frame's. The entry is a table lookup on the run's thread, which also
// drains finished compiles there (PUBLICATION).
//
// Eviction: as baseline::AutoTier, the run's thread is registered as a cache executor and
// never quiescent during a run. Optimized code lives in the OptTier (LLVM's JIT memory), never
// evicted.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "jit/opt/opt_api.hpp"
#include "jit/opt/opt_loader.hpp"
#include "vm/program.hpp"

namespace strata::jit::opt {

class OptAutoTier {
 public:
  static constexpr uint32_t kDefaultThreshold = 1000;
  // Fuel slices run out at back-edges of a function (interpreted or baseline) before one of its
  // loops gets an optimized OSR entry: 4 x 65536 back-edges, about a millisecond of baseline
  // code, so a short loop costs no LLVM compile (a run waits for a compile in progress at exit).
  static constexpr uint32_t kDefaultOsrSamples = 4;
  // OSR entries compiled per function at most (one per hot loop it runs long).
  static constexpr uint32_t kMaxOsrEntries = 4;

  OptAutoTier(baseline::BaselineJit& jit, CodeCache& cache, uint32_t threshold = kDefaultThreshold);
  ~OptAutoTier();  // stops the worker (after its current compile)
  OptAutoTier(const OptAutoTier&) = delete;
  OptAutoTier& operator=(const OptAutoTier&) = delete;

  // Watches every function of `p` that has no compiled code yet.
  void arm(vm::Program& p);

  // On-stack replacement into baseline code (BaselineJit::arm_osr, with these fuel slices) and,
  // for loops that keep running, into optimized code (see ON-STACK REPLACEMENT).
  void arm_osr(vm::Program& p, uint32_t fuel_slice = vm::ExecState::kFuelSlice,
               uint32_t osr_samples = kDefaultOsrSamples);

  // Blocks until the worker has compiled everything queued so far (tests). The results are
  // still published only at the next safe point.
  void wait_idle();
  // Tests: at each OSR check the run's thread first waits for the compiles queued so far, and
  // it waits for each OSR entry it queues (wait_idle), so the slice check that queued it enters
  // it, whatever the machine's load.
  void set_osr_synchronous(bool on) { osr_synchronous_ = on; }

  uint64_t baseline_promoted() const { return baseline_promoted_; }
  uint64_t opt_installed() const { return opt_installed_; }
  // Activations moved into an optimized OSR entry.
  uint64_t osr_opt_entries() const { return osr_opt_entries_; }
  // "auto: N functions promoted to baseline, M queued for opt, K opt-compiled and installed" and
  // the opt tier's own line (or why it could not be loaded).
  std::string format_stats() const;

 private:
  // A compile: the function's entry, or its OSR entry at the loop header osr_pc.
  struct Job {
    vm::FuncInfo* fn = nullptr;
    uint32_t osr_pc = OptRequest::kNoOsrPc;
    uint64_t memory_floor = 0;  // OptRequest::memory_floor, read by enqueue on the run's thread
  };
  struct Finished {
    Job job;
    vm::JitEntry entry = nullptr;  // null: declined (or no opt tier)
    vm::OsrEntry osr_entry = nullptr;
  };
  // The OSR state of one function, on the run's thread only.
  struct OsrFunction {
    // Fuel slices run out at back-edges to each loop header since the last request.
    std::map<uint32_t, uint32_t> samples;
    uint32_t requests = 0;  // OSR entries queued
    bool in_flight = false;
  };

  static bool promote(void* self, vm::FuncInfo& fn);
  void drain();  // publishes finished compilations; the run's thread only
  void enqueue(Job job);
  void worker();
  // OSR (opt_auto_osr.cpp): vm::OsrHook's find, compile and upgrade, and what they share.
  static vm::OsrTarget find_osr(void* self, const vm::FuncInfo& fn, uint32_t pc);
  static bool compile_for_osr(void* self, vm::FuncInfo& fn);
  static vm::OsrTarget upgrade_osr(void* self, const vm::FuncInfo& fn, uint32_t pc);
  vm::OsrTarget optimized_osr(const vm::FuncInfo& fn, uint32_t pc);
  vm::OsrEntry ready_osr(const vm::FuncInfo& fn, uint32_t header) const;

  baseline::BaselineJit& jit_;
  CodeCache::Executor pin_;
  uint32_t threshold_;
  uint64_t baseline_promoted_ = 0;
  uint64_t baseline_failed_ = 0;
  uint64_t queued_ = 0;
  uint64_t opt_installed_ = 0;
  // On-stack replacement, on the run's thread only.
  bool osr_armed_ = false;
  bool osr_synchronous_ = false;
  uint32_t osr_samples_ = kDefaultOsrSamples;
  vm::OsrHook below_{};  // the baseline tier's
  std::unordered_map<const vm::FuncInfo*, OsrFunction> osr_functions_;
  std::unordered_set<const vm::FuncInfo*> entry_queued_;  // optimized entries not yet drained
  // (function, loop header pc) -> its OSR entry; null while queued or when declined.
  std::map<std::pair<const vm::FuncInfo*, uint32_t>, vm::OsrEntry> osr_entries_;
  uint64_t osr_queued_ = 0;
  uint64_t osr_opt_entries_ = 0;

  mutable std::mutex mu_;  // everything below
  std::condition_variable cv_;
  std::deque<Job> todo_;
  std::vector<Finished> done_;
  size_t busy_ = 0;  // compiles in progress
  bool stop_ = false;
  std::atomic<bool> has_done_{false};  // done_ non-empty (read without the lock by the hook)
  std::unique_ptr<OptTier> opt_;       // created by the worker
  std::string load_error_;
  std::thread thread_;
};

}  // namespace strata::jit::opt

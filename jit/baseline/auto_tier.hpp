// --jit=auto: promotes hot functions from the interpreter to the baseline tier at run time.
//
//   jit::baseline::BaselineJit jit(cache);
//   jit::baseline::AutoTier tier(jit, cache);   // outlives the runs, as the BaselineJit does
//   tier.arm(*program);                         // then program->run_main(...)
//
// The interpreter counts calls (vm/interp.hpp "Tiering") and calls back here, on its own thread,
// at a call whose callee's frame is pushed but not entered. Threshold: kDefaultThreshold calls.
// A baseline compile costs a few µs per function and an interpreted call of a small function
// some tens of ns, so after 1000 calls a function has already spent about as much interpreted
// time as its compile costs; waiting longer loses speed on hot code, promoting sooner compiles
// code run a handful of times (start-up, one-shot initialisers) for nothing. A function in which
// a whole fuel slice (65536 calls/back-edges) ran out counts as hot at once.
//
// Eviction safety: compiled frames of this run may be on the host stack when a promotion
// installs new code. The AutoTier registers the run thread as a cache executor and never calls
// quiescent() during a run, so evicted code is withdrawn from its slot but its memory is never
// reused: when the cache is full, installs fail ("busy") and the function stays interpreted.
#pragma once

#include <cstdint>
#include <string>

#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "vm/program.hpp"

namespace strata::jit::baseline {

class AutoTier {
 public:
  static constexpr uint32_t kDefaultThreshold = 1000;

  AutoTier(BaselineJit& jit, CodeCache& cache, uint32_t threshold = kDefaultThreshold);
  AutoTier(const AutoTier&) = delete;
  AutoTier& operator=(const AutoTier&) = delete;

  // Watches every function of `p` that has no compiled code yet.
  void arm(vm::Program& p);

  uint64_t promoted() const { return promoted_; }
  uint64_t failed() const { return failed_; }
  // "auto: N functions promoted to baseline (threshold T calls), M stayed interpreted"
  std::string format_stats() const;

 private:
  static bool promote(void* self, vm::FuncInfo& fn);

  BaselineJit& jit_;
  CodeCache::Executor pin_;  // never quiescent during a run: see the header comment
  uint32_t threshold_;
  uint64_t promoted_ = 0;
  uint64_t failed_ = 0;
};

}  // namespace strata::jit::baseline

// The baseline JIT tier: compiles SVI functions to x86-64 (jit/baseline/emitter.hpp) and
// installs them into the jit::CodeCache, publishing each through its FuncInfo's one code slot
// (vm::FuncInfo::jit_entry). The interpreter enters compiled code at calls; compiled code calls
// back into the interpreter for functions without code (vm::run_frames).
//
//   auto cache = jit::CodeCache::create({});
//   jit::baseline::BaselineJit jit(**cache);
//   jit.compile_program(*program);          // every function of every loaded instance
//
// Single-threaded: compile between runs, on the thread that runs the program. The BaselineJit
// must outlive the runs (it owns the cache's drop hook, which clears the slot of evicted code).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "jit/baseline/chain.hpp"
#include "jit/baseline/code_promises.hpp"
#include "jit/baseline/probes.hpp"
#include "jit/code_cache.hpp"
#include "vm/instance.hpp"
#include "vm/interp.hpp"
#include "vm/program.hpp"

namespace strata::jit::baseline {

struct BaselineStats {
  uint64_t compiled = 0;     // functions with compiled code
  uint64_t fallen_back = 0;  // functions left to the interpreter (emit or install failed)
  uint64_t compile_ns = 0;   // total emit + install time of the compiled ones
};

class BaselineJit {
 public:
  explicit BaselineJit(CodeCache& cache);
  ~BaselineJit();
  BaselineJit(const BaselineJit&) = delete;
  BaselineJit& operator=(const BaselineJit&) = delete;

  // Compiles `fn` and sets fn.jit_entry. False (the function stays interpreted) on failure.
  bool compile(vm::FuncInfo& fn);
  // The same for a function whose SVI body is not in its instance's module (a translated RV64
  // block, jit/rv64): `body` must outlive the compiled code's use. `chain` (may be null): its
  // `ret`s that chain to other units (chain.hpp); it is read during the compile only, but the
  // slots and the context it names must outlive the code. `promises`: what the caller guarantees
  // about every run of the code (code_promises.hpp). `probes` (ascending by pc): bytes the code
  // sets where it passes (probes.hpp).
  bool compile(vm::FuncInfo& fn, const isa::Function& body, const ChainExits* chain = nullptr,
               const CodePromises& promises = {}, std::span<const BlockProbe> probes = {});
  // Compiles every function of every instance of `p`.
  void compile_program(const vm::Program& p);

  // A compile in two halves, for callers that emit on another thread (the full-system hart's
  // background compiles, jit/rv64sys/baseline_worker.hpp): prepare() emits the code of `body`
  // without touching this object, so it may run on any thread while nothing changes `fn` or
  // `body`; install() puts it in the cache and sets fn.jit_entry, on the thread that owns them.
  // compile() is the two in a row. With `place_in` (the cache this object installs into),
  // prepare() also writes the code there, relocated (place_asmjit, CodeCache::reserve), where
  // the cache's current chunk has room, and install() only commits it.
  struct PreparedCode;
  struct PreparedCodeDeleter {
    void operator()(PreparedCode* p) const;
  };
  using Prepared = std::unique_ptr<PreparedCode, PreparedCodeDeleter>;
  // Null when the emitter refuses the function.
  static Prepared prepare(const vm::FuncInfo& fn, const isa::Function& body,
                          const ChainExits* chain = nullptr, const CodePromises& promises = {},
                          std::span<const BlockProbe> probes = {}, CodeCache* place_in = nullptr);
  // False (fn keeps its code slot) when the cache cannot take it. `enter` (may be null): where
  // chained code enters the new code past its frame set-up (chain.hpp FRAMES), null if it
  // was not compiled for that.
  bool install(vm::FuncInfo& fn, Prepared code, const void** enter = nullptr);
  // What prepare() took, in ns of the thread that ran it (install() adds its own).
  static uint64_t prepare_ns(const PreparedCode& code);
  // Whether prepare() wrote it into its cache already (`place_in`).
  static bool placed(const PreparedCode& code);

  // Turns on on-stack replacement into this tier's code for `p` (vm::Program::set_osr), with
  // fuel slices of `fuel_slice` units (tests lower it to move short loops). Together with a
  // run-time tier-up (AutoTier, opt::OptAutoTier), which compiles the functions found hot.
  void arm_osr(vm::Program& p, uint32_t fuel_slice = vm::ExecState::kFuelSlice);
  // The hook arm_osr installs, for a tier above that wraps it (opt::OptAutoTier::arm_osr).
  vm::OsrHook osr_hook();
  // Activations moved from the interpreter into this tier's code at a back-edge.
  uint64_t osr_entries() const { return osr_entries_; }

  // Where the compiled code of `fn` continues an activation at the backward branch `pc`
  // (vm::TierUp::osr); a null entry if `fn` has no baseline code or `pc` is not such a branch.
  // The answer stays valid while the code is in the cache (eviction drops it here too).
  vm::OsrTarget osr_target(const vm::FuncInfo& fn, uint32_t pc) const;

  const BaselineStats& stats() const { return stats_; }
  // "baseline: N functions compiled, M fell back to the interpreter, X µs/function", then
  // "osr: N activations moved into baseline code at a back-edge" when OSR is armed.
  std::string format_stats() const;

 private:
  // A compiled function's OSR entry and the code address of each backward branch, by pc.
  struct OsrTable {
    decltype(vm::OsrTarget::entry) entry = nullptr;
    std::vector<std::pair<uint32_t, const void*>> points;  // ascending pc
  };

  static vm::OsrTarget find_osr(void* self, const vm::FuncInfo& fn, uint32_t pc);
  static bool compile_for_osr(void* self, vm::FuncInfo& fn);

  CodeCache& cache_;
  BaselineStats stats_;
  bool osr_armed_ = false;
  std::unordered_map<const vm::FuncInfo*, OsrTable> osr_;
  uint64_t osr_entries_ = 0;
};

}  // namespace strata::jit::baseline

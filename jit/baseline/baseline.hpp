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
#include <string>

#include "jit/code_cache.hpp"
#include "vm/instance.hpp"
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
  // block, jit/rv64): `body` must outlive the compiled code's use.
  bool compile(vm::FuncInfo& fn, const isa::Function& body);
  // Compiles every function of every instance of `p`.
  void compile_program(const vm::Program& p);

  const BaselineStats& stats() const { return stats_; }
  // "baseline: N functions compiled, M fell back to the interpreter, X µs/function"
  std::string format_stats() const;

 private:
  CodeCache& cache_;
  BaselineStats stats_;
};

}  // namespace strata::jit::baseline

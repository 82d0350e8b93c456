// The optimizing tier as seen from the strata binary: opens libstrata_opt.so (the only code that
// contains LLVM, a few ms and about 30 MiB to map: docs/JIT.md) on first use, so a run that never
// asks for the optimizing tier never maps LLVM.
//
//   auto tier = jit::opt::OptTier::load();   // dlopen + create the compiler; Error if missing
//   (*tier)->compile_program(*program);      // --jit=opt: every function, at load
//
// Where the module is looked for, first hit wins: $STRATA_OPT_LIB (a full path), the directory
// of the running executable (build/strata and build/libstrata_opt.so sit together), then the
// build tree's path baked in at build time (test binaries live in subdirectories).
//
// A function the compiler declines keeps the tier it had (interpreter or baseline) and is
// counted, with its reason, in the stats. compile() publishes, so it runs between runs on the
// thread that runs the program; translate() only compiles and may run on one other thread at a
// time (the auto tier's worker), the owner publishing its result at a safe point. The OptTier
// owns the compiled code: it must outlive the runs.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "isa/error.hpp"
#include "jit/baseline/chain.hpp"
#include "jit/latency_stats.hpp"
#include "vm/instance.hpp"
#include "vm/program.hpp"

namespace strata::jit::opt {

class OptCompiler;
struct OptResult;

struct OptStats {
  uint64_t compiled = 0;
  uint64_t released = 0;  // compiled functions whose code was freed again
  uint64_t declined = 0;
  uint64_t osr_compiled = 0;  // OSR entries (translate_osr), not counted in `compiled`
  LatencyStats compile;       // per compiled function: translate + O2 + codegen + link
  // Summed thread CPU time of the compiled functions' phases (OptPhaseNs), and of the last one.
  uint64_t ir_ns = 0, opt_ns = 0, codegen_ns = 0;
  uint64_t last_ir_ns = 0, last_opt_ns = 0, last_codegen_ns = 0;
  // Linear-memory bounds checks left inside loops (OptResult::loop_memory_checks), summed over
  // the compiled code, and those of the last compile.
  uint64_t loop_memory_checks = 0, last_loop_memory_checks = 0;
  uint64_t load_ns = 0;  // wall time: dlopen of the module and creation of the compiler
  // The loading thread's CPU time in each of the two steps (the dlopen includes the module's
  // relocations and LLVM's static constructors).
  uint64_t load_dlopen_cpu_ns = 0, load_create_cpu_ns = 0;
  std::string module_path;                    // the module that was loaded
  std::vector<std::string> declined_reasons;  // the first few
};

class OptTier {
 public:
  static Result<std::unique_ptr<OptTier>> load();
  ~OptTier();
  OptTier(const OptTier&) = delete;
  OptTier& operator=(const OptTier&) = delete;

  // Compiles `fn` and publishes it (vm::set_jit_entry). False when declined.
  bool compile(vm::FuncInfo& fn);
  // Compiles `fn` without publishing it: its entry, or null when declined. Reads only the parts
  // of fn and its instance that never change after loading (not its code slot).
  // `memory_floor`: OptRequest::memory_floor (the caller reads the size on the run's thread).
  vm::JitEntry translate(const vm::FuncInfo& fn, uint64_t memory_floor = 0);
  // The same for a function whose body is not in its instance's module (a translated RV64
  // unit): `body` is its code and register types, decoded against fn's instance's module.
  // `guest_unit`: OptRequest::fixed_memory, leaf_host_calls and unlimited_fuel all hold.
  // `chain` (may be null): OptRequest::chain, the `ret`s compiled as chained exits.
  vm::JitEntry translate(const vm::FuncInfo& fn, const isa::Function& body, bool guest_unit,
                         uint64_t memory_floor = 0, const baseline::ChainExits* chain = nullptr);
  // Compiles the on-stack replacement entry of `fn` at its loop header `pc` (OptRequest::
  // osr_pc): null when declined. Same thread rule as translate(); the code lives as long as the
  // OptTier.
  vm::OsrEntry translate_osr(const vm::FuncInfo& fn, uint32_t pc, uint64_t memory_floor = 0);
  // Frees the code of `entry` (from translate()), which nothing may run any more. Same thread
  // rule as translate().
  void release(vm::JitEntry entry);
  // Compiles every function of every instance of `p`.
  void compile_program(const vm::Program& p);

  OptStats stats() const;
  // "opt: N functions compiled (LLVM), M declined, X us/function mean, Y us p99; module
  // loaded in Z ms (path)", "opt: module load CPU time: dlopen A ms, creating the compiler B ms"
  std::string format_stats() const;

 private:
  OptTier() = default;
  // Counts a compile's outcome (and its reason when declined); true when it produced code.
  bool record(const OptResult& r, uint64_t elapsed_ns);

  void* handle_ = nullptr;  // dlopen handle; kept open for the life of the process
  OptCompiler* compiler_ = nullptr;
  mutable std::mutex mu_;  // stats_ (translate() may run on a worker thread)
  OptStats stats_;
};

// True when LLVM is mapped into this process: the module (which contains the LLVM components it
// uses) or a libLLVM shared library (the module's link with STRATA_OPT_SHARED_LLVM). For tests.
bool llvm_is_loaded();

}  // namespace strata::jit::opt

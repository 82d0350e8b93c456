// The optimizing tier's pass pipeline (docs/JIT.md, "The pass pipeline"): what runs between the
// translated IR and code generation.
#pragma once

#include <string>

#include <llvm/IR/Module.h>
#include <llvm/Target/TargetMachine.h>

namespace strata::jit::opt {

// What is compiled: the pipelines differ (pipeline.cpp says how and why).
enum class CodeKind {
  Function,   // an SVI function
  GuestUnit,  // a translated RISC-V unit (OptRequest's fixed_memory, leaf_host_calls and
              // unlimited_fuel all hold), whose compile must pay back within short runs
};

// Optimizes every function of `mod` (one SVI function, plus its by-value body if it calls
// itself) with a function pipeline built for translated code, not buildPerModuleDefaultPipeline:
// a module holds no inlining candidates, globals or interprocedural work, and the O2 pipeline's
// passes for those, and its repeated cleanups, cost compile time for code no faster.
// `memory_loops` (kMemoryLoopsAttr) adds the bounds-check hoisting of range_checks.hpp first.
//
// `passes`, when not empty, replaces the pipeline of either kind by LLVM's textual pipeline
// syntax (as `opt -passes=`; e.g. "default<O2>"), for measuring alternatives
// (STRATA_OPT_PASSES); the range-check passes still run first. Returns the parse error, or an
// empty string.
std::string optimize_module(llvm::Module& mod, llvm::TargetMachine& tm, CodeKind kind,
                            bool memory_loops, const std::string& passes = {});

}  // namespace strata::jit::opt

#include "jit/opt/pipeline.hpp"

#include <utility>

#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/Error.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/CorrelatedValuePropagation.h>
#include <llvm/Transforms/Scalar/DeadStoreElimination.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/GVN.h>
#include <llvm/Transforms/Scalar/IndVarSimplify.h>
#include <llvm/Transforms/Scalar/JumpThreading.h>
#include <llvm/Transforms/Scalar/LICM.h>
#include <llvm/Transforms/Scalar/LoopDeletion.h>
#include <llvm/Transforms/Scalar/LoopPassManager.h>
#include <llvm/Transforms/Scalar/LoopRotation.h>
#include <llvm/Transforms/Scalar/LoopUnrollPass.h>
#include <llvm/Transforms/Scalar/Reassociate.h>
#include <llvm/Transforms/Scalar/SCCP.h>
#include <llvm/Transforms/Scalar/SROA.h>
#include <llvm/Transforms/Scalar/SimpleLoopUnswitch.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>
#include <llvm/Transforms/Vectorize/LoopVectorize.h>

#include "jit/opt/guard_checks.hpp"
#include "jit/opt/range_checks.hpp"

namespace strata::jit::opt {

namespace {

// O2's function simplification passes in O2's order, once each where O2 repeats a cleanup, up to
// the loops' canonical form. Both pipelines start with them. The passes a comparison with O2's
// code showed necessary say why (docs/JIT.md, "The pass pipeline").
void add_simplification(llvm::FunctionPassManager& fpm) {
  // The registers are allocas: SROA makes them SSA values (the range-check passes did already
  // when they ran). SCCP folds the memory size where its !range pins it (a fixed-size memory),
  // EarlyCSE and InstCombine the frame-window reloads and the per-instruction constants.
  fpm.addPass(llvm::SROAPass(llvm::SROAOptions::ModifyCFG));
  fpm.addPass(llvm::SCCPPass());
  fpm.addPass(llvm::EarlyCSEPass(/*UseMemorySSA=*/true));
  fpm.addPass(llvm::InstCombinePass());
  // Under a guard after the memory (translated RV64 units), checks a passed one covers go; a
  // no-op elsewhere. After InstCombine, which folds the addresses to `x + c`.
  fpm.addPass(GuardedCheckElimination());
  fpm.addPass(llvm::SimplifyCFGPass());
  // Threads a branch that a dominating test decides: IRCE's pre-loop over negative addresses
  // becomes one trap before the loop (OptBounds.WhichShapesRunWithoutChecks).
  fpm.addPass(llvm::JumpThreadingPass());
  // Ranks operands as O2 does, so conditions keep O2's order: the self-call's fuel test before
  // its slot tests (fib: 0.97 s with, 1.15 s without; RV64 fib 42's unit 1.50 s with, 1.62 s
  // without).
  fpm.addPass(llvm::ReassociatePass());
  // Rotated loops (a guard, then a body ending in its own test) are what LICM hoists into and
  // what IndVarSimplify, the unrollers and the vectorizers expect; trivial unswitching takes an
  // invariant null test out of the loop (spectralnorm's array loops).
  {
    llvm::LoopPassManager lpm;
    lpm.addPass(llvm::LoopRotatePass());
    lpm.addPass(llvm::LICMPass(llvm::LICMOptions()));
    lpm.addPass(llvm::SimpleLoopUnswitchPass());
    fpm.addPass(llvm::createFunctionToLoopPassAdaptor(std::move(lpm), /*UseMemorySSA=*/true));
  }
  fpm.addPass(llvm::SimplifyCFGPass());
}

// Redundancy elimination and the last cleanups, in both pipelines.
void add_cleanup(llvm::FunctionPassManager& fpm) {
  fpm.addPass(llvm::GVNPass());
  fpm.addPass(llvm::InstCombinePass());
  fpm.addPass(llvm::CorrelatedValuePropagationPass());
  fpm.addPass(llvm::DSEPass());
  fpm.addPass(llvm::createFunctionToLoopPassAdaptor(llvm::LICMPass(llvm::LICMOptions()),
                                                    /*UseMemorySSA=*/true));
  fpm.addPass(llvm::SimplifyCFGPass());
}

// SVI functions: O2's function simplification and optimization passes.
llvm::FunctionPassManager function_pipeline() {
  llvm::FunctionPassManager fpm;
  add_simplification(fpm);
  {
    llvm::LoopPassManager lpm;
    lpm.addPass(llvm::IndVarSimplifyPass());
    lpm.addPass(llvm::LoopDeletionPass());
    lpm.addPass(llvm::LoopFullUnrollPass(/*OptLevel=*/2));
    fpm.addPass(llvm::createFunctionToLoopPassAdaptor(std::move(lpm)));
  }
  fpm.addPass(llvm::SROAPass(llvm::SROAOptions::ModifyCFG));
  add_cleanup(fpm);
  // No SLP vectorizer: the tier's O2 pipeline never ran it (PipelineTuningOptions leaves it
  // off; `opt`'s and clang's default<O2> turn it on), and with it mandelbrot's OSR entry ran
  // 0.27 -> 0.31 s under --jit=auto (docs/JIT.md, "The pass pipeline").
  fpm.addPass(llvm::LoopVectorizePass());
  fpm.addPass(llvm::LoopUnrollPass(llvm::LoopUnrollOptions(/*OptLevel=*/2)));
  fpm.addPass(llvm::InstCombinePass());
  fpm.addPass(llvm::SimplifyCFGPass());
  return fpm;
}

// Translated guest units: the function pipeline without IndVarSimplify, the unrollers, the
// second SROA and the loop vectorizer (with the cleanup after them). A unit's compile is paid
// within runs of a second or less, and those passes cost about 45% of its pass time (RV64
// memcpy's 18 units: 200 -> 100 ms) for loops that ran as fast without them: their trip counts
// are guest registers, their accesses bounds-checked one by one (docs/RV64.md, "Cheaper
// compiles").
llvm::FunctionPassManager guest_unit_pipeline() {
  llvm::FunctionPassManager fpm;
  add_simplification(fpm);
  add_cleanup(fpm);
  return fpm;
}

}  // namespace

std::string optimize_module(llvm::Module& mod, llvm::TargetMachine& tm, CodeKind kind,
                            bool memory_loops, const std::string& passes) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(&tm);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm;
  // Range-check elimination first, on the translated code made SSA: later passes
  // (IndVarSimplify) rewrite a check into an exit test IRCE no longer recognizes. Only for
  // code with loops over memory: elsewhere it would be compile time for nothing.
  if (memory_loops) {
    llvm::FunctionPassManager fpm;
    add_range_check_elimination(fpm);
    mpm.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(fpm)));
  }
  if (passes.empty()) {
    mpm.addPass(llvm::createModuleToFunctionPassAdaptor(
        kind == CodeKind::GuestUnit ? guest_unit_pipeline() : function_pipeline()));
  } else if (llvm::Error e = pb.parsePassPipeline(mpm, passes)) {
    return "STRATA_OPT_PASSES: " + llvm::toString(std::move(e));
  }
  mpm.run(mod, mam);
  return {};
}

}  // namespace strata::jit::opt

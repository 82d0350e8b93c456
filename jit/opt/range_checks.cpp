#include "jit/opt/range_checks.hpp"

#include <algorithm>
#include <cstdint>

#include <llvm/Analysis/LoopInfo.h>
#include <llvm/Analysis/ScalarEvolution.h>
#include <llvm/Analysis/ScalarEvolutionExpressions.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/Transforms/Scalar/InductiveRangeCheckElimination.h>
#include <llvm/Transforms/Scalar/SROA.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>

namespace strata::jit::opt {

namespace {

// IRCE judges a split worth it by the block frequencies (at least kMinSplitIterations
// iterations per entry, its own default). Without a profile every loop looks hot, so a loop
// SCEV bounds below that gets latch weights saying how often it can at most go round.
class ShortLoopWeights : public llvm::PassInfoMixin<ShortLoopWeights> {
 public:
  llvm::PreservedAnalyses run(llvm::Function& f, llvm::FunctionAnalysisManager& am) {
    auto& loops = am.getResult<llvm::LoopAnalysis>(f);
    auto& se = am.getResult<llvm::ScalarEvolutionAnalysis>(f);
    bool changed = false;
    for (llvm::Loop* loop : loops.getLoopsInPreorder()) {
      llvm::BasicBlock* latch = loop->getLoopLatch();
      auto* br =
          latch != nullptr ? llvm::dyn_cast<llvm::BranchInst>(latch->getTerminator()) : nullptr;
      if (br == nullptr || !br->isConditional() || !loop->isLoopExiting(latch)) continue;
      const auto* max =
          llvm::dyn_cast<llvm::SCEVConstant>(se.getConstantMaxBackedgeTakenCount(loop));
      if (max == nullptr || max->getAPInt().uge(kMinSplitIterations)) continue;
      const auto back =
          static_cast<uint32_t>(std::max<uint64_t>(max->getAPInt().getZExtValue(), 1));
      llvm::MDBuilder md(f.getContext());
      const bool back_first = br->getSuccessor(0) == loop->getHeader();
      br->setMetadata(llvm::LLVMContext::MD_prof, back_first ? md.createBranchWeights(back, 1)
                                                             : md.createBranchWeights(1, back));
      changed = true;
    }
    return changed ? llvm::PreservedAnalyses::none() : llvm::PreservedAnalyses::all();
  }
};

}  // namespace

void add_range_check_elimination(llvm::FunctionPassManager& fpm) {
  fpm.addPass(llvm::SROAPass(llvm::SROAOptions::ModifyCFG));
  fpm.addPass(llvm::SimplifyCFGPass());
  fpm.addPass(ShortLoopWeights());
  fpm.addPass(llvm::IRCEPass());
}

}  // namespace strata::jit::opt

// The passes that take bounds checks out of loops (docs/JIT.md, "Bounds checks in loops"), run on
// the translated code before the O2 pipeline.
#pragma once

#include <llvm/IR/PassManager.h>

namespace strata::jit::opt {

// SROA makes the registers and the memory's limits SSA values, SimplifyCFG merges the
// one-instruction blocks, then LLVM's inductive range-check elimination (IRCE) splits each loop
// whose checks compare an index stepping with the loop's counter against a loop-invariant limit
// into pre/main/post loops: the main loop runs without those checks, the others keep them, so a
// failing check still traps in its own iteration. A loop that SCEV proves runs fewer than
// kMinSplitIterations times is left alone: entering the split loops costs more than its checks.
void add_range_check_elimination(llvm::FunctionPassManager& fpm);

inline constexpr unsigned kMinSplitIterations = 10;

}  // namespace strata::jit::opt

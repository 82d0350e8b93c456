// Bounds checks that a guard after the linear memory makes redundant (OptRequest::guard_bytes).
//
// The translator checks an access of extent e (its offset plus length) at address register value
// a by `a u< size + 1 - e` (translate_ops.cpp, mem_access). A check of `x + c2` that a passed
// check of `x + c1` dominates, with 0 <= c2 - c1 <= reach and e2 <= reach (reach: half the guard),
// can then never fail without the access faulting in the guard anyway: x + c1 < size puts the
// access below size + 2 * reach. Such a check goes: the loads of an unrolled loop through one
// pointer (same x and c, extents 8, 16, 24...) and its stores through registers derived from one
// base (glibc's word copy stores through a0 = a5 + 32, a3 = a5 + 24, ...) keep one check per base
// instead of one per access. Only a check that passed establishes its fact: one removed here
// implies less. Checks of the same address whose limits differ were each kept before: LLVM only
// merges identical conditions (and a translator that gave every access the limit `size` made fib
// 5% slower; docs/RV64.md).
#pragma once

#include <cstdint>

#include <llvm/IR/Function.h>
#include <llvm/IR/PassManager.h>

namespace strata::jit::opt {

// Function attributes the translator sets on a function translated under a guard: the memory's
// size, half the guard (the furthest a removed check's address may lie above the one that
// passed), and the address of the memory trap helper (only checks that branch to it are removed).
inline constexpr const char* kGuardSizeAttr = "strata-guard-size";
inline constexpr const char* kGuardReachAttr = "strata-guard-reach";
inline constexpr const char* kGuardTrapAttr = "strata-guard-trap";

// Marks `f` for GuardedCheckElimination.
void mark_guarded(llvm::Function& f, uint64_t size, uint64_t reach, const void* trap_memory);

// Runs after InstCombine (addresses folded to `x + c`, checks in their canonical `ult`/`ugt`
// forms); sets each removed check's condition to its passing constant, for SimplifyCFG to fold.
class GuardedCheckElimination : public llvm::PassInfoMixin<GuardedCheckElimination> {
 public:
  llvm::PreservedAnalyses run(llvm::Function& f, llvm::FunctionAnalysisManager& am);
};

}  // namespace strata::jit::opt

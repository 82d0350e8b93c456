// Bounds checks that a guard after the linear memory makes redundant (OptRequest::guard_bytes).
//
// Under a guard the translator checks a guest access by `addr u< size` alone (translate_ops.cpp,
// mem_access), for accesses whose offset plus length is at most half the guard. A check of
// `x + c2 u< size` that a passed check of `x + c1 u< size` dominates, with 0 <= c2 - c1 <= half
// the guard, can then never fail without the access faulting in the guard anyway: x + c2 lies in
// [c2 - c1, size + c2 - c1), so the access ends below size + guard. Such a check goes; the guest
// pointers of an unrolled loop (glibc's word copy stores through a0 = a5 + 32, a3 = a5 + 24, ...)
// keep one check per base instead of one per access. Only a check that passed establishes its
// fact: one removed here implies less.
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

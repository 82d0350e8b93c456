// Recognising the paths to a host call in optimized IR: the passes and counters that look for a
// bounds check find it by its failing edge, which reaches the shared trap block (translate.cpp).
#pragma once

#include <cstdint>

#include <llvm/IR/BasicBlock.h>

namespace strata::jit::opt {

// Whether `bb` calls the host function at `address` (a call through an inttoptr constant).
bool calls_address(const llvm::BasicBlock& bb, uint64_t address);

// Whether `bb` calls it, or leads only to a block that does within a few unique-successor hops
// (LCSSA's and IRCE's exit blocks in front of the trap block).
bool leads_to_call(const llvm::BasicBlock* bb, uint64_t address);

}  // namespace strata::jit::opt

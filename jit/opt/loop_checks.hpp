// How many bounds checks of linear-memory accesses the optimized code still runs inside loops,
// for tests and --stats: the measure of the tier's bounds-check hoisting (docs/JIT.md).
#pragma once

#include <cstdint>

#include <llvm/IR/Module.h>

namespace strata::jit::opt {

// Conditional branches in a loop of `mod` with an edge to a block that calls `trap_memory` (the
// shared trap block of translate.cpp). Not counted: loops that LLVM's range-check elimination
// split off as pre- or post-loops (they run only the iterations outside the proven range, the
// main loop runs the rest without the checks), and branches that only a call of `refuel`
// reaches (the empty-slice path, once per fuel slice; jump threading moves the first check of a
// post-loop there).
uint32_t count_loop_memory_checks(llvm::Module& mod, const void* trap_memory, const void* refuel);

}  // namespace strata::jit::opt

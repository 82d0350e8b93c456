// One level of a recursive body inlined into itself (self_call.cpp's bodies).
#pragma once

#include <llvm/IR/Function.h>

namespace strata::jit::opt {

// Replaces every self-call of `body` by a copy of the body whose own self-calls call `body`:
// each host call then runs two SVI activations. False (and `body` unchanged) when the copy
// would be too large.
bool inline_self_calls(llvm::Function& body);

}  // namespace strata::jit::opt

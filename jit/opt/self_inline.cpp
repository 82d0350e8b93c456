// Why one level: a recursive body's calls are most of what it does (fib: two calls and an add),
// and LLVM's inliner never inlines a function into itself. Inlining a copy whose own self-calls
// call the original halves the host calls, prologues and epilogues of a recursion, and a leaf
// child (half of fib's activations) becomes a branch in its caller. Deeper copies were measured
// (three levels: no faster on fib, 70% more compile work) and are not made.
#include "jit/opt/self_inline.hpp"

#include <vector>

#include <llvm/IR/Instructions.h>
#include <llvm/IR/Module.h>
#include <llvm/Transforms/Utils/Cloning.h>

namespace strata::jit::opt {

// Instructions the copies may add (translated IR, before any pass): fib's body is about 350,
// so two call sites add 700; a large recursive function keeps its plain self-calls rather than
// multiply its compile time.
constexpr size_t kMaxInlinedInstructions = 4000;

bool inline_self_calls(llvm::Function& body) {
  std::vector<llvm::CallInst*> sites;
  for (llvm::BasicBlock& bb : body)
    for (llvm::Instruction& i : bb)
      if (auto* c = llvm::dyn_cast<llvm::CallInst>(&i); c && c->getCalledFunction() == &body)
        sites.push_back(c);
  if (sites.empty() || sites.size() * body.getInstructionCount() > kMaxInlinedInstructions)
    return false;
  // The copy's self-calls still name `body`: inlined, they become the body's own calls one
  // level down.
  llvm::ValueToValueMapTy map;
  llvm::Function* copy = llvm::CloneFunction(&body, map);
  for (llvm::CallInst* c : sites) {
    c->setCalledFunction(copy);
    llvm::InlineFunctionInfo info;
    if (!llvm::InlineFunction(*c, info).isSuccess()) c->setCalledFunction(&body);
  }
  copy->eraseFromParent();
  return true;
}

}  // namespace strata::jit::opt

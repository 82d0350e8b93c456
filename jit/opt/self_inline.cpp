#include "jit/opt/self_inline.hpp"

#include <vector>

#include <llvm/IR/Instructions.h>
#include <llvm/IR/Module.h>
#include <llvm/Transforms/Utils/Cloning.h>

namespace strata::jit::opt {

bool inline_self_calls(llvm::Function& body) {
  std::vector<llvm::CallInst*> sites;
  for (llvm::BasicBlock& bb : body)
    for (llvm::Instruction& i : bb)
      if (auto* c = llvm::dyn_cast<llvm::CallInst>(&i); c && c->getCalledFunction() == &body)
        sites.push_back(c);
  if (sites.empty()) return false;
  llvm::ValueToValueMapTy map;
  llvm::Function* copy = llvm::CloneFunction(&body, map);
  for (llvm::CallInst* c : sites) {
    c->setCalledFunction(copy);
    llvm::InlineFunctionInfo info;
    if (!llvm::InlineFunction(*c, info).isSuccess()) c->setCalledFunction(&body);
  }
  if (copy->use_empty()) copy->eraseFromParent();
  return true;
}

}  // namespace strata::jit::opt

#include "jit/opt/trap_paths.hpp"

#include <llvm/IR/Constants.h>
#include <llvm/IR/Instructions.h>

namespace strata::jit::opt {

bool calls_address(const llvm::BasicBlock& bb, uint64_t address) {
  for (const llvm::Instruction& i : bb) {
    const auto* call = llvm::dyn_cast<llvm::CallInst>(&i);
    if (call == nullptr) continue;
    const auto* target = llvm::dyn_cast<llvm::ConstantExpr>(call->getCalledOperand());
    if (target == nullptr || target->getOpcode() != llvm::Instruction::IntToPtr) continue;
    const auto* k = llvm::dyn_cast<llvm::ConstantInt>(target->getOperand(0));
    if (k != nullptr && k->getZExtValue() == address) return true;
  }
  return false;
}

bool leads_to_call(const llvm::BasicBlock* bb, uint64_t address) {
  for (int hops = 0; bb != nullptr && hops < 4; ++hops) {
    if (calls_address(*bb, address)) return true;
    bb = bb->getUniqueSuccessor();
  }
  return false;
}

}  // namespace strata::jit::opt

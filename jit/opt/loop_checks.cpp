#include "jit/opt/loop_checks.hpp"

#include <llvm/Analysis/LoopInfo.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/Dominators.h>
#include <llvm/IR/Instructions.h>

#include "jit/opt/trap_paths.hpp"

namespace strata::jit::opt {

namespace {

// IRCE tags the latch branch of the loops it clones (LLVM 19: "loop_constrainer.loop.clone") and
// gives them a loop ID that disables the later loop transformations; later passes may move the
// latch (jump threading), the loop ID stays with it. The translator sets no loop metadata.
bool split_off_by_irce(const llvm::Loop& loop) {
  if (const llvm::MDNode* id = loop.getLoopID())
    for (const llvm::MDOperand& op : id->operands())
      if (const auto* node = llvm::dyn_cast_or_null<llvm::MDNode>(op.get()))
        if (node->getNumOperands() > 0)
          if (const auto* name = llvm::dyn_cast<llvm::MDString>(node->getOperand(0)))
            if (name->getString() == "llvm.loop.licm_versioning.disable") return true;
  const llvm::BasicBlock* latch = loop.getLoopLatch();
  if (latch == nullptr) return false;
  const llvm::Instruction* term = latch->getTerminator();
  llvm::SmallVector<std::pair<unsigned, llvm::MDNode*>, 4> md;
  term->getAllMetadata(md);
  llvm::SmallVector<llvm::StringRef, 8> names;
  term->getContext().getMDKindNames(names);
  for (const auto& [kind, node] : md)
    if (kind < names.size() && names[kind].ends_with("loop.clone")) return true;
  return false;
}

}  // namespace

// A block of `loop` dominated, inside the loop, by one that calls `refuel`.
bool after_refuel(const llvm::BasicBlock* bb, const llvm::Loop& loop, const llvm::DominatorTree& dt,
                  const void* refuel) {
  const auto want = reinterpret_cast<uint64_t>(refuel);
  for (const llvm::DomTreeNode* n = dt.getNode(bb); n != nullptr && loop.contains(n->getBlock());
       n = n->getIDom())
    if (calls_address(*n->getBlock(), want)) return true;
  return false;
}

uint32_t count_loop_memory_checks(llvm::Module& mod, const void* trap_memory, const void* refuel) {
  uint32_t n = 0;
  for (llvm::Function& f : mod) {
    if (f.isDeclaration()) continue;
    llvm::DominatorTree dt(f);
    llvm::LoopInfo li(dt);
    for (llvm::BasicBlock& bb : f) {
      const llvm::Loop* loop = li.getLoopFor(&bb);
      if (loop == nullptr || split_off_by_irce(*loop)) continue;
      const auto* br = llvm::dyn_cast<llvm::BranchInst>(bb.getTerminator());
      if (br == nullptr || !br->isConditional() || after_refuel(&bb, *loop, dt, refuel)) continue;
      for (const llvm::BasicBlock* succ : br->successors())
        if (!loop->contains(succ) && leads_to_call(succ, reinterpret_cast<uint64_t>(trap_memory))) {
          ++n;
          break;
        }
    }
  }
  return n;
}

}  // namespace strata::jit::opt

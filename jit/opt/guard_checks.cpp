#include "jit/opt/guard_checks.hpp"

#include <string>
#include <vector>

#include <llvm/ADT/PostOrderIterator.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/Dominators.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/PatternMatch.h>

#include "jit/opt/trap_paths.hpp"

namespace strata::jit::opt {

namespace {

uint64_t attr_u64(const llvm::Function& f, const char* name) {
  const llvm::Attribute a = f.getFnAttribute(name);
  if (!a.isStringAttribute()) return 0;
  uint64_t v = 0;
  return a.getValueAsString().getAsInteger(10, v) ? 0 : v;
}

// A conditional branch on `base + offset u< limit`, limit = size + 1 - extent (an access's
// offset plus length, translate_ops.cpp's mem_access) with extent in [1, reach].
struct Check {
  llvm::BranchInst* br = nullptr;
  llvm::Value* base = nullptr;
  int64_t offset = 0;
  uint64_t extent = 0;
  unsigned pass = 0;  // successor index where the access is inside the memory
};

bool match_check(llvm::BranchInst* br, uint64_t size, uint64_t reach, Check* out) {
  using namespace llvm::PatternMatch;
  if (!br->isConditional()) return false;
  llvm::ICmpInst::Predicate pred;
  llvm::Value* addr = nullptr;
  const llvm::APInt* k = nullptr;
  if (!match(br->getCondition(), m_ICmp(pred, m_Value(addr), m_APInt(k))) || k->getBitWidth() != 64)
    return false;
  uint64_t limit = 0;
  if (pred == llvm::ICmpInst::ICMP_ULT) {
    limit = k->getZExtValue();
    out->pass = 0;
  } else if (pred == llvm::ICmpInst::ICMP_UGT && !k->isMaxValue()) {
    limit = k->getZExtValue() + 1;
    out->pass = 1;
  } else {
    return false;
  }
  if (limit > size || size + 1 - limit > reach) return false;
  out->extent = size + 1 - limit;
  const llvm::APInt* c = nullptr;
  llvm::Value* base = nullptr;
  if (match(addr, m_Add(m_Value(base), m_APInt(c)))) {
    out->base = base;
    out->offset = c->getSExtValue();
  } else {
    out->base = addr;
    out->offset = 0;
  }
  out->br = br;
  return true;
}

}  // namespace

void mark_guarded(llvm::Function& f, uint64_t size, uint64_t reach, const void* trap_memory) {
  f.addFnAttr(kGuardSizeAttr, std::to_string(size));
  f.addFnAttr(kGuardReachAttr, std::to_string(reach));
  f.addFnAttr(kGuardTrapAttr, std::to_string(reinterpret_cast<uint64_t>(trap_memory)));
}

llvm::PreservedAnalyses GuardedCheckElimination::run(llvm::Function& f,
                                                     llvm::FunctionAnalysisManager& am) {
  const uint64_t size = attr_u64(f, kGuardSizeAttr);
  const auto reach = static_cast<int64_t>(attr_u64(f, kGuardReachAttr));
  const uint64_t trap = attr_u64(f, kGuardTrapAttr);
  if (size == 0 || reach <= 0 || trap == 0) return llvm::PreservedAnalyses::all();
  auto& dt = am.getResult<llvm::DominatorTreeAnalysis>(f);
  // Reverse post-order: a dominating check is seen (and kept or not) before those it dominates.
  std::vector<Check> kept;
  bool changed = false;
  llvm::ReversePostOrderTraversal<llvm::Function*> rpo(&f);
  for (llvm::BasicBlock* bb : rpo) {
    auto* br = llvm::dyn_cast<llvm::BranchInst>(bb->getTerminator());
    Check c;
    if (br == nullptr || !match_check(br, size, static_cast<uint64_t>(reach), &c)) continue;
    llvm::BasicBlock* pass_to = br->getSuccessor(c.pass);
    llvm::BasicBlock* fail_to = br->getSuccessor(1 - c.pass);
    bool redundant = false;
    if (fail_to != pass_to && leads_to_call(fail_to, trap)) {
      for (const Check& k : kept) {
        if (k.base != c.base) continue;
        const int64_t d = c.offset - k.offset;
        if (d < 0 || d > reach) continue;
        const llvm::BasicBlockEdge edge(k.br->getParent(), k.br->getSuccessor(k.pass));
        if (dt.dominates(edge, bb)) {
          redundant = true;
          break;
        }
      }
    }
    if (!redundant) {
      kept.push_back(c);
      continue;
    }
    // Always passes: SimplifyCFG drops the edge to the trap (and its phi operands).
    br->setCondition(llvm::ConstantInt::getBool(f.getContext(), c.pass == 0));
    changed = true;
  }
  if (!changed) return llvm::PreservedAnalyses::all();
  llvm::PreservedAnalyses pa;
  pa.preserveSet<llvm::CFGAnalyses>();
  return pa;
}

}  // namespace strata::jit::opt

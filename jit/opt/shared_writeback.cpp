// Shared exit writebacks. A translated unit leaves through dozens of exits, each storing its
// dirty guest registers into the state page before its chained `ret`; most exits of a unit
// store the same registers (fib's 27 exits: two distinct lists; coremark_like's 38: five). One
// block per distinct list does the stores, its phis carrying each exit's values, result and
// chain slot, so the pass pipeline and the code generator see each list's stores once: on
// coremark_like's largest unit, 578 stores became 58.
#include <map>

#include "jit/opt/translator.hpp"

namespace strata::jit::opt {

namespace {

bool is_state_store(const isa::Insn& in) {
  return in.op() == isa::Op::StI64 || in.op() == isa::Op::StF64;
}

}  // namespace

// A run is the stores right before a `ret` that chains or finds its successor, through a zero
// register at an offset that needs no check (unchecked_access), none of them but the first a
// branch target: code that jumps into the run starts at its first store. None stores a double,
// and at least one other run stores the same list.
void Translator::find_shared_writebacks() {
  writeback_end_.assign(insns_.size(), 0);
  folded_.assign(insns_.size(), false);
  if (!chains()) return;
  std::vector<bool> target(blocks_.size(), false);
  for (const isa::Insn& in : insns_)
    if (isa::info(in.op()).flags & isa::kBranch) {
      const int64_t to = int64_t{in.pc} + isa::branch_offset(in.word);
      if (to >= 0 && static_cast<size_t>(to) < target.size())
        target[static_cast<size_t>(to)] = true;
    }
  auto fits = [&](const isa::Insn& in) {
    return is_state_store(in) && unchecked_access(isa::a_of(in.word), isa::c_of(in.word), 8);
  };
  auto stores_a_double = [&](size_t first, size_t end) {
    for (size_t i = first; i < end; ++i)
      if (fp_regs_[isa::b_of(insns_[i].word)]) return true;
    return false;
  };
  std::vector<size_t> firsts, rets;
  std::vector<WritebackKey> keys;
  std::map<WritebackKey, int> uses;
  for (size_t k = 0; k < insns_.size(); ++k) {
    const isa::Insn& ret = insns_[k];
    if (ret.op() != isa::Op::Ret || (chain_slot(ret.pc) == nullptr && !finds_next())) continue;
    size_t first = k;
    while (first > 0 && fits(insns_[first - 1]) && !target[insns_[first].pc]) --first;
    // Not a list with a double (a guest f register): shared, their phis made mandelbrot's inner
    // loop, whose exits store its f registers, spill an integer register (1.08x). Integer lists,
    // loop exits included, are where the compile time goes (fib, coremark_like) and ran as fast.
    if (first == k || stores_a_double(first, k)) continue;
    firsts.push_back(first);
    rets.push_back(k);
    ++uses[keys.emplace_back(writeback_key(first, k))];
  }
  // A list only one exit stores stays where it is.
  for (size_t i = 0; i < keys.size(); ++i) {
    if (uses[keys[i]] < 2) continue;
    writeback_end_[firsts[i]] = rets[i];
    for (size_t j = firsts[i] + 1; j <= rets[i]; ++j) folded_[j] = true;
  }
}

Translator::WritebackKey Translator::writeback_key(size_t first, size_t ret_index) const {
  WritebackKey key;
  key.chained = chain_slot(insns_[ret_index].pc) != nullptr;
  for (size_t i = first; i < ret_index; ++i) key.offsets.push_back(isa::c_of(insns_[i].word));
  return key;
}

void Translator::emit_shared_writeback(size_t first, size_t ret_index) {
  const isa::Insn& ret = insns_[ret_index];
  std::vector<llvm::Value*> values;
  for (size_t i = first; i < ret_index; ++i) values.push_back(get(isa::b_of(insns_[i].word)));
  llvm::Value* result = get(isa::a_of(ret.word));
  llvm::BasicBlock* from = b_.GetInsertBlock();
  const WritebackKey key = writeback_key(first, ret_index);
  SharedWriteback& w = shared_writebacks_[key];
  if (w.block == nullptr) {
    llvm::IRBuilderBase::InsertPointGuard keep(b_);
    w.block = block("wb.shared");
    b_.SetInsertPoint(w.block);
    for (size_t i = 0; i < key.offsets.size(); ++i) w.values.push_back(b_.CreatePHI(i64_, 8));
    w.result = b_.CreatePHI(i64_, 8);
    if (key.chained) w.slot = b_.CreatePHI(ptr_, 8);
    // Stored in the exits' order: the same bytes as the stores they replace.
    for (size_t i = 0; i < key.offsets.size(); ++i)
      tagged(b_.CreateAlignedStore(w.values[i], at(mem_data(), key.offsets[i]), llvm::Align(1)),
             tbaa_guest_);
    if (key.chained)
      chained_ret(w.result, w.slot);
    else
      found_ret(w.result);
  }
  for (size_t i = 0; i < values.size(); ++i) w.values[i]->addIncoming(values[i], from);
  w.result->addIncoming(result, from);
  if (w.slot != nullptr) w.slot->addIncoming(cptr(chain_slot(ret.pc)), from);
  b_.CreateBr(w.block);
}

}  // namespace strata::jit::opt

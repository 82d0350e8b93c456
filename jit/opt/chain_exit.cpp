// Chained exits in LLVM code (OptRequest::chain): the contract and the order of the checks are
// jit/baseline/chain.hpp's, so a slot behaves the same whichever tier compiled the unit that
// leaves through it. The jump is a musttail call of the target's jit_entry: the callee has this
// function's signature (vm::JitEntry) and calling convention, so LLVM pops this frame and
// jumps, and the target's `ret` returns to the loop that called this function. The target may
// be baseline code or LLVM code: both are plain JitEntry functions.
#include <algorithm>

#include "jit/opt/translator.hpp"

namespace strata::jit::opt {

bool Translator::chains() const {
  // A body returns its result in registers to its entry (self_call.cpp), not to the loop. A
  // context without its counters (not set up yet) compiles plain `ret`s, as the baseline does.
  return chain_ != nullptr && body_ret_ == nullptr && chain_->ctx != nullptr &&
         chain_->ctx->slice_left != nullptr && chain_->ctx->written != nullptr;
}

baseline::ChainSlot* Translator::chain_slot(uint32_t pc) const {
  if (!chains()) return nullptr;
  const auto& rets = chain_->rets;
  auto it = std::lower_bound(rets.begin(), rets.end(), pc,
                             [](const auto& r, uint32_t want) { return r.first < want; });
  return it != rets.end() && it->first == pc ? it->second : nullptr;
}

bool Translator::finds_next() const {
  return chains() && chain_->ctx->front != nullptr;
}

void Translator::chained_ret(llvm::Value* result, llvm::Value* slot) {
  store(result, st_, offsetof(vm::ExecState, jit_retval));
  const SharedChain& c = shared_chain();
  c.slot->addIncoming(slot, b_.GetInsertBlock());
  c.report->addIncoming(slot, b_.GetInsertBlock());
  b_.CreateBr(c.jump);
}

void Translator::found_ret(llvm::Value* result) {
  store(result, st_, offsetof(vm::ExecState, jit_retval));
  const SharedChain& c = shared_chain();
  c.key->addIncoming(result, b_.GetInsertBlock());
  b_.CreateBr(c.find);
}

// One copy of the checks per function, which every exit branches to (phis carry the slot): a
// unit has dozens of exits, and a copy each cost a third more compile time.
const Translator::SharedChain& Translator::shared_chain() {
  if (shared_chain_.jump != nullptr) return shared_chain_;
  using baseline::ChainContext;
  using baseline::ChainSlot;
  llvm::IRBuilderBase::InsertPointGuard keep(b_);
  const ChainContext* chain_ctx = chain_->ctx;
  llvm::Value* ctx = cptr(chain_ctx);
  SharedChain& c = shared_chain_;
  c.jump = block("chain.jump");
  llvm::BasicBlock* miss = block("chain.miss");
  llvm::BasicBlock* done = block("chain.return");

  if (chain_ctx->front != nullptr) {
    // The front cache's entry for the key (an inline look-up: a helper call here cost the
    // pipeline and the code generator a fifth more time on every unit).
    using baseline::FrontEntry;
    c.find = block("chain.find");
    b_.SetInsertPoint(c.find);
    c.key = b_.CreatePHI(i64_, 4, "key");
    llvm::Value* index = b_.CreateAnd(b_.CreateLShr(c.key, 1), chain_ctx->front_mask);
    llvm::Value* entry_at = b_.CreateGEP(i8_, cptr(chain_ctx->front),
                                         b_.CreateMul(index, b_.getInt64(sizeof(FrontEntry))));
    llvm::BasicBlock* hit = block("chain.hit");
    b_.CreateCondBr(b_.CreateICmpEQ(load64(entry_at, offsetof(FrontEntry, key)), c.key), hit, done,
                    likely_);
    b_.SetInsertPoint(hit);
    llvm::Value* unit = loadp(entry_at, offsetof(FrontEntry, unit));
    llvm::BasicBlock* enter = block("chain.found");
    b_.CreateCondBr(b_.CreateICmpEQ(unit, llvm::ConstantPointerNull::get(ptr_)), done, enter,
                    unlikely_);
    b_.SetInsertPoint(enter);
    llvm::Value* found = at(unit, chain_ctx->entry_offset);
    b_.CreateBr(c.jump);
    b_.SetInsertPoint(c.jump);
    c.slot = b_.CreatePHI(ptr_, 8, "slot");
    c.report = b_.CreatePHI(ptr_, 8, "report");
    c.slot->addIncoming(found, enter);
    c.report->addIncoming(llvm::ConstantPointerNull::get(ptr_), enter);
  } else {
    b_.SetInsertPoint(c.jump);
    c.slot = b_.CreatePHI(ptr_, 8, "slot");
    c.report = b_.CreatePHI(ptr_, 8, "report");
  }
  llvm::Value* s = c.slot;
  auto go_on_if = [&](llvm::Value* ok, const char* name) {
    llvm::BasicBlock* next = block(name);
    b_.CreateCondBr(ok, next, miss, likely_);
    b_.SetInsertPoint(next);
  };
  auto is_null = [&](llvm::Value* p) {
    return b_.CreateICmpEQ(p, llvm::ConstantPointerNull::get(ptr_));
  };
  // 1. The linked unit and its code, read at each jump (eviction and tier changes need no
  // unlinking).
  llvm::Value* target = loadp(s, offsetof(ChainSlot, target));
  go_on_if(b_.CreateNot(is_null(target)), "chain.linked");
  llvm::Value* entry = loadp(target, offsetof(vm::FuncInfo, jit_entry));
  go_on_if(b_.CreateNot(is_null(entry)), "chain.compiled");
  // 2. The debugger's hold, then code stores (written by the fault handler: volatile).
  go_on_if(b_.CreateICmpEQ(load64(ctx, offsetof(ChainContext, hold)), b_.getInt64(0)),
           "chain.free");
  llvm::Value* written = loadp(ctx, offsetof(ChainContext, written));
  llvm::Value* dirty = b_.CreateLoad(i64_, written, /*isVolatile=*/true);
  go_on_if(b_.CreateICmpEQ(dirty, b_.getInt64(0)), "chain.clean");
  // 3. The slice countdown: stored only once the jump is committed.
  llvm::Value* slice = loadp(ctx, offsetof(ChainContext, slice_left));
  llvm::Value* left = b_.CreateSub(load64(slice, 0), b_.getInt64(1));
  go_on_if(b_.CreateICmpSGE(left, b_.getInt64(0)), "chain.slice");
  // 4. --jit=auto's count towards LLVM: the entry that would reach the limit is the loop's.
  if (chain_ctx->count_limit != 0) {
    llvm::Value* count = loadp(s, offsetof(ChainSlot, count));
    llvm::BasicBlock* add = block("chain.count");
    llvm::BasicBlock* counted = block("chain.counted");
    b_.CreateCondBr(is_null(count), counted, add);
    b_.SetInsertPoint(add);
    // In 64 bits: an overflow of the 32-bit sum is past any limit.
    llvm::Value* sum =
        b_.CreateAdd(b_.CreateZExt(b_.CreateLoad(i32_, count), i64_),
                     b_.CreateZExt(b_.CreateLoad(i32_, at(s, offsetof(ChainSlot, weight))), i64_));
    go_on_if(b_.CreateICmpULT(sum, b_.getInt64(chain_ctx->count_limit)), "chain.below");
    b_.CreateStore(b_.CreateTrunc(sum, i32_), count);
    b_.CreateBr(counted);
    b_.SetInsertPoint(counted);
  }
  // 5. Committed: from here on the target runs, on this function's frame record and window.
  store(left, slice, 0);
  llvm::Value* chained = at(ctx, offsetof(ChainContext, chained));
  b_.CreateStore(b_.CreateAdd(b_.CreateLoad(i64_, chained), b_.getInt64(1)), chained);
  if (c.find != nullptr) {
    llvm::Value* found = at(ctx, offsetof(ChainContext, found));
    llvm::Value* indirect = b_.CreateZExt(is_null(c.report), i64_);
    b_.CreateStore(b_.CreateAdd(b_.CreateLoad(i64_, found), indirect), found);
  }
  store(loadp(s, offsetof(ChainSlot, unit)), ctx, offsetof(ChainContext, running));
  // The loop's bottom frame and its window (OptRequest::chain), found again from st rather than
  // kept from the entry: arguments live across the whole unit cost its loops a register.
  llvm::Value* frame = limit(offsetof(vm::ExecState, frames));
  store(target, frame, offsetof(vm::Frame, fn));
  store(loadp(target, offsetof(vm::FuncInfo, code)), frame, offsetof(vm::Frame, pc));
  llvm::Value* window = loadp(frame, offsetof(vm::Frame, base));
  auto* entry_ty = llvm::FunctionType::get(i64_, {ptr_, ptr_, ptr_}, false);
  llvm::CallInst* jump = b_.CreateCall(entry_ty, entry, {st_, window, frame});
  jump->setTailCallKind(llvm::CallInst::TCK_MustTail);
  jump->setDoesNotThrow();
  b_.CreateRet(jump);

  // Every refusal returns as a plain `ret` would (the value is stored already), reporting the
  // exit's own slot (an indirect exit has none) so that the loop can link it once it has the
  // unit at the returned key.
  b_.SetInsertPoint(miss);
  llvm::BasicBlock* report = block("chain.report");
  b_.CreateCondBr(is_null(c.report), done, report);
  b_.SetInsertPoint(report);
  store(c.report, ctx, offsetof(ChainContext, missed));
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
  b_.CreateRet(b_.getInt64(static_cast<uint64_t>(vm::ExecStatus::Returned)));
  return shared_chain_;
}

}  // namespace strata::jit::opt

// SVI -> LLVM IR: the frame (entry, registers, sync points, fuel, cold traps), control flow and
// calls. The per-opcode data operations are in translate_ops.cpp.
#include "jit/opt/translate.hpp"

#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/Module.h>

#include "jit/opt/guard_checks.hpp"
#include "jit/opt/self_inline.hpp"
#include "jit/opt/translator.hpp"

namespace strata::jit::opt {

Translator::Translator(const OptRequest& req, const OptRuntime& rt, llvm::Module& mod)
    : ctx_(mod.getContext()),
      mod_(mod),
      b_(ctx_),
      fn_(*req.fn),
      inst_(*req.fn->inst),
      insns_(req.insns),
      reg_types_(req.reg_types),
      rt_(rt),
      fixed_memory_(req.fixed_memory),
      leaf_host_calls_(req.leaf_host_calls),
      no_fuel_(req.unlimited_fuel),
      osr_pc_(req.osr_pc),
      memory_floor_(req.memory_floor),
      guard_bytes_(req.fixed_memory ? req.guard_bytes : 0),
      chain_(req.chain),
      i8_(b_.getInt8Ty()),
      i16_(b_.getInt16Ty()),
      i32_(b_.getInt32Ty()),
      i64_(b_.getInt64Ty()),
      f32_(b_.getFloatTy()),
      f64_(b_.getDoubleTy()),
      ptr_(b_.getPtrTy()) {
  llvm::MDBuilder md(ctx_);
  llvm::MDNode* root = md.createTBAARoot("strata");
  auto tag = [&](const char* name) {
    llvm::MDNode* type = md.createTBAAScalarTypeNode(name, root);
    return md.createTBAAStructTagNode(type, type, 0);
  };
  tbaa_fuel_ = tag("fuel");
  tbaa_header_ = tag("object header");
  tbaa_guest_ = tag("guest data");
  tbaa_cache_ = tag("allocation cache");
  tbaa_frame_ = tag("call frame");
  tbaa_limits_ = tag("call limits");
  tbaa_slot_ = tag("code slot");
  unlikely_ = md.createBranchWeights(1, 4000);
  even_ = md.createBranchWeights(1, 1);
  likely_ = md.createBranchWeights(4000, 1);
}

llvm::Value* Translator::cptr(const void* p) {
  return llvm::ConstantExpr::getIntToPtr(b_.getInt64(reinterpret_cast<uint64_t>(p)), ptr_);
}

llvm::Value* Translator::at(llvm::Value* p, uint64_t off) {
  return off == 0 ? p : b_.CreateConstInBoundsGEP1_64(i8_, p, off);
}

llvm::Value* Translator::load64(llvm::Value* p, uint64_t off) {
  return b_.CreateLoad(i64_, at(p, off));
}

llvm::Value* Translator::loadp(llvm::Value* p, uint64_t off) {
  return b_.CreateLoad(ptr_, at(p, off));
}

void Translator::store(llvm::Value* v, llvm::Value* p, uint64_t off) {
  b_.CreateStore(v, at(p, off));
}

llvm::Value* Translator::limit(uint64_t off) {
  return tagged(loadp(st_, off), tbaa_limits_);
}

void Translator::frame_store(llvm::Value* v, llvm::Value* frame, uint64_t off) {
  tagged(b_.CreateStore(v, at(frame, off)), tbaa_frame_);
}

llvm::Value* Translator::tagged(llvm::Value* access, llvm::MDNode* tbaa) {
  llvm::cast<llvm::Instruction>(access)->setMetadata(llvm::LLVMContext::MD_tbaa, tbaa);
  return access;
}

llvm::Value* Translator::get(uint16_t r) {
  if (fp_regs_[r]) return b_.CreateBitCast(b_.CreateLoad(f64_, regs_[r]), i64_);
  return b_.CreateLoad(i64_, regs_[r]);
}

llvm::Value* Translator::getf(uint16_t r) {
  if (fp_regs_[r]) return b_.CreateLoad(f64_, regs_[r]);
  return b_.CreateBitCast(get(r), f64_);
}

llvm::Value* Translator::getp(uint16_t r) {
  return b_.CreateIntToPtr(get(r), ptr_);
}

void Translator::set(uint16_t r, llvm::Value* v) {
  if (v->getType() == ptr_) v = b_.CreatePtrToInt(v, i64_);
  if (v->getType() == b_.getInt1Ty()) v = b_.CreateZExt(v, i64_);
  // Stored as the alloca holds it (fp_regs_): the same bits either way.
  llvm::Type* slot = fp_regs_[r] ? f64_ : i64_;
  if (v->getType() != slot) v = b_.CreateBitCast(v, slot);
  b_.CreateStore(v, regs_[r]);
}

llvm::Value* Translator::fp() {
  return b_.CreateLoad(ptr_, fp_slot_);
}

llvm::Value* Translator::base() {
  return b_.CreateLoad(ptr_, base_slot_);
}

void Translator::sync(uint16_t r) {
  if (r < regs_.size()) store(get(r), base(), uint64_t{r} * 8);
}

void Translator::sync_refs() {
  llvm::Value* bs = base();
  for (size_t r = 0; r < regs_.size(); ++r)
    if (reg_types_[r] == isa::ValType::Ref)
      store(get(static_cast<uint16_t>(r)), bs, uint64_t{r} * 8);
}

void Translator::sync_args(const isa::Insn& call) {
  for (uint32_t k = 0; k < call.nargs; ++k) sync(call.arg(k));
}

// OptRequest::leaf_host_calls: the native straight from the compiled code, its arguments in a
// scratch array, the frame untouched (nothing the native does can move or read it).
void Translator::leaf_host_call(const isa::Insn& in, const vm::ImportBinding& import) {
  llvm::Type* arr = llvm::ArrayType::get(i64_, kMaxLeafArgs);
  for (uint32_t k = 0; k < in.nargs; ++k)
    b_.CreateStore(get(in.arg(k)), b_.CreateConstInBoundsGEP2_32(arr, leaf_args_, 0, k));
  llvm::Value* cx = loadp(st_, offsetof(vm::ExecState, host));
  const void* native = reinterpret_cast<const void*>(import.native);
  if (import.cold) {
    llvm::Function* thunk = cold_thunk(native);
    llvm::CallInst* call = b_.CreateCall(thunk, {cx, leaf_args_, leaf_result_});
    call->setCallingConv(thunk->getCallingConv());
    call->setDoesNotThrow();
    // Branch probability takes a block that reaches only a cold call as unlikely.
    call->addFnAttr(llvm::Attribute::Cold);
  } else {
    call_abs(native, b_.getVoidTy(), {cx, leaf_args_, leaf_result_});
  }
  reload_memory();
  if (import.has_result) set(isa::a_of(in.word), b_.CreateLoad(i64_, leaf_result_));
}

// The thunk keeps every register (preserve_allcc): the hot path's values, the floating-point ones
// included (all caller-saved in SysV), stay in their registers across the call, so the register
// allocator spills nothing on the hot path for a call it rarely makes. The thunk saves and
// restores them around the plain C call, only when the slow path runs. (With the C convention a
// loop of translated D arithmetic spilled most of its doubles: every instruction's fallback is
// such a call.)
llvm::Function* Translator::cold_thunk(const void* native) {
  auto [it, fresh] = cold_thunks_.try_emplace(native, nullptr);
  if (!fresh) return it->second;
  auto* type = llvm::FunctionType::get(b_.getVoidTy(), {ptr_, ptr_, ptr_}, false);
  auto* f = llvm::Function::Create(type, llvm::GlobalValue::InternalLinkage, "cold_thunk", mod_);
  f->setCallingConv(llvm::CallingConv::PreserveAll);
  f->addFnAttr(llvm::Attribute::NoInline);
  f->addFnAttr(llvm::Attribute::Cold);
  f->addFnAttr(llvm::Attribute::NoUnwind);
  llvm::IRBuilder<> tb(llvm::BasicBlock::Create(ctx_, "", f));
  llvm::CallInst* c = tb.CreateCall(type, cptr(native), {f->getArg(0), f->getArg(1), f->getArg(2)});
  c->setDoesNotThrow();
  tb.CreateRetVoid();
  return it->second = f;
}

void Translator::reload(uint16_t r) {
  if (r < regs_.size()) set(r, load64(base(), uint64_t{r} * 8));
}

// Taken at each call rather than once at entry: a register kept across every call of the
// function for the cold paths would cost the self-calls, which find their frame without it.
llvm::Value* Translator::frame_depth() {
  return b_.CreateSub(b_.CreatePtrToInt(fp(), i64_),
                      b_.CreatePtrToInt(limit(offsetof(vm::ExecState, frames)), i64_));
}

// Whatever may move the frames may also run code that grows the linear memory.
void Translator::reload_frame(llvm::Value* depth) {
  llvm::Value* frames = limit(offsetof(vm::ExecState, frames));
  llvm::Value* f = b_.CreateInBoundsGEP(i8_, frames, depth);
  b_.CreateStore(f, fp_slot_);
  b_.CreateStore(tagged(loadp(f, offsetof(vm::Frame, base)), tbaa_frame_), base_slot_);
  reload_memory();
}

void Translator::write_frame() {
  if (frame_written_ == nullptr) return;
  llvm::BasicBlock* write = block("frame.write");
  llvm::BasicBlock* cont = block("frame.written");
  b_.CreateCondBr(b_.CreateLoad(b_.getInt1Ty(), frame_written_), cont, write);
  b_.SetInsertPoint(write);
  frame_store(cptr(&fn_), fp(), offsetof(vm::Frame, fn));
  frame_store(base(), fp(), offsetof(vm::Frame, base));
  b_.CreateStore(b_.getTrue(), frame_written_);
  b_.CreateBr(cont);
  b_.SetInsertPoint(cont);
}

void Translator::save_pc(uint32_t pc) {
  write_frame();
  frame_store(cptr(fn_.code + pc), fp(), offsetof(vm::Frame, pc));
}

llvm::CallInst* Translator::call_abs(const void* addr, llvm::Type* ret,
                                     std::initializer_list<llvm::Value*> args) {
  std::vector<llvm::Type*> types;
  for (llvm::Value* v : args) types.push_back(v->getType());
  auto* ft = llvm::FunctionType::get(ret, types, false);
  llvm::CallInst* c = b_.CreateCall(ft, cptr(addr), llvm::ArrayRef<llvm::Value*>(args));
  c->setDoesNotThrow();
  return c;
}

llvm::Value* Translator::call_helper(const void* addr, std::initializer_list<llvm::Value*> extra) {
  write_frame();
  fuel_to_memory();
  std::vector<llvm::Value*> args{st_, fp()};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<llvm::Type*> types;
  for (llvm::Value* v : args) types.push_back(v->getType());
  auto* ft = llvm::FunctionType::get(i64_, types, false);
  llvm::CallInst* c = b_.CreateCall(ft, cptr(addr), args);
  c->setDoesNotThrow();
  fuel_from_memory();
  return c;
}

llvm::BasicBlock* Translator::block(const char* name) {
  return llvm::BasicBlock::Create(ctx_, name, f_);
}

void Translator::return_if_status(llvm::Value* status) {
  llvm::BasicBlock* out = block("status");
  llvm::BasicBlock* cont = block("cont");
  b_.CreateCondBr(b_.CreateICmpNE(status, b_.getInt64(0)), out, cont, unlikely_);
  b_.SetInsertPoint(out);
  ret_status(status);
  b_.SetInsertPoint(cont);
}

Translator::SharedTrap& Translator::shared_trap(const void* helper,
                                                std::initializer_list<llvm::Value*> extra,
                                                bool sync) {
  for (SharedTrap& t : traps_) {
    if (t.helper != helper || t.extra.size() != extra.size() || (t.sync_off != nullptr) != sync)
      continue;
    bool same = true;
    size_t k = 0;
    for (llvm::Value* v : extra) same = same && t.extra[k++]->getType() == v->getType();
    if (same) return t;
  }
  llvm::IRBuilderBase::InsertPointGuard guard(b_);
  SharedTrap t;
  t.helper = helper;
  t.block = block("trap");
  b_.SetInsertPoint(t.block);
  t.pc = b_.CreatePHI(ptr_, 4, "trap.pc");
  if (sync) {
    t.sync_off = b_.CreatePHI(i64_, 4, "trap.reg");
    t.sync_val = b_.CreatePHI(i64_, 4, "trap.val");
  }
  for (llvm::Value* v : extra) t.extra.push_back(b_.CreatePHI(v->getType(), 4, "trap.arg"));
  if (sync) b_.CreateStore(t.sync_val, b_.CreateInBoundsGEP(i8_, base(), t.sync_off));
  if (frame_written_ != nullptr) {  // write_frame's flag is not known here; the path is cold
    frame_store(cptr(&fn_), fp(), offsetof(vm::Frame, fn));
    frame_store(base(), fp(), offsetof(vm::Frame, base));
  }
  frame_store(t.pc, fp(), offsetof(vm::Frame, pc));
  fuel_to_memory();
  std::vector<llvm::Value*> args{st_, fp()};
  args.insert(args.end(), t.extra.begin(), t.extra.end());
  std::vector<llvm::Type*> types;
  for (llvm::Value* v : args) types.push_back(v->getType());
  llvm::CallInst* s =
      b_.CreateCall(llvm::FunctionType::get(i64_, types, false), cptr(helper), args);
  s->setDoesNotThrow();
  s->addFnAttr(llvm::Attribute::Cold);
  ret_status(s);
  traps_.push_back(std::move(t));
  return traps_.back();
}

void Translator::trap_if(llvm::Value* fail, uint32_t pc, const void* helper,
                         std::initializer_list<llvm::Value*> extra, uint32_t sync_reg) {
  const bool sync = sync_reg != kNoSync && sync_reg < regs_.size();
  SharedTrap& t = shared_trap(helper, extra, sync);
  llvm::BasicBlock* here = b_.GetInsertBlock();
  t.pc->addIncoming(cptr(fn_.code + pc), here);
  if (sync) {
    t.sync_off->addIncoming(b_.getInt64(uint64_t{sync_reg} * 8), here);
    t.sync_val->addIncoming(get(static_cast<uint16_t>(sync_reg)), here);
  }
  size_t k = 0;
  for (llvm::Value* v : extra) t.extra[k++]->addIncoming(v, here);
  llvm::BasicBlock* cont = block("cont");
  b_.CreateCondBr(fail, t.block, cont, unlikely_);
  b_.SetInsertPoint(cont);
}

void Translator::branch(uint32_t pc, int32_t offset, llvm::Value* cond) {
  llvm::BasicBlock* target = blocks_[pc + static_cast<uint32_t>(offset)];
  llvm::BasicBlock* next = blocks_[pc + 1];
  // Unlimited fuel (OptRequest::guest_unit): a back-edge is a plain branch.
  backward_branch_seen_ = backward_branch_seen_ || offset <= 0;
  if (offset > 0 || no_fuel_) {
    if (cond)
      b_.CreateCondBr(cond, target, next);
    else
      b_.CreateBr(target);
    return;
  }
  // Taken backward branch: one unit of fuel; an empty slice refills (or traps) and the branch
  // then goes on, so an out-of-fuel trap reports the branch's pc as the interpreter does.
  // The unit is charged before the condition is tested, and given back when the branch falls
  // through: the block that jumps back then ends in the loop's own test, the latch shape LLVM's
  // loop passes (range-check elimination among them) need, and the hot path stays a decrement
  // and a sign test. An empty slice with the branch not taken gives the unit back without a
  // refill, as the interpreter charges nothing there.
  llvm::Value* fuel = b_.CreateSub(fuel_get(), b_.getInt64(1));
  fuel_set(fuel);
  llvm::BasicBlock* empty = block("fuel.empty");
  llvm::BasicBlock* latch = block("backedge");
  b_.CreateCondBr(b_.CreateICmpSLT(fuel, b_.getInt64(0)), empty, latch, unlikely_);
  llvm::BasicBlock* refuel = cond != nullptr ? block("refuel") : empty;
  if (cond != nullptr) {
    llvm::BasicBlock* give_back = block("fallthrough");
    b_.SetInsertPoint(latch);
    b_.CreateCondBr(cond, target, give_back);
    // Even weights: this test of the loop's condition must not look like a range check that
    // almost always passes, or IRCE splits loops over it for nothing.
    b_.SetInsertPoint(empty);
    b_.CreateCondBr(cond, refuel, give_back, even_);
    b_.SetInsertPoint(give_back);
    fuel_set(b_.CreateAdd(fuel_get(), b_.getInt64(1)));
    b_.CreateBr(next);
  } else {
    b_.SetInsertPoint(latch);
    b_.CreateBr(target);
  }
  b_.SetInsertPoint(refuel);
  save_pc(pc);
  llvm::Value* s = call_helper(rt_.refuel, {});
  llvm::BasicBlock* out = block("nofuel");
  llvm::BasicBlock* refilled = block("refilled");
  b_.CreateCondBr(b_.CreateICmpNE(s, b_.getInt64(0)), out, refilled);
  b_.SetInsertPoint(out);
  ret_status(s);
  // The fresh slice has at least one unit; the branch is taken (its registers are unchanged),
  // through the latch, so that the loop keeps a single one.
  b_.SetInsertPoint(refilled);
  fuel_set(b_.CreateSub(fuel_get(), b_.getInt64(1)));
  b_.CreateBr(latch);
}

// The baseline tier's inline call (jit/baseline/emit_call.cpp) in IR: when the callee has code
// and every interpreter check passes, push its frame and call its entry; otherwise rt::call
// redoes the whole call in the interpreter's order. A self-call of a body (self_call.cpp) takes
// the fast path only while the slot holds this function's own entry, and then calls the body.
void Translator::direct_call(const isa::Insn& in, const vm::FuncInfo* callee) {
  const uint16_t a = isa::a_of(in.word);
  const bool self = body_ret_ != nullptr && callee == &fn_;
  sync_refs();
  save_pc(in.pc);
  llvm::BasicBlock* fast = block("call.fast");
  llvm::BasicBlock* slow = block("call.slow");
  llvm::BasicBlock* done = block("call.done");
  llvm::Value* cal = cptr(callee);
  llvm::Value* entry = tagged(loadp(cal, offsetof(vm::FuncInfo, jit_entry)), tbaa_slot_);
  llvm::Value* f = fp();
  llvm::Value* nbase = at(base(), uint64_t{fn_.nregs} * 8);
  llvm::Value* nend = at(nbase, uint64_t{callee->nregs} * 8);
  llvm::Value* fuel = b_.CreateSub(fuel_get(), b_.getInt64(1));
  llvm::Value* sp =
      b_.CreateIntrinsic(llvm::Intrinsic::read_register, {i64_},
                         {llvm::MetadataAsValue::get(
                             ctx_, llvm::MDNode::get(ctx_, llvm::MDString::get(ctx_, "rsp")))});
  llvm::Value* ok = self ? b_.CreateICmpEQ(entry, entry_)
                         : b_.CreateICmpNE(entry, llvm::ConstantPointerNull::get(ptr_));
  llvm::Value* room = b_.CreateICmpULE(nend, limit(offsetof(vm::ExecState, stack_end)));
  room = b_.CreateAnd(room, b_.CreateICmpNE(f, limit(offsetof(vm::ExecState, frames_last))));
  room = b_.CreateAnd(
      room, b_.CreateICmpUGE(
                sp, b_.CreatePtrToInt(limit(offsetof(vm::ExecState, host_stack_limit)), i64_)));
  // room_ (translator.hpp): an earlier call of this activation already proved the room.
  llvm::Value* proven = b_.CreateLoad(i64_, room_);
  ok = b_.CreateAnd(ok, b_.CreateOr(b_.CreateICmpUGE(proven, b_.getInt64(callee->nregs)), room));
  ok = b_.CreateAnd(ok, b_.CreateICmpSGE(fuel, b_.getInt64(0)));
  b_.CreateCondBr(ok, fast, slow, likely_);

  b_.SetInsertPoint(fast);
  fuel_set(fuel);
  if (self) {
    fill_self_window(in, nbase);
  } else {
    for (uint32_t k = 0; k < in.nargs; ++k) store(get(in.arg(k)), nbase, uint64_t{k} * 8);
    if (callee->nregs > callee->nparams)
      b_.CreateMemSet(at(nbase, uint64_t{callee->nparams} * 8), b_.getInt8(0),
                      uint64_t{callee->nregs - callee->nparams} * 8, llvm::MaybeAlign(8));
  }
  llvm::Value* nfp = at(f, sizeof(vm::Frame));
  if (self) {
    // A body writes its own Frame record (write_frame): a leaf child returns without one.
    BodyCall r = call_body(in, nbase, nfp);
    llvm::BasicBlock* out = block("status");
    llvm::BasicBlock* cont = block("cont");
    b_.CreateCondBr(r.returned, cont, out, likely_);
    b_.SetInsertPoint(out);
    ret_status(r.status);
    b_.SetInsertPoint(cont);
    fuel_set(r.fuel);
    // Our frame is the one below the callee's, wherever the frames are now.
    llvm::Value* own =
        b_.CreateConstInBoundsGEP1_64(i8_, r.fp, -static_cast<int64_t>(sizeof(vm::Frame)));
    b_.CreateStore(own, fp_slot_);
    b_.CreateStore(tagged(loadp(own, offsetof(vm::Frame, base)), tbaa_frame_), base_slot_);
    reload_memory();
    if (callee->has_result) set(a, r.result);
  } else {
    frame_store(cal, nfp, offsetof(vm::Frame, fn));
    frame_store(nbase, nfp, offsetof(vm::Frame, base));
    frame_store(cptr(callee->code), nfp, offsetof(vm::Frame, pc));
    llvm::Value* depth = frame_depth();
    fuel_to_memory();
    auto* entry_ty = llvm::FunctionType::get(i64_, {ptr_, ptr_, ptr_}, false);
    llvm::CallInst* s = b_.CreateCall(entry_ty, entry, {st_, nbase, nfp});
    s->setDoesNotThrow();
    return_if_status(s);
    fuel_from_memory();
    reload_frame(depth);
    if (callee->has_result) set(a, load64(st_, offsetof(vm::ExecState, jit_retval)));
  }
  b_.CreateBr(done);

  b_.SetInsertPoint(slow);
  sync_args(in);
  llvm::Value* depth = frame_depth();
  return_if_status(call_helper(rt_.call, {cal}));
  reload_frame(depth);
  if (callee->has_result) reload(a);
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
  llvm::Value* need = b_.getInt64(callee->nregs);
  b_.CreateStore(b_.CreateSelect(b_.CreateICmpUGE(proven, need), proven, need), room_);
}

bool Translator::emit_control(const isa::Insn& in) {
  const isa::Word w = in.word;
  const uint16_t a = isa::a_of(w), bb = isa::b_of(w);
  auto int_branch = [&](llvm::CmpInst::Predicate p) {
    branch(in.pc, isa::sc_of(w), b_.CreateICmp(p, get(a), get(bb)));
  };
  auto float_branch = [&](llvm::CmpInst::Predicate p) {
    branch(in.pc, isa::sc_of(w), b_.CreateFCmp(p, getf(a), getf(bb)));
  };
  using P = llvm::CmpInst::Predicate;
  switch (in.op()) {
    case isa::Op::Jmp: branch(in.pc, isa::sbc_of(w), nullptr); break;
    case isa::Op::Bnz:
    case isa::Op::BNonNull:
      branch(in.pc, isa::sbc_of(w), b_.CreateICmpNE(get(a), b_.getInt64(0)));
      break;
    case isa::Op::Bz:
    case isa::Op::BNull:
      branch(in.pc, isa::sbc_of(w), b_.CreateICmpEQ(get(a), b_.getInt64(0)));
      break;
    case isa::Op::Beq: int_branch(P::ICMP_EQ); break;
    case isa::Op::Bne: int_branch(P::ICMP_NE); break;
    case isa::Op::Blt: int_branch(P::ICMP_SLT); break;
    case isa::Op::Ble: int_branch(P::ICMP_SLE); break;
    case isa::Op::Bgt: int_branch(P::ICMP_SGT); break;
    case isa::Op::Bge: int_branch(P::ICMP_SGE); break;
    case isa::Op::BltU: int_branch(P::ICMP_ULT); break;
    case isa::Op::BgeU: int_branch(P::ICMP_UGE); break;
    case isa::Op::BfLt: float_branch(P::FCMP_OLT); break;
    case isa::Op::BfLe: float_branch(P::FCMP_OLE); break;
    case isa::Op::BfGt: float_branch(P::FCMP_OGT); break;
    case isa::Op::BfGe: float_branch(P::FCMP_OGE); break;
    case isa::Op::Call: direct_call(in, &inst_.funcs[bb]); break;
    case isa::Op::CallH: {
      const vm::ImportBinding* import = &inst_.imports[bb];
      if (import->target != nullptr) {
        direct_call(in, import->target);
        break;
      }
      if (leaf_host_calls_ && import->nparams <= kMaxLeafArgs) {
        leaf_host_call(in, *import);
        break;
      }
      sync_refs();
      sync_args(in);
      save_pc(in.pc);
      llvm::Value* depth = frame_depth();
      return_if_status(call_helper(rt_.call_host, {cptr(import)}));
      reload_frame(depth);
      if (import->has_result) reload(a);
      break;
    }
    case isa::Op::CallI: {
      sync_refs();  // includes b, the function reference
      sync_args(in);
      save_pc(in.pc);
      llvm::Value* depth = frame_depth();
      return_if_status(call_helper(rt_.call_indirect, {}));
      reload_frame(depth);
      // A void callee writes no register (its a is 0, whose base[] slot may be stale).
      if (inst_.module.sigs[isa::c_of(w)].result.has_value()) reload(a);
      break;
    }
    case isa::Op::Ret:
      if (baseline::ChainSlot* slot = chain_slot(in.pc))
        chained_ret(get(a), cptr(slot));
      else if (finds_next())
        found_ret(get(a));
      else
        ret_result(get(a));
      break;
    case isa::Op::RetV: ret_result(nullptr); break;
    case isa::Op::Trap: {
      save_pc(in.pc);
      llvm::Value* s = call_helper(rt_.trap_explicit, {b_.getInt64(isa::c_of(w))});
      ret_status(s);
      break;
    }
    default: return false;
  }
  return true;
}

std::string Translator::run(const std::string& name) {
  // An OSR entry (translate_osr.cpp) is a plain JitEntry-shaped function: its self-calls go
  // through the code slot like any other call, so it needs no body protocol.
  if (calls_itself() && osr_pc_ == OptRequest::kNoOsrPc) {
    create_body(name);
  } else {
    std::vector<llvm::Type*> params{ptr_, ptr_, ptr_};
    if (osr_pc_ != OptRequest::kNoOsrPc) params.push_back(ptr_);  // vm::OsrEntry's unused target
    auto* fty = llvm::FunctionType::get(i64_, params, false);
    f_ = entry_ = llvm::Function::Create(fty, llvm::Function::ExternalLinkage, name, mod_);
  }
  f_->addFnAttr(llvm::Attribute::NoUnwind);
  if (insns_.empty()) return "no code in " + fn_.name;
  if (reg_types_.size() != fn_.nregs) return "register types do not match in " + fn_.name;
  const size_t ncode = insns_.back().pc + insns_.back().length();
  for (const isa::Insn& in : insns_)
    if (in.status != isa::InsnStatus::Ok) return fmt_error("an instruction does not decode", in);

  llvm::BasicBlock* entry = block("entry");
  blocks_.assign(ncode + 1, nullptr);
  for (const isa::Insn& in : insns_) blocks_[in.pc] = block("insn");
  // Verified code never falls off the end; branches to "pc + 1" after a last conditional
  // branch cannot be taken.
  llvm::BasicBlock* end = block("end");
  for (auto& bl : blocks_)
    if (bl == nullptr) bl = end;
  b_.SetInsertPoint(end);
  b_.CreateUnreachable();

  b_.SetInsertPoint(entry);
  st_ = f_->getArg(0);
  base_slot_ = b_.CreateAlloca(ptr_, nullptr, "base");
  if (!fixed_memory_) {
    mem_size_slot_ = b_.CreateAlloca(i64_, nullptr, "msize");
    mem_data_slot_ = b_.CreateAlloca(ptr_, nullptr, "mdata");
  }
  fp_slot_ = b_.CreateAlloca(ptr_, nullptr, "fp");
  room_ = b_.CreateAlloca(i64_, nullptr, "room");
  if (body_ret_ != nullptr) {
    fuel_slot_ = b_.CreateAlloca(i64_, nullptr, "fuel");
    frame_written_ = b_.CreateAlloca(b_.getInt1Ty(), nullptr, "framed");
  }
  regs_.resize(fn_.nregs);
  // A register that holds doubles (an f64 one, or an i64 one holding a double's bit pattern
  // that bitsf reads or fbits writes: a translated guest f register) is a double alloca, so its
  // phis are doubles and its values stay in floating-point registers; as i64 phis every
  // operation on one moved it to an integer register and back.
  fp_regs_.assign(fn_.nregs, false);
  for (uint32_t r = 0; r < fn_.nregs && r < reg_types_.size(); ++r)
    fp_regs_[r] = reg_types_[r] == isa::ValType::F64;
  for (const isa::Insn& in : insns_) {
    if (in.op() == isa::Op::BitsF && isa::b_of(in.word) < fn_.nregs)
      fp_regs_[isa::b_of(in.word)] = true;
    if (in.op() == isa::Op::FBits && isa::a_of(in.word) < fn_.nregs)
      fp_regs_[isa::a_of(in.word)] = true;
  }
  for (uint32_t r = 0; r < fn_.nregs; ++r)
    regs_[r] = b_.CreateAlloca(fp_regs_[r] ? f64_ : i64_, nullptr);
  zero_regs_.assign(fn_.nregs, osr_pc_ == OptRequest::kNoOsrPc);
  for (uint32_t r = 0; r < fn_.nregs && r < fn_.nparams; ++r) zero_regs_[r] = false;
  for (const isa::Insn& in : insns_)
    if (isa::is_def(isa::info(in.op()).a) && isa::a_of(in.word) < fn_.nregs)
      zero_regs_[isa::a_of(in.word)] = false;
  if (leaf_host_calls_) {
    leaf_args_ = b_.CreateAlloca(llvm::ArrayType::get(i64_, kMaxLeafArgs), nullptr, "hargs");
    leaf_result_ = b_.CreateAlloca(i64_, nullptr, "hres");
  }
  llvm::Value* window = f_->getArg(body_ret_ != nullptr ? body_base_arg() : 1);
  b_.CreateStore(window, base_slot_);
  b_.CreateStore(f_->getArg(body_ret_ != nullptr ? kBodyFpArg : 2), fp_slot_);
  b_.CreateStore(b_.getInt64(0), room_);
  if (fuel_slot_ != nullptr) b_.CreateStore(f_->getArg(kBodyFuelArg), fuel_slot_);
  if (frame_written_ != nullptr) b_.CreateStore(b_.getFalse(), frame_written_);
  reload_memory();
  if (osr_pc_ != OptRequest::kNoOsrPc) {
    if (std::string why = enter_at_header(); !why.empty()) return why;
  } else {
    // Parameters come from the window (or, in a body, as values); the caller zeroed the other
    // registers.
    for (uint32_t r = 0; r < fn_.nregs; ++r) {
      llvm::Value* v = b_.getInt64(0);
      if (r < fn_.nparams)
        v = body_ret_ != nullptr ? f_->getArg(kBodyParamArg + r) : load64(window, uint64_t{r} * 8);
      set(static_cast<uint16_t>(r), v);
    }
    b_.CreateBr(blocks_[0]);
  }

  find_shared_writebacks();
  for (size_t k = 0; k < insns_.size(); ++k) {
    const isa::Insn& in = insns_[k];
    b_.SetInsertPoint(blocks_[in.pc]);
    if (folded_[k]) {  // part of the shared writeback its run's first store branched to
      b_.CreateUnreachable();
      continue;
    }
    if (writeback_end_[k] != 0) {
      emit_shared_writeback(k, writeback_end_[k]);
      continue;
    }
    const uint32_t flags = isa::info(in.op()).flags;
    const bool control = (flags & (isa::kBranch | isa::kCall)) || in.op() == isa::Op::Ret ||
                         in.op() == isa::Op::RetV || in.op() == isa::Op::Trap;
    if (!(control ? emit_control(in) : emit_data(in)))
      return fmt_error("no translation for an opcode", in);
    if (!(flags & isa::kTerm) && !(flags & isa::kBranch)) b_.CreateBr(blocks_[in.pc + in.length()]);
  }
  if (body_ret_ != nullptr) {
    build_entry();
    inline_self_calls(*f_);
  }
  if (backward_branch_seen_ && memory_access_seen_) f_->addFnAttr(kMemoryLoopsAttr);
  if (guard_bytes_ != 0 && memory_access_seen_)
    mark_guarded(*f_, inst_.memory.size(), guard_reach(), rt_.trap_memory);
  return {};
}

std::string Translator::fmt_error(const char* what, const isa::Insn& in) {
  return std::string(what) + " at pc " + std::to_string(in.pc) + " of " + fn_.name;
}

std::string translate_function(const OptRequest& req, const OptRuntime& rt, llvm::Module& mod,
                               const std::string& name) {
  Translator t(req, rt, mod);
  return t.run(name);
}

}  // namespace strata::jit::opt

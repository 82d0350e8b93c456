// The by-value protocol of a function that calls itself (translator.hpp, "recursive functions").
//
// Such a function is built twice over: an internal fastcc body
//     {ptr fp, i64 fuel, i64 result} body(ptr st, ptr fp, i64 fuel, i64 param..., ptr base)
// that holds the translated code, and the JitEntry every other caller enters, which loads the
// parameters and st->fuel_left, calls the body and stores the result into st->jit_retval and the
// fuel back. A self-call whose code slot still holds that JitEntry calls the body directly: no
// indirect call, the parameters and the fuel counter arrive in host registers and the result
// and the counter come back in them, instead of each making a round trip through memory (the
// counter's was a store-to-load dependency from every call to the next), and only the ref slots
// of the callee's window are written (fill_self_window).
// The body returns its own frame as it is when it returns (moved with the frame array if a call
// inside it grew that): the caller's is the one below, whose window is read from it (the VM
// stack may have moved too), so a self-call needs neither a register kept across it nor a reload
// from st->frames to find its frame again. A null frame means the body did not return (status
// other than Returned, in the fuel field): st->fuel_left is then exact, as it comes from a
// helper or entry, which the body gave the fuel first.
// The caller does not push the body's Frame record either: the body writes fn and base itself
// before anything can read the frames (translator.hpp, write_frame), so a leaf activation writes
// none. Everything else a call does is unchanged (translate.cpp direct_call): the same checks in
// the same order and the fuel, so traps, traces, the GC and the slow path see the frames they see
// for any call. One level of the body is inlined into itself (self_inline.hpp).
#include <llvm/IR/Module.h>

#include "jit/opt/translator.hpp"

namespace strata::jit::opt {

// Fields of the body's result (x86-64 returns three in registers: rax, rdx, rcx). The order puts
// the fuel and the first parameter where x86-64 passes them as arguments and returns them as
// results (rdx, rcx), so a leaf returning its first parameter moves only its frame (rsi to rax)
// and needs no prologue (shrink-wrapping).
constexpr unsigned kRetFp = 0;
constexpr unsigned kRetFuel = 1;  // the status when kRetFp is null
constexpr unsigned kRetResult = 2;

bool Translator::calls_itself() const {
  for (const isa::Insn& in : insns_) {
    if (in.status != isa::InsnStatus::Ok) continue;
    const uint16_t callee = isa::b_of(in.word);
    if (in.op() == isa::Op::Call && &inst_.funcs[callee] == &fn_) return true;
    if (in.op() == isa::Op::CallH && inst_.imports[callee].target == &fn_) return true;
  }
  return false;
}

void Translator::create_body(const std::string& name) {
  body_ret_ = llvm::StructType::get(ctx_, {ptr_, i64_, i64_});
  std::vector<llvm::Type*> params{ptr_, ptr_, i64_};
  params.insert(params.end(), fn_.nparams, i64_);
  params.push_back(ptr_);
  auto* entry_ty = llvm::FunctionType::get(i64_, {ptr_, ptr_, ptr_}, false);
  entry_ = llvm::Function::Create(entry_ty, llvm::Function::ExternalLinkage, name, mod_);
  entry_->addFnAttr(llvm::Attribute::NoUnwind);
  f_ = llvm::Function::Create(llvm::FunctionType::get(body_ret_, params, false),
                              llvm::Function::InternalLinkage, name + ".body", mod_);
  f_->setCallingConv(llvm::CallingConv::Fast);
}

void Translator::build_entry() {
  llvm::IRBuilderBase::InsertPointGuard guard(b_);
  b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", entry_));
  llvm::Value* st = entry_->getArg(0);
  llvm::Value* base = entry_->getArg(1);
  std::vector<llvm::Value*> args{st, entry_->getArg(2),
                                 load64(st, offsetof(vm::ExecState, fuel_left))};
  for (uint32_t r = 0; r < fn_.nparams; ++r) args.push_back(load64(base, uint64_t{r} * 8));
  args.push_back(base);
  llvm::CallInst* r = b_.CreateCall(f_, args);
  r->setCallingConv(llvm::CallingConv::Fast);
  r->setDoesNotThrow();
  llvm::BasicBlock* returned = llvm::BasicBlock::Create(ctx_, "returned", entry_);
  llvm::BasicBlock* out = llvm::BasicBlock::Create(ctx_, "out", entry_);
  llvm::Value* fuel_or_status = b_.CreateExtractValue(r, kRetFuel);
  b_.CreateCondBr(b_.CreateIsNotNull(b_.CreateExtractValue(r, kRetFp)), returned, out, likely_);
  b_.SetInsertPoint(returned);
  if (fn_.has_result)
    store(b_.CreateExtractValue(r, kRetResult), st, offsetof(vm::ExecState, jit_retval));
  store(fuel_or_status, st, offsetof(vm::ExecState, fuel_left));
  b_.CreateRet(b_.getInt64(static_cast<uint64_t>(vm::ExecStatus::Returned)));
  b_.SetInsertPoint(out);
  b_.CreateRet(fuel_or_status);
}

// The interpreter stores every argument and zeroes every other register of the callee's
// window. The body's registers start as its parameters and zeros without reading the window,
// and nothing reads an i64 or f64 slot the body did not store (translate.hpp: sync points).
// Ref slots are the GC's: the body stores every ref before it calls or allocates, but a
// collection started by another thread may scan the window before that, and then finds the
// interpreter's values (no stale reference kept alive).
void Translator::fill_self_window(const isa::Insn& call, llvm::Value* nbase) {
  for (uint32_t r = 0; r < fn_.nregs; ++r) {
    if (reg_types_[r] != isa::ValType::Ref) continue;
    llvm::Value* v = r < call.nargs ? get(call.arg(r)) : b_.getInt64(0);
    store(v, nbase, uint64_t{r} * 8);
  }
}

Translator::BodyCall Translator::call_body(const isa::Insn& call, llvm::Value* nbase,
                                           llvm::Value* nfp) {
  std::vector<llvm::Value*> args{st_, nfp, fuel_get()};
  for (uint32_t k = 0; k < call.nargs; ++k) args.push_back(get(call.arg(k)));
  args.push_back(nbase);
  llvm::CallInst* r = b_.CreateCall(f_, args);
  r->setCallingConv(llvm::CallingConv::Fast);
  r->setDoesNotThrow();
  llvm::Value* fp = b_.CreateExtractValue(r, kRetFp);
  llvm::Value* fuel_or_status = b_.CreateExtractValue(r, kRetFuel);
  return {b_.CreateIsNotNull(fp), fuel_or_status, b_.CreateExtractValue(r, kRetResult),
          fuel_or_status, fp};
}

llvm::Value* Translator::fuel_get() {
  return fuel_slot_ != nullptr
             ? b_.CreateLoad(i64_, fuel_slot_)
             : tagged(load64(st_, offsetof(vm::ExecState, fuel_left)), tbaa_fuel_);
}

void Translator::fuel_set(llvm::Value* v) {
  if (fuel_slot_ != nullptr)
    b_.CreateStore(v, fuel_slot_);
  else
    tagged(b_.CreateStore(v, at(st_, offsetof(vm::ExecState, fuel_left))), tbaa_fuel_);
}

void Translator::fuel_to_memory() {
  if (fuel_slot_ != nullptr)
    store(b_.CreateLoad(i64_, fuel_slot_), st_, offsetof(vm::ExecState, fuel_left));
}

void Translator::fuel_from_memory() {
  if (fuel_slot_ != nullptr)
    b_.CreateStore(load64(st_, offsetof(vm::ExecState, fuel_left)), fuel_slot_);
}

void Translator::ret_status(llvm::Value* status) {
  if (body_ret_ == nullptr) {
    b_.CreateRet(status);
    return;
  }
  // st->fuel_left is exact; the status takes the fuel's place.
  llvm::Value* r = b_.CreateInsertValue(llvm::PoisonValue::get(body_ret_),
                                        llvm::ConstantPointerNull::get(ptr_), kRetFp);
  r = b_.CreateInsertValue(r, status, kRetFuel);
  b_.CreateRet(b_.CreateInsertValue(r, b_.getInt64(0), kRetResult));
}

void Translator::ret_result(llvm::Value* result) {
  llvm::Value* returned = b_.getInt64(static_cast<uint64_t>(vm::ExecStatus::Returned));
  if (body_ret_ == nullptr) {
    if (result != nullptr) store(result, st_, offsetof(vm::ExecState, jit_retval));
    b_.CreateRet(returned);
    return;
  }
  llvm::Value* r = b_.CreateInsertValue(llvm::PoisonValue::get(body_ret_), fp(), kRetFp);
  r = b_.CreateInsertValue(r, fuel_get(), kRetFuel);
  b_.CreateRet(b_.CreateInsertValue(r, result != nullptr ? result : b_.getInt64(0), kRetResult));
}

}  // namespace strata::jit::opt

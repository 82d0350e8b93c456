// rnew and anew.r: an inline fast path that takes the object from the running thread's
// allocation cache (vm/heap/alloc_cache.hpp) and writes its header as vm::new_record / new_array
// do, and the helper call (rt::record_new / array_new) when the cache's class is empty or the
// object is not one the cache holds (the pointer-free bodies of the other anew kinds never are).
// The helper refills the cache, and it alone collects, applies the heap cap and traps OutOfMemory,
// so those stay exactly as in the other tiers.
//
// Why the fast path needs no sync of the frame's refs (which the helper path does first): it
// calls nothing, so no collection can start in this thread, and a collection another thread
// starts stops this one and scans its registers and host stack, where every ref the code holds
// in an SSA value lives. The new object is referenced from the cache's list until the head moves
// past it, and from the destination register's SSA value after; every later safepoint (a call, a
// helper) syncs the ref registers to base[] first, as for any ref (sync_refs), so the GC sees it
// wherever the code goes next.
#include <llvm/IR/Intrinsics.h>

#include "jit/opt/translator.hpp"
#include "vm/heap/alloc_cache.hpp"

// Alias classes: the cache's heads and ExecState::alloc_cache are tbaa_cache_; a link word is
// read as what it is about to become (a header's first word, a body's element 0), since the same
// memory is then written under that class.
namespace strata::jit::opt {

using isa::a_of;
using isa::b_of;

llvm::Value* Translator::take_cached(uint32_t granules, llvm::BasicBlock* empty) {
  llvm::Value* cache = tagged(loadp(st_, offsetof(vm::ExecState, alloc_cache)), tbaa_cache_);
  llvm::Value* head_at = at(cache, vm::cache_free_offset(granules));
  llvm::Value* obj = tagged(b_.CreateLoad(ptr_, head_at), tbaa_cache_);
  llvm::BasicBlock* pop = block("alloc_pop");
  b_.CreateCondBr(b_.CreateIsNull(obj), empty, pop, unlikely_);
  b_.SetInsertPoint(pop);
  // The link word is the header's first word (so tagged as one): the caller overwrites it.
  tagged(b_.CreateStore(tagged(b_.CreateLoad(ptr_, obj), tbaa_header_), head_at), tbaa_cache_);
  return obj;
}

void Translator::allocate_by_helper(const isa::Insn& in) {
  const isa::Word w = in.word;
  sync_refs();
  sync(b_of(w));  // anew's length (rnew's b is a type index; storing it is harmless)
  save_pc(in.pc);
  const bool record = in.op() == isa::Op::RNew;
  return_if_status(call_helper(record ? rt_.record_new : rt_.array_new, {}));
  reload(a_of(w));
}

// anew.r of at most kMaxCachedBytes / 8 elements, as vm::new_array makes it: a header, and for
// a non-empty array a body of cap = max(len, 4) null elements, both from the cache. The header is
// taken first; when the body's class is then empty (it may be the header's own class), the header
// goes back to the head of its list, its link word untouched, and the helper runs.
void Translator::allocate_ref_array(const isa::Insn& in) {
  const isa::Word w = in.word;
  constexpr uint32_t kHeaderClass = vm::cache_class(sizeof(vm::Array));
  constexpr uint64_t kMaxLen = vm::kMaxCachedBytes / sizeof(vm::Value);
  constexpr uint64_t kMinCap = 4;  // vm::array_reserve's smallest body
  llvm::BasicBlock* slow = block("alloc_slow");
  llvm::BasicBlock* done = block("alloc_done");
  llvm::BasicBlock* fits = block("anew_fits");
  llvm::Value* len = get(b_of(w));
  // GUEST: the length; a negative one is a huge unsigned one, which the helper traps.
  b_.CreateCondBr(b_.CreateICmpULE(len, b_.getInt64(kMaxLen)), fits, slow, likely_);
  b_.SetInsertPoint(fits);
  llvm::Value* header = take_cached(kHeaderClass, slow);
  llvm::BasicBlock* empty_array = b_.GetInsertBlock();
  llvm::BasicBlock* body_class = block("anew_body");
  llvm::BasicBlock* give_back = block("anew_give_back");
  llvm::BasicBlock* take_body = block("anew_take_body");
  llvm::BasicBlock* fill = block("anew_header");
  b_.CreateCondBr(b_.CreateICmpEQ(len, b_.getInt64(0)), fill, body_class);
  b_.SetInsertPoint(body_class);
  llvm::Value* cap = b_.CreateBinaryIntrinsic(llvm::Intrinsic::umax, len, b_.getInt64(kMinCap));
  // Granules of cap 8-byte elements: (8 * cap + 15) / 16.
  llvm::Value* granules = b_.CreateLShr(b_.CreateAdd(cap, b_.getInt64(1)), 1);
  llvm::Value* cache = tagged(loadp(st_, offsetof(vm::ExecState, alloc_cache)), tbaa_cache_);
  llvm::Value* body_head_at =
      b_.CreateInBoundsGEP(ptr_, at(cache, offsetof(vm::AllocCache, free)), granules);
  llvm::Value* body = tagged(b_.CreateLoad(ptr_, body_head_at), tbaa_cache_);
  b_.CreateCondBr(b_.CreateIsNull(body), give_back, take_body, unlikely_);
  b_.SetInsertPoint(give_back);
  tagged(b_.CreateStore(header, at(cache, vm::cache_free_offset(kHeaderClass))), tbaa_cache_);
  b_.CreateBr(slow);
  b_.SetInsertPoint(take_body);
  tagged(b_.CreateStore(tagged(b_.CreateLoad(ptr_, body), tbaa_guest_), body_head_at), tbaa_cache_);
  tagged(b_.CreateStore(b_.getInt64(0), body), tbaa_guest_);  // element 0 was the link
  b_.CreateBr(fill);
  b_.SetInsertPoint(fill);
  llvm::PHINode* data = b_.CreatePHI(ptr_, 2);
  data->addIncoming(llvm::ConstantPointerNull::get(ptr_), empty_array);
  data->addIncoming(body, take_body);
  llvm::PHINode* capacity = b_.CreatePHI(i64_, 2);
  capacity->addIncoming(b_.getInt64(0), empty_array);
  capacity->addIncoming(cap, take_body);
  tagged(b_.CreateStore(b_.getInt64(static_cast<uint64_t>(vm::ObjKind::ArrayRef)), header),
         tbaa_header_);
  tagged(b_.CreateStore(len, at(header, offsetof(vm::Array, len))), tbaa_header_);
  tagged(b_.CreateStore(capacity, at(header, offsetof(vm::Array, cap))), tbaa_header_);
  tagged(b_.CreateStore(data, at(header, offsetof(vm::Array, data))), tbaa_header_);
  set(a_of(w), header);
  b_.CreateBr(done);
  b_.SetInsertPoint(slow);
  allocate_by_helper(in);
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
}

void Translator::allocate(const isa::Insn& in) {
  const isa::Word w = in.word;
  if (in.op() == isa::Op::ANewR) {
    allocate_ref_array(in);
    return;
  }
  if (in.op() != isa::Op::RNew) {
    allocate_by_helper(in);
    return;
  }
  const vm::RecordType& type = inst_.types[b_of(w)];
  const uint32_t granules =
      vm::cache_class(sizeof(vm::Record) + uint64_t{type.field_count} * sizeof(vm::Value));
  if (granules == 0) {
    allocate_by_helper(in);
    return;
  }
  llvm::BasicBlock* slow = block("alloc_slow");
  llvm::BasicBlock* done = block("alloc_done");
  llvm::Value* obj = take_cached(granules, slow);
  // The fields are already zero (null), as rnew promises: the cache holds cleared objects.
  const uint64_t kind_and_aux =
      static_cast<uint64_t>(vm::ObjKind::Record) | (uint64_t{type.field_count} << 32);
  static_assert(offsetof(vm::Object, kind) == 0 && offsetof(vm::Object, aux) == 4);
  tagged(b_.CreateStore(b_.getInt64(kind_and_aux), obj), tbaa_header_);
  tagged(b_.CreateStore(cptr(&type), at(obj, offsetof(vm::Record, type))), tbaa_header_);
  set(a_of(w), obj);
  b_.CreateBr(done);
  b_.SetInsertPoint(slow);
  allocate_by_helper(in);
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
}

}  // namespace strata::jit::opt

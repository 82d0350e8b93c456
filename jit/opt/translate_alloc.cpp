// rnew and anew: an inline fast path that takes the object from the running thread's allocation
// cache (vm/heap/alloc_cache.hpp) and writes its header as vm::new_record / new_array do, and
// the helper call (rt::record_new / array_new) when the cache's class is empty or the object is
// not one the cache holds. The helper refills the cache, and it alone collects, applies the heap
// cap and traps OutOfMemory, so those stay exactly as in the other tiers.
//
// Why the fast path needs no sync of the frame's refs (which the helper path does first): it
// calls nothing, so no collection can start in this thread, and a collection another thread
// starts stops this one and scans its registers and host stack, where every ref the code holds
// in an SSA value lives. The new object is referenced from its cache slot until the pop clears
// it, and from the destination register's SSA value after; every later safepoint (a call, a
// helper) syncs the ref registers to base[] first, as for any ref (sync_refs), so the GC sees it
// wherever the code goes next.
#include "jit/opt/translator.hpp"
#include "vm/heap/alloc_cache.hpp"

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
  // The link word is the header's first word: the caller overwrites it.
  tagged(b_.CreateStore(tagged(b_.CreateLoad(ptr_, obj), tbaa_cache_), head_at), tbaa_cache_);
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

void Translator::allocate(const isa::Insn& in) {
  const isa::Word w = in.word;
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

// Baseline emitters: records, arrays, strings, reference tests (vm/interp_object.inc).
// Kind, struct-type and index checks are inline; their failures and allocation go to helpers.
// Layout offsets come from vm/object.hpp (offsetof on these non-virtual types; the target is
// built with -Wno-invalid-offsetof).
#include <cstddef>

#include "jit/baseline/emitter.hpp"
#include "jit/baseline/runtime.hpp"
#include "vm/heap/alloc_cache.hpp"

namespace strata::jit::baseline {

namespace {

using isa::a_of;
using isa::b_of;
using isa::c_of;
using vm::ObjKind;

const void* fnp(auto* f) {
  return reinterpret_cast<const void*>(f);
}

constexpr int32_t kKindOff = offsetof(vm::Object, kind);
constexpr int32_t kArrayLenOff = offsetof(vm::Array, len);
constexpr int32_t kArrayDataOff = offsetof(vm::Array, data);
constexpr int32_t kArrayCapOff = offsetof(vm::Array, cap);
constexpr int32_t kStringLenOff = offsetof(vm::String, len);
constexpr int32_t kStringDataOff = offsetof(vm::String, data);
constexpr int32_t kRecordTypeOff = offsetof(vm::Record, type);
constexpr int32_t kRecordFieldsOff = offsetof(vm::Record, fields);
constexpr int32_t kAllocCacheOff = offsetof(vm::ExecState, alloc_cache);
static_assert(offsetof(vm::Object, kind) == 0 && offsetof(vm::Object, aux) == 4,
              "rnew writes kind and aux as one 64-bit word");

// rax = the object in `r`, checked non-null and of kind `kind` (else trap_object(rax, kind)).
void load_checked(Emitter& e, const isa::Insn& in, uint16_t r, ObjKind kind) {
  asmjit::Label fault = e.trap_stub(in.pc, fnp(&rt::trap_object), [&e, kind] {
    e.a.mov(x86::rdx, x86::rax);
    e.a.mov(x86::ecx, asmjit::imm(static_cast<uint32_t>(kind)));
  });
  e.a.mov(x86::rax, e.reg(r));
  e.a.test(x86::rax, x86::rax);
  e.a.jz(fault);
  e.a.cmp(x86::dword_ptr(x86::rax, kKindOff), asmjit::imm(static_cast<uint32_t>(kind)));
  e.a.jne(fault);
}

// rcx = the index in `r`, checked (unsigned) below the length at [rax + len_off].
// GUEST: the index is guest-controlled; negative values fail as huge unsigned ones.
void load_index(Emitter& e, const isa::Insn& in, uint16_t r, int32_t len_off) {
  asmjit::Label fault = e.trap_stub(in.pc, fnp(&rt::trap_index), [&e, len_off] {
    e.a.mov(x86::rdx, x86::rcx);
    e.a.mov(x86::rcx, x86::qword_ptr(x86::rax, len_off));
  });
  e.a.mov(x86::rcx, e.reg(r));
  e.a.cmp(x86::rcx, x86::qword_ptr(x86::rax, len_off));
  e.a.jae(fault);
}

// rax = the record in `r`, checked to be a record of field c's struct type.
const vm::FieldInfo& load_record(Emitter& e, const isa::Insn& in, uint16_t r) {
  const vm::FieldInfo& field = e.inst.fields[c_of(in.word)];
  const uint64_t owner = reinterpret_cast<uint64_t>(field.owner);
  asmjit::Label fault = e.trap_stub(in.pc, fnp(&rt::trap_record), [&e, owner] {
    e.a.mov(x86::rdx, x86::rax);
    e.a.mov(x86::rcx, asmjit::imm(owner));
  });
  e.a.mov(x86::rax, e.reg(r));
  e.a.test(x86::rax, x86::rax);
  e.a.jz(fault);
  e.a.cmp(x86::dword_ptr(x86::rax, kKindOff), asmjit::imm(static_cast<uint32_t>(ObjKind::Record)));
  e.a.jne(fault);
  e.a.mov(x86::rcx, asmjit::imm(owner));
  e.a.cmp(x86::qword_ptr(x86::rax, kRecordTypeOff), x86::rcx);
  e.a.jne(fault);
  return field;
}

void array_get(Emitter& e, const isa::Insn& in, ObjKind kind) {
  load_checked(e, in, b_of(in.word), kind);
  load_index(e, in, c_of(in.word), kArrayLenOff);
  e.a.mov(x86::rdx, x86::qword_ptr(x86::rax, kArrayDataOff));
  if (kind == ObjKind::ArrayU8)
    e.a.movzx(x86::edx, x86::byte_ptr(x86::rdx, x86::rcx));
  else
    e.a.mov(x86::rdx, x86::qword_ptr(x86::rdx, x86::rcx, 3));
  e.a.mov(e.reg(a_of(in.word)), x86::rdx);
}

void array_set(Emitter& e, const isa::Insn& in, ObjKind kind) {
  load_checked(e, in, a_of(in.word), kind);
  load_index(e, in, b_of(in.word), kArrayLenOff);
  e.a.mov(x86::rdx, x86::qword_ptr(x86::rax, kArrayDataOff));
  e.a.mov(x86::r8, e.reg(c_of(in.word)));
  if (kind == ObjKind::ArrayU8)
    e.a.mov(x86::byte_ptr(x86::rdx, x86::rcx), x86::r8b);
  else
    e.a.mov(x86::qword_ptr(x86::rdx, x86::rcx, 3), x86::r8);
}

}  // namespace

// The record from the thread's allocation cache when its class holds one (alloc_cache.hpp:
// cleared but for the link word, which the header overwrites), else rt::record_new, which refills
// the cache, collects, applies the heap cap and traps. Nothing here can collect, and the new ref
// goes straight to the frame's window, which the GC scans.
void emit_RNew(Emitter& e, const isa::Insn& in) {
  const vm::RecordType& type = e.inst.types[b_of(in.word)];
  const uint32_t g =
      vm::cache_class(sizeof(vm::Record) + uint64_t{type.field_count} * sizeof(vm::Value));
  if (g == 0) {
    e.call_checked(in.pc, fnp(&rt::record_new));
    return;
  }
  asmjit::Label done = e.a.newLabel();
  asmjit::Label slow = e.cold([&e, pc = in.pc, done] {
    e.call_checked(pc, fnp(&rt::record_new));
    e.a.jmp(done);
  });
  const auto head_off = static_cast<int32_t>(vm::cache_free_offset(g));
  e.a.mov(x86::rcx, x86::qword_ptr(x86::r12, kAllocCacheOff));
  e.a.mov(x86::rdx, x86::qword_ptr(x86::rcx, head_off));
  e.a.test(x86::rdx, x86::rdx);
  e.a.jz(slow);                                 // the class is empty
  e.a.mov(x86::rax, x86::qword_ptr(x86::rdx));  // the link word, overwritten by the header
  e.a.mov(x86::qword_ptr(x86::rcx, head_off), x86::rax);
  e.a.mov(x86::rax,
          asmjit::imm(static_cast<uint64_t>(ObjKind::Record) | (uint64_t{type.field_count} << 32)));
  e.a.mov(x86::qword_ptr(x86::rdx, kKindOff), x86::rax);
  e.a.mov(x86::rax, asmjit::imm(reinterpret_cast<uint64_t>(&type)));
  e.a.mov(x86::qword_ptr(x86::rdx, kRecordTypeOff), x86::rax);
  e.a.mov(e.reg(a_of(in.word)), x86::rdx);
  e.a.bind(done);
}
void emit_RGet(Emitter& e, const isa::Insn& in) {
  const vm::FieldInfo& field = load_record(e, in, b_of(in.word));
  e.a.mov(x86::rdx, x86::qword_ptr(x86::rax, kRecordFieldsOff + 8 * int32_t(field.slot)));
  e.a.mov(e.reg(a_of(in.word)), x86::rdx);
}
void emit_RSet(Emitter& e, const isa::Insn& in) {
  const vm::FieldInfo& field = load_record(e, in, a_of(in.word));
  e.a.mov(x86::rdx, e.reg(b_of(in.word)));
  e.a.mov(x86::qword_ptr(x86::rax, kRecordFieldsOff + 8 * int32_t(field.slot)), x86::rdx);
}

void emit_ANewI(Emitter& e, const isa::Insn& in) {
  e.call_checked(in.pc, fnp(&rt::array_new));
}
void emit_ANewF(Emitter& e, const isa::Insn& in) {
  e.call_checked(in.pc, fnp(&rt::array_new));
}
// An anew.r of at most 32 elements from the cache as vm::new_array makes it (a header, and for a
// non-empty array a body of cap = max(len, 4) null elements), else rt::array_new, which also
// traps a negative length. The header is taken first; when the body's class is then empty (it
// may be the header's own), the header goes back to the head of its list, its link word intact.
void emit_ANewR(Emitter& e, const isa::Insn& in) {
  constexpr uint32_t kHeaderClass = vm::cache_class(sizeof(vm::Array));
  constexpr uint64_t kMaxLen = vm::kMaxCachedBytes / sizeof(vm::Value);
  const auto header_head = static_cast<int32_t>(vm::cache_free_offset(kHeaderClass));
  const auto heads = static_cast<int32_t>(vm::cache_free_offset(0));
  asmjit::Label done = e.a.newLabel();
  asmjit::Label fill = e.a.newLabel();
  asmjit::Label slow = e.cold([&e, pc = in.pc, done] {
    e.call_checked(pc, fnp(&rt::array_new));
    e.a.jmp(done);
  });
  asmjit::Label give_back = e.cold([&e, header_head, slow] {
    e.a.mov(x86::qword_ptr(x86::rcx, header_head), x86::rdx);
    e.a.jmp(slow);
  });
  // GUEST: the length; a negative one is a huge unsigned one, which the helper traps.
  e.load_rax(b_of(in.word));
  e.a.cmp(x86::rax, asmjit::imm(kMaxLen));
  e.a.ja(slow);
  e.a.mov(x86::rcx, x86::qword_ptr(x86::r12, kAllocCacheOff));
  e.a.mov(x86::rdx, x86::qword_ptr(x86::rcx, header_head));
  e.a.test(x86::rdx, x86::rdx);
  e.a.jz(slow);
  e.a.mov(x86::r8, x86::qword_ptr(x86::rdx));
  e.a.mov(x86::qword_ptr(x86::rcx, header_head), x86::r8);
  e.a.xor_(x86::r9d, x86::r9d);    // data
  e.a.xor_(x86::r10d, x86::r10d);  // cap
  e.a.test(x86::rax, x86::rax);
  e.a.jz(fill);
  e.a.mov(x86::r10d, asmjit::imm(4));  // vm::array_reserve's smallest body
  e.a.cmp(x86::rax, x86::r10);
  e.a.cmovae(x86::r10, x86::rax);
  e.a.lea(x86::rsi, x86::ptr(x86::r10, 1));
  e.a.shr(x86::rsi, 1);  // the body's granules: (8 * cap + 15) / 16
  e.a.mov(x86::r9, x86::qword_ptr(x86::rcx, x86::rsi, 3, heads));
  e.a.test(x86::r9, x86::r9);
  e.a.jz(give_back);
  e.a.mov(x86::r8, x86::qword_ptr(x86::r9));
  e.a.mov(x86::qword_ptr(x86::rcx, x86::rsi, 3, heads), x86::r8);
  e.a.mov(x86::qword_ptr(x86::r9), asmjit::imm(0));  // element 0 was the link
  e.a.bind(fill);
  e.a.mov(x86::qword_ptr(x86::rdx, kKindOff), asmjit::imm(static_cast<int32_t>(ObjKind::ArrayRef)));
  e.a.mov(x86::qword_ptr(x86::rdx, kArrayLenOff), x86::rax);
  e.a.mov(x86::qword_ptr(x86::rdx, kArrayCapOff), x86::r10);
  e.a.mov(x86::qword_ptr(x86::rdx, kArrayDataOff), x86::r9);
  e.a.mov(e.reg(a_of(in.word)), x86::rdx);
  e.a.bind(done);
}
void emit_ANewB(Emitter& e, const isa::Insn& in) {
  e.call_checked(in.pc, fnp(&rt::array_new));
}

void emit_AGetI(Emitter& e, const isa::Insn& in) {
  array_get(e, in, ObjKind::ArrayI64);
}
void emit_AGetF(Emitter& e, const isa::Insn& in) {
  array_get(e, in, ObjKind::ArrayF64);
}
void emit_AGetR(Emitter& e, const isa::Insn& in) {
  array_get(e, in, ObjKind::ArrayRef);
}
void emit_AGetB(Emitter& e, const isa::Insn& in) {
  array_get(e, in, ObjKind::ArrayU8);
}
void emit_ASetI(Emitter& e, const isa::Insn& in) {
  array_set(e, in, ObjKind::ArrayI64);
}
void emit_ASetF(Emitter& e, const isa::Insn& in) {
  array_set(e, in, ObjKind::ArrayF64);
}
void emit_ASetR(Emitter& e, const isa::Insn& in) {
  array_set(e, in, ObjKind::ArrayRef);
}
void emit_ASetB(Emitter& e, const isa::Insn& in) {
  array_set(e, in, ObjKind::ArrayU8);
}

void emit_ALen(Emitter& e, const isa::Insn& in) {
  asmjit::Label fault =
      e.trap_stub(in.pc, fnp(&rt::trap_alen), [&e] { e.a.mov(x86::rdx, x86::rax); });
  e.a.mov(x86::rax, e.reg(b_of(in.word)));
  e.a.test(x86::rax, x86::rax);
  e.a.jz(fault);
  e.a.mov(x86::ecx, x86::dword_ptr(x86::rax, kKindOff));
  e.a.sub(x86::ecx, asmjit::imm(static_cast<uint32_t>(ObjKind::ArrayI64)));
  e.a.cmp(x86::ecx, asmjit::imm(static_cast<uint32_t>(ObjKind::ArrayU8) -
                                static_cast<uint32_t>(ObjKind::ArrayI64)));
  e.a.ja(fault);
  e.a.mov(x86::rcx, x86::qword_ptr(x86::rax, kArrayLenOff));
  e.a.mov(e.reg(a_of(in.word)), x86::rcx);
}
void emit_SLen(Emitter& e, const isa::Insn& in) {
  load_checked(e, in, b_of(in.word), ObjKind::String);
  e.a.mov(x86::rcx, x86::qword_ptr(x86::rax, kStringLenOff));
  e.a.mov(e.reg(a_of(in.word)), x86::rcx);
}
void emit_SByte(Emitter& e, const isa::Insn& in) {
  load_checked(e, in, b_of(in.word), ObjKind::String);
  load_index(e, in, c_of(in.word), kStringLenOff);
  e.a.movzx(x86::edx, x86::byte_ptr(x86::rax, x86::rcx, 0, kStringDataOff));
  e.a.mov(e.reg(a_of(in.word)), x86::rdx);
}
void emit_REq(Emitter& e, const isa::Insn& in) {
  e.a.mov(x86::rax, e.reg(b_of(in.word)));
  e.a.cmp(x86::rax, e.reg(c_of(in.word)));
  e.a.sete(x86::al);
  e.a.movzx(x86::eax, x86::al);
  e.a.mov(e.reg(a_of(in.word)), x86::rax);
}
void emit_IsNull(Emitter& e, const isa::Insn& in) {
  e.a.cmp(e.reg(b_of(in.word)), asmjit::imm(0));
  e.a.sete(x86::al);
  e.a.movzx(x86::eax, x86::al);
  e.a.mov(e.reg(a_of(in.word)), x86::rax);
}

}  // namespace strata::jit::baseline

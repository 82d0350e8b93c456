// SVI -> LLVM IR: moves, i64 and f64 arithmetic, linear memory and objects, with the exact
// semantics of isa/opcodes.def (the interpreter's vm/interp_*.inc). Float arithmetic is plain
// IEEE IR (no fast-math flags), so LLVM keeps round-to-nearest-even results; fmin/fmax call the
// interpreter's own functions, whose NaN result LLVM's minimum/maximum would not reproduce.
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/Module.h>

#include "jit/opt/translator.hpp"

namespace strata::jit::opt {

using isa::a_of;
using isa::b_of;
using isa::c_of;
using P = llvm::CmpInst::Predicate;
using vm::ObjKind;

bool Translator::emit_data(const isa::Insn& in) {
  const uint32_t flags = isa::info(in.op()).flags;
  const auto op = static_cast<size_t>(in.op());
  if (flags & isa::kMem || in.op() == isa::Op::MSize || in.op() == isa::Op::MGrow)
    return emit_memory(in);
  if (op >= static_cast<size_t>(isa::Op::RNew) && op <= static_cast<size_t>(isa::Op::IsNull))
    return emit_object(in);
  if ((op >= static_cast<size_t>(isa::Op::FAdd) && op <= static_cast<size_t>(isa::Op::BitsF)) ||
      in.op() == isa::Op::FMAdd)
    return emit_float(in);
  return emit_int(in);
}

bool Translator::emit_int(const isa::Insn& in) {
  const isa::Word w = in.word;
  const uint16_t a = a_of(w), b = b_of(w), c = c_of(w);
  llvm::Value* imm16 = b_.getInt64(static_cast<uint64_t>(int64_t{isa::sc_of(w)}));
  auto cmp = [&](P p) { set(a, b_.CreateICmp(p, get(b), get(c))); };
  auto ext = [&](llvm::Type* t, bool sign) {
    llvm::Value* v = b_.CreateTrunc(get(b), t);
    set(a, sign ? b_.CreateSExt(v, i64_) : b_.CreateZExt(v, i64_));
  };
  // div/rem: a zero divisor traps; -1 is handled apart (INT64_MIN / -1 is undefined in IR and
  // faults on the hardware; SVI gives the wrapped negation and remainder 0).
  auto divide = [&](bool is_signed, bool rem) {
    llvm::Value* x = get(b);
    llvm::Value* y = get(c);
    trap_if(b_.CreateICmpEQ(y, b_.getInt64(0)), in.pc, rt_.trap_div_zero, {});
    if (!is_signed) {
      set(a, rem ? b_.CreateURem(x, y) : b_.CreateUDiv(x, y));
      return;
    }
    llvm::Value* minus1 = b_.CreateICmpEQ(y, b_.getInt64(~uint64_t{0}));
    llvm::Value* safe = b_.CreateSelect(minus1, b_.getInt64(1), y);
    llvm::Value* r = rem ? b_.CreateSRem(x, safe) : b_.CreateSDiv(x, safe);
    set(a, b_.CreateSelect(minus1, rem ? b_.getInt64(0) : b_.CreateNeg(x), r));
  };
  switch (in.op()) {
    case isa::Op::Nop: break;
    case isa::Op::Mov: set(a, get(b)); break;
    case isa::Op::Li: set(a, b_.getInt64(static_cast<uint64_t>(int64_t{isa::sbc_of(w)}))); break;
    // Constants and function references are read from the instance's GC-scanned tables at run
    // time: code must not hold the only reference to an object.
    case isa::Op::Ldk: set(a, load64(cptr(&inst_.consts[isa::bc_of(w)]), 0)); break;
    case isa::Op::Null: set(a, b_.getInt64(0)); break;
    case isa::Op::FnRef: set(a, load64(cptr(&inst_.fnrefs[b]), 0)); break;
    case isa::Op::Add: set(a, b_.CreateAdd(get(b), get(c))); break;
    case isa::Op::Sub: set(a, b_.CreateSub(get(b), get(c))); break;
    case isa::Op::Mul: set(a, b_.CreateMul(get(b), get(c))); break;
    case isa::Op::MulH:
    case isa::Op::MulHU: {
      // The 128-bit product's high half (x86: one mul or imul).
      const bool is_signed = in.op() == isa::Op::MulH;
      llvm::Type* i128 = b_.getInt128Ty();
      llvm::Value* x = is_signed ? b_.CreateSExt(get(b), i128) : b_.CreateZExt(get(b), i128);
      llvm::Value* y = is_signed ? b_.CreateSExt(get(c), i128) : b_.CreateZExt(get(c), i128);
      set(a, b_.CreateTrunc(b_.CreateLShr(b_.CreateMul(x, y), 64), i64_));
      break;
    }
    case isa::Op::Div: divide(true, false); break;
    case isa::Op::Rem: divide(true, true); break;
    case isa::Op::DivU: divide(false, false); break;
    case isa::Op::RemU: divide(false, true); break;
    case isa::Op::And: set(a, b_.CreateAnd(get(b), get(c))); break;
    case isa::Op::Or: set(a, b_.CreateOr(get(b), get(c))); break;
    case isa::Op::Xor: set(a, b_.CreateXor(get(b), get(c))); break;
    case isa::Op::Shl: set(a, b_.CreateShl(get(b), b_.CreateAnd(get(c), 63))); break;
    case isa::Op::Shr: set(a, b_.CreateLShr(get(b), b_.CreateAnd(get(c), 63))); break;
    case isa::Op::Sar: set(a, b_.CreateAShr(get(b), b_.CreateAnd(get(c), 63))); break;
    case isa::Op::Neg: set(a, b_.CreateNeg(get(b))); break;
    case isa::Op::Not: set(a, b_.CreateNot(get(b))); break;
    case isa::Op::AddI: set(a, b_.CreateAdd(get(b), imm16)); break;
    case isa::Op::MulI: set(a, b_.CreateMul(get(b), imm16)); break;
    case isa::Op::AndI: set(a, b_.CreateAnd(get(b), imm16)); break;
    case isa::Op::OrI: set(a, b_.CreateOr(get(b), imm16)); break;
    case isa::Op::XorI: set(a, b_.CreateXor(get(b), imm16)); break;
    case isa::Op::ShlI: set(a, b_.CreateShl(get(b), c & 63)); break;
    case isa::Op::ShrI: set(a, b_.CreateLShr(get(b), c & 63)); break;
    case isa::Op::SarI: set(a, b_.CreateAShr(get(b), c & 63)); break;
    case isa::Op::Eq: cmp(P::ICMP_EQ); break;
    case isa::Op::Ne: cmp(P::ICMP_NE); break;
    case isa::Op::Lt: cmp(P::ICMP_SLT); break;
    case isa::Op::Le: cmp(P::ICMP_SLE); break;
    case isa::Op::Gt: cmp(P::ICMP_SGT); break;
    case isa::Op::Ge: cmp(P::ICMP_SGE); break;
    case isa::Op::LtU: cmp(P::ICMP_ULT); break;
    case isa::Op::LeU: cmp(P::ICMP_ULE); break;
    case isa::Op::GtU: cmp(P::ICMP_UGT); break;
    case isa::Op::GeU: cmp(P::ICMP_UGE); break;
    case isa::Op::Sext8: ext(i8_, true); break;
    case isa::Op::Sext16: ext(i16_, true); break;
    case isa::Op::Sext32: ext(i32_, true); break;
    case isa::Op::Zext8: ext(i8_, false); break;
    case isa::Op::Zext16: ext(i16_, false); break;
    case isa::Op::Zext32: ext(i32_, false); break;
    default: return false;
  }
  return true;
}

bool Translator::emit_float(const isa::Insn& in) {
  const isa::Word w = in.word;
  const uint16_t a = a_of(w), b = b_of(w), c = c_of(w);
  const uint64_t sign = uint64_t{1} << 63;
  auto cmp = [&](P p) { set(a, b_.CreateFCmp(p, getf(b), getf(c))); };
  auto unary = [&](llvm::Intrinsic::ID id) { set(a, b_.CreateUnaryIntrinsic(id, getf(b))); };
  auto helper = [&](const void* f) {
    llvm::CallInst* call = call_abs(f, f64_, {getf(b), getf(c)});
    call->setDoesNotAccessMemory();
    set(a, call);
  };
  switch (in.op()) {
    case isa::Op::FAdd: set(a, b_.CreateFAdd(getf(b), getf(c))); break;
    case isa::Op::FSub: set(a, b_.CreateFSub(getf(b), getf(c))); break;
    case isa::Op::FMul: set(a, b_.CreateFMul(getf(b), getf(c))); break;
    case isa::Op::FDiv: set(a, b_.CreateFDiv(getf(b), getf(c))); break;
    case isa::Op::FMin: helper(rt_.f_min); break;
    case isa::Op::FMax: helper(rt_.f_max); break;
    // Sign-bit operations on the bits: exact for NaNs and zeros.
    case isa::Op::FNeg: set(a, b_.CreateXor(get(b), sign)); break;
    case isa::Op::FAbs: set(a, b_.CreateAnd(get(b), ~sign)); break;
    case isa::Op::FSqrt: unary(llvm::Intrinsic::sqrt); break;
    case isa::Op::FMAdd:
      set(a, b_.CreateIntrinsic(llvm::Intrinsic::fma, {f64_}, {getf(b), getf(c), getf(a)}));
      break;
    case isa::Op::FFloor: unary(llvm::Intrinsic::floor); break;
    case isa::Op::FCeil: unary(llvm::Intrinsic::ceil); break;
    case isa::Op::FTrunc: unary(llvm::Intrinsic::trunc); break;
    case isa::Op::FNearest: unary(llvm::Intrinsic::roundeven); break;
    case isa::Op::FEq: cmp(P::FCMP_OEQ); break;
    case isa::Op::FNe: cmp(P::FCMP_UNE); break;
    case isa::Op::FLt: cmp(P::FCMP_OLT); break;
    case isa::Op::FLe: cmp(P::FCMP_OLE); break;
    case isa::Op::FGt: cmp(P::FCMP_OGT); break;
    case isa::Op::FGe: cmp(P::FCMP_OGE); break;
    case isa::Op::I2F: set(a, b_.CreateSIToFP(get(b), f64_)); break;
    // fptosi.sat: truncating, saturating, NaN gives 0 -- exactly f2i.
    case isa::Op::F2I:
      set(a, b_.CreateIntrinsic(llvm::Intrinsic::fptosi_sat, {i64_, f64_}, {getf(b)}));
      break;
    case isa::Op::FBits:
    case isa::Op::BitsF: set(a, get(b)); break;
    default: return false;
  }
  return true;
}

// The size is known to lie in [memory_floor_, cap]: the memory never shrinks and never passes
// its cap (vm/memory.hpp), so LLVM may drop a check whose address it bounds below the floor (a
// loop over a constant range, a byte-sized index), as the baseline tier's KnownBounds does.
void Translator::reload_memory() {
  if (fixed_memory_) return;
  llvm::Value* mem = cptr(&inst_.memory);
  auto* size = llvm::cast<llvm::LoadInst>(load64(mem, vm::LinearMemory::size_offset()));
  const uint64_t cap = inst_.memory.cap();  // fixed when the instance was made
  if (memory_floor_ != 0 && memory_floor_ <= cap && cap != UINT64_MAX)
    size->setMetadata(
        llvm::LLVMContext::MD_range,
        llvm::MDNode::get(ctx_, {llvm::ConstantAsMetadata::get(b_.getInt64(memory_floor_)),
                                 llvm::ConstantAsMetadata::get(b_.getInt64(cap + 1))}));
  b_.CreateStore(size, mem_size_slot_);
  b_.CreateStore(loadp(mem, vm::LinearMemory::data_offset()), mem_data_slot_);
}

llvm::Value* Translator::mem_size() {
  if (fixed_memory_) return b_.getInt64(inst_.memory.size());
  return b_.CreateLoad(i64_, mem_size_slot_);
}

llvm::Value* Translator::mem_data() {
  if (fixed_memory_) return cptr(inst_.memory.data());
  return b_.CreateLoad(ptr_, mem_data_slot_);
}

// GUEST: addresses are guest-controlled. An access of n bytes at addr + off is in bounds iff
// addr < limit = usub.sat(size + 1, off + n) (0 when even address 0 does not fit), the
// interpreter's STRATA_MEM check as one unsigned compare of the address against a value that is
// loop-invariant wherever the size is: the form LLVM's range-check elimination recognizes
// (`iv u< len`). size + 1 cannot wrap (a memory is far below 2^64 bytes); off + n < 2^17.
// A constant address inside a memory that cannot shrink below it needs no check: a translated
// unit's loads and stores of guest registers in the state page (r0 + offset). Each check was a
// branch and a block; fib's unit had about 800 of them in its exits.
bool Translator::unchecked_access(uint16_t addr_reg, uint64_t off, uint32_t n) const {
  const uint64_t floor = fixed_memory_ ? inst_.memory.size() : memory_floor_;
  return addr_reg < zero_regs_.size() && zero_regs_[addr_reg] && off + n <= floor;
}

llvm::Value* Translator::mem_access(const isa::Insn& in, uint16_t addr_reg, uint32_t n) {
  memory_access_seen_ = true;
  const uint64_t off = c_of(in.word);
  if (unchecked_access(addr_reg, off, n)) return at(mem_data(), off);
  llvm::Value* limit = b_.CreateBinaryIntrinsic(
      llvm::Intrinsic::usub_sat, b_.CreateAdd(mem_size(), b_.getInt64(1)), b_.getInt64(off + n));
  llvm::Value* addr = get(addr_reg);
  // The address register goes to base[] on the trap path: whoever handles the trap may read the
  // faulting address there, as from the other tiers (the RV64 runner names the guest address).
  trap_if(b_.CreateICmpUGE(addr, limit), in.pc, rt_.trap_memory,
          {addr, b_.getInt64(off | (uint64_t{n} << 32))}, addr_reg);
  return at(b_.CreateInBoundsGEP(i8_, mem_data(), addr), off);
}

bool Translator::emit_memory(const isa::Insn& in) {
  const isa::Word w = in.word;
  const uint16_t a = a_of(w), b = b_of(w), c = c_of(w);
  auto load = [&](llvm::Type* t, uint32_t n, bool sign) {
    llvm::Value* v =
        tagged(b_.CreateAlignedLoad(t, mem_access(in, b, n), llvm::Align(1)), tbaa_guest_);
    if (t == f32_)
      v = b_.CreateFPExt(v, f64_);
    else if (t != i64_ && t != f64_)
      v = sign ? b_.CreateSExt(v, i64_) : b_.CreateZExt(v, i64_);
    set(a, v);
  };
  auto store_int = [&](llvm::Type* t, uint32_t n) {
    llvm::Value* p = mem_access(in, a, n);
    // A double register's 8 bytes are stored as the double (the same bits).
    llvm::Value* v = n == 8 && fp_regs_[b] ? getf(b) : get(b);
    if (t != i64_) v = b_.CreateTrunc(v, t);
    tagged(b_.CreateAlignedStore(v, p, llvm::Align(1)), tbaa_guest_);
  };
  switch (in.op()) {
    case isa::Op::LdI8: load(i8_, 1, true); break;
    case isa::Op::LdU8: load(i8_, 1, false); break;
    case isa::Op::LdI16: load(i16_, 2, true); break;
    case isa::Op::LdU16: load(i16_, 2, false); break;
    case isa::Op::LdI32: load(i32_, 4, true); break;
    case isa::Op::LdU32: load(i32_, 4, false); break;
    // Loaded as the register holds it: a double register's (fp_regs_) as a double, the same
    // bit pattern either way.
    case isa::Op::LdI64:
    case isa::Op::LdF64: load(fp_regs_[a] ? f64_ : i64_, 8, false); break;
    case isa::Op::LdF32: load(f32_, 4, false); break;
    case isa::Op::StI8: store_int(i8_, 1); break;
    case isa::Op::StI16: store_int(i16_, 2); break;
    case isa::Op::StI32: store_int(i32_, 4); break;
    case isa::Op::StI64:
    case isa::Op::StF64: store_int(i64_, 8); break;
    case isa::Op::StF32: {
      llvm::Value* p = mem_access(in, a, 4);
      tagged(b_.CreateAlignedStore(b_.CreateFPTrunc(getf(b), f32_), p, llvm::Align(1)),
             tbaa_guest_);
      break;
    }
    case isa::Op::MSize: set(a, mem_size()); break;
    case isa::Op::MGrow:
      if (fixed_memory_) return false;
      sync(b);
      save_pc(in.pc);
      return_if_status(call_helper(rt_.mem_grow, {}));
      reload_memory();
      reload(a);
      break;
    case isa::Op::MCopy:
    case isa::Op::MFill:
      sync(a);
      sync(b);
      sync(c);
      save_pc(in.pc);
      return_if_status(call_helper(in.op() == isa::Op::MCopy ? rt_.mem_copy : rt_.mem_fill, {}));
      break;
    default: return false;
  }
  return true;
}

llvm::Value* Translator::checked_object(const isa::Insn& in, uint16_t r, ObjKind kind) {
  llvm::Value* o = getp(r);
  llvm::Value* k = b_.getInt64(static_cast<uint64_t>(kind));
  trap_if(b_.CreateIsNull(o), in.pc, rt_.trap_object, {o, k});
  llvm::Value* actual =
      tagged(b_.CreateLoad(i32_, at(o, offsetof(vm::Object, kind))), tbaa_header_);
  trap_if(b_.CreateICmpNE(actual, b_.getInt32(static_cast<uint32_t>(kind))), in.pc, rt_.trap_object,
          {o, k});
  return o;
}

// GUEST: the index is guest-controlled; negative values fail as huge unsigned ones.
llvm::Value* Translator::checked_index(const isa::Insn& in, llvm::Value* obj, uint16_t r,
                                       uint64_t len_off) {
  llvm::Value* idx = get(r);
  llvm::Value* len = tagged(load64(obj, len_off), tbaa_header_);
  trap_if(b_.CreateICmpUGE(idx, len), in.pc, rt_.trap_index, {idx, len});
  return idx;
}

bool Translator::emit_object(const isa::Insn& in) {
  const isa::Word w = in.word;
  const uint16_t a = a_of(w), b = b_of(w), c = c_of(w);
  auto record = [&](uint16_t r) {
    const vm::FieldInfo& field = inst_.fields[c];
    llvm::Value* owner = cptr(field.owner);
    llvm::Value* o = getp(r);
    trap_if(b_.CreateIsNull(o), in.pc, rt_.trap_record, {o, owner});
    llvm::Value* kind =
        tagged(b_.CreateLoad(i32_, at(o, offsetof(vm::Object, kind))), tbaa_header_);
    trap_if(b_.CreateICmpNE(kind, b_.getInt32(static_cast<uint32_t>(ObjKind::Record))), in.pc,
            rt_.trap_record, {o, owner});
    llvm::Value* type = tagged(loadp(o, offsetof(vm::Record, type)), tbaa_header_);
    trap_if(b_.CreateICmpNE(type, owner), in.pc, rt_.trap_record, {o, owner});
    return at(o, offsetof(vm::Record, fields) + uint64_t{field.slot} * 8);
  };
  auto array_get = [&](ObjKind kind) {
    llvm::Value* o = checked_object(in, b, kind);
    llvm::Value* idx = checked_index(in, o, c, offsetof(vm::Array, len));
    llvm::Value* data = tagged(loadp(o, offsetof(vm::Array, data)), tbaa_header_);
    if (kind == ObjKind::ArrayU8)
      set(a,
          b_.CreateZExt(
              tagged(b_.CreateLoad(i8_, b_.CreateInBoundsGEP(i8_, data, idx)), tbaa_guest_), i64_));
    else
      set(a, tagged(b_.CreateLoad(i64_, b_.CreateInBoundsGEP(i64_, data, idx)), tbaa_guest_));
  };
  auto array_set = [&](ObjKind kind) {
    llvm::Value* o = checked_object(in, a, kind);
    llvm::Value* idx = checked_index(in, o, b, offsetof(vm::Array, len));
    llvm::Value* data = tagged(loadp(o, offsetof(vm::Array, data)), tbaa_header_);
    if (kind == ObjKind::ArrayU8)
      tagged(b_.CreateStore(b_.CreateTrunc(get(c), i8_), b_.CreateInBoundsGEP(i8_, data, idx)),
             tbaa_guest_);
    else
      tagged(b_.CreateStore(get(c), b_.CreateInBoundsGEP(i64_, data, idx)), tbaa_guest_);
  };
  switch (in.op()) {
    case isa::Op::RNew: allocate(in); break;
    case isa::Op::RGet: set(a, tagged(b_.CreateLoad(i64_, record(b)), tbaa_guest_)); break;
    case isa::Op::RSet: {
      llvm::Value* p = record(a);
      tagged(b_.CreateStore(get(b), p), tbaa_guest_);
      break;
    }
    case isa::Op::ANewI:
    case isa::Op::ANewF:
    case isa::Op::ANewR:
    case isa::Op::ANewB: allocate(in); break;
    case isa::Op::AGetI: array_get(ObjKind::ArrayI64); break;
    case isa::Op::AGetF: array_get(ObjKind::ArrayF64); break;
    case isa::Op::AGetR: array_get(ObjKind::ArrayRef); break;
    case isa::Op::AGetB: array_get(ObjKind::ArrayU8); break;
    case isa::Op::ASetI: array_set(ObjKind::ArrayI64); break;
    case isa::Op::ASetF: array_set(ObjKind::ArrayF64); break;
    case isa::Op::ASetR: array_set(ObjKind::ArrayRef); break;
    case isa::Op::ASetB: array_set(ObjKind::ArrayU8); break;
    case isa::Op::ALen: {
      llvm::Value* o = getp(b);
      trap_if(b_.CreateIsNull(o), in.pc, rt_.trap_alen, {o});
      llvm::Value* kind =
          tagged(b_.CreateLoad(i32_, at(o, offsetof(vm::Object, kind))), tbaa_header_);
      llvm::Value* rel = b_.CreateSub(kind, b_.getInt32(static_cast<uint32_t>(ObjKind::ArrayI64)));
      const uint32_t span =
          static_cast<uint32_t>(ObjKind::ArrayU8) - static_cast<uint32_t>(ObjKind::ArrayI64);
      trap_if(b_.CreateICmpUGT(rel, b_.getInt32(span)), in.pc, rt_.trap_alen, {o});
      set(a, tagged(load64(o, offsetof(vm::Array, len)), tbaa_header_));
      break;
    }
    case isa::Op::SLen: {
      llvm::Value* o = checked_object(in, b, ObjKind::String);
      set(a, tagged(load64(o, offsetof(vm::String, len)), tbaa_header_));
      break;
    }
    case isa::Op::SByte: {
      llvm::Value* o = checked_object(in, b, ObjKind::String);
      llvm::Value* idx = checked_index(in, o, c, offsetof(vm::String, len));
      llvm::Value* p = b_.CreateInBoundsGEP(i8_, at(o, offsetof(vm::String, data)), idx);
      set(a, b_.CreateZExt(tagged(b_.CreateLoad(i8_, p), tbaa_guest_), i64_));
      break;
    }
    case isa::Op::REq: set(a, b_.CreateICmpEQ(get(b), get(c))); break;
    case isa::Op::IsNull: set(a, b_.CreateICmpEQ(get(b), b_.getInt64(0))); break;
    default: return false;
  }
  return true;
}

}  // namespace strata::jit::opt

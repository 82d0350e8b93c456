// A extension → SVI (translate_int.hpp).
//
// One hart, so an AMO is a load, an operation and a store with nothing in between; aq/rl need
// no code. The LR/SC reservation lives in the state page (kResAddr, kResValid) so that it
// survives block exits and syscalls. An SC succeeds when a reservation is held for exactly its
// address (the reservation does not record the access size); every SC clears it. Misaligned
// atomics are not rejected: they simply work (SVI allows any alignment), where hardware may
// raise an address-misaligned exception.
#include "jit/rv64/translate_int.hpp"

namespace strata::jit::rv64 {

using isa::Op;
using isa::rv64::DecodedInsn;
using isa::rv64::Opcode;
namespace state = vm::rv64::state;

namespace {

void load_reserved(BlockBuilder& b, const DecodedInsn& in, bool word) {
  const uint16_t base = b.xreg(in.rs1);
  // The reservation first: the load writes rd, which may be rs1.
  const uint16_t one = b.tmp();
  b.emit(Op::StI64, BlockBuilder::kZero, base, state::kResAddr);
  b.emit_abx(Op::Li, one, 1);
  b.emit(Op::StI64, BlockBuilder::kZero, one, state::kResValid);
  const uint16_t addr = b.guest_addr(base, 0);
  b.emit(word ? Op::LdI32 : Op::LdI64, b.xdef(in.rd), addr, 0);
}

void store_conditional(BlockBuilder& b, const DecodedInsn& in, bool word) {
  const uint16_t base = b.xreg(in.rs1), value = b.xreg(in.rs2);
  const uint16_t valid = b.tmp(), held = b.tmp(), result = b.tmp();
  b.emit(Op::LdI64, valid, BlockBuilder::kZero, state::kResValid);
  b.emit(Op::LdI64, held, BlockBuilder::kZero, state::kResAddr);
  b.emit(Op::StI64, BlockBuilder::kZero, BlockBuilder::kZero, state::kResValid);
  const auto fail = b.new_label(), done = b.new_label();
  b.branch1(Op::Bz, valid, fail);
  b.branch2(Op::Bne, held, base, fail);
  const uint16_t addr = b.guest_addr(base, 0);
  b.emit(word ? Op::StI32 : Op::StI64, addr, value, 0);
  b.emit_abx(Op::Li, result, 0);
  b.branch1(Op::Jmp, 0, done);
  b.bind(fail);
  b.emit_abx(Op::Li, result, 1);
  b.bind(done);
  b.emit(Op::Mov, b.xdef(in.rd), result);
}

enum class Amo { Swap, Add, Xor, And, Or, Min, Max, Minu, Maxu };

bool amo_kind(Opcode op, Amo* kind, bool* word) {
  switch (op) {
    case Opcode::AmoswapW: *kind = Amo::Swap, *word = true; return true;
    case Opcode::AmoaddW: *kind = Amo::Add, *word = true; return true;
    case Opcode::AmoxorW: *kind = Amo::Xor, *word = true; return true;
    case Opcode::AmoandW: *kind = Amo::And, *word = true; return true;
    case Opcode::AmoorW: *kind = Amo::Or, *word = true; return true;
    case Opcode::AmominW: *kind = Amo::Min, *word = true; return true;
    case Opcode::AmomaxW: *kind = Amo::Max, *word = true; return true;
    case Opcode::AmominuW: *kind = Amo::Minu, *word = true; return true;
    case Opcode::AmomaxuW: *kind = Amo::Maxu, *word = true; return true;
    case Opcode::AmoswapD: *kind = Amo::Swap, *word = false; return true;
    case Opcode::AmoaddD: *kind = Amo::Add, *word = false; return true;
    case Opcode::AmoxorD: *kind = Amo::Xor, *word = false; return true;
    case Opcode::AmoandD: *kind = Amo::And, *word = false; return true;
    case Opcode::AmoorD: *kind = Amo::Or, *word = false; return true;
    case Opcode::AmominD: *kind = Amo::Min, *word = false; return true;
    case Opcode::AmomaxD: *kind = Amo::Max, *word = false; return true;
    case Opcode::AmominuD: *kind = Amo::Minu, *word = false; return true;
    case Opcode::AmomaxuD: *kind = Amo::Maxu, *word = false; return true;
    default: return false;
  }
}

// next = min/max(old, src): keep `old` when the compare says so, else take `src`.
void select_minmax(BlockBuilder& b, Amo kind, uint16_t next, uint16_t old, uint16_t src) {
  const bool is_unsigned = kind == Amo::Minu || kind == Amo::Maxu;
  const Op lt = is_unsigned ? Op::BltU : Op::Blt;
  const auto keep = b.new_label();
  b.emit(Op::Mov, next, old);
  if (kind == Amo::Min || kind == Amo::Minu) {
    b.branch2(lt, old, src, keep);
  } else {
    b.branch2(lt, src, old, keep);
  }
  b.emit(Op::Mov, next, src);
  b.bind(keep);
}

void amo(BlockBuilder& b, const DecodedInsn& in, Amo kind, bool word) {
  const uint16_t base = b.xreg(in.rs1), src = b.xreg(in.rs2);
  const uint16_t old = b.tmp(), next = b.tmp();
  const uint16_t addr = b.guest_addr(base, 0);
  // A .w AMO's rd gets the loaded word sign-extended; the store writes the low 32 bits.
  b.emit(word ? Op::LdI32 : Op::LdI64, old, addr, 0);
  switch (kind) {
    case Amo::Swap: b.emit(Op::Mov, next, src); break;
    case Amo::Add: b.emit(Op::Add, next, old, src); break;
    case Amo::Xor: b.emit(Op::Xor, next, old, src); break;
    case Amo::And: b.emit(Op::And, next, old, src); break;
    case Amo::Or: b.emit(Op::Or, next, old, src); break;
    case Amo::Min:
    case Amo::Max:
    case Amo::Minu:
    case Amo::Maxu: {
      if (!word) {
        select_minmax(b, kind, next, old, src);
        break;
      }
      // Compare the 32-bit values: both sign-extended (signed) or zero-extended (unsigned).
      const Op ext = (kind == Amo::Min || kind == Amo::Max) ? Op::Sext32 : Op::Zext32;
      const uint16_t x = b.tmp(), y = b.tmp();
      b.emit(ext, x, old);
      b.emit(ext, y, src);
      select_minmax(b, kind, next, x, y);
      break;
    }
  }
  // The load above succeeded, so this store (same address and width) is in bounds too.
  b.emit(word ? Op::StI32 : Op::StI64, addr, next, 0);
  b.emit(Op::Mov, b.xdef(in.rd), old);
}

}  // namespace

bool translate_atomic(BlockBuilder& b, const DecodedInsn& in) {
  switch (in.op) {
    case Opcode::LrW: load_reserved(b, in, true); return true;
    case Opcode::LrD: load_reserved(b, in, false); return true;
    case Opcode::ScW: store_conditional(b, in, true); return true;
    case Opcode::ScD: store_conditional(b, in, false); return true;
    default: break;
  }
  Amo kind;
  bool word;
  if (!amo_kind(in.op, &kind, &word)) return false;
  amo(b, in, kind, word);
  return true;
}

}  // namespace strata::jit::rv64

// System-mode A extension → SVI (translate_sys.hpp): every LR, SC and AMO is a helper call
// (SysLr, SysSc, SysAmo) to the hart, which owns the reservation, checks alignment and knows
// which pages are RAM, devices or code; then the kExit check. The result register is written
// from the helper's result (x0: discarded) unless the helper raised a trap.
#include "jit/rv64/sys_memory.hpp"
#include "jit/rv64/translate_int.hpp"
#include "jit/rv64/translate_sys.hpp"

namespace strata::jit::rv64 {

using isa::Op;
using isa::rv64::DecodedInsn;
using isa::rv64::Opcode;

namespace {

enum class Kind { Lr, Sc, Amo };

struct AtomicOp {
  Kind kind;
  unsigned size;
  AmoOp amo;  // Kind::Amo
};

bool classify(Opcode op, AtomicOp* a) {
  switch (op) {
    case Opcode::LrW: *a = {Kind::Lr, 4, AmoOp::Add}; return true;
    case Opcode::LrD: *a = {Kind::Lr, 8, AmoOp::Add}; return true;
    case Opcode::ScW: *a = {Kind::Sc, 4, AmoOp::Add}; return true;
    case Opcode::ScD: *a = {Kind::Sc, 8, AmoOp::Add}; return true;
    case Opcode::AmoaddW: *a = {Kind::Amo, 4, AmoOp::Add}; return true;
    case Opcode::AmoswapW: *a = {Kind::Amo, 4, AmoOp::Swap}; return true;
    case Opcode::AmoxorW: *a = {Kind::Amo, 4, AmoOp::Xor}; return true;
    case Opcode::AmoorW: *a = {Kind::Amo, 4, AmoOp::Or}; return true;
    case Opcode::AmoandW: *a = {Kind::Amo, 4, AmoOp::And}; return true;
    case Opcode::AmominW: *a = {Kind::Amo, 4, AmoOp::Min}; return true;
    case Opcode::AmomaxW: *a = {Kind::Amo, 4, AmoOp::Max}; return true;
    case Opcode::AmominuW: *a = {Kind::Amo, 4, AmoOp::Minu}; return true;
    case Opcode::AmomaxuW: *a = {Kind::Amo, 4, AmoOp::Maxu}; return true;
    case Opcode::AmoaddD: *a = {Kind::Amo, 8, AmoOp::Add}; return true;
    case Opcode::AmoswapD: *a = {Kind::Amo, 8, AmoOp::Swap}; return true;
    case Opcode::AmoxorD: *a = {Kind::Amo, 8, AmoOp::Xor}; return true;
    case Opcode::AmoorD: *a = {Kind::Amo, 8, AmoOp::Or}; return true;
    case Opcode::AmoandD: *a = {Kind::Amo, 8, AmoOp::And}; return true;
    case Opcode::AmominD: *a = {Kind::Amo, 8, AmoOp::Min}; return true;
    case Opcode::AmomaxD: *a = {Kind::Amo, 8, AmoOp::Max}; return true;
    case Opcode::AmominuD: *a = {Kind::Amo, 8, AmoOp::Minu}; return true;
    case Opcode::AmomaxuD: *a = {Kind::Amo, 8, AmoOp::Maxu}; return true;
    default: return false;
  }
}

}  // namespace

bool SysEmitter::translate_atomic(const DecodedInsn& in, uint64_t pc, unsigned index) {
  AtomicOp a;
  if (!classify(in.op, &a)) return false;
  const uint16_t va = b_.xreg(in.rs1);
  const uint16_t value = a.kind == Kind::Lr ? BlockBuilder::kZero : b_.xreg(in.rs2);
  const uint16_t pc_reg = b_.tmp(), extra = b_.tmp(), res = b_.tmp(), check = b_.tmp();
  b_.load_const(pc_reg, pc);
  switch (a.kind) {
    case Kind::Lr:
      b_.load_const(extra, a.size);
      b_.call_helper(Helper::SysLr, res, {va, pc_reg, extra});
      break;
    case Kind::Sc:
      b_.load_const(extra, a.size);
      b_.call_helper(Helper::SysSc, res, {va, value, pc_reg, extra});
      break;
    case Kind::Amo:
      // helpers_sys.def: the operation in bits 0..7, the size in bits 8..15.
      b_.load_const(extra, static_cast<uint64_t>(a.amo) | (uint64_t{a.size} << 8));
      b_.call_helper(Helper::SysAmo, res, {va, value, pc_reg, extra});
      break;
  }
  // A trap leaves rd as it was; CodeWritten means the AMO or SC completed, so rd gets its
  // result before the unit leaves (the hart continues after the instruction).
  const BlockBuilder::Label ok = b_.new_label();
  b_.emit(Op::LdI64, check, BlockBuilder::kZero, vm::rv64::state::kExit);
  b_.branch1(Op::Bz, check, ok);
  if (in.rd != 0) {
    const uint16_t trap = b_.tmp();
    b_.load_const(trap, static_cast<uint64_t>(vm::rv64sys::SysExit::Trap));
    b_.branch2(Op::Beq, check, trap, fault_exit(index));
    b_.emit(Op::Mov, b_.xdef(in.rd), res);
  }
  b_.branch1(Op::Jmp, 0, fault_exit(index));
  b_.bind(ok);
  if (in.rd != 0) b_.emit(Op::Mov, b_.xdef(in.rd), res);
  return true;
}

}  // namespace strata::jit::rv64

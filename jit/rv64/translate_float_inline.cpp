// Inline SVI fast paths for the hottest D instructions: fadd.d, fsub.d, fmul.d, fdiv.d (round to
// nearest) and flt.d, fle.d, feq.d, in front of their helper call (translate_float.cpp).
//
// Why: a helper call is the host-call protocol around a few ns of arithmetic, in every tier;
// inline, the LLVM tier keeps the loop in registers and the baseline tier saves the call.
//
// Exactness. The arithmetic path is taken only when the result is the host's round-to-nearest
// result and the only exception it could raise is NX, and NX is already set in fcsr:
//   - the rounding mode is RNE: static, or dyn with frm = 0 (the same fcsr test: frm bits 5..7
//     zero and NX, bit 0, set);
//   - add/sub: both operands have a biased exponent below 2016 (|x| < 2^993, so no NaN or
//     infinity, no overflow; a subnormal sum is exact, so no underflow);
//   - mul/div: both operands have a biased exponent in [623, 1423] (2^-400 <= |x| < 2^401: the
//     result is a normal number, no zero divisor, no overflow or underflow).
// NX is sticky and almost every FP program sets it on its first inexact operation, so after that
// the fast path is the common one; before it (and outside the domain) the helper computes the
// operation and its flags exactly, as before. A compare is inline when neither operand is a NaN
// (then it raises nothing).
#include "jit/rv64/translate_float.hpp"
#include "vm/rv64/guest_layout.hpp"

namespace strata::jit::rv64 {

namespace {

using isa::Op;
using isa::rv64::DecodedInsn;
using isa::rv64::Opcode;

constexpr uint8_t kRmRne = 0;
constexpr uint8_t kRmDyn = 7;
constexpr uint16_t kFrmMask = 7 << 5;
constexpr uint16_t kNx = 1;

// Branches to `slow` unless bits `x`'s biased exponent is in [lo, lo + span).
void exponent_in(BlockBuilder& b, uint16_t x, uint16_t lo, uint16_t span,
                 BlockBuilder::Label slow) {
  const uint16_t e = b.tmp(), limit = b.tmp();
  b.emit(Op::ShlI, e, x, 1);
  b.emit(Op::ShrI, e, e, 53);
  if (lo != 0) b.emit(Op::AddI, e, e, static_cast<uint16_t>(-static_cast<int16_t>(lo)));
  b.load_const(limit, span);
  b.branch2(Op::BgeU, e, limit, slow);
}

void emit_arith(BlockBuilder& b, const DecodedInsn& in, Op op, BlockBuilder::Label slow) {
  const uint16_t fcsr = b.tmp();
  b.emit(Op::LdI64, fcsr, BlockBuilder::kZero, vm::rv64::state::kFcsr);
  b.emit(Op::AndI, fcsr, fcsr, in.rm == kRmDyn ? kFrmMask | kNx : kNx);
  b.emit(Op::XorI, fcsr, fcsr, kNx);
  b.branch1(Op::Bnz, fcsr, slow);
  const uint16_t x = b.freg(in.rs1), y = b.freg(in.rs2);
  const bool product = op == Op::FMul || op == Op::FDiv;
  for (uint16_t r : {x, y}) {
    if (product)
      exponent_in(b, r, 623, 801, slow);
    else
      exponent_in(b, r, 0, 2016, slow);
  }
  const uint16_t fx = b.ftmp(), fy = b.ftmp();
  b.emit(Op::BitsF, fx, x);
  b.emit(Op::BitsF, fy, y);
  b.emit(op, fx, fx, fy);
  b.emit(Op::FBits, b.fdef(in.rd), fx);
}

void emit_compare(BlockBuilder& b, const DecodedInsn& in, Op op, BlockBuilder::Label slow) {
  const uint16_t fx = b.ftmp(), fy = b.ftmp(), t = b.tmp();
  b.emit(Op::BitsF, fx, b.freg(in.rs1));
  b.emit(Op::BitsF, fy, b.freg(in.rs2));
  // x == x is false only for a NaN.
  b.emit(Op::FEq, t, fx, fx);
  b.branch1(Op::Bz, t, slow);
  b.emit(Op::FEq, t, fy, fy);
  b.branch1(Op::Bz, t, slow);
  b.emit(op, b.xdef(in.rd), fx, fy);
}

}  // namespace

bool emit_float_inline(BlockBuilder& b, const DecodedInsn& in, uint64_t pc) {
  Op op;
  bool arith = true;
  switch (in.op) {
    case Opcode::FaddD: op = Op::FAdd; break;
    case Opcode::FsubD: op = Op::FSub; break;
    case Opcode::FmulD: op = Op::FMul; break;
    case Opcode::FdivD: op = Op::FDiv; break;
    case Opcode::FltD: op = Op::FLt, arith = false; break;
    case Opcode::FleD: op = Op::FLe, arith = false; break;
    case Opcode::FeqD: op = Op::FEq, arith = false; break;
    default: return false;
  }
  // Other rounding modes (and reserved ones, an illegal exit) are the helper's alone.
  if (arith && (in.reserved_rm || (in.rm != kRmRne && in.rm != kRmDyn))) return false;
  const BlockBuilder::Label slow = b.new_label(), done = b.new_label();
  if (arith)
    emit_arith(b, in, op, slow);
  else
    emit_compare(b, in, op, slow);
  b.branch1(Op::Jmp, 0, done);
  b.bind(slow);
  emit_helper_call(b, in, pc);
  b.bind(done);
  return true;
}

}  // namespace strata::jit::rv64

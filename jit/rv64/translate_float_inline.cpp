// Inline SVI fast paths for the hottest D instructions, in front of their helper call
// (translate_float.cpp): fadd.d, fsub.d, fmul.d, fdiv.d, fsqrt.d, fmadd.d, fmsub.d, fnmsub.d,
// fnmadd.d (round to nearest) and flt.d, fle.d, feq.d.
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
//     result is a normal number, no zero divisor, no overflow or underflow);
//   - fused multiply-add (SVI fmadd, one rounding; the negated forms negate the product's first
//     factor and/or the addend, exactly, as the helper does): the factors in the mul/div range
//     and the addend below 2^993 (zero and subnormals included). Then |a*b| is in
//     [2^-800, 2^802), so the sum is below 2^994 (no overflow), and it cannot underflow: if
//     |c| < |a*b|/2 the sum exceeds 2^-801; otherwise c is normal with its last bit at or above
//     2^-853, the product's last bit is at or above 2^-904, and the exact sum, a multiple of the
//     smaller one, is zero (+0 in RNE, on the host as in the helper) or at least 2^-904;
//   - sqrt: the operand is +0, or positive and finite (a square root never overflows or
//     underflows, and sqrt(+0) = +0 is exact).
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

// The fcsr test shared by every arithmetic path: NX set and, for a dyn instruction, frm = RNE.
void require_nx_and_rne(BlockBuilder& b, const DecodedInsn& in, BlockBuilder::Label slow) {
  const uint16_t fcsr = b.tmp();
  b.emit(Op::LdI64, fcsr, BlockBuilder::kZero, vm::rv64::state::kFcsr);
  b.emit(Op::AndI, fcsr, fcsr, in.rm == kRmDyn ? kFrmMask | kNx : kNx);
  b.emit(Op::XorI, fcsr, fcsr, kNx);
  b.branch1(Op::Bnz, fcsr, slow);
}

void emit_arith(BlockBuilder& b, const DecodedInsn& in, Op op, BlockBuilder::Label slow) {
  require_nx_and_rne(b, in, slow);
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

// rd = (negate_product ? -rs1 : rs1) * rs2 + (negate_addend ? -rs3 : rs3), one rounding.
void emit_fused(BlockBuilder& b, const DecodedInsn& in, bool negate_product, bool negate_addend,
                BlockBuilder::Label slow) {
  require_nx_and_rne(b, in, slow);
  const uint16_t x = b.freg(in.rs1), y = b.freg(in.rs2), z = b.freg(in.rs3);
  exponent_in(b, x, 623, 801, slow);
  exponent_in(b, y, 623, 801, slow);
  exponent_in(b, z, 0, 2016, slow);
  const uint16_t fx = b.ftmp(), fy = b.ftmp(), acc = b.ftmp();
  b.emit(Op::BitsF, fx, x);
  if (negate_product) b.emit(Op::FNeg, fx, fx);
  b.emit(Op::BitsF, fy, y);
  b.emit(Op::BitsF, acc, z);
  if (negate_addend) b.emit(Op::FNeg, acc, acc);
  b.emit(Op::FMAdd, acc, fx, fy);
  b.emit(Op::FBits, b.fdef(in.rd), acc);
}

void emit_sqrt(BlockBuilder& b, const DecodedInsn& in, BlockBuilder::Label slow) {
  require_nx_and_rne(b, in, slow);
  const uint16_t x = b.freg(in.rs1);
  // Sign and exponent together: below 2047 exactly for +0 and positive finite values.
  const uint16_t e = b.tmp(), limit = b.tmp();
  b.emit(Op::ShrI, e, x, 52);
  b.load_const(limit, 2047);
  b.branch2(Op::BgeU, e, limit, slow);
  const uint16_t f = b.ftmp();
  b.emit(Op::BitsF, f, x);
  b.emit(Op::FSqrt, f, f);
  b.emit(Op::FBits, b.fdef(in.rd), f);
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

bool emit_float_inline(BlockBuilder& b, const DecodedInsn& in, uint64_t pc, FloatExits* exits) {
  enum class Kind : uint8_t { Arith, Compare, Fused, Sqrt };
  Op op = Op::Nop;
  Kind kind = Kind::Arith;
  bool negate_product = false, negate_addend = false;
  switch (in.op) {
    case Opcode::FaddD: op = Op::FAdd; break;
    case Opcode::FsubD: op = Op::FSub; break;
    case Opcode::FmulD: op = Op::FMul; break;
    case Opcode::FdivD: op = Op::FDiv; break;
    case Opcode::FsqrtD: kind = Kind::Sqrt; break;
    case Opcode::FmaddD: kind = Kind::Fused; break;
    case Opcode::FmsubD: kind = Kind::Fused, negate_addend = true; break;
    case Opcode::FnmsubD: kind = Kind::Fused, negate_product = true; break;
    case Opcode::FnmaddD: kind = Kind::Fused, negate_product = negate_addend = true; break;
    case Opcode::FltD: op = Op::FLt, kind = Kind::Compare; break;
    case Opcode::FleD: op = Op::FLe, kind = Kind::Compare; break;
    case Opcode::FeqD: op = Op::FEq, kind = Kind::Compare; break;
    default: return false;
  }
  // Other rounding modes (and reserved ones, an illegal exit) are the helper's alone.
  if (kind != Kind::Compare && (in.reserved_rm || (in.rm != kRmRne && in.rm != kRmDyn)))
    return false;
  const BlockBuilder::Label slow = b.new_label(), done = b.new_label();
  switch (kind) {
    case Kind::Arith: emit_arith(b, in, op, slow); break;
    case Kind::Compare: emit_compare(b, in, op, slow); break;
    case Kind::Fused: emit_fused(b, in, negate_product, negate_addend, slow); break;
    case Kind::Sqrt: emit_sqrt(b, in, slow); break;
  }
  b.branch1(Op::Jmp, 0, done);
  b.bind(slow);
  emit_helper_call(b, in, pc, exits);
  b.bind(done);
  return true;
}

}  // namespace strata::jit::rv64

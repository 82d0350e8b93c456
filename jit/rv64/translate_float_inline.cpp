// Inline SVI fast paths for the hottest D instructions, in front of their helper call
// (translate_float.cpp): fadd.d, fsub.d, fmul.d, fdiv.d, fsqrt.d, fmadd.d, fmsub.d, fnmsub.d,
// fnmadd.d (round to nearest) and flt.d, fle.d, feq.d.
//
// Why: a helper call is the host-call protocol around a few ns of arithmetic, in every tier;
// inline, the LLVM tier keeps the loop in registers and the baseline tier saves the call.
//
// Exactness. The arithmetic path computes the operation on the host (round to nearest, the
// process's only mode) into a temporary and keeps it only when it is the RISC-V result and the
// only exception the operation could raise is NX, which fcsr already has:
//   - fcsr: NX (bit 0) set and, for a dyn instruction, frm (bits 5..7) zero: RNE;
//   - the result decides the rest, with no test of the operands:
//     - add/sub: a finite result (biased exponent below 2047). Then both operands were finite
//       (an infinity or a NaN gives an infinity or a NaN), so no NV; a finite RNE result is no
//       overflow; a tiny sum of doubles is exact (both are multiples of 2^-1074), so no UF;
//     - mul, div and the fused multiply-add (SVI fmadd, one rounding; the negated forms negate
//       the first factor and/or the addend first, exactly, as the helper does): a normal result
//       at least twice the least normal (biased exponent in [2, 2046]). A NaN or an infinity
//       among the operands (0 * inf, x / 0 and inf - inf included) gives a NaN, an infinity or
//       a zero, so no NV or DZ; finite is no overflow; and a result at or above 2^-1021 comes
//       from an exact value above 2^-1022, which is not tiny (RISC-V detects tininess after
//       rounding), so no UF;
//     - sqrt: a finite result: the operand was +-0 (exact) or positive and finite (a square root
//       never overflows or underflows); a negative operand or a NaN gives a NaN.
// Outside that (zeros from mul/div/fma, tiny or huge results, NaNs, infinities) the temporary is
// dropped and the helper computes the operation and its flags exactly from the untouched
// operands; the host's own sticky flags are scratch (float_env.hpp). NX is sticky and almost
// every FP program sets it on its first inexact operation, so after that the fast path is the
// common one. A compare is inline when neither operand is a NaN (then it raises nothing).
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

// Keeps the host's result `bits` in rd when its biased exponent is in [lo, lo + span), else
// branches to `slow` with rd untouched.
void keep_result(BlockBuilder& b, const DecodedInsn& in, uint16_t bits, uint16_t lo, uint16_t span,
                 BlockBuilder::Label slow) {
  exponent_in(b, bits, lo, span, slow);
  b.emit(Op::Mov, b.fdef(in.rd), bits);
}

// Results that must be normal and at least 2^-1021 (mul, div, fma), or just finite (add, sub,
// sqrt): see the header.
constexpr uint16_t kNormalLo = 2, kNormalSpan = 2045, kFiniteSpan = 2047;

void emit_arith(BlockBuilder& b, const DecodedInsn& in, Op op, BlockBuilder::Label slow) {
  require_nx_and_rne(b, in, slow);
  const uint16_t fx = b.ftmp(), fy = b.ftmp(), bits = b.tmp();
  b.emit(Op::BitsF, fx, b.freg(in.rs1));
  b.emit(Op::BitsF, fy, b.freg(in.rs2));
  b.emit(op, fx, fx, fy);
  b.emit(Op::FBits, bits, fx);
  if (op == Op::FMul || op == Op::FDiv)
    keep_result(b, in, bits, kNormalLo, kNormalSpan, slow);
  else
    keep_result(b, in, bits, 0, kFiniteSpan, slow);
}

// rd = (negate_product ? -rs1 : rs1) * rs2 + (negate_addend ? -rs3 : rs3), one rounding.
void emit_fused(BlockBuilder& b, const DecodedInsn& in, bool negate_product, bool negate_addend,
                BlockBuilder::Label slow) {
  require_nx_and_rne(b, in, slow);
  const uint16_t fx = b.ftmp(), fy = b.ftmp(), acc = b.ftmp(), bits = b.tmp();
  b.emit(Op::BitsF, fx, b.freg(in.rs1));
  if (negate_product) b.emit(Op::FNeg, fx, fx);
  b.emit(Op::BitsF, fy, b.freg(in.rs2));
  b.emit(Op::BitsF, acc, b.freg(in.rs3));
  if (negate_addend) b.emit(Op::FNeg, acc, acc);
  b.emit(Op::FMAdd, acc, fx, fy);
  b.emit(Op::FBits, bits, acc);
  keep_result(b, in, bits, kNormalLo, kNormalSpan, slow);
}

void emit_sqrt(BlockBuilder& b, const DecodedInsn& in, BlockBuilder::Label slow) {
  require_nx_and_rne(b, in, slow);
  const uint16_t f = b.ftmp(), bits = b.tmp();
  b.emit(Op::BitsF, f, b.freg(in.rs1));
  b.emit(Op::FSqrt, f, f);
  b.emit(Op::FBits, bits, f);
  keep_result(b, in, bits, 0, kFiniteSpan, slow);
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

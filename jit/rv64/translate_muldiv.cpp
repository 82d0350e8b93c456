// M extension → SVI (translate_int.hpp).
//
// SVI's div/rem trap on a zero divisor, RISC-V's do not (quotient all ones, remainder the
// dividend), so every division branches around the SVI opcode when the divisor is zero. The
// signed overflow case needs nothing: SVI defines INT64_MIN / -1 = INT64_MIN and
// INT64_MIN % -1 = 0, RISC-V's results; the W forms divide sign-extended 32-bit values, where
// INT32_MIN / -1 = 2^31 sign-extends back to INT32_MIN.
#include "jit/rv64/translate_int.hpp"

namespace strata::jit::rv64 {

using isa::Op;
using isa::rv64::DecodedInsn;
using isa::rv64::Opcode;

namespace {

enum class Zero { AllOnes, Dividend };

// dst = x op y, or the RISC-V zero-divisor result when y == 0.
void guarded_div(BlockBuilder& b, Op op, uint16_t dst, uint16_t x, uint16_t y, Zero on_zero) {
  const auto zero = b.new_label(), done = b.new_label();
  b.branch1(Op::Bz, y, zero);
  b.emit(op, dst, x, y);
  b.branch1(Op::Jmp, 0, done);
  b.bind(zero);
  if (on_zero == Zero::AllOnes) {
    b.emit_abx(Op::Li, dst, static_cast<uint32_t>(-1));
  } else {
    b.emit(Op::Mov, dst, x);
  }
  b.bind(done);
}

Op div_op(Opcode op) {
  switch (op) {
    case Opcode::Div:
    case Opcode::Divw: return Op::Div;
    case Opcode::Divu:
    case Opcode::Divuw: return Op::DivU;
    case Opcode::Rem:
    case Opcode::Remw: return Op::Rem;
    default: return Op::RemU;
  }
}

bool is_rem(Opcode op) {
  return op == Opcode::Rem || op == Opcode::Remu || op == Opcode::Remw || op == Opcode::Remuw;
}

}  // namespace

bool translate_muldiv(BlockBuilder& b, const DecodedInsn& in) {
  switch (in.op) {
    case Opcode::Mul:
    case Opcode::Mulh:
    case Opcode::Mulhsu:
    case Opcode::Mulhu:
    case Opcode::Mulw:
    case Opcode::Div:
    case Opcode::Divu:
    case Opcode::Rem:
    case Opcode::Remu:
    case Opcode::Divw:
    case Opcode::Divuw:
    case Opcode::Remw:
    case Opcode::Remuw: break;
    default: return false;
  }
  if (in.rd == 0) return true;  // no side effect: division by zero does not trap on RISC-V
  const uint16_t s1 = b.xreg(in.rs1), s2 = b.xreg(in.rs2);

  switch (in.op) {
    case Opcode::Mul: b.emit(Op::Mul, b.xdef(in.rd), s1, s2); return true;
    case Opcode::Mulw: {
      const uint16_t d = b.xdef(in.rd);
      b.emit(Op::Mul, d, s1, s2);
      b.emit(Op::Sext32, d, d);
      return true;
    }
    case Opcode::Mulh: b.emit(Op::MulH, b.xdef(in.rd), s1, s2); return true;
    case Opcode::Mulhu: b.emit(Op::MulHU, b.xdef(in.rd), s1, s2); return true;
    case Opcode::Mulhsu: b.call_helper(Helper::Mulhsu, b.xdef(in.rd), {s1, s2}); return true;
    case Opcode::Div:
    case Opcode::Divu:
    case Opcode::Rem:
    case Opcode::Remu: {
      // Into a temporary: rd may be the divisor the branch tests.
      const uint16_t t = b.tmp();
      guarded_div(b, div_op(in.op), t, s1, s2, is_rem(in.op) ? Zero::Dividend : Zero::AllOnes);
      b.emit(Op::Mov, b.xdef(in.rd), t);
      return true;
    }
    default: break;
  }

  // W forms: divide the 32-bit values extended to 64 bits (signed: sign-, unsigned: zero-),
  // then sign-extend the low 32 bits of the result.
  const bool is_signed = in.op == Opcode::Divw || in.op == Opcode::Remw;
  const Op ext = is_signed ? Op::Sext32 : Op::Zext32;
  const uint16_t x = b.tmp(), y = b.tmp(), t = b.tmp();
  b.emit(ext, x, s1);
  b.emit(ext, y, s2);
  guarded_div(b, div_op(in.op), t, x, y, is_rem(in.op) ? Zero::Dividend : Zero::AllOnes);
  b.emit(Op::Sext32, b.xdef(in.rd), t);
  return true;
}

}  // namespace strata::jit::rv64

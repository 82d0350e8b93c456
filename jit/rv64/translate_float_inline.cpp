// Inline SVI fast paths for the hottest D instructions, in front of their helper call
// (translate_float.cpp): fadd.d, fsub.d, fmul.d, fdiv.d, fsqrt.d, fmadd.d, fmsub.d, fnmsub.d,
// fnmadd.d (round to nearest), flt.d, fle.d, feq.d, and fcvt.d.l, fcvt.d.lu (any rounding mode).
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
// common one. A compare is inline when neither operand is a NaN (then it raises nothing). An
// int64 -> double conversion is inline when the integer is at most 2^53 in magnitude: then the
// double holds it exactly, whatever the rounding mode, and raises nothing (a dyn instruction
// still needs a valid frm: an invalid one is the helper path's illegal-instruction exit).
#include "jit/rv64/translate_float.hpp"

#include <optional>

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

// The fcsr test shared by every arithmetic path: NX set and, for a dyn instruction, frm = RNE.
// Computed once per guest block (BlockBuilder::BlockValue) and tested by each of its arithmetic
// instructions: within a block only a CSR write changes frm or clears NX (translate_csr.cpp
// forgets the value), and a helper only ORs flags in. So after the first test passes the later
// ones cannot fail, which LLVM sees when they test one register instead of reloading fcsr after
// each slow path's call.
void require_nx_and_rne(BlockBuilder& b, const DecodedInsn& in, BlockBuilder::Label slow) {
  using V = BlockBuilder::BlockValue;
  const V kind = in.rm == kRmDyn ? V::FloatFastDyn : V::FloatFastRne;
  uint16_t bad = b.block_value(kind);
  if (bad == 0) {
    bad = b.define_block_value(kind);
    b.emit(Op::LdI64, bad, BlockBuilder::kZero, vm::rv64::state::kFcsr);
    b.emit(Op::AndI, bad, bad, kind == V::FloatFastDyn ? kFrmMask | kNx : kNx);
    b.emit(Op::XorI, bad, bad, kNx);
  }
  b.branch1(Op::Bnz, bad, slow);
}

// For a dyn conversion: frm is a rounding mode (0-4), else the slow path, whose rounding-mode
// read makes the instruction illegal. Once per guest block, as require_nx_and_rne.
void require_valid_frm(BlockBuilder& b, BlockBuilder::Label slow) {
  using V = BlockBuilder::BlockValue;
  uint16_t bad = b.block_value(V::FrmInvalid);
  if (bad == 0) {
    bad = b.define_block_value(V::FrmInvalid);
    // (frm + 3) >> 3: 0 for 0-4, 1 for the reserved 5-7.
    b.emit(Op::LdI64, bad, BlockBuilder::kZero, vm::rv64::state::kFcsr);
    b.emit(Op::ShrI, bad, bad, 5);
    b.emit(Op::AndI, bad, bad, 7);
    b.emit(Op::AddI, bad, bad, 3);
    b.emit(Op::ShrI, bad, bad, 3);
  }
  b.branch1(Op::Bnz, bad, slow);
}

// |result| in [2^-1021, DBL_MAX] (mul, div, fma: biased exponent 2..2046) or [0, DBL_MAX] (add,
// sub, sqrt): see the header.
constexpr uint64_t kFiniteMax = (uint64_t{0x7ff} << 52) - 1;
constexpr int32_t kExponentMin = 2, kExponentMax = 2046;
enum class Range : uint8_t { Normal, Finite };

// Keeps the host's result `f` in rd when it is in `range`, else branches to `slow` with rd
// untouched. The value itself stays a double from one instruction to the next (the LLVM tier
// keeps guest f registers in floating-point registers, "Guest f registers are doubles to LLVM"
// in docs/RV64.md); only the test reads its bits.
//  - Normal: the biased exponent, (bits << 1) >> 53, minus 2 is below 2045 (unsigned): one
//    integer compare, where the two ordered compares of |f| against 2^-1021 and DBL_MAX cost
//    nbody 18% more (rv64_ab, 1.18 against 0.97 s). Zeros, subnormals, 2^-1022 and NaNs and
//    infinities (exponent 2047) all fail it.
//  - Finite: |f| <= DBL_MAX, an ordered compare (a NaN fails it). Its exponent form was slower
//    (mandelbrot 1.09x).
void keep_result(BlockBuilder& b, const DecodedInsn& in, uint16_t f, Range range,
                 BlockBuilder::Label slow) {
  if (range == Range::Normal) {
    const uint16_t e = b.tmp();
    b.emit(Op::FBits, e, f);
    b.emit(Op::ShlI, e, e, 1);
    b.emit(Op::ShrI, e, e, 53);
    b.emit(Op::AddI, e, e, static_cast<uint16_t>(-kExponentMin));
    b.branch2(Op::BgeU, e, b.unit_const(kExponentMax - kExponentMin + 1), slow);
    b.emit(Op::FBits, b.fdef(in.rd), f);
    return;
  }
  const uint16_t magnitude = b.ftmp();
  const BlockBuilder::Label fits = b.new_label();
  b.emit(Op::FAbs, magnitude, f);
  b.branch2(Op::BfLe, magnitude, b.unit_fconst(kFiniteMax), fits);
  b.branch1(Op::Jmp, 0, slow);
  b.bind(fits);
  b.emit(Op::FBits, b.fdef(in.rd), f);
}

void emit_arith(BlockBuilder& b, const DecodedInsn& in, Op op, BlockBuilder::Label slow) {
  require_nx_and_rne(b, in, slow);
  const uint16_t fx = b.ftmp(), fy = b.ftmp();
  b.emit(Op::BitsF, fx, b.freg(in.rs1));
  b.emit(Op::BitsF, fy, b.freg(in.rs2));
  b.emit(op, fx, fx, fy);
  keep_result(b, in, fx, op == Op::FMul || op == Op::FDiv ? Range::Normal : Range::Finite, slow);
}

// rd = (negate_product ? -rs1 : rs1) * rs2 + (negate_addend ? -rs3 : rs3), one rounding.
void emit_fused(BlockBuilder& b, const DecodedInsn& in, bool negate_product, bool negate_addend,
                BlockBuilder::Label slow) {
  require_nx_and_rne(b, in, slow);
  const uint16_t fx = b.ftmp(), fy = b.ftmp(), acc = b.ftmp();
  b.emit(Op::BitsF, fx, b.freg(in.rs1));
  if (negate_product) b.emit(Op::FNeg, fx, fx);
  b.emit(Op::BitsF, fy, b.freg(in.rs2));
  b.emit(Op::BitsF, acc, b.freg(in.rs3));
  if (negate_addend) b.emit(Op::FNeg, acc, acc);
  b.emit(Op::FMAdd, acc, fx, fy);
  keep_result(b, in, acc, Range::Normal, slow);
}

void emit_sqrt(BlockBuilder& b, const DecodedInsn& in, BlockBuilder::Label slow) {
  require_nx_and_rne(b, in, slow);
  const uint16_t f = b.ftmp();
  b.emit(Op::BitsF, f, b.freg(in.rs1));
  b.emit(Op::FSqrt, f, f);
  keep_result(b, in, f, Range::Finite, slow);
}

// fcvt.d.l / fcvt.d.lu: an integer in [-2^53, 2^53) (signed: x >> 53, arithmetic, is -1 or 0)
// or below 2^53 (unsigned: x >> 53 is 0) converts exactly. mandelbrot converts its loop counter
// every pixel: through the helper that was 6% of its run.
void emit_from_int64(BlockBuilder& b, const DecodedInsn& in, bool from_unsigned,
                     BlockBuilder::Label slow) {
  if (in.rm == kRmDyn) require_valid_frm(b, slow);
  const uint16_t x = b.xreg(in.rs1), high = b.tmp();
  if (from_unsigned) {
    b.emit(Op::ShrI, high, x, 53);
  } else {
    // (x >> 53) + 1, then >> 1 (logical): 0 exactly when x >> 53 is -1 or 0.
    b.emit(Op::SarI, high, x, 53);
    b.emit(Op::AddI, high, high, 1);
    b.emit(Op::ShrI, high, high, 1);
  }
  b.branch1(Op::Bnz, high, slow);
  const uint16_t f = b.ftmp();
  b.emit(Op::I2F, f, x);
  b.emit(Op::FBits, b.fdef(in.rd), f);
}

// Two ordered compares that cannot both be false unless an operand is a NaN: flt is x < y with
// x >= y, fle x <= y with x > y, feq x <= y with x >= y (equal when both hold). One of them is
// the result; their or is the "neither is a NaN" test (LLVM makes it one ucomisd and a jp).
void emit_compare(BlockBuilder& b, const DecodedInsn& in, Op op, BlockBuilder::Label slow) {
  const uint16_t fx = b.ftmp(), fy = b.ftmp(), lo = b.tmp(), hi = b.tmp(), ordered = b.tmp();
  b.emit(Op::BitsF, fx, b.freg(in.rs1));
  b.emit(Op::BitsF, fy, b.freg(in.rs2));
  const Op first = op == Op::FEq ? Op::FLe : op;
  const Op second = op == Op::FLt ? Op::FGe : op == Op::FLe ? Op::FGt : Op::FGe;
  b.emit(first, lo, fx, fy);
  b.emit(second, hi, fx, fy);
  b.emit(Op::Or, ordered, lo, hi);
  b.branch1(Op::Bz, ordered, slow);
  if (op == Op::FEq) {
    b.emit(Op::And, b.xdef(in.rd), lo, hi);
  } else {
    b.emit(Op::Mov, b.xdef(in.rd), lo);
  }
}

// The instructions with an inline path, and its shape.
enum class Kind : uint8_t { Arith, Compare, Fused, Sqrt, FromInt64 };
struct InlineForm {
  Kind kind = Kind::Arith;
  Op op = Op::Nop;                                     // Arith, Compare: the SVI operation
  bool negate_product = false, negate_addend = false;  // Fused
  bool from_unsigned = false;                          // FromInt64
};

std::optional<InlineForm> inline_form(Opcode op) {
  switch (op) {
    case Opcode::FaddD: return InlineForm{Kind::Arith, Op::FAdd};
    case Opcode::FsubD: return InlineForm{Kind::Arith, Op::FSub};
    case Opcode::FmulD: return InlineForm{Kind::Arith, Op::FMul};
    case Opcode::FdivD: return InlineForm{Kind::Arith, Op::FDiv};
    case Opcode::FsqrtD: return InlineForm{Kind::Sqrt};
    case Opcode::FmaddD: return InlineForm{Kind::Fused};
    case Opcode::FmsubD: return InlineForm{Kind::Fused, Op::Nop, false, true};
    case Opcode::FnmsubD: return InlineForm{Kind::Fused, Op::Nop, true, false};
    case Opcode::FnmaddD: return InlineForm{Kind::Fused, Op::Nop, true, true};
    case Opcode::FltD: return InlineForm{Kind::Compare, Op::FLt};
    case Opcode::FleD: return InlineForm{Kind::Compare, Op::FLe};
    case Opcode::FeqD: return InlineForm{Kind::Compare, Op::FEq};
    case Opcode::FcvtDL: return InlineForm{Kind::FromInt64};
    case Opcode::FcvtDLu: return InlineForm{Kind::FromInt64, Op::Nop, false, false, true};
    default: return std::nullopt;
  }
}

}  // namespace

bool only_slow_paths_call(Helper h) {
  switch (h) {
    // A float helper has its instruction's name.
#define STRATA_RV_HELPER(name, sig) \
  case Helper::name:                \
    return inline_form(Opcode::name).has_value();
#include "jit/rv64/helpers_float.def"
#undef STRATA_RV_HELPER
    default: return false;
  }
}

bool emit_float_inline(BlockBuilder& b, const DecodedInsn& in, uint64_t pc, FloatExits* exits) {
  const std::optional<InlineForm> form = inline_form(in.op);
  if (!form) return false;
  const Kind kind = form->kind;
  const Op op = form->op;
  // Other rounding modes (and reserved ones, an illegal exit) are the helper's alone; an exact
  // conversion is the same in every mode.
  if (kind != Kind::Compare && in.reserved_rm) return false;
  if ((kind != Kind::Compare && kind != Kind::FromInt64) && in.rm != kRmRne && in.rm != kRmDyn)
    return false;
  const BlockBuilder::Label slow = b.new_label(), done = b.new_label();
  switch (kind) {
    case Kind::Arith: emit_arith(b, in, op, slow); break;
    case Kind::Compare: emit_compare(b, in, op, slow); break;
    case Kind::Fused: emit_fused(b, in, form->negate_product, form->negate_addend, slow); break;
    case Kind::Sqrt: emit_sqrt(b, in, slow); break;
    case Kind::FromInt64: emit_from_int64(b, in, form->from_unsigned, slow); break;
  }
  b.branch1(Op::Jmp, 0, done);
  b.bind(slow);
  emit_helper_call(b, in, pc, exits);
  b.bind(done);
  return true;
}

}  // namespace strata::jit::rv64

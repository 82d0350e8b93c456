// Baseline emitters: f64 arithmetic, comparisons and conversions (vm/interp_float.inc).
// SSE2 scalar ops are IEEE binary64 in round-to-nearest-even (the process never changes
// MXCSR); fmin/fmax/rounding/f2i call the same C++ functions as the interpreter.
#include "jit/baseline/emitter.hpp"
#include "jit/baseline/runtime.hpp"

namespace strata::jit::baseline {

namespace {

using isa::a_of;
using isa::b_of;
using isa::c_of;

// Only the emitters without a call use Emitter::to_xmm/from_xmm/xmm_src: those with one
// (call1, call2, f2i, fma without FMA3) run with the cache written back (OpSync::All) and must
// leave their result in the window.

// a = b OP c in xmm0.
void binary(Emitter& e, const isa::Insn& in, asmjit::InstId id) {
  e.to_xmm(x86::xmm0, b_of(in.word));
  e.a.emit(id, x86::xmm0, e.xmm_src(x86::xmm1, c_of(in.word)));
  e.from_xmm(a_of(in.word), x86::xmm0);
}

// xmm0 = f(b[, c]) through a C++ helper (caller-saved state only is clobbered).
void call1(Emitter& e, const isa::Insn& in, double (*f)(double) noexcept) {
  e.a.movsd(x86::xmm0, e.reg(b_of(in.word)));
  e.call_fn(reinterpret_cast<const void*>(f));
  e.a.movsd(e.reg(a_of(in.word)), x86::xmm0);
}
void call2(Emitter& e, const isa::Insn& in, double (*f)(double, double) noexcept) {
  e.a.movsd(x86::xmm0, e.reg(b_of(in.word)));
  e.a.movsd(x86::xmm1, e.reg(c_of(in.word)));
  e.call_fn(reinterpret_cast<const void*>(f));
  e.a.movsd(e.reg(a_of(in.word)), x86::xmm0);
}

// a = (x cc y) for x = reg `lhs`, y = reg `rhs`, after ucomisd x, y. Unordered sets ZF, PF and
// CF, so "above"/"above or equal" are false with a NaN; eq and ne need PF too.
void compare(Emitter& e, uint16_t dst, uint16_t lhs, uint16_t rhs, x86::CondCode cc) {
  e.to_xmm(x86::xmm0, lhs);
  e.a.emit(x86::Inst::kIdUcomisd, x86::xmm0, e.xmm_src(x86::xmm1, rhs));
  e.a.set(cc, x86::al);
  e.a.movzx(x86::eax, x86::al);
  e.a.emit(x86::Inst::kIdMov, e.opnd(dst), x86::rax);
}

}  // namespace

void emit_FAdd(Emitter& e, const isa::Insn& in) {
  binary(e, in, x86::Inst::kIdAddsd);
}
void emit_FSub(Emitter& e, const isa::Insn& in) {
  binary(e, in, x86::Inst::kIdSubsd);
}
void emit_FMul(Emitter& e, const isa::Insn& in) {
  binary(e, in, x86::Inst::kIdMulsd);
}
void emit_FDiv(Emitter& e, const isa::Insn& in) {
  binary(e, in, x86::Inst::kIdDivsd);
}
void emit_FMin(Emitter& e, const isa::Insn& in) {
  call2(e, in, &rt::f_min);
}
void emit_FMax(Emitter& e, const isa::Insn& in) {
  call2(e, in, &rt::f_max);
}

// Sign-bit operations on the bits: exact for NaNs and zeros.
void emit_FNeg(Emitter& e, const isa::Insn& in) {
  e.load_rax(b_of(in.word));
  e.a.btc(x86::rax, asmjit::imm(63));
  e.store_rax(a_of(in.word));
}
void emit_FAbs(Emitter& e, const isa::Insn& in) {
  e.load_rax(b_of(in.word));
  e.a.btr(x86::rax, asmjit::imm(63));
  e.store_rax(a_of(in.word));
}
void emit_FSqrt(Emitter& e, const isa::Insn& in) {
  e.a.emit(x86::Inst::kIdSqrtsd, x86::xmm0, e.xmm_src(x86::xmm1, b_of(in.word)));
  e.from_xmm(a_of(in.word), x86::xmm0);
}
// a = b * c + a with one rounding: FMA3 when the host has it, else the C library's fma (exact
// too, only slower).
void emit_FMAdd(Emitter& e, const isa::Insn& in) {
  const uint16_t a = a_of(in.word), b = b_of(in.word), c = c_of(in.word);
  if (host_has_fma()) {  // OpSync::None: the cache registers in place
    e.to_xmm(x86::xmm0, a);
    e.to_xmm(x86::xmm1, b);
    e.a.emit(x86::Inst::kIdVfmadd231sd, x86::xmm0, x86::xmm1, e.xmm_src(x86::xmm2, c));
    e.from_xmm(a, x86::xmm0);
    return;
  }
  // OpSync::All (a call): the window.
  e.a.movsd(x86::xmm0, e.reg(b));
  e.a.movsd(x86::xmm1, e.reg(c));
  e.a.movsd(x86::xmm2, e.reg(a));
  e.call_fn(reinterpret_cast<const void*>(&rt::f_fma));
  e.a.movsd(e.reg(a), x86::xmm0);
}
void emit_FFloor(Emitter& e, const isa::Insn& in) {
  call1(e, in, &rt::f_floor);
}
void emit_FCeil(Emitter& e, const isa::Insn& in) {
  call1(e, in, &rt::f_ceil);
}
void emit_FTrunc(Emitter& e, const isa::Insn& in) {
  call1(e, in, &rt::f_trunc);
}
void emit_FNearest(Emitter& e, const isa::Insn& in) {
  call1(e, in, &rt::f_nearest);
}

void emit_FEq(Emitter& e, const isa::Insn& in) {
  // equal and ordered: ZF=1, PF=0
  compare(e, a_of(in.word), b_of(in.word), c_of(in.word), x86::CondCode::kE);
  e.a.setnp(x86::cl);
  e.a.and_(x86::al, x86::cl);
  e.a.emit(x86::Inst::kIdMov, e.opnd(a_of(in.word)), x86::rax);  // rax's upper bits are 0
}
void emit_FNe(Emitter& e, const isa::Insn& in) {
  // not equal or unordered: ZF=0 or PF=1
  compare(e, a_of(in.word), b_of(in.word), c_of(in.word), x86::CondCode::kNE);
  e.a.setp(x86::cl);
  e.a.or_(x86::al, x86::cl);
  e.a.emit(x86::Inst::kIdMov, e.opnd(a_of(in.word)), x86::rax);
}
void emit_FGt(Emitter& e, const isa::Insn& in) {
  compare(e, a_of(in.word), b_of(in.word), c_of(in.word), x86::CondCode::kA);
}
void emit_FGe(Emitter& e, const isa::Insn& in) {
  compare(e, a_of(in.word), b_of(in.word), c_of(in.word), x86::CondCode::kAE);
}
void emit_FLt(Emitter& e, const isa::Insn& in) {  // b < c  <=>  c > b
  compare(e, a_of(in.word), c_of(in.word), b_of(in.word), x86::CondCode::kA);
}
void emit_FLe(Emitter& e, const isa::Insn& in) {
  compare(e, a_of(in.word), c_of(in.word), b_of(in.word), x86::CondCode::kAE);
}

void emit_I2F(Emitter& e, const isa::Insn& in) {
  e.a.xorps(x86::xmm0, x86::xmm0);
  e.a.emit(x86::Inst::kIdCvtsi2sd, x86::xmm0, e.opnd(b_of(in.word)));
  e.from_xmm(a_of(in.word), x86::xmm0);
}
void emit_F2I(Emitter& e, const isa::Insn& in) {
  e.a.movsd(x86::xmm0, e.reg(b_of(in.word)));
  e.call_fn(reinterpret_cast<const void*>(&rt::f_to_i));
  e.a.mov(e.reg(a_of(in.word)), x86::rax);
}
// The register slot already holds the bits: plain moves.
void emit_FBits(Emitter& e, const isa::Insn& in) {
  emit_Mov(e, in);
}
void emit_BitsF(Emitter& e, const isa::Insn& in) {
  emit_Mov(e, in);
}

}  // namespace strata::jit::baseline

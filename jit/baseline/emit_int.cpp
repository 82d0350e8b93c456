// Baseline emitters: moves, constants, i64 arithmetic, comparisons and extensions (the
// interpreter's vm/interp_int.inc). Wrapping arithmetic is the hardware's; shift counts in cl
// are masked to 6 bits by the CPU, which is the "mod 64" of opcodes.def.
#include <optional>

#include "jit/baseline/emitter.hpp"
#include "jit/baseline/runtime.hpp"

namespace strata::jit::baseline {

namespace {

using isa::a_of;
using isa::b_of;
using isa::c_of;

const void* fnp(auto* f) {
  return reinterpret_cast<const void*>(f);
}

// a = OP(b, ...) computed in place: in a's cache register when a has one (b moved there first
// unless it is a), else in rax, stored to a's slot after. `op` gets the register to update and
// must not read a (callers pass c's operand only when c != a). Operands are taken before
// anything is emitted (rax_holds is about the current code offset).
template <typename Op>
void in_place(Emitter& e, const isa::Insn& in, Op op) {
  const uint16_t a = a_of(in.word), b = b_of(in.word);
  if (e.cached(a)) {
    const x86::Gp d = e.host(a);
    if (a != b) e.a.emit(x86::Inst::kIdMov, d, e.rax_holds(b) ? x86::Gp(x86::rax) : e.opnd(b));
    op(d);
    return;
  }
  e.load_rax(b);
  op(x86::Gp(x86::rax));
  e.store_rax(a);
}

// The host register holding SVI register r now (its cache register, or rax when rax_holds it),
// or none.
std::optional<x86::Gp> in_register(Emitter& e, uint16_t r) {
  if (e.rax_holds(r)) return x86::Gp(x86::rax);
  if (e.cached(r)) return e.host(r);
  return std::nullopt;
}

// a = b OP c.
void binary(Emitter& e, const isa::Insn& in, asmjit::InstId id) {
  const uint16_t a = a_of(in.word), b = b_of(in.word), c = c_of(in.word);
  // a = b + c, all three in registers: one lea instead of a move and an add.
  if (id == x86::Inst::kIdAdd && e.cached(a) && a != b && a != c) {
    const auto rb = in_register(e, b), rc = in_register(e, c);
    if (rb && rc) {
      e.a.lea(e.host(a), x86::ptr(*rb, *rc));
      return;
    }
  }
  // a = b OP a with OP commutative: a OP= b where a is (`or` of a rotate's two halves).
  const bool commutative = id != x86::Inst::kIdSub;
  if (e.cached(a) && a == c && a != b && commutative) {
    e.a.emit(id, e.host(a), e.rax_holds(b) ? asmjit::Operand(x86::rax) : e.opnd(b));
    return;
  }
  if (e.cached(a) && a != c) {
    const asmjit::Operand src = e.rax_holds(c) ? asmjit::Operand(x86::rax) : e.opnd(c);
    in_place(e, in, [&](x86::Gp d) { e.a.emit(id, d, src); });
    return;
  }
  e.load_rax(b);
  e.a.emit(id, x86::rax, e.opnd(c));
  e.store_rax(a);
}

void shift(Emitter& e, const isa::Insn& in, asmjit::InstId id) {
  // The count goes to rcx first, so a == c is fine.
  e.a.emit(x86::Inst::kIdMov, x86::rcx,
           e.rax_holds(c_of(in.word)) ? asmjit::Operand(x86::rax) : e.opnd(c_of(in.word)));
  in_place(e, in, [&](x86::Gp d) { e.a.emit(id, d, x86::cl); });
}

void shift_imm(Emitter& e, const isa::Insn& in, asmjit::InstId id) {
  in_place(e, in, [&](x86::Gp d) { e.a.emit(id, d, asmjit::imm(c_of(in.word) & 63)); });
}

void compare(Emitter& e, const isa::Insn& in, x86::CondCode cc) {
  e.load_rax(b_of(in.word));
  e.a.emit(x86::Inst::kIdCmp, x86::rax, e.opnd(c_of(in.word)));
  e.a.set(cc, x86::al);
  e.a.movzx(x86::eax, x86::al);
  e.store_rax(a_of(in.word));
}

// Signed/unsigned division and remainder: a zero divisor traps; a -1 divisor is handled apart
// (INT64_MIN / -1 faults on the hardware; the SVI result is the wrapped negation, rem 0).
void divide(Emitter& e, const isa::Insn& in, bool is_signed, bool want_rem) {
  auto& a = e.a;
  a.emit(x86::Inst::kIdMov, x86::rcx, e.opnd(c_of(in.word)));
  a.test(x86::rcx, x86::rcx);
  a.jz(e.trap_stub(in.pc, fnp(&rt::trap_div_zero)));
  a.emit(x86::Inst::kIdMov, x86::rax, e.opnd(b_of(in.word)));
  asmjit::Label done = a.newLabel();
  if (is_signed) {
    asmjit::Label general = a.newLabel();
    a.cmp(x86::rcx, -1);
    a.jne(general);
    if (want_rem)
      a.xor_(x86::eax, x86::eax);
    else
      a.neg(x86::rax);
    a.jmp(done);
    a.bind(general);
    a.cqo();
    a.idiv(x86::rcx);
  } else {
    a.xor_(x86::edx, x86::edx);
    a.div(x86::rcx);
  }
  if (want_rem) a.mov(x86::rax, x86::rdx);
  a.bind(done);
  a.emit(x86::Inst::kIdMov, e.opnd(a_of(in.word)), x86::rax);
}

int32_t simm(const isa::Insn& in) {
  return isa::sc_of(in.word);
}

// Extensions read the low bytes of the register slot (little-endian), of rax when it holds the
// register already, or of its cache register; they write a's cache register directly, or rax
// and a's slot.
template <typename FromMem, typename FromGp>
void extend(Emitter& e, const isa::Insn& in, uint32_t bytes, FromMem from_mem, FromGp from_gp) {
  const uint16_t a = a_of(in.word), b = b_of(in.word);
  const bool direct = e.cached(a);
  const x86::Gp d = direct ? e.host(a) : x86::Gp(x86::rax);
  if (e.rax_holds(b) || e.cached(b))
    from_gp(d, e.rax_holds(b) ? x86::Gp(x86::rax) : e.host(b));
  else
    from_mem(d, bytes == 1 ? e.reg8(b) : bytes == 2 ? e.reg16(b) : e.reg32(b));
  if (!direct) e.store_rax(a);
}

}  // namespace

void emit_Nop(Emitter&, const isa::Insn&) {}
void emit_Mov(Emitter& e, const isa::Insn& in) {
  in_place(e, in, [](x86::Gp) {});
}
void emit_Li(Emitter& e, const isa::Insn& in) {
  e.a.emit(x86::Inst::kIdMov, e.opnd(a_of(in.word)), asmjit::imm(isa::sbc_of(in.word)));
}
// Constants and function references are read from the instance's (GC-scanned) tables at run
// time, never baked into the code: code pages must not hold the only reference to an object.
void emit_Ldk(Emitter& e, const isa::Insn& in) {
  e.a.mov(x86::rax, asmjit::imm(reinterpret_cast<uint64_t>(&e.inst.consts[isa::bc_of(in.word)])));
  e.a.mov(x86::rax, x86::qword_ptr(x86::rax));
  e.a.emit(x86::Inst::kIdMov, e.opnd(a_of(in.word)), x86::rax);
}
void emit_Null(Emitter& e, const isa::Insn& in) {
  e.a.emit(x86::Inst::kIdMov, e.opnd(a_of(in.word)), asmjit::imm(0));
}
void emit_FnRef(Emitter& e, const isa::Insn& in) {
  e.a.mov(x86::rax, asmjit::imm(reinterpret_cast<uint64_t>(&e.inst.fnrefs[b_of(in.word)])));
  e.a.mov(x86::rax, x86::qword_ptr(x86::rax));
  e.a.emit(x86::Inst::kIdMov, e.opnd(a_of(in.word)), x86::rax);
}

#define STRATA_BIN(Name, id)                          \
  void emit_##Name(Emitter& e, const isa::Insn& in) { \
    binary(e, in, x86::Inst::id);                     \
  }
STRATA_BIN(Add, kIdAdd)
STRATA_BIN(Sub, kIdSub)
STRATA_BIN(Mul, kIdImul)
STRATA_BIN(And, kIdAnd)
STRATA_BIN(Or, kIdOr)
STRATA_BIN(Xor, kIdXor)
#undef STRATA_BIN

// rdx:rax = rax * c; the high half is the result.
void emit_MulH(Emitter& e, const isa::Insn& in) {
  e.load_rax(b_of(in.word));
  e.a.emit(x86::Inst::kIdMov, x86::rcx, e.opnd(c_of(in.word)));
  e.a.imul(x86::rdx, x86::rax, x86::rcx);
  e.a.emit(x86::Inst::kIdMov, e.opnd(a_of(in.word)), x86::rdx);
}
void emit_MulHU(Emitter& e, const isa::Insn& in) {
  e.load_rax(b_of(in.word));
  e.a.emit(x86::Inst::kIdMov, x86::rcx, e.opnd(c_of(in.word)));
  e.a.mul(x86::rdx, x86::rax, x86::rcx);
  e.a.emit(x86::Inst::kIdMov, e.opnd(a_of(in.word)), x86::rdx);
}

void emit_Div(Emitter& e, const isa::Insn& in) {
  divide(e, in, true, false);
}
void emit_Rem(Emitter& e, const isa::Insn& in) {
  divide(e, in, true, true);
}
void emit_DivU(Emitter& e, const isa::Insn& in) {
  divide(e, in, false, false);
}
void emit_RemU(Emitter& e, const isa::Insn& in) {
  divide(e, in, false, true);
}

void emit_Shl(Emitter& e, const isa::Insn& in) {
  shift(e, in, x86::Inst::kIdShl);
}
void emit_Shr(Emitter& e, const isa::Insn& in) {
  shift(e, in, x86::Inst::kIdShr);
}
void emit_Sar(Emitter& e, const isa::Insn& in) {
  shift(e, in, x86::Inst::kIdSar);
}

void emit_Neg(Emitter& e, const isa::Insn& in) {
  in_place(e, in, [&](x86::Gp d) { e.a.neg(d); });
}
void emit_Not(Emitter& e, const isa::Insn& in) {
  in_place(e, in, [&](x86::Gp d) { e.a.not_(d); });
}

#define STRATA_IMM(Name, body)                        \
  void emit_##Name(Emitter& e, const isa::Insn& in) { \
    in_place(e, in, [&](x86::Gp d) { body; });        \
  }
void emit_AddI(Emitter& e, const isa::Insn& in) {
  // a = b + imm, both in registers: one lea instead of a move and an add.
  const uint16_t a = a_of(in.word), b = b_of(in.word);
  if (e.cached(a) && a != b) {
    if (const auto rb = in_register(e, b)) {
      e.a.lea(e.host(a), x86::ptr(*rb, static_cast<int32_t>(simm(in))));
      return;
    }
  }
  in_place(e, in, [&](x86::Gp d) { e.a.add(d, asmjit::imm(simm(in))); });
}
STRATA_IMM(MulI, e.a.imul(d, d, asmjit::imm(simm(in))))
STRATA_IMM(AndI, e.a.and_(d, asmjit::imm(simm(in))))
STRATA_IMM(OrI, e.a.or_(d, asmjit::imm(simm(in))))
STRATA_IMM(XorI, e.a.xor_(d, asmjit::imm(simm(in))))
#undef STRATA_IMM
void emit_ShlI(Emitter& e, const isa::Insn& in) {
  shift_imm(e, in, x86::Inst::kIdShl);
}
void emit_ShrI(Emitter& e, const isa::Insn& in) {
  // a = b >> k; a &= m with m < 2^(64-k) (the TLB entry's index): a rotate is the same once
  // masked, and BMI2's rorx writes a register other than its source (no move first).
  const uint16_t a = a_of(in.word), b = b_of(in.word);
  const unsigned k = c_of(in.word) & 63;
  const isa::Insn* n = e.next_insn();
  if (k != 0 && a != b && host_has_bmi2() && n != nullptr && n->op() == isa::Op::AndI &&
      a_of(n->word) == a && b_of(n->word) == a && simm(*n) >= 0 &&
      (static_cast<uint64_t>(simm(*n)) >> (64 - k)) == 0) {
    const asmjit::Operand src = e.rax_holds(b) ? asmjit::Operand(x86::rax) : e.opnd(b);
    const x86::Gp d = e.cached(a) ? e.host(a) : x86::Gp(x86::rax);
    e.a.emit(x86::Inst::kIdRorx, d, src, asmjit::imm(k));
    if (!e.cached(a)) e.store_rax(a);
    return;
  }
  shift_imm(e, in, x86::Inst::kIdShr);
}
void emit_SarI(Emitter& e, const isa::Insn& in) {
  shift_imm(e, in, x86::Inst::kIdSar);
}

void emit_Eq(Emitter& e, const isa::Insn& in) {
  compare(e, in, x86::CondCode::kE);
}
void emit_Ne(Emitter& e, const isa::Insn& in) {
  compare(e, in, x86::CondCode::kNE);
}
void emit_Lt(Emitter& e, const isa::Insn& in) {
  compare(e, in, x86::CondCode::kL);
}
void emit_Le(Emitter& e, const isa::Insn& in) {
  compare(e, in, x86::CondCode::kLE);
}
void emit_Gt(Emitter& e, const isa::Insn& in) {
  compare(e, in, x86::CondCode::kG);
}
void emit_Ge(Emitter& e, const isa::Insn& in) {
  compare(e, in, x86::CondCode::kGE);
}
void emit_LtU(Emitter& e, const isa::Insn& in) {
  compare(e, in, x86::CondCode::kB);
}
void emit_LeU(Emitter& e, const isa::Insn& in) {
  compare(e, in, x86::CondCode::kBE);
}
void emit_GtU(Emitter& e, const isa::Insn& in) {
  compare(e, in, x86::CondCode::kA);
}
void emit_GeU(Emitter& e, const isa::Insn& in) {
  compare(e, in, x86::CondCode::kAE);
}

void emit_Sext8(Emitter& e, const isa::Insn& in) {
  extend(
      e, in, 1, [&](x86::Gp d, x86::Mem m) { e.a.movsx(d, m); },
      [&](x86::Gp d, x86::Gp g) { e.a.movsx(d, g.r8()); });
}
void emit_Sext16(Emitter& e, const isa::Insn& in) {
  extend(
      e, in, 2, [&](x86::Gp d, x86::Mem m) { e.a.movsx(d, m); },
      [&](x86::Gp d, x86::Gp g) { e.a.movsx(d, g.r16()); });
}
void emit_Sext32(Emitter& e, const isa::Insn& in) {
  extend(
      e, in, 4, [&](x86::Gp d, x86::Mem m) { e.a.movsxd(d, m); },
      [&](x86::Gp d, x86::Gp g) { e.a.movsxd(d, g.r32()); });
}
void emit_Zext8(Emitter& e, const isa::Insn& in) {
  extend(
      e, in, 1, [&](x86::Gp d, x86::Mem m) { e.a.movzx(d.r32(), m); },
      [&](x86::Gp d, x86::Gp g) { e.a.movzx(d.r32(), g.r8()); });
}
void emit_Zext16(Emitter& e, const isa::Insn& in) {
  extend(
      e, in, 2, [&](x86::Gp d, x86::Mem m) { e.a.movzx(d.r32(), m); },
      [&](x86::Gp d, x86::Gp g) { e.a.movzx(d.r32(), g.r16()); });
}
void emit_Zext32(Emitter& e, const isa::Insn& in) {
  extend(
      e, in, 4, [&](x86::Gp d, x86::Mem m) { e.a.mov(d.r32(), m); },
      [&](x86::Gp d, x86::Gp g) { e.a.mov(d.r32(), g.r32()); });
}

}  // namespace strata::jit::baseline

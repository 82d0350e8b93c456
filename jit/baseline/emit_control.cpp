// Baseline emitters: branches, calls, returns, explicit traps (vm/interp_control.inc).
// A taken backward branch charges fuel (Emitter::branch; not under CodePromises::unlimited_fuel).
// Calls are in emit_call.cpp.
#include "jit/baseline/emitter.hpp"
#include "jit/baseline/runtime.hpp"

namespace strata::jit::baseline {

namespace {

using isa::a_of;
using isa::b_of;
using isa::c_of;
using CC = x86::CondCode;

const void* fnp(auto* f) {
  return reinterpret_cast<const void*>(f);
}

void int_branch(Emitter& e, const isa::Insn& in, CC cc) {
  const uint16_t x = a_of(in.word), y = b_of(in.word);
  // A cached left operand is compared where it is (a TLB tag against the page it should be).
  if (e.cached(x) && !e.rax_holds(x)) {
    if (e.known_zero(y))
      e.a.test(e.host(x), e.host(x));
    else
      e.a.emit(x86::Inst::kIdCmp, e.host(x),
               e.rax_holds(y) ? asmjit::Operand(x86::rax) : e.opnd(y));
    e.branch(in.pc, isa::sc_of(in.word), cc);
    return;
  }
  e.load_rax(x);
  // A compare with the promised zero register (RV64 units' `bge x, x0`, their slice checks).
  if (e.known_zero(b_of(in.word)))
    e.a.test(x86::rax, x86::rax);
  else
    e.a.emit(x86::Inst::kIdCmp, x86::rax, e.opnd(b_of(in.word)));
  e.branch(in.pc, isa::sc_of(in.word), cc);
}
// Taken when (x cc y) with x = reg lhs, y = reg rhs and cc "above"/"above or equal" after
// ucomisd x, y: never taken on NaN (CF=1).
void float_branch(Emitter& e, const isa::Insn& in, uint16_t lhs, uint16_t rhs, CC cc) {
  e.to_xmm(x86::xmm0, lhs);
  e.a.emit(x86::Inst::kIdUcomisd, x86::xmm0, e.xmm_src(x86::xmm1, rhs));
  e.branch(in.pc, isa::sc_of(in.word), cc);
}
void zero_branch(Emitter& e, const isa::Insn& in, CC cc) {
  const uint16_t a = a_of(in.word);
  if (e.cached(a))
    e.a.test(e.host(a), e.host(a));
  else
    e.a.cmp(e.reg(a), asmjit::imm(0));
  e.branch(in.pc, isa::sbc_of(in.word), cc);
}

}  // namespace

void emit_Jmp(Emitter& e, const isa::Insn& in) {
  e.branch(in.pc, isa::sbc_of(in.word), CC::kE, /*always=*/true);
}
void emit_Bnz(Emitter& e, const isa::Insn& in) {
  zero_branch(e, in, CC::kNE);
}
void emit_Bz(Emitter& e, const isa::Insn& in) {
  zero_branch(e, in, CC::kE);
}
void emit_Beq(Emitter& e, const isa::Insn& in) {
  int_branch(e, in, CC::kE);
}
void emit_Bne(Emitter& e, const isa::Insn& in) {
  int_branch(e, in, CC::kNE);
}
void emit_Blt(Emitter& e, const isa::Insn& in) {
  int_branch(e, in, CC::kL);
}
void emit_Ble(Emitter& e, const isa::Insn& in) {
  int_branch(e, in, CC::kLE);
}
void emit_Bgt(Emitter& e, const isa::Insn& in) {
  int_branch(e, in, CC::kG);
}
void emit_Bge(Emitter& e, const isa::Insn& in) {
  int_branch(e, in, CC::kGE);
}
void emit_BltU(Emitter& e, const isa::Insn& in) {
  int_branch(e, in, CC::kB);
}
void emit_BgeU(Emitter& e, const isa::Insn& in) {
  int_branch(e, in, CC::kAE);
}
void emit_BfLt(Emitter& e, const isa::Insn& in) {  // a < b  <=>  b > a
  float_branch(e, in, b_of(in.word), a_of(in.word), CC::kA);
}
void emit_BfLe(Emitter& e, const isa::Insn& in) {
  float_branch(e, in, b_of(in.word), a_of(in.word), CC::kAE);
}
void emit_BfGt(Emitter& e, const isa::Insn& in) {
  float_branch(e, in, a_of(in.word), b_of(in.word), CC::kA);
}
void emit_BfGe(Emitter& e, const isa::Insn& in) {
  float_branch(e, in, a_of(in.word), b_of(in.word), CC::kAE);
}
void emit_BNull(Emitter& e, const isa::Insn& in) {
  zero_branch(e, in, CC::kE);
}
void emit_BNonNull(Emitter& e, const isa::Insn& in) {
  zero_branch(e, in, CC::kNE);
}

void emit_Ret(Emitter& e, const isa::Insn& in) {
  if (ChainSlot* slot = e.chain_slot(in.pc)) {
    emit_chained_ret(e, in, slot);
    return;
  }
  if (const ChainLink* links = e.chain_links()) {
    emit_linked_ret(e, in, links, e.chain_recent());
    return;
  }
  if (e.finds_next()) {
    emit_found_ret(e, in);
    return;
  }
  e.load_rax(a_of(in.word));
  e.restore_pinned();
  e.a.mov(x86::qword_ptr(x86::r12, offsetof(vm::ExecState, jit_retval)), x86::rax);
  e.ret_status(static_cast<uint32_t>(vm::ExecStatus::Returned));
}
void emit_RetV(Emitter& e, const isa::Insn&) {
  e.ret_status(static_cast<uint32_t>(vm::ExecStatus::Returned));
}
void emit_Trap(Emitter& e, const isa::Insn& in) {
  e.save_pc(in.pc);
  e.helper_args();
  e.a.mov(x86::edx, asmjit::imm(c_of(in.word)));
  e.call_fn(fnp(&rt::trap_explicit));
  e.a.jmp(e.exit_label());
}

}  // namespace strata::jit::baseline

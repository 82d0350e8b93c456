// System-mode privileged instructions (translate_sys.hpp). mret, sret and wfi end the unit with
// their special exit; the hart performs them (legality for the current privilege included)
// from the state page, which the exit's writeback has made current, and the unit counts only
// the instructions before them (vm/rv64sys/sys_layout.hpp, "Retired instructions").
//
// CSR instructions and sfence.vma are helper calls instead: Linux runs hundreds of thousands of
// them per boot (SIE toggles around critical sections, the trap CSRs on every trap), and an exit
// each costs a return to the hart's loop and a unit lookup. The hart tells the unit to leave
// after one only when the unit's assumptions no longer hold (SysExit::Done).
#include "jit/rv64/translate_int.hpp"
#include "jit/rv64/translate_sys.hpp"

namespace strata::jit::rv64 {

using isa::Op;
using isa::rv64::DecodedInsn;
using isa::rv64::Opcode;
using vm::rv64sys::SysExit;
namespace state = vm::rv64::state;

namespace {

// fflags, frm, fcsr: the translator keeps them inline on the state page in both modes.
bool is_fp_csr(uint16_t csr) {
  return csr == 0x001 || csr == 0x002 || csr == 0x003;
}

// Bound of the words of one CSR exit: Done test (2), mov (1), jmp (1).
constexpr size_t kCsrExitWords = 6;

}  // namespace

bool translate_privileged(BlockBuilder& b, const DecodedInsn& in, uint64_t pc, unsigned index) {
  switch (in.op) {
    case Opcode::Mret: emit_special_exit(b, SysExit::Mret, pc, 0, index); return true;
    case Opcode::Sret: emit_special_exit(b, SysExit::Sret, pc, 0, index); return true;
    case Opcode::Wfi: emit_special_exit(b, SysExit::Wfi, pc, 0, index); return true;
    default: return false;
  }
}

bool SysEmitter::translate_csr_sfence(const DecodedInsn& in, uint64_t pc, unsigned index) {
  const bool sfence = in.op == Opcode::SfenceVma;
  const bool imm = in.op == Opcode::Csrrwi || in.op == Opcode::Csrrsi || in.op == Opcode::Csrrci;
  const bool csr =
      imm || in.op == Opcode::Csrrw || in.op == Opcode::Csrrs || in.op == Opcode::Csrrc;
  if (!sfence && (!csr || is_fp_csr(in.csr))) return false;
  // rs1 is read before rd is written (they may be the same register). The ASID (sfence.vma's
  // rs2) is not passed: the software TLB is not tagged by ASID.
  const uint16_t src = imm || in.rs1 == 0 ? BlockBuilder::kZero : b_.xreg(in.rs1);
  const uint16_t bits = b_.tmp(), pc_reg = b_.tmp(), status = b_.tmp();
  b_.load_const(bits, in.raw);
  b_.load_const(pc_reg, pc, status);
  if (sfence) {
    b_.call_helper(Helper::SysSfence, 0, {bits, src, pc_reg});
    emit_exit_check(status, index);
    return true;
  }
  // cycle/instret/minstret read the count before this instruction, which only the unit knows.
  const uint16_t count = b_.tmp(), res = b_.tmp();
  b_.emit(Op::AddI, count, b_.instret_reg(), static_cast<uint16_t>(index));
  b_.call_helper(Helper::SysCsr, res, {bits, src, pc_reg, count});
  CsrExit c{b_.new_label(), index, status, res, in.rd != 0 ? b_.xdef(in.rd) : uint16_t{0},
            in.rd != 0};
  b_.emit(Op::LdI64, status, BlockBuilder::kZero, state::kExit);
  b_.branch1(Op::Bnz, status, c.entry);
  if (in.rd != 0) b_.emit(Op::Mov, c.dst, res);
  // The fault exit is made now, while its instret count is known to be needed.
  fault_exit(index);
  csr_exits_.push_back(c);
  pending_words_ += kCsrExitWords;
  return true;
}

void SysEmitter::emit_csr_exit(const CsrExit& c) {
  b_.bind(c.entry);
  const BlockBuilder::Label out = fault_exit(c.retired);
  if (c.writes_rd) {
    // A trap leaves rd as it was; Done means the instruction completed.
    b_.emit(Op::AddI, c.status, c.status,
            static_cast<uint16_t>(-static_cast<int64_t>(SysExit::Done)));
    b_.branch1(Op::Bnz, c.status, out);
    b_.emit(Op::Mov, c.dst, c.res);
  }
  b_.branch1(Op::Jmp, 0, out);
}

}  // namespace strata::jit::rv64

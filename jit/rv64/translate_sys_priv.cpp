// System-mode privileged instructions → special exits (translate_sys.hpp). The hart performs
// them (legality for the current privilege included) from the state page, which the exit's
// writeback has made current; the unit counts only the instructions before them
// (vm/rv64sys/sys_layout.hpp, "Retired instructions").
#include "jit/rv64/translate_int.hpp"
#include "jit/rv64/translate_sys.hpp"

namespace strata::jit::rv64 {

using isa::rv64::DecodedInsn;
using isa::rv64::Opcode;
using vm::rv64sys::SysExit;

namespace {

// fflags, frm, fcsr: the translator keeps them inline on the state page in both modes.
bool is_fp_csr(uint16_t csr) {
  return csr == 0x001 || csr == 0x002 || csr == 0x003;
}

}  // namespace

bool translate_privileged(BlockBuilder& b, const DecodedInsn& in, uint64_t pc, unsigned index) {
  switch (in.op) {
    case Opcode::Mret: emit_special_exit(b, SysExit::Mret, pc, 0, index); return true;
    case Opcode::Sret: emit_special_exit(b, SysExit::Sret, pc, 0, index); return true;
    case Opcode::Wfi: emit_special_exit(b, SysExit::Wfi, pc, 0, index); return true;
    case Opcode::SfenceVma:
      // The ASID (rs2) is not passed: the software TLB is not tagged by ASID.
      if (in.rs1 == 0) {
        emit_special_exit(b, SysExit::SfenceVma, pc, ~uint64_t{0}, index);
      } else {
        emit_special_exit_reg(b, SysExit::SfenceVma, pc, b.xreg(in.rs1), index);
      }
      return true;
    case Opcode::Csrrw:
    case Opcode::Csrrs:
    case Opcode::Csrrc:
    case Opcode::Csrrwi:
    case Opcode::Csrrsi:
    case Opcode::Csrrci:
      if (is_fp_csr(in.csr)) return false;
      emit_special_exit(b, SysExit::Csr, pc, in.raw, index);
      return true;
    default: return false;
  }
}

}  // namespace strata::jit::rv64

// Integer loads and stores → SVI (translate_int.hpp).
//
// GUEST: the address rs1 + imm is hostile. guest_mem() turns it into a linear base register and
// offset and the SVI load/store right after it bounds-checks their sum: an address below
// kGuestOrigin wraps to a huge offset and traps like one past the end. Misaligned accesses are
// allowed by SVI, so they just work (RISC-V permits that for user code).
#include "jit/rv64/translate_int.hpp"

namespace strata::jit::rv64 {

using isa::Op;
using isa::rv64::DecodedInsn;
using isa::rv64::Opcode;

bool translate_mem(BlockBuilder& b, const DecodedInsn& in) {
  Op op;
  bool load = true;
  switch (in.op) {
    case Opcode::Lb: op = Op::LdI8; break;
    case Opcode::Lh: op = Op::LdI16; break;
    case Opcode::Lw: op = Op::LdI32; break;
    case Opcode::Ld: op = Op::LdI64; break;
    case Opcode::Lbu: op = Op::LdU8; break;
    case Opcode::Lhu: op = Op::LdU16; break;
    case Opcode::Lwu: op = Op::LdU32; break;
    case Opcode::Sb: op = Op::StI8, load = false; break;
    case Opcode::Sh: op = Op::StI16, load = false; break;
    case Opcode::Sw: op = Op::StI32, load = false; break;
    case Opcode::Sd: op = Op::StI64, load = false; break;
    default: return false;
  }
  if (load) {
    // A load into x0 still accesses memory (and may fault): xdef(0) is a scratch register.
    const auto [base, off] = b.guest_mem(in.rs1, in.imm);
    b.emit(op, b.xdef(in.rd), base, off);
  } else {
    const uint16_t value = b.xreg(in.rs2);
    const auto [base, off] = b.guest_mem(in.rs1, in.imm);
    b.emit(op, base, value, off);
  }
  return true;
}

}  // namespace strata::jit::rv64

// RV64I computation → SVI (translate_int.hpp). Writes to x0 are dropped here rather than sent
// to a scratch register: none of these instructions has a side effect besides rd.
#include "jit/rv64/translate_int.hpp"

namespace strata::jit::rv64 {

using isa::Op;
using isa::rv64::DecodedInsn;
using isa::rv64::Opcode;

namespace {

uint16_t imm16(int64_t imm) {  // RISC-V I-type immediates are 12-bit: they fit S16
  return static_cast<uint16_t>(static_cast<int16_t>(imm));
}

// rd = rs1 op imm, where SVI has a register-immediate form.
bool alu_imm(BlockBuilder& b, const DecodedInsn& in) {
  Op op;
  switch (in.op) {
    case Opcode::Addi: op = Op::AddI; break;
    case Opcode::Xori: op = Op::XorI; break;
    case Opcode::Ori: op = Op::OrI; break;
    case Opcode::Andi: op = Op::AndI; break;
    case Opcode::Slli: op = Op::ShlI; break;
    case Opcode::Srli: op = Op::ShrI; break;
    case Opcode::Srai: op = Op::SarI; break;
    default: return false;
  }
  const uint16_t s = b.xreg(in.rs1);
  b.emit(op, b.xdef(in.rd), s, imm16(in.imm));
  return true;
}

bool alu_reg(BlockBuilder& b, const DecodedInsn& in) {
  Op op;
  switch (in.op) {
    case Opcode::Add: op = Op::Add; break;
    case Opcode::Sub: op = Op::Sub; break;
    case Opcode::Sll: op = Op::Shl; break;  // SVI masks the amount mod 64, as RV64 does
    case Opcode::Srl: op = Op::Shr; break;
    case Opcode::Sra: op = Op::Sar; break;
    case Opcode::Slt: op = Op::Lt; break;
    case Opcode::Sltu: op = Op::LtU; break;
    case Opcode::Xor: op = Op::Xor; break;
    case Opcode::Or: op = Op::Or; break;
    case Opcode::And: op = Op::And; break;
    default: return false;
  }
  const uint16_t s1 = b.xreg(in.rs1), s2 = b.xreg(in.rs2);
  b.emit(op, b.xdef(in.rd), s1, s2);
  return true;
}

// W forms: a 32-bit operation whose result is sign-extended from bit 31.
bool alu_word(BlockBuilder& b, const DecodedInsn& in) {
  const uint16_t s1 = b.xreg(in.rs1);
  switch (in.op) {
    case Opcode::Addiw: {
      const uint16_t d = b.xdef(in.rd);
      b.emit(Op::AddI, d, s1, imm16(in.imm));
      b.emit(Op::Sext32, d, d);
      return true;
    }
    case Opcode::Slliw: {
      const uint16_t d = b.xdef(in.rd);
      b.emit(Op::ShlI, d, s1, static_cast<uint16_t>(in.imm & 31));
      b.emit(Op::Sext32, d, d);
      return true;
    }
    case Opcode::Srliw: {
      const uint16_t d = b.xdef(in.rd);
      b.emit(Op::Zext32, d, s1);
      b.emit(Op::ShrI, d, d, static_cast<uint16_t>(in.imm & 31));
      // Shifted by one or more, the 32-bit value's bit 31 is clear: sign-extending it changes
      // nothing (the rotates of sha256 and other 32-bit hashes are mostly these).
      if ((in.imm & 31) == 0) b.emit(Op::Sext32, d, d);
      return true;
    }
    case Opcode::Sraiw: {
      const uint16_t d = b.xdef(in.rd);
      b.emit(Op::Sext32, d, s1);
      b.emit(Op::SarI, d, d, static_cast<uint16_t>(in.imm & 31));
      return true;
    }
    case Opcode::Addw:
    case Opcode::Subw: {
      const uint16_t s2 = b.xreg(in.rs2), d = b.xdef(in.rd);
      b.emit(in.op == Opcode::Addw ? Op::Add : Op::Sub, d, s1, s2);
      b.emit(Op::Sext32, d, d);
      return true;
    }
    case Opcode::Sllw:
    case Opcode::Srlw:
    case Opcode::Sraw: {
      // The amount is rs2[4:0]; it is taken before rd is written (rd may be rs2).
      const uint16_t amt = b.tmp();
      b.emit(Op::AndI, amt, b.xreg(in.rs2), 31);
      const uint16_t d = b.xdef(in.rd);
      if (in.op == Opcode::Sllw) {
        b.emit(Op::Shl, d, s1, amt);
        b.emit(Op::Sext32, d, d);
      } else if (in.op == Opcode::Srlw) {
        b.emit(Op::Zext32, d, s1);
        b.emit(Op::Shr, d, d, amt);
        b.emit(Op::Sext32, d, d);
      } else {
        b.emit(Op::Sext32, d, s1);
        b.emit(Op::Sar, d, d, amt);
      }
      return true;
    }
    default: return false;
  }
}

}  // namespace

bool translate_alu(BlockBuilder& b, const DecodedInsn& in, uint64_t pc) {
  switch (in.op) {
    case Opcode::Lui:
    case Opcode::Auipc:
    case Opcode::Slti:
    case Opcode::Sltiu:
    case Opcode::Addi:
    case Opcode::Xori:
    case Opcode::Ori:
    case Opcode::Andi:
    case Opcode::Slli:
    case Opcode::Srli:
    case Opcode::Srai:
    case Opcode::Add:
    case Opcode::Sub:
    case Opcode::Sll:
    case Opcode::Srl:
    case Opcode::Sra:
    case Opcode::Slt:
    case Opcode::Sltu:
    case Opcode::Xor:
    case Opcode::Or:
    case Opcode::And:
    case Opcode::Addiw:
    case Opcode::Slliw:
    case Opcode::Srliw:
    case Opcode::Sraiw:
    case Opcode::Addw:
    case Opcode::Subw:
    case Opcode::Sllw:
    case Opcode::Srlw:
    case Opcode::Sraw: break;
    default: return false;
  }
  if (in.rd == 0) return true;  // a hint or a nop: nothing observable

  switch (in.op) {
    case Opcode::Lui: b.load_const(b.xdef(in.rd), static_cast<uint64_t>(in.imm)); return true;
    case Opcode::Auipc:
      b.load_const(b.xdef(in.rd), pc + static_cast<uint64_t>(in.imm));
      return true;
    case Opcode::Slti:
    case Opcode::Sltiu: {
      const uint16_t k = b.tmp();
      b.load_const(k, static_cast<uint64_t>(in.imm));
      const uint16_t s = b.xreg(in.rs1);
      b.emit(in.op == Opcode::Slti ? Op::Lt : Op::LtU, b.xdef(in.rd), s, k);
      return true;
    }
    default: break;
  }
  return alu_imm(b, in) || alu_reg(b, in) || alu_word(b, in);
}

}  // namespace strata::jit::rv64

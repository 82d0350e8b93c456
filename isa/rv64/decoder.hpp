// RV64GC instruction decoder: one guest instruction word -> DecodedInsn.
//
// Called once per guest instruction at translation time, so it is a pure function over the
// bits: switches on the opcode fields, no allocation, no strings. Compressed instructions are
// expanded to the base instruction they stand for (the spec's "expansion"), so consumers see
// only base opcodes; `length` and `raw` keep what the guest actually had.
//
// Instruction word layouts (RISC-V unprivileged spec, chapter 2; bit 0 on the right):
//
//    31        25 24   20 19   15 14  12 11        7 6      0
//   |  funct7    |  rs2  |  rs1  |funct3|    rd     | opcode |  R
//   |  imm[11:0]         |  rs1  |funct3|    rd     | opcode |  I
//   | imm[11:5]  |  rs2  |  rs1  |funct3| imm[4:0]  | opcode |  S
//   |i12|imm10:5 |  rs2  |  rs1  |funct3|imm4:1|i11 | opcode |  B
//   |  imm[31:12]                       |    rd     | opcode |  U
//   |i20| imm[10:1]  |i11| imm[19:12]   |    rd     | opcode |  J
//   |  rs3  |fmt|  rs2  |  rs1  |  rm  |    rd     | opcode |  R4 (fused multiply-add)
//
// A 16-bit parcel whose low two bits are not 11 is a compressed instruction.
#pragma once

#include <cstdint>

namespace strata::isa::rv64 {

enum class Opcode : uint16_t {
#define STRATA_RV_OP(name, mnem, fmt, d, s1, s2, flags) name,
#include "isa/rv64/opcodes.def"
#undef STRATA_RV_OP
};

inline constexpr int kOpcodeCount = 0
#define STRATA_RV_OP(name, mnem, fmt, d, s1, s2, flags) +1
#include "isa/rv64/opcodes.def"
#undef STRATA_RV_OP
    ;

// Operand layout of an opcode (see opcodes.def).
enum class Format : uint8_t {
  None,
  R,
  I,
  Sh,
  U,
  Ld,
  St,
  Br,
  Jal,
  Jalr,
  Csr,
  CsrI,
  Amo,
  Lr,
  F2,
  F2m,
  F3,
  F3m,
  F4m,
  Fence,
  Sfv
};

// Register file of an operand.
enum class RegFile : uint8_t { N, X, F };

// OpInfo::flags bits (meanings in opcodes.def).
inline constexpr uint32_t kRm = 1u << 0;
inline constexpr uint32_t kExact = 1u << 1;
inline constexpr uint32_t kBranch = 1u << 2;
inline constexpr uint32_t kJump = 1u << 3;
inline constexpr uint32_t kLoad = 1u << 4;
inline constexpr uint32_t kStore = 1u << 5;
inline constexpr uint32_t kAtomic = 1u << 6;
inline constexpr uint32_t kFloat = 1u << 7;
inline constexpr uint32_t kSystem = 1u << 8;
inline constexpr uint32_t kCsr = 1u << 9;
inline constexpr uint32_t kWord = 1u << 10;

struct OpInfo {
  const char* mnemonic;  // the base (non-alias) mnemonic
  Format format;
  RegFile rd, rs1, rs2;  // rs2's file is also rs3's for F4m
  uint32_t flags;
};

const OpInfo& op_info(Opcode op);

// Rounding modes (the rm field). 5 and 6 are reserved; Dyn reads frm at run time.
enum class RoundingMode : uint8_t { Rne = 0, Rtz = 1, Rdn = 2, Rup = 3, Rmm = 4, Dyn = 7 };

struct DecodedInsn {
  Opcode op = Opcode::Illegal;
  uint8_t rd = 0, rs1 = 0, rs2 = 0, rs3 = 0;  // register numbers 0..31 (x or f per op_info)
  uint8_t rm = 0;                             // rounding mode, for kRm opcodes (funct3)
  uint8_t length = 4;  // bytes the guest instruction occupies: 2 (compressed) or 4
  bool aq = false;     // A extension ordering bits
  bool rl = false;
  // Rounding mode 5 or 6 on a kRm opcode: the encoding decodes, but executing it must raise
  // an illegal-instruction exception (spec: "reserved for future use").
  bool reserved_rm = false;
  uint16_t csr = 0;  // CSR number, for kCsr opcodes
  // Immediate, sign-extended as the spec says: I/S/B/J offsets in bytes (branch and jump
  // targets are pc + imm); U-type the full value (imm[31:12] << 12, sign-extended to 64);
  // shifts the shift amount; CsrI the zero-extended 5-bit zimm; Fence the raw 12-bit field.
  int64_t imm = 0;
  uint32_t raw = 0;  // the instruction bits as fetched (low 16 only when length == 2)
};

// Length of the instruction starting with this 16-bit parcel: 2 (compressed) or 4. Longer
// encodings (low bits 11111) are not part of RV64GC; they report 4 and decode as Illegal.
constexpr int insn_length(uint16_t first_halfword) {
  return (first_halfword & 3) == 3 ? 4 : 2;
}

// Decodes one instruction. For a compressed one pass the parcel in the low 16 bits (the high
// bits are ignored). Reserved or unknown encodings give op == Opcode::Illegal (with length and
// raw still set), which the translator turns into an illegal-instruction trap.
DecodedInsn decode(uint32_t raw_bits);

// Expands a 16-bit compressed instruction (low two bits not 11).
DecodedInsn decode_compressed(uint16_t bits);

}  // namespace strata::isa::rv64

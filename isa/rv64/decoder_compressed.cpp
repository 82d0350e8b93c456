// RV64C: expands each 16-bit instruction to the base instruction it stands for.
//
// Compressed layouts (bits 15..0; rd'/rs1'/rs2' are 3-bit fields naming x8..x15 or f8..f15):
//   CR  | funct4 | rd/rs1 | rs2 | op |      CI  | f3 |imm| rd/rs1 | imm | op |
//   CSS | f3 |   imm    | rs2 | op |        CIW | f3 |  imm   | rd' | op |
//   CL/CS | f3 | imm | rs1' | imm | rd'/rs2' | op |    CB | f3 | off | rs1' | off | op |
//   CJ  | f3 |      jump target      | op |
// Immediates are scrambled across the word; each helper below puts the pieces back in order.
// Reserved encodings decode to Illegal; HINT encodings (which must execute as no-ops of the
// expanded form, e.g. c.li x0) decode normally.
#include "isa/rv64/decoder.hpp"

namespace strata::isa::rv64 {
namespace {

constexpr uint32_t bits(uint32_t w, int hi, int lo) {
  return (w >> lo) & ((1u << (hi - lo + 1)) - 1);
}
// Sign-extends the low `width` bits of v.
constexpr int64_t sext(uint32_t v, int width) {
  return static_cast<int64_t>(static_cast<uint64_t>(v) << (64 - width)) >> (64 - width);
}

constexpr uint8_t reg_p(uint32_t field) {
  return static_cast<uint8_t>(field + 8);
}

// CI-format 6-bit immediate: imm[5] = bit 12, imm[4:0] = bits 6:2.
constexpr uint32_t ci_imm(uint32_t w) {
  return (bits(w, 12, 12) << 5) | bits(w, 6, 2);
}
// c.addi4spn: nzuimm[5:4|9:6|2|3] in bits 12:5.
constexpr uint32_t ciw_imm(uint32_t w) {
  return (bits(w, 12, 11) << 4) | (bits(w, 10, 7) << 6) | (bits(w, 6, 6) << 2) |
         (bits(w, 5, 5) << 3);
}
// c.lw/c.sw: uimm[5:3] bits 12:10, uimm[2] bit 6, uimm[6] bit 5.
constexpr uint32_t cl_w_imm(uint32_t w) {
  return (bits(w, 12, 10) << 3) | (bits(w, 6, 6) << 2) | (bits(w, 5, 5) << 6);
}
// c.ld/c.sd/c.fld/c.fsd: uimm[5:3] bits 12:10, uimm[7:6] bits 6:5.
constexpr uint32_t cl_d_imm(uint32_t w) {
  return (bits(w, 12, 10) << 3) | (bits(w, 6, 5) << 6);
}
// c.addi16sp: nzimm[9] bit 12, [4] bit 6, [6] bit 5, [8:7] bits 4:3, [5] bit 2.
constexpr int64_t addi16sp_imm(uint32_t w) {
  return sext((bits(w, 12, 12) << 9) | (bits(w, 6, 6) << 4) | (bits(w, 5, 5) << 6) |
                  (bits(w, 4, 3) << 7) | (bits(w, 2, 2) << 5),
              10);
}
// c.j: offset[11|4|9:8|10|6|7|3:1|5] in bits 12:2.
constexpr int64_t cj_imm(uint32_t w) {
  return sext((bits(w, 12, 12) << 11) | (bits(w, 11, 11) << 4) | (bits(w, 10, 9) << 8) |
                  (bits(w, 8, 8) << 10) | (bits(w, 7, 7) << 6) | (bits(w, 6, 6) << 7) |
                  (bits(w, 5, 3) << 1) | (bits(w, 2, 2) << 5),
              12);
}
// c.beqz/c.bnez: offset[8|4:3] bits 12:10, offset[7:6|2:1|5] bits 6:2.
constexpr int64_t cb_imm(uint32_t w) {
  return sext((bits(w, 12, 12) << 8) | (bits(w, 11, 10) << 3) | (bits(w, 6, 5) << 6) |
                  (bits(w, 4, 3) << 1) | (bits(w, 2, 2) << 5),
              9);
}
// c.lwsp: uimm[5] bit 12, [4:2] bits 6:4, [7:6] bits 3:2.
constexpr uint32_t lwsp_imm(uint32_t w) {
  return (bits(w, 12, 12) << 5) | (bits(w, 6, 4) << 2) | (bits(w, 3, 2) << 6);
}
// c.ldsp/c.fldsp: uimm[5] bit 12, [4:3] bits 6:5, [8:6] bits 4:2.
constexpr uint32_t ldsp_imm(uint32_t w) {
  return (bits(w, 12, 12) << 5) | (bits(w, 6, 5) << 3) | (bits(w, 4, 2) << 6);
}
// c.swsp: uimm[5:2] bits 12:9, [7:6] bits 8:7.  c.sdsp/c.fsdsp: uimm[5:3] 12:10, [8:6] 9:7.
constexpr uint32_t swsp_imm(uint32_t w) {
  return (bits(w, 12, 9) << 2) | (bits(w, 8, 7) << 6);
}
constexpr uint32_t sdsp_imm(uint32_t w) {
  return (bits(w, 12, 10) << 3) | (bits(w, 9, 7) << 6);
}

static_assert(cj_imm(0x1ffc) == -2 && cb_imm(0x1c7c) == -2 && addi16sp_imm(0x7101) == -512);

constexpr uint8_t kSp = 2, kRa = 1;

// Fills d as the base instruction op with the given fields; returns it for brevity.
Opcode set(DecodedInsn& d, Opcode op, uint8_t rd, uint8_t rs1, uint8_t rs2, int64_t imm) {
  d.rd = rd;
  d.rs1 = rs1;
  d.rs2 = rs2;
  d.imm = imm;
  return op;
}

Opcode quadrant0(uint32_t w, DecodedInsn& d) {
  const uint8_t rdp = reg_p(bits(w, 4, 2)), rs1p = reg_p(bits(w, 9, 7));
  switch (bits(w, 15, 13)) {
    case 0: {  // c.addi4spn; nzuimm = 0 is reserved (and 0x0000 is the defined illegal insn)
      const uint32_t imm = ciw_imm(w);
      return imm == 0 ? Opcode::Illegal : set(d, Opcode::Addi, rdp, kSp, 0, imm);
    }
    case 1: return set(d, Opcode::Fld, rdp, rs1p, 0, cl_d_imm(w));
    case 2: return set(d, Opcode::Lw, rdp, rs1p, 0, cl_w_imm(w));
    case 3: return set(d, Opcode::Ld, rdp, rs1p, 0, cl_d_imm(w));
    case 5: return set(d, Opcode::Fsd, 0, rs1p, rdp, cl_d_imm(w));
    case 6: return set(d, Opcode::Sw, 0, rs1p, rdp, cl_w_imm(w));
    case 7: return set(d, Opcode::Sd, 0, rs1p, rdp, cl_d_imm(w));
    default: return Opcode::Illegal;  // 4: reserved
  }
}

Opcode quadrant1(uint32_t w, DecodedInsn& d) {
  const uint8_t rd = static_cast<uint8_t>(bits(w, 11, 7));
  const uint8_t rdp = reg_p(bits(w, 9, 7)), rs2p = reg_p(bits(w, 4, 2));
  const int64_t imm6 = sext(ci_imm(w), 6);
  switch (bits(w, 15, 13)) {
    case 0: return set(d, Opcode::Addi, rd, rd, 0, imm6);  // c.addi / c.nop (and HINTs)
    case 1:                                                // c.addiw; rd = 0 is reserved
      return rd == 0 ? Opcode::Illegal : set(d, Opcode::Addiw, rd, rd, 0, imm6);
    case 2: return set(d, Opcode::Addi, rd, 0, 0, imm6);  // c.li
    case 3:
      if (rd == kSp) {  // c.addi16sp; nzimm = 0 is reserved
        const int64_t imm = addi16sp_imm(w);
        return imm == 0 ? Opcode::Illegal : set(d, Opcode::Addi, kSp, kSp, 0, imm);
      }
      // c.lui; nzimm = 0 is reserved; the value is imm6 << 12, sign-extended.
      return imm6 == 0 ? Opcode::Illegal : set(d, Opcode::Lui, rd, 0, 0, imm6 * 4096);
    case 4:
      switch (bits(w, 11, 10)) {
        case 0: return set(d, Opcode::Srli, rdp, rdp, 0, ci_imm(w));  // RV64: shamt[5] allowed
        case 1: return set(d, Opcode::Srai, rdp, rdp, 0, ci_imm(w));
        case 2: return set(d, Opcode::Andi, rdp, rdp, 0, imm6);
        default: {
          static constexpr Opcode kOps[8] = {Opcode::Sub,     Opcode::Xor,    Opcode::Or,
                                             Opcode::And,     Opcode::Subw,   Opcode::Addw,
                                             Opcode::Illegal, Opcode::Illegal};
          const Opcode op = kOps[(bits(w, 12, 12) << 2) | bits(w, 6, 5)];
          return op == Opcode::Illegal ? op : set(d, op, rdp, rdp, rs2p, 0);
        }
      }
    case 5: return set(d, Opcode::Jal, 0, 0, 0, cj_imm(w));  // c.j
    case 6: return set(d, Opcode::Beq, 0, rdp, 0, cb_imm(w));
    default: return set(d, Opcode::Bne, 0, rdp, 0, cb_imm(w));
  }
}

Opcode quadrant2(uint32_t w, DecodedInsn& d) {
  const uint8_t rd = static_cast<uint8_t>(bits(w, 11, 7)),
                rs2 = static_cast<uint8_t>(bits(w, 6, 2));
  switch (bits(w, 15, 13)) {
    case 0: return set(d, Opcode::Slli, rd, rd, 0, ci_imm(w));
    case 1: return set(d, Opcode::Fld, rd, kSp, 0, ldsp_imm(w));
    case 2: return rd == 0 ? Opcode::Illegal : set(d, Opcode::Lw, rd, kSp, 0, lwsp_imm(w));
    case 3: return rd == 0 ? Opcode::Illegal : set(d, Opcode::Ld, rd, kSp, 0, ldsp_imm(w));
    case 4:
      if (bits(w, 12, 12) == 0) {
        if (rs2 != 0) return set(d, Opcode::Add, rd, 0, rs2, 0);               // c.mv
        return rd == 0 ? Opcode::Illegal : set(d, Opcode::Jalr, 0, rd, 0, 0);  // c.jr
      }
      if (rs2 != 0) return set(d, Opcode::Add, rd, rd, rs2, 0);  // c.add
      if (rd == 0) return set(d, Opcode::Ebreak, 0, 0, 0, 0);
      return set(d, Opcode::Jalr, kRa, rd, 0, 0);  // c.jalr
    case 5: return set(d, Opcode::Fsd, 0, kSp, rs2, sdsp_imm(w));
    case 6: return set(d, Opcode::Sw, 0, kSp, rs2, swsp_imm(w));
    default: return set(d, Opcode::Sd, 0, kSp, rs2, sdsp_imm(w));
  }
}

}  // namespace

DecodedInsn decode_compressed(uint16_t bits16) {
  DecodedInsn d;
  d.raw = bits16;
  d.length = 2;
  const uint32_t w = bits16;
  switch (w & 3) {
    case 0: d.op = quadrant0(w, d); break;
    case 1: d.op = quadrant1(w, d); break;
    case 2: d.op = quadrant2(w, d); break;
    default: break;  // not a compressed instruction
  }
  if (d.op == Opcode::Illegal) {
    d = DecodedInsn{};
    d.raw = bits16;
    d.length = 2;
  }
  return d;
}

}  // namespace strata::isa::rv64

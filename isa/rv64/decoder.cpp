// The 32-bit RV64GC decoder. See decoder.hpp for the word layouts.
#include "isa/rv64/decoder.hpp"

namespace strata::isa::rv64 {
namespace {

constexpr OpInfo kInfo[] = {
#define STRATA_RV_OP(name, mnem, fmt, d, s1, s2, flags) \
  {mnem, Format::fmt, RegFile::d, RegFile::s1, RegFile::s2, flags},
#include "isa/rv64/opcodes.def"
#undef STRATA_RV_OP
};
static_assert(sizeof(kInfo) / sizeof(kInfo[0]) == kOpcodeCount);

constexpr uint32_t bits(uint32_t w, int hi, int lo) {
  return (w >> lo) & ((1u << (hi - lo + 1)) - 1);
}

// Immediates, sign-extended from the instruction's top bit (bit 31 is always the sign).
constexpr int64_t sign(uint32_t w, int shift) {  // bit 31 replicated from bit `shift` upwards
  return static_cast<int64_t>(static_cast<int32_t>(w) >> 31) * (int64_t{1} << shift);
}
constexpr int64_t imm_i(uint32_t w) {
  return static_cast<int32_t>(w) >> 20;
}
constexpr int64_t imm_s(uint32_t w) {
  return sign(w, 11) | (bits(w, 30, 25) << 5) | bits(w, 11, 7);
}
constexpr int64_t imm_b(uint32_t w) {
  return sign(w, 12) | (bits(w, 7, 7) << 11) | (bits(w, 30, 25) << 5) | (bits(w, 11, 8) << 1);
}
constexpr int64_t imm_u(uint32_t w) {
  return static_cast<int32_t>(w & 0xfffff000u);
}
constexpr int64_t imm_j(uint32_t w) {
  return sign(w, 20) | (bits(w, 19, 12) << 12) | (bits(w, 20, 20) << 11) | (bits(w, 30, 21) << 1);
}
static_assert(imm_b(0x80000063) == -4096 && imm_j(0x8000006f) == -(1 << 20));
static_assert(imm_s(0xfe000fa3) == -1 && imm_u(0x800000b7) == -0x80000000LL);

constexpr Opcode kLoads[8] = {Opcode::Lb,  Opcode::Lh,  Opcode::Lw,  Opcode::Ld,
                              Opcode::Lbu, Opcode::Lhu, Opcode::Lwu, Opcode::Illegal};
constexpr Opcode kStores[8] = {Opcode::Sb,      Opcode::Sh,      Opcode::Sw,      Opcode::Sd,
                               Opcode::Illegal, Opcode::Illegal, Opcode::Illegal, Opcode::Illegal};
constexpr Opcode kBranches[8] = {Opcode::Beq, Opcode::Bne, Opcode::Illegal, Opcode::Illegal,
                                 Opcode::Blt, Opcode::Bge, Opcode::Bltu,    Opcode::Bgeu};
constexpr Opcode kOpImm[8] = {Opcode::Addi, Opcode::Slli, Opcode::Slti, Opcode::Sltiu,
                              Opcode::Xori, Opcode::Srli, Opcode::Ori,  Opcode::Andi};
constexpr Opcode kOp[8] = {Opcode::Add, Opcode::Sll, Opcode::Slt, Opcode::Sltu,
                           Opcode::Xor, Opcode::Srl, Opcode::Or,  Opcode::And};
constexpr Opcode kMulDiv[8] = {Opcode::Mul, Opcode::Mulh, Opcode::Mulhsu, Opcode::Mulhu,
                               Opcode::Div, Opcode::Divu, Opcode::Rem,    Opcode::Remu};
constexpr Opcode kMulDivW[8] = {Opcode::Mulw, Opcode::Illegal, Opcode::Illegal, Opcode::Illegal,
                                Opcode::Divw, Opcode::Divuw,   Opcode::Remw,    Opcode::Remuw};
constexpr Opcode kCsrOps[8] = {Opcode::Illegal, Opcode::Csrrw,  Opcode::Csrrs,  Opcode::Csrrc,
                               Opcode::Illegal, Opcode::Csrrwi, Opcode::Csrrsi, Opcode::Csrrci};

// AMO funct5 (bits 31:27) -> opcode; dword selects the .d form.
Opcode amo_op(uint32_t funct5, bool dword) {
  auto pick = [dword](Opcode w, Opcode d) { return dword ? d : w; };
  switch (funct5) {
    case 0x00: return pick(Opcode::AmoaddW, Opcode::AmoaddD);
    case 0x01: return pick(Opcode::AmoswapW, Opcode::AmoswapD);
    case 0x02: return pick(Opcode::LrW, Opcode::LrD);
    case 0x03: return pick(Opcode::ScW, Opcode::ScD);
    case 0x04: return pick(Opcode::AmoxorW, Opcode::AmoxorD);
    case 0x08: return pick(Opcode::AmoorW, Opcode::AmoorD);
    case 0x0c: return pick(Opcode::AmoandW, Opcode::AmoandD);
    case 0x10: return pick(Opcode::AmominW, Opcode::AmominD);
    case 0x14: return pick(Opcode::AmomaxW, Opcode::AmomaxD);
    case 0x18: return pick(Opcode::AmominuW, Opcode::AmominuD);
    case 0x1c: return pick(Opcode::AmomaxuW, Opcode::AmomaxuD);
    default: return Opcode::Illegal;
  }
}

// OP-FP (major opcode 0x53). Only fmt S (00) and D (01) exist in RV64GC.
Opcode op_fp(uint32_t w) {
  const uint32_t funct7 = bits(w, 31, 25), f3 = bits(w, 14, 12), rs2 = bits(w, 24, 20);
  const bool dp = (funct7 & 1) != 0;
  auto pick = [dp](Opcode s, Opcode dd) { return dp ? dd : s; };
  switch (funct7 >> 1) {
    case 0x00: return pick(Opcode::FaddS, Opcode::FaddD);
    case 0x02: return pick(Opcode::FsubS, Opcode::FsubD);
    case 0x04: return pick(Opcode::FmulS, Opcode::FmulD);
    case 0x06: return pick(Opcode::FdivS, Opcode::FdivD);
    case 0x16: return rs2 == 0 ? pick(Opcode::FsqrtS, Opcode::FsqrtD) : Opcode::Illegal;
    case 0x08:
      if (f3 == 0) return pick(Opcode::FsgnjS, Opcode::FsgnjD);
      if (f3 == 1) return pick(Opcode::FsgnjnS, Opcode::FsgnjnD);
      if (f3 == 2) return pick(Opcode::FsgnjxS, Opcode::FsgnjxD);
      return Opcode::Illegal;
    case 0x0a:
      if (f3 == 0) return pick(Opcode::FminS, Opcode::FminD);
      if (f3 == 1) return pick(Opcode::FmaxS, Opcode::FmaxD);
      return Opcode::Illegal;
    case 0x10:  // fcvt.s.d (rs2 = 1, fmt S) / fcvt.d.s (rs2 = 0, fmt D)
      if (!dp && rs2 == 1) return Opcode::FcvtSD;
      if (dp && rs2 == 0) return Opcode::FcvtDS;
      return Opcode::Illegal;
    case 0x28:
      if (f3 == 0) return pick(Opcode::FleS, Opcode::FleD);
      if (f3 == 1) return pick(Opcode::FltS, Opcode::FltD);
      if (f3 == 2) return pick(Opcode::FeqS, Opcode::FeqD);
      return Opcode::Illegal;
    case 0x30: {  // float -> integer; rs2 selects w, wu, l, lu
      static constexpr Opcode kS[4] = {Opcode::FcvtWS, Opcode::FcvtWuS, Opcode::FcvtLS,
                                       Opcode::FcvtLuS};
      static constexpr Opcode kD[4] = {Opcode::FcvtWD, Opcode::FcvtWuD, Opcode::FcvtLD,
                                       Opcode::FcvtLuD};
      return rs2 < 4 ? (dp ? kD : kS)[rs2] : Opcode::Illegal;
    }
    case 0x34: {  // integer -> float
      static constexpr Opcode kS[4] = {Opcode::FcvtSW, Opcode::FcvtSWu, Opcode::FcvtSL,
                                       Opcode::FcvtSLu};
      static constexpr Opcode kD[4] = {Opcode::FcvtDW, Opcode::FcvtDWu, Opcode::FcvtDL,
                                       Opcode::FcvtDLu};
      return rs2 < 4 ? (dp ? kD : kS)[rs2] : Opcode::Illegal;
    }
    case 0x38:
      if (rs2 != 0) return Opcode::Illegal;
      if (f3 == 0) return pick(Opcode::FmvXW, Opcode::FmvXD);
      if (f3 == 1) return pick(Opcode::FclassS, Opcode::FclassD);
      return Opcode::Illegal;
    case 0x3c: return rs2 == 0 && f3 == 0 ? pick(Opcode::FmvWX, Opcode::FmvDX) : Opcode::Illegal;
    default: return Opcode::Illegal;
  }
}

Opcode system_op(uint32_t w) {
  if (bits(w, 14, 12) != 0) return kCsrOps[bits(w, 14, 12)];
  switch (w) {
    case 0x00000073: return Opcode::Ecall;
    case 0x00100073: return Opcode::Ebreak;
    case 0x10200073: return Opcode::Sret;
    case 0x30200073: return Opcode::Mret;
    case 0x10500073: return Opcode::Wfi;
    default: break;
  }
  if (bits(w, 31, 25) == 0x09 && bits(w, 11, 7) == 0) return Opcode::SfenceVma;
  return Opcode::Illegal;
}

Opcode decode_fields(uint32_t w, DecodedInsn& d) {
  const uint32_t f3 = bits(w, 14, 12), f7 = bits(w, 31, 25);
  switch (bits(w, 6, 0)) {
    case 0x03: d.imm = imm_i(w); return kLoads[f3];
    case 0x07:
      d.imm = imm_i(w);
      return f3 == 2 ? Opcode::Flw : f3 == 3 ? Opcode::Fld : Opcode::Illegal;
    case 0x0f:
      // Spec: rd, rs1 and unused fm values of FENCE, and rd/rs1/imm of FENCE.I, are reserved
      // for future fences and "shall be ignored" by base implementations; so they decode.
      d.imm = f3 == 0 ? bits(w, 31, 20) : 0;
      return f3 == 0 ? Opcode::Fence : f3 == 1 ? Opcode::FenceI : Opcode::Illegal;
    case 0x13:
      d.imm = imm_i(w);
      if (f3 == 1 || f3 == 5) {
        // RV64: shamt is imm[5:0]; imm[11:6] is 000000 (or 010000 for srai).
        d.imm = bits(w, 25, 20);
        const uint32_t top = bits(w, 31, 26);
        if (f3 == 1) return top == 0 ? Opcode::Slli : Opcode::Illegal;
        return top == 0 ? Opcode::Srli : top == 0x10 ? Opcode::Srai : Opcode::Illegal;
      }
      return kOpImm[f3];
    case 0x17: d.imm = imm_u(w); return Opcode::Auipc;
    case 0x1b:
      if (f3 == 0) {
        d.imm = imm_i(w);
        return Opcode::Addiw;
      }
      d.imm = bits(w, 24, 20);  // shamt[5] (bit 25) set is reserved for the W shifts
      if (f3 == 1) return f7 == 0 ? Opcode::Slliw : Opcode::Illegal;
      if (f3 == 5) return f7 == 0 ? Opcode::Srliw : f7 == 0x20 ? Opcode::Sraiw : Opcode::Illegal;
      return Opcode::Illegal;
    case 0x23: d.imm = imm_s(w); return kStores[f3];
    case 0x27:
      d.imm = imm_s(w);
      return f3 == 2 ? Opcode::Fsw : f3 == 3 ? Opcode::Fsd : Opcode::Illegal;
    case 0x2f: {
      if (f3 != 2 && f3 != 3) return Opcode::Illegal;
      d.aq = bits(w, 26, 26) != 0;
      d.rl = bits(w, 25, 25) != 0;
      const Opcode op = amo_op(bits(w, 31, 27), f3 == 3);
      if ((op == Opcode::LrW || op == Opcode::LrD) && bits(w, 24, 20) != 0) return Opcode::Illegal;
      return op;
    }
    case 0x33:
      if (f7 == 0) return kOp[f3];
      if (f7 == 1) return kMulDiv[f3];
      if (f7 == 0x20) return f3 == 0 ? Opcode::Sub : f3 == 5 ? Opcode::Sra : Opcode::Illegal;
      return Opcode::Illegal;
    case 0x37: d.imm = imm_u(w); return Opcode::Lui;
    case 0x3b:
      if (f7 == 1) return kMulDivW[f3];
      if (f7 == 0)
        return f3 == 0   ? Opcode::Addw
               : f3 == 1 ? Opcode::Sllw
               : f3 == 5 ? Opcode::Srlw
                         : Opcode::Illegal;
      if (f7 == 0x20) return f3 == 0 ? Opcode::Subw : f3 == 5 ? Opcode::Sraw : Opcode::Illegal;
      return Opcode::Illegal;
    case 0x43:
    case 0x47:
    case 0x4b:
    case 0x4f: {
      const uint32_t fmt = bits(w, 26, 25);
      if (fmt > 1) return Opcode::Illegal;
      static constexpr Opcode kFma[4][2] = {{Opcode::FmaddS, Opcode::FmaddD},
                                            {Opcode::FmsubS, Opcode::FmsubD},
                                            {Opcode::FnmsubS, Opcode::FnmsubD},
                                            {Opcode::FnmaddS, Opcode::FnmaddD}};
      d.rs3 = static_cast<uint8_t>(bits(w, 31, 27));
      return kFma[bits(w, 3, 2)][fmt];
    }
    case 0x53: return op_fp(w);
    case 0x63: d.imm = imm_b(w); return kBranches[f3];
    case 0x67: d.imm = imm_i(w); return f3 == 0 ? Opcode::Jalr : Opcode::Illegal;
    case 0x6f: d.imm = imm_j(w); return Opcode::Jal;
    case 0x73:
      d.csr = static_cast<uint16_t>(bits(w, 31, 20));
      if (f3 >= 5) d.imm = bits(w, 19, 15);
      return system_op(w);
    default: return Opcode::Illegal;
  }
}

}  // namespace

const OpInfo& op_info(Opcode op) {
  return kInfo[static_cast<int>(op)];
}

DecodedInsn decode(uint32_t raw_bits) {
  if ((raw_bits & 3) != 3) return decode_compressed(static_cast<uint16_t>(raw_bits));
  DecodedInsn d;
  d.raw = raw_bits;
  d.rd = static_cast<uint8_t>(bits(raw_bits, 11, 7));
  d.rs1 = static_cast<uint8_t>(bits(raw_bits, 19, 15));
  d.rs2 = static_cast<uint8_t>(bits(raw_bits, 24, 20));
  d.op = decode_fields(raw_bits, d);
  const OpInfo& info = op_info(d.op);
  if (info.flags & kRm) {
    d.rm = static_cast<uint8_t>(bits(raw_bits, 14, 12));
    d.reserved_rm = d.rm == 5 || d.rm == 6;
  }
  if (d.op == Opcode::Illegal) {
    d = DecodedInsn{};
    d.raw = raw_bits;
    return d;
  }
  // Fields an opcode does not use read as zero, so consumers and tests never see stray bits.
  if (info.rd == RegFile::N) d.rd = 0;
  if (info.rs1 == RegFile::N) d.rs1 = 0;
  if (info.rs2 == RegFile::N) d.rs2 = 0;
  if (!(info.flags & kCsr)) d.csr = 0;
  return d;
}

}  // namespace strata::isa::rv64

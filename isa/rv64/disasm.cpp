// The disassembler: generic rendering per operand format (opcodes.def), then objdump's aliases.
// objdump picks the first matching row of its opcode table, aliases included; the alias rules
// below reproduce the choices objdump 2.40 makes (verified by the differential test), e.g. it
// shows addi as "add rd,rs,imm" and slli as "sll rd,rs,0x<shamt>".
#include "isa/rv64/disasm.hpp"

#include <fmt/format.h>

namespace strata::isa::rv64 {
namespace {

std::string_view reg(RegFile file, unsigned r) {
  return file == RegFile::F ? f_reg_name(r) : x_reg_name(r);
}
std::string_view xr(unsigned r) {
  return x_reg_name(r);
}

std::string insn(std::string_view mnemonic, std::string_view operands = {}) {
  std::string s(mnemonic);
  if (!operands.empty()) {
    s += '\t';
    s += operands;
  }
  return s;
}

std::string target(const DecodedInsn& d, uint64_t pc) {
  return fmt::format("0x{:x}", pc + static_cast<uint64_t>(d.imm));
}

std::string csr_text(uint16_t csr) {
  const std::string_view name = csr_name(csr);
  return name.empty() ? fmt::format("0x{:x}", csr) : std::string(name);
}

// ",<rm>" unless the rounding mode is the default objdump leaves out.
std::string rm_suffix(const DecodedInsn& d) {
  const bool omitted = (op_info(d.op).flags & kExact) ? d.rm == 0 : d.rm == 7;
  return omitted ? std::string() : fmt::format(",{}", rm_name(d.rm));
}

std::string_view fence_set(unsigned bits4) {
  static constexpr std::string_view kSets[16] = {"unknown", "w",   "r",   "rw",  "o",  "ow",
                                                 "or",      "orw", "i",   "iw",  "ir", "irw",
                                                 "io",      "iow", "ior", "iorw"};
  return kSets[bits4 & 15];
}

std::string generic(const DecodedInsn& d, uint64_t pc) {
  const OpInfo& info = op_info(d.op);
  const std::string_view m = info.mnemonic;
  const auto rd = reg(info.rd, d.rd), rs1 = reg(info.rs1, d.rs1), rs2 = reg(info.rs2, d.rs2);
  switch (info.format) {
    case Format::None: return insn(m);
    case Format::R:
    case Format::F3: return insn(m, fmt::format("{},{},{}", rd, rs1, rs2));
    case Format::I: return insn(m, fmt::format("{},{},{}", rd, rs1, d.imm));
    case Format::Sh: return insn(m, fmt::format("{},{},0x{:x}", rd, rs1, d.imm));
    case Format::U: return insn(m, fmt::format("{},0x{:x}", rd, (d.imm >> 12) & 0xfffff));
    case Format::Ld: return insn(m, fmt::format("{},{}({})", rd, d.imm, rs1));
    case Format::St: return insn(m, fmt::format("{},{}({})", rs2, d.imm, rs1));
    case Format::Br: return insn(m, fmt::format("{},{},{}", rs1, rs2, target(d, pc)));
    case Format::Jal: return insn(m, fmt::format("{},{}", rd, target(d, pc)));
    case Format::Jalr: return insn(m, fmt::format("{},{}({})", rd, d.imm, rs1));
    case Format::Csr: return insn(m, fmt::format("{},{},{}", rd, csr_text(d.csr), rs1));
    case Format::CsrI: return insn(m, fmt::format("{},{},{}", rd, csr_text(d.csr), d.imm));
    case Format::Amo:
    case Format::Lr: {
      std::string name(m);
      if (d.aq)
        name += d.rl ? ".aqrl" : ".aq";
      else if (d.rl)
        name += ".rl";
      if (info.format == Format::Lr) return insn(name, fmt::format("{},({})", rd, rs1));
      return insn(name, fmt::format("{},{},({})", rd, rs2, rs1));
    }
    case Format::F2: return insn(m, fmt::format("{},{}", rd, rs1));
    case Format::F2m: return insn(m, fmt::format("{},{}{}", rd, rs1, rm_suffix(d)));
    case Format::F3m: return insn(m, fmt::format("{},{},{}{}", rd, rs1, rs2, rm_suffix(d)));
    case Format::F4m:
      return insn(m,
                  fmt::format("{},{},{},{}{}", rd, rs1, rs2, reg(info.rs2, d.rs3), rm_suffix(d)));
    case Format::Fence: {
      const unsigned pred = (d.imm >> 4) & 15, succ = d.imm & 15, fm = (d.imm >> 8) & 15;
      if (fm == 8 && pred == 3 && succ == 3) return insn("fence.tso");
      if (pred == 15 && succ == 15) return insn("fence");
      return insn(m, fmt::format("{},{}", fence_set(pred), fence_set(succ)));
    }
    case Format::Sfv:
      if (d.rs2 != 0) return insn(m, fmt::format("{},{}", rs1, rs2));
      return d.rs1 != 0 ? insn(m, rs1) : insn(m);
  }
  return insn(m);
}

// objdump's aliases for base instructions; empty when the generic form is what it prints.
std::string alias(const DecodedInsn& d, uint64_t pc) {
  const auto rd = xr(d.rd), rs1 = xr(d.rs1), rs2 = xr(d.rs2);
  switch (d.op) {
    case Opcode::Addi:
      if (d.rd == 0 && d.rs1 == 0 && d.imm == 0) return insn("nop");
      if (d.rs1 == 0) return insn("li", fmt::format("{},{}", rd, d.imm));
      if (d.imm == 0) return insn("mv", fmt::format("{},{}", rd, rs1));
      return insn("add", fmt::format("{},{},{}", rd, rs1, d.imm));
    case Opcode::Addiw:
      if (d.imm == 0) return insn("sext.w", fmt::format("{},{}", rd, rs1));
      return insn("addw", fmt::format("{},{},{}", rd, rs1, d.imm));
    case Opcode::Xori:
      if (d.imm == -1) return insn("not", fmt::format("{},{}", rd, rs1));
      return insn("xor", fmt::format("{},{},{}", rd, rs1, d.imm));
    case Opcode::Andi:
      if (d.imm == 255) return insn("zext.b", fmt::format("{},{}", rd, rs1));
      return insn("and", fmt::format("{},{},{}", rd, rs1, d.imm));
    case Opcode::Ori: return insn("or", fmt::format("{},{},{}", rd, rs1, d.imm));
    case Opcode::Sltiu:
      if (d.imm == 1) return insn("seqz", fmt::format("{},{}", rd, rs1));
      return {};
    case Opcode::Slli:
    case Opcode::Srli:
    case Opcode::Srai:
    case Opcode::Slliw:
    case Opcode::Srliw:
    case Opcode::Sraiw: {
      std::string_view m = op_info(d.op).mnemonic;  // "slli" -> "sll", "slliw" -> "sllw"
      const std::string name =
          m.back() == 'w' ? fmt::format("{}w", m.substr(0, 3)) : std::string(m.substr(0, 3));
      return insn(name, fmt::format("{},{},0x{:x}", rd, rs1, d.imm));
    }
    case Opcode::Sub:
      if (d.rs1 == 0) return insn("neg", fmt::format("{},{}", rd, rs2));
      return {};
    case Opcode::Subw:
      if (d.rs1 == 0) return insn("negw", fmt::format("{},{}", rd, rs2));
      return {};
    case Opcode::Sltu:
      if (d.rs1 == 0) return insn("snez", fmt::format("{},{}", rd, rs2));
      return {};
    case Opcode::Slt:
      if (d.rs2 == 0) return insn("sltz", fmt::format("{},{}", rd, rs1));
      if (d.rs1 == 0) return insn("sgtz", fmt::format("{},{}", rd, rs2));
      return {};
    case Opcode::Beq:
    case Opcode::Bne:
      if (d.rs2 == 0)
        return insn(d.op == Opcode::Beq ? "beqz" : "bnez",
                    fmt::format("{},{}", rs1, target(d, pc)));
      return {};
    case Opcode::Bge:
      if (d.rs1 == 0) return insn("blez", fmt::format("{},{}", rs2, target(d, pc)));
      if (d.rs2 == 0) return insn("bgez", fmt::format("{},{}", rs1, target(d, pc)));
      return {};
    case Opcode::Blt:
      if (d.rs2 == 0) return insn("bltz", fmt::format("{},{}", rs1, target(d, pc)));
      if (d.rs1 == 0) return insn("bgtz", fmt::format("{},{}", rs2, target(d, pc)));
      return {};
    case Opcode::Jal:
      if (d.rd == 0) return insn("j", target(d, pc));
      if (d.rd == 1) return insn("jal", target(d, pc));
      return {};
    case Opcode::Jalr: {
      const std::string mem = d.imm == 0 ? std::string(rs1) : fmt::format("{}({})", d.imm, rs1);
      if (d.rd == 0) return d.rs1 == 1 && d.imm == 0 ? insn("ret") : insn("jr", mem);
      if (d.rd == 1) return insn("jalr", mem);
      if (d.imm == 0) return insn("jalr", fmt::format("{},{}", rd, rs1));
      return {};
    }
    case Opcode::Csrrs:
      if (d.rs1 == 0) {
        switch (d.csr) {
          case 0x001: return insn("frflags", rd);
          case 0x002: return insn("frrm", rd);
          case 0x003: return insn("frcsr", rd);
          case 0xc00: return insn("rdcycle", rd);
          case 0xc01: return insn("rdtime", rd);
          case 0xc02: return insn("rdinstret", rd);
          default: return insn("csrr", fmt::format("{},{}", rd, csr_text(d.csr)));
        }
      }
      if (d.rd == 0) return insn("csrs", fmt::format("{},{}", csr_text(d.csr), rs1));
      return {};
    case Opcode::Csrrc:
      if (d.rd == 0) return insn("csrc", fmt::format("{},{}", csr_text(d.csr), rs1));
      return {};
    case Opcode::Csrrw: {
      if (d.raw == 0xc0001073) return insn("unimp");  // csrw cycle,zero: the canonical trap
      static constexpr std::string_view kFs[4] = {{}, "fsflags", "fsrm", "fscsr"};
      const std::string_view fs = d.csr >= 1 && d.csr <= 3 ? kFs[d.csr] : std::string_view{};
      if (d.rd == 0)
        return fs.empty() ? insn("csrw", fmt::format("{},{}", csr_text(d.csr), rs1))
                          : insn(fs, rs1);
      if (!fs.empty()) return insn(fs, fmt::format("{},{}", rd, rs1));
      return {};
    }
    case Opcode::Csrrwi:
    case Opcode::Csrrsi:
    case Opcode::Csrrci: {
      // objdump shows the immediate forms under the register forms' names.
      if (d.op == Opcode::Csrrwi && (d.csr == 1 || d.csr == 2))
        return insn(d.csr == 1 ? "fsflagsi" : "fsrmi", fmt::format("{},{}", rd, d.imm));
      const std::string_view m = op_info(d.op).mnemonic;  // "csrrwi"
      if (d.rd == 0)
        return insn(fmt::format("csr{}", m[4]), fmt::format("{},{}", csr_text(d.csr), d.imm));
      return insn(m.substr(0, 5), fmt::format("{},{},{}", rd, csr_text(d.csr), d.imm));
    }
    case Opcode::FsgnjS:
    case Opcode::FsgnjnS:
    case Opcode::FsgnjxS:
    case Opcode::FsgnjD:
    case Opcode::FsgnjnD:
    case Opcode::FsgnjxD: {
      if (d.rs1 != d.rs2) return {};
      const std::string_view m = op_info(d.op).mnemonic;  // fsgnj.s / fsgnjn.s / fsgnjx.s
      const std::string_view base = m[5] == 'n' ? "fneg" : m[5] == 'x' ? "fabs" : "fmv";
      return insn(fmt::format("{}{}", base, m.substr(m.size() - 2)),
                  fmt::format("{},{}", f_reg_name(d.rd), f_reg_name(d.rs1)));
    }
    default: return {};
  }
}

// Compressed HINTs and the compressed forms objdump renders differently from their expansion.
std::string compressed(const DecodedInsn& d) {
  const uint32_t w = d.raw & 0xffff;
  const uint32_t quadrant = w & 3, funct3 = w >> 13;
  const auto rd = xr(d.rd);
  if (quadrant == 1 && funct3 == 0) {  // c.addi / c.nop
    if (d.rd == 0) return d.imm == 0 ? insn("nop") : insn("c.nop", fmt::format("{}", d.imm));
    return insn("add", fmt::format("{},{},{}", rd, rd, d.imm));
  }
  if (quadrant == 1 && funct3 == 2 && d.rd == 0) return insn("c.li", fmt::format("zero,{}", d.imm));
  if (quadrant == 1 && funct3 == 3 && d.rd == 0)
    return insn("c.lui", fmt::format("zero,0x{:x}", (d.imm >> 12) & 0xfffff));
  if (quadrant == 1 && funct3 == 4 && d.imm == 0 && (d.op == Opcode::Srli || d.op == Opcode::Srai))
    return insn(d.op == Opcode::Srli ? "c.srli64" : "c.srai64", rd);
  if (quadrant == 2 && funct3 == 0) {
    if (d.imm == 0) return insn("c.slli64", rd);
    if (d.rd == 0) return insn("c.slli", fmt::format("zero,0x{:x}", d.imm));
  }
  if (quadrant == 2 && funct3 == 4 && d.op == Opcode::Add) {
    const bool is_mv = d.rs1 == 0 && ((w >> 12) & 1) == 0;
    if (d.rd == 0) return insn(is_mv ? "c.mv" : "c.add", fmt::format("zero,{}", xr(d.rs2)));
    if (is_mv) return insn("mv", fmt::format("{},{}", rd, xr(d.rs2)));
  }
  return {};
}

}  // namespace

std::string disassemble(const DecodedInsn& d, uint64_t pc) {
  if (d.op == Opcode::Illegal) {
    return d.length == 2 ? fmt::format(".2byte\t0x{:x}", d.raw & 0xffff)
                         : fmt::format(".4byte\t0x{:x}", d.raw);
  }
  if (d.length == 2) {
    if (std::string s = compressed(d); !s.empty()) return s;
  }
  if (std::string s = alias(d, pc); !s.empty()) return s;
  return generic(d, pc);
}

}  // namespace strata::isa::rv64

// RV64GC disassembler: text in the style of GNU objdump 2.40 (`riscv64-linux-gnu-objdump -d`),
// which the differential test compares against word for word.
//
// The output is "mnemonic<TAB>operands", with ABI register names, objdump's aliases (li, mv,
// nop, ret, j, jr, beqz, sext.w, fmv.d, csrr, frflags, ...), and compressed instructions
// shown under their base mnemonics as objdump does (c.addi -> "add a0,a0,1"; HINTs keep their
// "c." names). Branch and jump targets are absolute, "0x<hex>" (pc + offset). What is not
// reproduced: objdump's "# <address>" comments after lui/auipc pairs (they need the previous
// instructions) and its "<symbol>" annotations.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "isa/rv64/decoder.hpp"

namespace strata::isa::rv64 {

std::string disassemble(const DecodedInsn& insn, uint64_t pc);

// ABI names: x0..x31 -> zero, ra, sp, gp, tp, t0.., s0 (not fp), ...; f0..f31 -> ft0, ...
std::string_view x_reg_name(unsigned reg);
std::string_view f_reg_name(unsigned reg);
// A register as a debugger names it: "x12" or "a2", "f3" or "ft3", and "fp" (x8). Nothing for
// any other name ("x32", "x05", "rax").
struct RegName {
  bool fp = false;  // f0..f31, else x0..x31
  unsigned index = 0;
};
std::optional<RegName> parse_reg_name(std::string_view name);
// The spec's name of a CSR, or empty when it has none (objdump then prints its number).
std::string_view csr_name(uint16_t csr);
// "rne", "rtz", "rdn", "rup", "rmm", "dyn"; "unknown" for the reserved 5 and 6.
std::string_view rm_name(unsigned rm);

}  // namespace strata::isa::rv64

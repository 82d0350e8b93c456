// The SASM disassembler: in-memory SVI module -> .sasm text.
//
// Contract: assemble(disassemble(m), any_name) == m, exactly (constant pool, signature order,
// structs, register names, data, memory, imports, exports and the debug line table included),
// for every module the verifier accepts. The text uses the explicit `.sig`, `.kpool`,
// `.source` and `.line` directives where the default (order of first use) would not reproduce
// the module.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "isa/module.hpp"

namespace strata::as {

std::string disassemble(const isa::Module& m);

// One instruction of function `func` at word `pc`, written as disassemble(m) writes it
// ("blt %n, %two, L9": registers by name, a branch target as the label of its pc), `.word 0x...`
// for a word that does not decode; nullopt when pc is not where an instruction starts.
std::optional<std::string> disassemble_insn(const isa::Module& m, uint32_t func, uint32_t pc);

}  // namespace strata::as

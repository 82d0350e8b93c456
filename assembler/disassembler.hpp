// The SASM disassembler: in-memory SVI module -> .sasm text.
//
// Contract: assemble(disassemble(m), any_name) == m, exactly (constant pool, signature order,
// structs, register names, data, memory, imports, exports and the debug line table included),
// for every module the verifier accepts. The text uses the explicit `.sig`, `.kpool`,
// `.source` and `.line` directives where the default (order of first use) would not reproduce
// the module.
#pragma once

#include <string>

#include "isa/module.hpp"

namespace strata::as {

std::string disassemble(const isa::Module& m);

}  // namespace strata::as

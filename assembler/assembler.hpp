// The SASM assembler: .sasm text -> in-memory SVI module (docs/SASM.md is the language).
//
// Errors are values: the first error found, formatted `FILE:LINE:COL: error: WHAT`, with what
// was expected where that helps. Hostile input never crashes or hangs the assembler (macro
// expansion depth, include depth and literal ranges are bounded).
#pragma once

#include <string>
#include <string_view>

#include "isa/error.hpp"
#include "isa/module.hpp"

namespace strata::as {

// Assembles `source`. `filename` names the source in errors and in the debug info, and its
// directory is where `.include` looks for relative paths.
Result<isa::Module> assemble(std::string_view source, std::string_view filename);

// Reads and assembles the file at `path`; includes are relative to the including file.
Result<isa::Module> assemble_file(const std::string& path);

}  // namespace strata::as

// Kernel symbols in the System.map format, "ADDR TYPE NAME" per line (/proc/kallsyms adds a
// "[module]" column, which is ignored), for `strata repl boot --symbols FILE`: a kernel that
// ships without a symbol table still gets `break start_kernel` and symbolized addresses.
//
// The format has no sizes: a symbol is taken to reach the next higher address, so an address
// is described by the symbol it falls into as long as the map lists its neighbours.
#pragma once

#include <string>
#include <string_view>

#include "isa/error.hpp"
#include "tools/strata/monitor/elf_symbols.hpp"

namespace strata::monitor {

// Errors name the first line that is not "ADDR TYPE NAME" and a map without symbols.
Result<SymbolTable> parse_system_map(std::string_view text);

// An ELF file's .symtab (a vmlinux with symbols) or a System.map, by the file's first bytes.
Result<SymbolTable> load_kernel_symbols(const std::string& path);

}  // namespace strata::monitor

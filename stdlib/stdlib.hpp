// The SVI standard library (docs/STDLIB.md): its C++ natives and the text of its modules that
// are written in SASM. The linker resolves an import of a std module against natives() first,
// then against the exports of the assembled sasm_source() of that module.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "vm/native.hpp"

namespace strata::stdlib {

// Every native of every std module, in one table (stable order: by module, then as declared).
std::span<const vm::NativeDef> natives();

// The native (module, name), or nullptr.
const vm::NativeDef* find_native(std::string_view module, std::string_view name);

// The SASM text of a std module that has SVI code ("std.fmt", "std.str", "std.array"), built
// into the library; nullopt for a module that is only natives or does not exist.
std::optional<std::string_view> sasm_source(std::string_view module_name);

// Closes every descriptor that std.fs.open returned and the program did not close. std.fs's
// descriptor table is process-wide; a host that runs several programs in turn (the REPL, tests)
// calls this when one ends.
void close_open_files();

struct SasmModule {
  std::string_view name;  // "std.fmt"
  std::string_view file;  // "fmt.sasm", for error messages
  std::string_view source;
};
// All modules with SVI code.
std::span<const SasmModule> sasm_modules();

}  // namespace strata::stdlib

// The symbols of an ELF64 file's .symtab (functions and data objects), for `break main` and
// `main+0x10` locations. A reader of its own: vm/rv64/elf_loader parses what is loaded
// (segments), and symbols are not. The file is untrusted: every offset and size is checked; a
// file without a .symtab (stripped) gives an empty table, not an error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "isa/error.hpp"

namespace strata::monitor {

struct Symbol {
  std::string name;
  uint64_t addr = 0;
  uint64_t size = 0;
  bool is_func = false;
};

class SymbolTable {
 public:
  // Errors only when the file cannot be read or is not a little-endian ELF64.
  static Result<SymbolTable> load(const std::string& path);
  static Result<SymbolTable> parse(std::string_view bytes);
  // Symbols from another source (system_map.hpp), in any order.
  static SymbolTable from(std::vector<Symbol> syms);

  std::optional<uint64_t> address_of(std::string_view name) const;
  // "main", "main+0x10", or empty when `addr` is in no symbol.
  std::string describe(uint64_t addr) const;
  size_t size() const { return syms_.size(); }

 private:
  std::vector<Symbol> syms_;  // sorted by address
};

}  // namespace strata::monitor

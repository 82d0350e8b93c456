// Macros: definition and expansion (docs/SASM.md, "Macros").
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "assembler/cursor.hpp"

namespace strata::as {

inline constexpr int kMaxMacroDepth = 64;

struct Macro {
  std::string name;
  std::vector<Token> params;  // each a Reg or an Ident token
  std::vector<Line> body;
};

class Macros {
 public:
  // `head` is the `.macro` line (its cursor is past `.macro`), `body` the lines up to `.endm`.
  Result<void> define(Cursor& head, std::vector<Line> body);
  const Macro* find(const std::string& name) const;

  // Expands an invocation whose arguments follow in `args`. Every produced line records
  // `debug_line`. Produced tokens are charged against `token_budget`.
  Result<std::vector<Line>> expand(const Macro& m, Cursor& args, Loc at, uint32_t debug_line,
                                   uint64_t& token_budget);

 private:
  std::unordered_map<std::string, Macro> table_;
  uint64_t expansions_ = 0;  // makes @labels unique per expansion
};

}  // namespace strata::as

// SASM lexer: source text -> logical lines of tokens (docs/SASM.md, "Lexical rules").
#pragma once

#include <string_view>
#include <vector>

#include "assembler/token.hpp"

namespace strata::as {

// Never fails: a lexical error becomes a Tok::Error token that ends its line and the file,
// so that errors are still reported in source order by whoever processes the lines.
std::vector<Line> lex_lines(std::string_view text, uint32_t file);

// Name characters: letters, digits, '_' and '.'; a name does not start with a digit.
bool is_name_start(char c);
bool is_name_char(char c);
bool is_name(std::string_view s);

}  // namespace strata::as

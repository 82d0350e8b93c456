// Tokens of SASM source and where they came from.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace strata::as {

// A source position: index into the assembler's file table, 1-based line and byte column.
struct Loc {
  uint32_t file = 0;
  uint32_t line = 0;
  uint32_t col = 0;
};

enum class Tok : uint8_t {
  Ident,  // names, mnemonics and directives (".func"); text is the name
  Reg,    // %name; text is the name without '%'
  Local,  // @name (a macro-local label); text without '@'
  Int,    // integer or character literal; value in ival
  Float,  // float literal (also -inf); value in fval
  Str,    // string literal; text holds the decoded bytes
  Hash,   // #N, an explicit constant-pool index; value in ival
  Punct,  // , : ( ) { } = [ ] ->
  Error,  // a lexical error; text is the message. Always the last token of its line.
};

struct Token {
  Tok kind = Tok::Error;
  std::string text;
  int64_t ival = 0;
  double fval = 0;
  Loc loc;
  uint32_t len = 0;  // length in the source, to point just past the token

  bool is_punct(std::string_view p) const { return kind == Tok::Punct && text == p; }
  bool is_ident(std::string_view s) const { return kind == Tok::Ident && text == s; }
};

// One logical statement: the tokens of a line (or of several, joined where a line ends in ','
// or leaves a '{' open). `line` is the line recorded in the debug table for its instructions:
// its own, or that of the outermost macro invocation that produced it.
struct Line {
  std::vector<Token> toks;
  uint32_t line = 0;
};

// Short human description of a token for "unexpected ..." messages.
std::string describe(const Token& t);

}  // namespace strata::as

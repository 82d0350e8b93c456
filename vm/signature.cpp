// parse_signature: native signatures in assembler syntax, "(i64, ref) -> void".
#include <cctype>

#include "vm/program.hpp"

namespace strata::vm {

namespace {

struct Cursor {
  std::string_view s;
  size_t i = 0;
  void skip_space() {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  }
  bool eat(std::string_view tok) {
    skip_space();
    if (s.substr(i, tok.size()) != tok) return false;
    i += tok.size();
    return true;
  }
  std::string_view word() {
    skip_space();
    size_t start = i;
    while (i < s.size() && std::isalnum(static_cast<unsigned char>(s[i]))) ++i;
    return s.substr(start, i - start);
  }
  bool at_end() {
    skip_space();
    return i == s.size();
  }
};

}  // namespace

Result<isa::Signature> parse_signature(std::string_view text) {
  Cursor c{text};
  isa::Signature sig;
  if (!c.eat("(")) return fail("signature '{}': expected '('", text);
  if (!c.eat(")")) {
    for (;;) {
      std::string_view w = c.word();
      auto t = isa::val_type_from_string(w);
      if (!t) return fail("signature '{}': expected a type (i64, f64, ref), got '{}'", text, w);
      sig.params.push_back(*t);
      if (c.eat(")")) break;
      if (!c.eat(",")) return fail("signature '{}': expected ',' or ')'", text);
    }
  }
  if (c.at_end()) return sig;  // "(i64)" alone: returns nothing
  if (!c.eat("->")) return fail("signature '{}': expected '->'", text);
  std::string_view w = c.word();
  if (w != "void") {
    auto t = isa::val_type_from_string(w);
    if (!t) return fail("signature '{}': expected a result type or void, got '{}'", text, w);
    sig.result = *t;
  }
  if (!c.at_end()) return fail("signature '{}': unexpected text after the result type", text);
  return sig;
}

}  // namespace strata::vm

// Reading one statement's tokens, and turning positions into error values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "assembler/token.hpp"
#include "isa/error.hpp"

// Propagate the error of a Result<void> (STRATA_TRY needs a value).
#define STRATA_AS_CHECK(expr)                                 \
  do {                                                        \
    if (auto _strata_as_r = (expr); !_strata_as_r)            \
      return tl::unexpected(std::move(_strata_as_r.error())); \
  } while (0)

namespace strata::as {

// The names of all source files seen by one assemble() call, indexed by Loc::file.
struct Files {
  std::vector<std::string> names;

  Error error(Loc at, std::string_view what) const;
};

class Cursor {
 public:
  Cursor(const std::vector<Token>& toks, const Files& files) : t_(toks), files_(files) {}

  bool at_end() const { return i_ >= t_.size(); }
  const Token* peek(size_t k = 0) const { return i_ + k < t_.size() ? &t_[i_ + k] : nullptr; }
  const Token& next() { return t_[i_++]; }
  bool peek_punct(std::string_view p) const { return !at_end() && t_[i_].is_punct(p); }
  bool accept(std::string_view p) {
    if (!peek_punct(p)) return false;
    ++i_;
    return true;
  }
  size_t pos() const { return i_; }
  void reset(size_t pos) { i_ = pos; }

  // Where the next token is, or just past the last one at the end of the statement.
  Loc here() const;
  // "unexpected X (expected WHAT)" at the current token.
  Error unexpected(std::string_view what) const;
  Error error_at(Loc at, std::string_view msg) const { return files_.error(at, msg); }

  Result<const Token*> expect(Tok kind, std::string_view what);
  Result<void> expect_punct(std::string_view p);
  Result<void> expect_end();
  // A name: an identifier, or a string for names that are not identifiers.
  Result<const Token*> expect_name(std::string_view what);

  const Files& files() const { return files_; }

 private:
  const std::vector<Token>& t_;
  const Files& files_;
  size_t i_ = 0;
};

}  // namespace strata::as

#include "assembler/cursor.hpp"

#include <fmt/format.h>

namespace strata::as {

Error Files::error(Loc at, std::string_view what) const {
  std::string_view name = at.file < names.size() ? std::string_view(names[at.file]) : "?";
  return Error{fmt::format("{}:{}:{}: error: {}", name, at.line, at.col, what)};
}

Loc Cursor::here() const {
  if (i_ < t_.size()) return t_[i_].loc;
  if (t_.empty()) return Loc{};
  Loc l = t_.back().loc;
  l.col += t_.back().len;
  return l;
}

Error Cursor::unexpected(std::string_view what) const {
  if (i_ < t_.size() && t_[i_].kind == Tok::Error) return files_.error(t_[i_].loc, t_[i_].text);
  std::string got = at_end() ? std::string("end of line") : describe(t_[i_]);
  return files_.error(here(), fmt::format("unexpected {} (expected {})", got, what));
}

Result<const Token*> Cursor::expect(Tok kind, std::string_view what) {
  if (at_end() || t_[i_].kind != kind) return tl::unexpected(unexpected(what));
  return &t_[i_++];
}

Result<void> Cursor::expect_punct(std::string_view p) {
  if (accept(p)) return {};
  return tl::unexpected(unexpected(fmt::format("'{}'", p)));
}

Result<void> Cursor::expect_end() {
  if (at_end()) return {};
  return tl::unexpected(unexpected("end of line"));
}

Result<const Token*> Cursor::expect_name(std::string_view what) {
  if (!at_end() && (t_[i_].kind == Tok::Ident || t_[i_].kind == Tok::Str)) return &t_[i_++];
  return tl::unexpected(unexpected(what));
}

}  // namespace strata::as

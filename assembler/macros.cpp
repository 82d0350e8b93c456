#include "assembler/macros.hpp"

#include <fmt/format.h>

#include "isa/insn.hpp"

namespace strata::as {

Result<void> Macros::define(Cursor& cur, std::vector<Line> body) {
  const Token* n = STRATA_TRY(cur.expect(Tok::Ident, "macro name"));
  if (isa::op_from_mnemonic(n->text) || n->text == "j" || n->text == "lf")
    return tl::unexpected(
        cur.error_at(n->loc, fmt::format("macro name '{}' is an instruction", n->text)));
  if (table_.count(n->text))
    return tl::unexpected(cur.error_at(n->loc, fmt::format("duplicate macro '{}'", n->text)));
  Macro m;
  m.name = n->text;
  if (!cur.at_end()) {
    do {
      const Token* p = cur.peek();
      if (!p || (p->kind != Tok::Reg && p->kind != Tok::Ident))
        return tl::unexpected(cur.unexpected("macro parameter (%name or NAME)"));
      for (const Token& q : m.params)
        if (q.kind == p->kind && q.text == p->text)
          return tl::unexpected(cur.error_at(p->loc, "duplicate macro parameter"));
      m.params.push_back(cur.next());
    } while (cur.accept(","));
  }
  STRATA_AS_CHECK(cur.expect_end());
  m.body = std::move(body);
  std::string name = m.name;
  table_.emplace(std::move(name), std::move(m));
  return {};
}

const Macro* Macros::find(const std::string& name) const {
  auto it = table_.find(name);
  return it == table_.end() ? nullptr : &it->second;
}

Result<std::vector<Line>> Macros::expand(const Macro& m, Cursor& cur, Loc at, uint32_t debug_line,
                                         uint64_t& token_budget) {
  std::vector<std::vector<Token>> args;
  if (!cur.at_end()) {
    args.emplace_back();
    while (!cur.at_end()) {
      const Token& t = cur.next();
      if (t.is_punct(",")) {
        if (args.back().empty()) {
          cur.reset(cur.pos() - 1);
          return tl::unexpected(cur.unexpected("macro argument"));
        }
        args.emplace_back();
        continue;
      }
      args.back().push_back(t);
    }
    if (args.back().empty()) return tl::unexpected(cur.unexpected("macro argument"));
  }
  if (args.size() != m.params.size())
    return tl::unexpected(cur.error_at(at, fmt::format("macro '{}' takes {} arguments ({} given)",
                                                       m.name, m.params.size(), args.size())));
  uint64_t id = ++expansions_;
  std::vector<Line> out;
  out.reserve(m.body.size());
  for (const Line& src : m.body) {
    Line ln;
    ln.line = debug_line;
    for (const Token& t : src.toks) {
      size_t p = 0;
      while (p < m.params.size() && !(m.params[p].kind == t.kind && m.params[p].text == t.text))
        ++p;
      size_t n = p < m.params.size() ? args[p].size() : 1;
      if (n > token_budget) return tl::unexpected(cur.error_at(at, "macro expansion too large"));
      token_budget -= n;
      if (p < m.params.size()) {
        ln.toks.insert(ln.toks.end(), args[p].begin(), args[p].end());
      } else if (t.kind == Tok::Local) {
        // `@name` -> `name@ID`: no source name contains '@', so it cannot collide.
        Token r = t;
        r.kind = Tok::Ident;
        r.text = fmt::format("{}@{}", t.text, id);
        ln.toks.push_back(std::move(r));
      } else {
        ln.toks.push_back(t);
      }
    }
    out.push_back(std::move(ln));
  }
  return out;
}

}  // namespace strata::as

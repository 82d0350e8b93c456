// Function structure: .func headers, .reg, .end, .line, .word and labels.
#include <limits>

#include <fmt/format.h>

#include "assembler/state.hpp"

namespace strata::as {

Result<void> parse_instruction(AsmState& st, Cursor& cur, const Token& mnemonic, uint32_t line);

namespace {

Result<FuncBuilder*> need_function(AsmState& st, Cursor& cur, const Token& head) {
  if (!st.fn)
    return tl::unexpected(cur.error_at(
        head.loc,
        fmt::format("{} outside a function (expected .func first)",
                    head.kind == Tok::Ident && head.text[0] == '.' ? head.text
                                                                   : std::string("instruction"))));
  return &*st.fn;
}

// `%name: TYPE` pairs separated by commas, up to `close` (or the end of the statement).
Result<void> reg_list(AsmState& st, Cursor& cur, std::string_view close) {
  if (!close.empty() && cur.accept(close)) return {};
  while (true) {
    const Token* r = STRATA_TRY(cur.expect(Tok::Reg, "register name"));
    STRATA_AS_CHECK(cur.expect_punct(":"));
    isa::ValType t = STRATA_TRY(parse_type(cur));
    STRATA_AS_CHECK(add_reg(st, *r, r->text, t).map([](uint16_t) {}));
    if (!close.empty() && cur.accept(close)) return {};
    if (close.empty() && cur.at_end()) return {};
    if (!cur.accept(","))
      return tl::unexpected(
          cur.unexpected(close.empty() ? std::string("','") : fmt::format("',' or '{}'", close)));
  }
}

Result<void> func_header(AsmState& st, Cursor& cur, const Token& head) {
  if (st.fn)
    return tl::unexpected(
        cur.error_at(head.loc, fmt::format(".func inside function '{}' (expected .end first)",
                                           st.mod.funcs[st.fn->index].name)));
  const Token* n = STRATA_TRY(cur.expect_name("function name"));
  if (st.func_ids.count(n->text) || st.import_ids.count(n->text))
    return tl::unexpected(cur.error_at(n->loc, fmt::format("duplicate name '{}'", n->text)));
  uint32_t index = static_cast<uint32_t>(st.mod.funcs.size());
  st.func_ids.emplace(n->text, index);
  st.mod.funcs.push_back(isa::Function{});
  st.mod.funcs.back().name = n->text;
  st.hidden.push_back({-1, -1, -1});
  st.fn.emplace();
  st.fn->index = index;
  st.fn->loc = n->loc;
  STRATA_AS_CHECK(cur.expect_punct("("));
  STRATA_AS_CHECK(reg_list(st, cur, ")"));
  isa::Signature sig;
  sig.params = st.mod.funcs[index].regs;
  if (cur.accept("->")) {
    const Token* t = cur.peek();
    if (t && t->is_ident("void"))
      cur.next();
    else
      sig.result = STRATA_TRY(parse_type(cur));
  }
  if (const Token* t = cur.peek(); t && t->is_ident("export")) {
    cur.next();
    for (const auto& e : st.mod.exports)
      if (e.name == n->text)
        return tl::unexpected(cur.error_at(t->loc, fmt::format("duplicate export '{}'", n->text)));
    st.mod.exports.push_back(isa::Export{n->text, index});
  }
  STRATA_AS_CHECK(cur.expect_end());
  st.mod.funcs[index].sig = st.intern_sig(sig);
  return {};
}

}  // namespace

Result<void> function_directive(AsmState& st, Cursor& cur, const Token& head, uint32_t line) {
  if (head.text == ".func") return func_header(st, cur, head);
  FuncBuilder* fb = STRATA_TRY(need_function(st, cur, head));
  if (head.text == ".reg") return reg_list(st, cur, "");
  if (head.text == ".end") {
    STRATA_AS_CHECK(cur.expect_end());
    return finish_function(st);
  }
  // .word N: a raw instruction word, for modules whose code does not decode.
  Item it;
  it.loc = head.loc;
  it.raw = true;
  it.raw_word = static_cast<isa::Word>(STRATA_TRY(parse_int(
      st, cur, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), "word")));
  STRATA_AS_CHECK(cur.expect_end());
  it.line = line;
  fb->items.push_back(std::move(it));
  return {};
}

Result<void> function_statement(AsmState& st, Cursor& cur, uint32_t line) {
  const Token& first = *cur.peek();
  STRATA_TRY(need_function(st, cur, first));
  // Labels: `name:` (several may precede one instruction).
  while (cur.peek(1) && cur.peek(1)->is_punct(":") &&
         (cur.peek()->kind == Tok::Ident || cur.peek()->kind == Tok::Local)) {
    const Token& l = cur.next();
    cur.next();
    if (l.kind == Tok::Local)
      return tl::unexpected(cur.error_at(l.loc, "'@' label outside a macro"));
    STRATA_AS_CHECK(define_label(st, l.text, l.loc));
  }
  if (cur.at_end()) return {};
  const Token& mn = cur.next();
  if (mn.kind != Tok::Ident) {
    cur.reset(cur.pos() - 1);
    return tl::unexpected(cur.unexpected("instruction or label"));
  }
  return parse_instruction(st, cur, mn, line);
}

}  // namespace strata::as

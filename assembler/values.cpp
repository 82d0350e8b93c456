// Literal values, types and signatures as they appear in operands and directives.
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "assembler/state.hpp"

namespace strata::as {

Result<isa::ValType> parse_type(Cursor& cur) {
  const Token* t = cur.peek();
  if (t && t->kind == Tok::Ident) {
    if (auto vt = isa::val_type_from_string(t->text)) {
      cur.next();
      return *vt;
    }
  }
  return tl::unexpected(cur.unexpected("a type: i64, f64 or ref"));
}

Result<isa::Signature> parse_sig_types(Cursor& cur) {
  isa::Signature sig;
  STRATA_AS_CHECK(cur.expect_punct("("));
  if (!cur.accept(")")) {
    while (true) {
      sig.params.push_back(STRATA_TRY(parse_type(cur)));
      if (cur.accept(")")) break;
      STRATA_AS_CHECK(cur.expect_punct(","));
    }
  }
  if (cur.accept("->")) {
    const Token* t = cur.peek();
    if (t && t->is_ident("void")) {
      cur.next();
    } else {
      sig.result = STRATA_TRY(parse_type(cur));
    }
  }
  return sig;
}

// Built in place: moving a temporary variant into the Result trips GCC 12's
// -Wmaybe-uninitialized under the sanitizers (a false positive in <variant>).
template <size_t I, typename T>
Result<Value> in_place_value(T&& v) {
  return Result<Value>(tl::in_place, std::in_place_index<I>, std::forward<T>(v));
}

Result<Value> parse_value(AsmState& st, Cursor& cur, std::string_view what) {
  const Token* t = cur.peek();
  if (!t) return tl::unexpected(cur.unexpected(what));
  switch (t->kind) {
    case Tok::Int: cur.next(); return in_place_value<0>(t->ival);
    case Tok::Float: cur.next(); return in_place_value<1>(t->fval);
    case Tok::Str: cur.next(); return in_place_value<2>(t->text);
    case Tok::Ident: {
      if (t->text == "inf") {
        cur.next();
        return in_place_value<1>(std::numeric_limits<double>::infinity());
      }
      if (t->text == "nan") {
        cur.next();
        return in_place_value<1>(std::numeric_limits<double>::quiet_NaN());
      }
      auto it = st.consts.find(t->text);
      if (it == st.consts.end())
        return tl::unexpected(
            cur.error_at(t->loc, fmt::format("undefined constant '{}'", t->text)));
      cur.next();
      return Result<Value>(tl::in_place, it->second);
    }
    default: return tl::unexpected(cur.unexpected(what));
  }
}

Result<int64_t> parse_int(AsmState& st, Cursor& cur, int64_t lo, int64_t hi,
                          std::string_view what) {
  const Token* t = cur.peek();
  if (!t || (t->kind != Tok::Int && t->kind != Tok::Ident))
    return tl::unexpected(cur.unexpected(what));
  Loc at = t->loc;
  Value v = STRATA_TRY(parse_value(st, cur, what));
  if (!std::holds_alternative<int64_t>(v))
    return tl::unexpected(cur.error_at(
        at, fmt::format("expected {}, not a {}", what, v.index() == 1 ? "float" : "string")));
  int64_t x = std::get<int64_t>(v);
  if (x < lo || x > hi)
    return tl::unexpected(
        cur.error_at(at, fmt::format("value {} out of range (expected {}..{})", x, lo, hi)));
  return x;
}

uint32_t AsmState::intern_sig(const isa::Signature& s) {
  auto [it, added] =
      sig_index.try_emplace(isa::to_string(s), static_cast<uint32_t>(mod.sigs.size()));
  if (added) mod.sigs.push_back(s);
  return it->second;
}

namespace {
// Constants are equal when their type and bytes are: 0.0 and -0.0 differ, NaNs compare by bits.
std::string const_key(const Value& v) {
  std::string k(1, static_cast<char>('0' + v.index()));
  if (auto* i = std::get_if<int64_t>(&v))
    k.append(reinterpret_cast<const char*>(i), sizeof *i);
  else if (auto* d = std::get_if<double>(&v))
    k.append(reinterpret_cast<const char*>(d), sizeof *d);
  else
    k += std::get<std::string>(v);
  return k;
}
}  // namespace

uint32_t AsmState::intern_const(const Value& v) {
  auto [it, added] = pool_index.try_emplace(const_key(v), static_cast<uint32_t>(mod.consts.size()));
  if (added) mod.consts.push_back(v);
  return it->second;
}

void AsmState::append_const(const Value& v) {
  pool_index.try_emplace(const_key(v), static_cast<uint32_t>(mod.consts.size()));
  mod.consts.push_back(v);
}

}  // namespace strata::as

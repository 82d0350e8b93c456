// Module-level directives: .module .source .nolines .memory .data .const .struct .layout
// .import .sig .kpool .export (functions are in functions.cpp).
#include <bit>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "assembler/state.hpp"

namespace strata::as {

Result<void> function_directive(AsmState& st, Cursor& cur, const Token& head, uint32_t line);

namespace {

using isa::ValType;

Result<void> no_function(AsmState& st, Cursor& cur, const Token& head) {
  if (st.fn)
    return tl::unexpected(
        cur.error_at(head.loc, fmt::format("{} inside function '{}' (expected .end first)",
                                           head.text, st.mod.funcs[st.fn->index].name)));
  return {};
}

Result<std::string> new_name(AsmState& st, Cursor& cur, std::string_view what) {
  const Token* t = STRATA_TRY(cur.expect(Tok::Ident, what));
  if (st.consts.count(t->text) || st.struct_ids.count(t->text) || st.layouts.count(t->text))
    return tl::unexpected(cur.error_at(t->loc, fmt::format("duplicate name '{}'", t->text)));
  return t->text;
}

Result<uint64_t> round_memory(Cursor& cur, Loc at, int64_t v) {
  constexpr uint64_t kPage = 65536;
  uint64_t u = static_cast<uint64_t>(v);
  if (v < 0 || u > kMaxMemoryBytes)
    return tl::unexpected(cur.error_at(at, "memory size out of range"));
  return (u + kPage - 1) / kPage * kPage;
}

Result<void> memory(AsmState& st, Cursor& cur) {
  Loc at = cur.here();
  int64_t init =
      STRATA_TRY(parse_int(st, cur, 0, std::numeric_limits<int64_t>::max(), "memory size"));
  st.mod.memory.initial = STRATA_TRY(round_memory(cur, at, init));
  st.mod.memory.max = st.mod.memory.initial;
  if (const Token* t = cur.peek(); t && t->is_ident("max")) {
    cur.next();
    at = cur.here();
    int64_t mx = STRATA_TRY(
        parse_int(st, cur, 0, std::numeric_limits<int64_t>::max(), "maximum memory size"));
    st.mod.memory.max = STRATA_TRY(round_memory(cur, at, mx));
    if (st.mod.memory.max < st.mod.memory.initial)
      return tl::unexpected(cur.error_at(at, "maximum memory size below the initial size"));
  }
  return cur.expect_end();
}

// Data item types and their widths.
int data_width(std::string_view s) {
  if (s == "i8") return 1;
  if (s == "i16") return 2;
  if (s == "i32" || s == "f32") return 4;
  if (s == "i64" || s == "f64") return 8;
  return 0;
}

Result<void> data(AsmState& st, Cursor& cur) {
  isa::DataSegment seg;
  int64_t off =
      STRATA_TRY(parse_int(st, cur, 0, std::numeric_limits<int64_t>::max(), "data offset"));
  seg.offset = static_cast<uint64_t>(off);
  std::string type;  // current element type, set by a type keyword
  do {
    const Token* t = cur.peek();
    if (!t) return tl::unexpected(cur.unexpected("data item"));
    Loc at = t->loc;
    if (t->kind == Tok::Str) {
      cur.next();
      seg.bytes += t->text;
    } else if (t->is_ident("zero")) {
      cur.next();
      Loc nat = cur.here();
      int64_t n =
          STRATA_TRY(parse_int(st, cur, 0, std::numeric_limits<int64_t>::max(), "byte count"));
      if (static_cast<uint64_t>(n) > kMaxDataBytes)
        return tl::unexpected(cur.error_at(nat, "data segment too large"));
      seg.bytes.append(static_cast<size_t>(n), '\0');
    } else {
      if (t->kind == Tok::Ident && data_width(t->text)) {
        type = t->text;
        cur.next();
        at = cur.here();
      }
      if (type.empty())
        return tl::unexpected(cur.unexpected("a string, zero N, or a type i8 i16 i32 i64 f32 f64"));
      int w = data_width(type);
      char buf[8];
      if (type[0] == 'f') {
        Value v = STRATA_TRY(parse_value(st, cur, "number"));
        double d = 0;
        if (auto* i = std::get_if<int64_t>(&v))
          d = static_cast<double>(*i);
        else if (auto* f = std::get_if<double>(&v))
          d = *f;
        else
          return tl::unexpected(cur.error_at(at, "expected a number, not a string"));
        if (w == 4) {
          float f = static_cast<float>(d);
          std::memcpy(buf, &f, 4);
        } else {
          std::memcpy(buf, &d, 8);
        }
      } else {
        int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
        if (w < 8) {
          lo = -(int64_t{1} << (8 * w - 1));
          hi = (int64_t{1} << (8 * w)) - 1;
        }
        int64_t v = STRATA_TRY(parse_int(st, cur, lo, hi, fmt::format("{} value", type)));
        uint64_t u = static_cast<uint64_t>(v);
        for (int k = 0; k < 8; ++k) buf[k] = static_cast<char>(u >> (8 * k));
      }
      seg.bytes.append(buf, static_cast<size_t>(w));
    }
    if (seg.bytes.size() > kMaxDataBytes)
      return tl::unexpected(cur.error_at(at, "data segment too large"));
  } while (cur.accept(","));
  STRATA_AS_CHECK(cur.expect_end());
  st.data_bytes += seg.bytes.size();
  if (st.data_bytes > kMaxDataBytes)
    return tl::unexpected(cur.error_at(cur.here(), "too much data in module"));
  st.mod.data.push_back(std::move(seg));
  return {};
}

Result<void> constant(AsmState& st, Cursor& cur) {
  std::string name = STRATA_TRY(new_name(st, cur, "constant name"));
  STRATA_AS_CHECK(cur.expect_punct("="));
  Value v = STRATA_TRY(parse_value(st, cur, "a value"));
  STRATA_AS_CHECK(cur.expect_end());
  st.consts.emplace(std::move(name), std::move(v));
  return {};
}

Result<void> structure(AsmState& st, Cursor& cur) {
  std::string name = STRATA_TRY(new_name(st, cur, "struct name"));
  STRATA_AS_CHECK(cur.expect_punct("{"));
  isa::StructType s;
  s.name = name;
  s.first_field = static_cast<uint32_t>(st.mod.fields.size());
  uint32_t owner = static_cast<uint32_t>(st.mod.structs.size());
  while (!cur.accept("}")) {
    const Token* f = STRATA_TRY(cur.expect(Tok::Ident, "field name or '}'"));
    STRATA_AS_CHECK(cur.expect_punct(":"));
    ValType t = STRATA_TRY(parse_type(cur));
    std::string qual = name + "." + f->text;
    if (st.field_ids.count(qual))
      return tl::unexpected(cur.error_at(f->loc, fmt::format("duplicate field '{}'", f->text)));
    st.field_ids.emplace(qual, static_cast<uint32_t>(st.mod.fields.size()));
    st.mod.fields.push_back(isa::FieldRef{owner, s.field_count, isa::StructField{f->text, t}});
    ++s.field_count;
    if (!cur.accept(",") && !cur.peek_punct("}"))
      return tl::unexpected(cur.unexpected("',' or '}'"));
  }
  STRATA_AS_CHECK(cur.expect_end());
  st.struct_ids.emplace(name, owner);
  st.mod.structs.push_back(std::move(s));
  return {};
}

int layout_width(std::string_view s) {
  if (s == "f32") return 4;
  if (s == "f64") return 8;
  return data_width(s) ? data_width(s) : 0;
}

Result<void> layout(AsmState& st, Cursor& cur) {
  Loc at = cur.here();
  std::string name = STRATA_TRY(new_name(st, cur, "layout name"));
  STRATA_AS_CHECK(cur.expect_punct("{"));
  uint64_t off = 0, align = 1;
  constexpr uint64_t kMaxLayout = uint64_t{1} << 32;
  while (!cur.accept("}")) {
    const Token* f = STRATA_TRY(cur.expect(Tok::Ident, "field name or '}'"));
    STRATA_AS_CHECK(cur.expect_punct(":"));
    const Token* ty = cur.peek();
    int w = ty && ty->kind == Tok::Ident ? layout_width(ty->text) : 0;
    if (!w) return tl::unexpected(cur.unexpected("a layout type: i8 i16 i32 i64 f32 f64"));
    cur.next();
    uint64_t count = 1;
    if (cur.accept("[")) {
      count = static_cast<uint64_t>(STRATA_TRY(parse_int(st, cur, 0, kMaxLayout, "element count")));
      STRATA_AS_CHECK(cur.expect_punct("]"));
    }
    uint64_t uw = static_cast<uint64_t>(w);
    off = (off + uw - 1) / uw * uw;
    align = std::max(align, uw);
    std::string qual = name + "." + f->text;
    if (st.consts.count(qual))
      return tl::unexpected(cur.error_at(f->loc, fmt::format("duplicate field '{}'", f->text)));
    st.consts.emplace(qual, Value{static_cast<int64_t>(off)});
    off += uw * count;
    if (off > kMaxLayout) return tl::unexpected(cur.error_at(f->loc, "layout too large"));
    if (!cur.accept(",") && !cur.peek_punct("}"))
      return tl::unexpected(cur.unexpected("',' or '}'"));
  }
  STRATA_AS_CHECK(cur.expect_end());
  off = (off + align - 1) / align * align;
  if (st.consts.count(name + ".size"))
    return tl::unexpected(cur.error_at(at, "a layout may not have a field named 'size'"));
  st.consts.emplace(name + ".size", Value{static_cast<int64_t>(off)});
  st.layouts.emplace(name, at);
  return {};
}

// One import: NAME(TYPES) [-> TYPE] [as ALIAS]
Result<void> import_one(AsmState& st, Cursor& cur, const std::string& module) {
  const Token* n = STRATA_TRY(cur.expect_name("import name"));
  isa::Signature sig = STRATA_TRY(parse_sig_types(cur));
  std::string local = n->text;
  Loc at = n->loc;
  if (const Token* t = cur.peek(); t && t->is_ident("as")) {
    cur.next();
    const Token* a = STRATA_TRY(cur.expect(Tok::Ident, "local name after 'as'"));
    local = a->text;
    at = a->loc;
  }
  if (st.import_ids.count(local) || st.func_ids.count(local))
    return tl::unexpected(cur.error_at(at, fmt::format("duplicate name '{}'", local)));
  st.import_ids.emplace(local, static_cast<uint32_t>(st.mod.imports.size()));
  st.mod.imports.push_back(isa::Import{module, n->text, st.intern_sig(sig)});
  return {};
}

Result<void> import(AsmState& st, Cursor& cur) {
  const Token* m = STRATA_TRY(cur.expect(Tok::Str, "module name string"));
  if (cur.accept("{")) {
    while (!cur.accept("}")) {
      STRATA_AS_CHECK(import_one(st, cur, m->text));
      cur.accept(",");
    }
  } else {
    STRATA_AS_CHECK(import_one(st, cur, m->text));
  }
  return cur.expect_end();
}

Result<void> exported(AsmState& st, Cursor& cur) {
  const Token* f = STRATA_TRY(cur.expect_name("function name"));
  std::string ext = f->text;
  if (const Token* t = cur.peek(); t && t->is_ident("as")) {
    cur.next();
    ext = STRATA_TRY(cur.expect_name("export name after 'as'"))->text;
  }
  STRATA_AS_CHECK(cur.expect_end());
  for (const auto& e : st.mod.exports)
    if (e.name == ext)
      return tl::unexpected(cur.error_at(f->loc, fmt::format("duplicate export '{}'", ext)));
  Pending p;
  p.kind = Pending::kExport;
  p.name = f->text;
  p.loc = f->loc;
  p.export_index = static_cast<uint32_t>(st.mod.exports.size());
  st.mod.exports.push_back(isa::Export{ext, 0});
  st.pending.push_back(std::move(p));
  return {};
}

}  // namespace

Result<void> module_statement(AsmState& st, Cursor& cur, const Token& head, uint32_t line) {
  const std::string& d = head.text;
  if (d == ".func" || d == ".reg" || d == ".end" || d == ".word")
    return function_directive(st, cur, head, line);
  if (d == ".const") return constant(st, cur);
  if (d == ".layout") return layout(st, cur);
  if (d == ".struct") {
    STRATA_AS_CHECK(no_function(st, cur, head));
    return structure(st, cur);
  }
  STRATA_AS_CHECK(no_function(st, cur, head));
  if (d == ".module") {
    st.mod.name = STRATA_TRY(cur.expect_name("module name"))->text;
    return cur.expect_end();
  }
  if (d == ".source") {
    st.mod.debug.source = STRATA_TRY(cur.expect(Tok::Str, "source name string"))->text;
    return cur.expect_end();
  }
  if (d == ".nolines") {
    st.no_lines = true;
    return cur.expect_end();
  }
  if (d == ".memory") return memory(st, cur);
  if (d == ".data") return data(st, cur);
  if (d == ".import") return import(st, cur);
  if (d == ".export") return exported(st, cur);
  if (d == ".sig") {
    st.intern_sig(STRATA_TRY(parse_sig_types(cur)));
    return cur.expect_end();
  }
  if (d == ".kpool") {
    do {
      if (const Token* t = cur.peek();
          t && t->kind == Tok::Ident && t->text != "inf" && t->text != "nan")
        return tl::unexpected(cur.unexpected("a literal"));
      st.append_const(STRATA_TRY(parse_value(st, cur, "a literal")));
    } while (cur.accept(","));
    return cur.expect_end();
  }
  return tl::unexpected(cur.error_at(head.loc, fmt::format("unknown directive '{}'", d)));
}

}  // namespace strata::as

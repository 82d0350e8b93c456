// Instructions: operands parsed by their kinds in isa/opcodes.def, call syntax, and the
// pseudo-instructions of docs/SASM.md (li wide, lf, ret IMM, ret, j).
#include <limits>
#include <unordered_map>

#include <fmt/format.h>

#include "assembler/state.hpp"

namespace strata::as {

namespace {

using isa::Op;
using isa::Operand;

const std::unordered_map<std::string_view, Op>& mnemonics() {
  static const std::unordered_map<std::string_view, Op> table = [] {
    std::unordered_map<std::string_view, Op> m;
    for (size_t i = 0; i < isa::kOpCount; ++i)
      m.emplace(isa::kOpInfo[i].mnemonic, static_cast<Op>(i));
    return m;
  }();
  return table;
}

Result<uint16_t> reg_operand(AsmState& st, Cursor& cur) {
  const Token* r = STRATA_TRY(cur.expect(Tok::Reg, "register"));
  auto it = st.fn->regs.find(r->text);
  if (it == st.fn->regs.end())
    return tl::unexpected(cur.error_at(r->loc, fmt::format("undefined register '%{}'", r->text)));
  return it->second;
}

Result<uint16_t> index16(Cursor& cur, Loc at, size_t index, std::string_view what) {
  if (index > 0xffff)
    return tl::unexpected(cur.error_at(at, fmt::format("too many {} (at most 65536)", what)));
  return static_cast<uint16_t>(index);
}

Result<int> label_operand(AsmState& st, Cursor& cur) {
  const Token* t = cur.peek();
  if (!t || (t->kind != Tok::Ident && t->kind != Tok::Local))
    return tl::unexpected(cur.unexpected("label"));
  cur.next();
  if (t->kind == Tok::Local)
    return tl::unexpected(cur.error_at(t->loc, "'@' label outside a macro"));
  return label_ref(*st.fn, t->text, t->loc);
}

Result<uint32_t> const_operand(AsmState& st, Cursor& cur) {
  const Token* t = cur.peek();
  if (t && t->kind == Tok::Hash) {
    cur.next();
    if (static_cast<uint64_t>(t->ival) >= st.mod.consts.size())
      return tl::unexpected(
          cur.error_at(t->loc, fmt::format("constant index #{} out of range (pool has {} entries)",
                                           t->ival, st.mod.consts.size())));
    return static_cast<uint32_t>(t->ival);
  }
  return st.intern_const(STRATA_TRY(parse_value(st, cur, "constant")));
}

void set_field(Item& it, int slot, uint16_t v) {
  (slot == 0 ? it.a : slot == 1 ? it.b : it.c) = v;
}

Item& push(AsmState& st, Op op, Loc loc, uint32_t line) {
  Item it;
  it.op = op;
  it.loc = loc;
  it.line = line;
  st.fn->items.push_back(std::move(it));
  return st.fn->items.back();
}

// call [%dest,] CALLEE [: SIG] (ARGS)
Result<void> parse_call(AsmState& st, Cursor& cur, Op op, Loc loc, uint32_t line) {
  const isa::OpInfo& in = isa::info(op);
  Item it;
  it.op = op;
  it.loc = loc;
  it.line = line;
  it.call = true;
  bool has_dest = false;
  if (cur.peek() && cur.peek()->kind == Tok::Reg && cur.peek(1) && cur.peek(1)->is_punct(",")) {
    it.a = STRATA_TRY(reg_operand(st, cur));
    cur.next();
    has_dest = true;
  }
  const Token* callee = nullptr;
  if (in.b == Operand::Ur) {
    it.b = STRATA_TRY(reg_operand(st, cur));
  } else {
    callee = STRATA_TRY(cur.expect_name("callee name"));
  }
  std::optional<isa::Signature> sig;
  if (in.c == Operand::Sg) {
    STRATA_AS_CHECK(cur.expect_punct(":"));
    Loc at = cur.here();
    sig = STRATA_TRY(parse_sig_types(cur));
    it.c = STRATA_TRY(index16(cur, at, st.intern_sig(*sig), "signatures"));
  }
  Loc args_at = cur.here();
  STRATA_AS_CHECK(cur.expect_punct("("));
  if (!cur.accept(")")) {
    while (true) {
      it.args.push_back(STRATA_TRY(reg_operand(st, cur)));
      if (cur.accept(")")) break;
      STRATA_AS_CHECK(cur.expect_punct(","));
    }
  }
  STRATA_AS_CHECK(cur.expect_end());
  if (sig) {
    if (it.args.size() != sig->params.size())
      return tl::unexpected(cur.error_at(
          args_at, fmt::format("{} arguments passed (expected {} for signature {})", it.args.size(),
                               sig->params.size(), isa::to_string(*sig))));
    if (has_dest && !sig->result)
      return tl::unexpected(
          cur.error_at(loc, "result register given for a signature returning void"));
    if (!has_dest && sig->result)
      it.a = STRATA_TRY(hidden_reg(st, st.fn->index, *sig->result, loc));
  } else {
    Pending p;
    p.kind = Pending::kCallee;
    p.func = st.fn->index;
    p.name = callee->text;
    p.loc = callee->loc;
    p.nargs = static_cast<uint32_t>(it.args.size());
    p.has_dest = has_dest;
    p.host = in.b == Operand::Im;
    it.pending = static_cast<int>(st.pending.size());
    st.pending.push_back(std::move(p));
  }
  st.fn->items.push_back(std::move(it));
  return {};
}

// `ret VALUE`: the value goes through a hidden register of its type.
Result<void> ret_value(AsmState& st, Cursor& cur, Loc loc, uint32_t line) {
  Value v = STRATA_TRY(parse_value(st, cur, "register or value"));
  STRATA_AS_CHECK(cur.expect_end());
  // An integer returned from an f64 function is meant as a float (`ret 0` in `-> f64`).
  const auto& result = st.mod.sigs[st.mod.funcs[st.fn->index].sig].result;
  if (result == isa::ValType::F64 && std::holds_alternative<int64_t>(v))
    v = static_cast<double>(std::get<int64_t>(v));
  isa::ValType t = isa::type_of(v);
  uint16_t r = STRATA_TRY(hidden_reg(st, st.fn->index, t, loc));
  auto* i = std::get_if<int64_t>(&v);
  if (i && *i >= std::numeric_limits<int32_t>::min() && *i <= std::numeric_limits<int32_t>::max()) {
    Item& li = push(st, Op::Li, loc, line);
    li.a = r;
    li.wide = true;
    li.bc = static_cast<uint32_t>(*i);
  } else {
    Item& k = push(st, Op::Ldk, loc, line);
    k.a = r;
    k.wide = true;
    k.bc = st.intern_const(v);
  }
  push(st, Op::Ret, loc, line).a = r;
  return {};
}

// `lf %f, VALUE`: ldk of a float; an integer literal is taken as a float.
Result<void> load_float(AsmState& st, Cursor& cur, Loc loc, uint32_t line) {
  uint16_t a = STRATA_TRY(reg_operand(st, cur));
  STRATA_AS_CHECK(cur.expect_punct(","));
  Loc at = cur.here();
  Value v = STRATA_TRY(parse_value(st, cur, "float"));
  STRATA_AS_CHECK(cur.expect_end());
  if (auto* i = std::get_if<int64_t>(&v)) v = static_cast<double>(*i);
  if (!std::holds_alternative<double>(v))
    return tl::unexpected(cur.error_at(at, "expected a float, not a string"));
  Item& k = push(st, Op::Ldk, loc, line);
  k.a = a;
  k.wide = true;
  k.bc = st.intern_const(v);
  return {};
}

}  // namespace

Result<void> parse_instruction(AsmState& st, Cursor& cur, const Token& mn, uint32_t line) {
  std::string_view m = mn.text;
  if (m == "j") m = "jmp";
  if (m == "lf") return load_float(st, cur, mn.loc, line);
  if (m == "ret" && cur.at_end()) m = "retv";
  if (m == "ret" && cur.peek()->kind != Tok::Reg) return ret_value(st, cur, mn.loc, line);
  if (m == "li") {
    // li with a value outside 32 bits becomes ldk.
    size_t save = cur.pos();
    uint16_t a = STRATA_TRY(reg_operand(st, cur));
    STRATA_AS_CHECK(cur.expect_punct(","));
    int64_t v = STRATA_TRY(parse_int(st, cur, std::numeric_limits<int64_t>::min(),
                                     std::numeric_limits<int64_t>::max(), "integer"));
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
      STRATA_AS_CHECK(cur.expect_end());
      Item& k = push(st, Op::Ldk, mn.loc, line);
      k.a = a;
      k.wide = true;
      k.bc = st.intern_const(Value{v});
      return {};
    }
    cur.reset(save);
  }
  auto found = mnemonics().find(m);
  if (found == mnemonics().end())
    return tl::unexpected(cur.error_at(mn.loc, fmt::format("unknown instruction '{}'", mn.text)));
  Op op = found->second;
  const isa::OpInfo& in = isa::info(op);
  if (in.flags & isa::kCall) return parse_call(st, cur, op, mn.loc, line);

  Operand kinds[3] = {in.a, in.b, in.c};
  int slots[3];
  int n = 0;
  for (int k = 0; k < 3; ++k) {
    if (kinds[k] == Operand::__ || (k == 2 && isa::is_wide(kinds[1]))) continue;
    slots[n++] = k;
  }
  Item it;
  it.op = op;
  it.loc = mn.loc;
  it.line = line;
  for (int idx = 0; idx < n; ++idx) {
    int k = slots[idx];
    Operand kind = kinds[k];
    // A trailing U16 (a memory offset, a trap code, a shift) may be left out when it is 0.
    if (idx == n - 1 && kind == Operand::U16 && cur.at_end()) break;
    if (idx > 0) STRATA_AS_CHECK(cur.expect_punct(","));
    Loc at = cur.here();
    switch (kind) {
      case Operand::Di:
      case Operand::Df:
      case Operand::Dr:
      case Operand::Dx:
      case Operand::Mf:
      case Operand::Ui:
      case Operand::Uf:
      case Operand::Ur:
      case Operand::Ux: set_field(it, k, STRATA_TRY(reg_operand(st, cur))); break;
      case Operand::S16:
        set_field(it, k,
                  static_cast<uint16_t>(
                      STRATA_TRY(parse_int(st, cur, -32768, 32767, "signed 16-bit immediate"))));
        break;
      case Operand::U16:
        set_field(it, k,
                  static_cast<uint16_t>(
                      STRATA_TRY(parse_int(st, cur, 0, 65535, "unsigned 16-bit immediate"))));
        break;
      case Operand::I32:
        it.wide = true;
        it.bc = static_cast<uint32_t>(
            STRATA_TRY(parse_int(st, cur, std::numeric_limits<int32_t>::min(),
                                 std::numeric_limits<int32_t>::max(), "32-bit immediate")));
        break;
      case Operand::J16:
      case Operand::J32:
        it.wide = kind == Operand::J32;
        it.label = STRATA_TRY(label_operand(st, cur));
        break;
      case Operand::K32:
        it.wide = true;
        it.bc = STRATA_TRY(const_operand(st, cur));
        break;
      case Operand::Fn: {
        const Token* f = STRATA_TRY(cur.expect_name("function name"));
        Pending p;
        p.kind = Pending::kFnRef;
        p.func = st.fn->index;
        p.name = f->text;
        p.loc = f->loc;
        it.pending = static_cast<int>(st.pending.size());
        st.pending.push_back(std::move(p));
        break;
      }
      case Operand::Im: {
        const Token* f = STRATA_TRY(cur.expect_name("import name"));
        auto i = st.import_ids.find(f->text);
        if (i == st.import_ids.end())
          return tl::unexpected(
              cur.error_at(f->loc, fmt::format("undefined import '{}'", f->text)));
        set_field(it, k, STRATA_TRY(index16(cur, at, i->second, "imports")));
        break;
      }
      case Operand::Sg: {
        isa::Signature s = STRATA_TRY(parse_sig_types(cur));
        set_field(it, k, STRATA_TRY(index16(cur, at, st.intern_sig(s), "signatures")));
        break;
      }
      case Operand::Fd:
      case Operand::Ty: {
        const Token* f = STRATA_TRY(
            cur.expect(Tok::Ident, kind == Operand::Fd ? "STRUCT.field" : "struct name"));
        auto& table = kind == Operand::Fd ? st.field_ids : st.struct_ids;
        auto i = table.find(f->text);
        if (i == table.end())
          return tl::unexpected(cur.error_at(
              f->loc,
              fmt::format("undefined {} '{}'", kind == Operand::Fd ? "field" : "struct", f->text)));
        set_field(
            it, k,
            STRATA_TRY(index16(cur, at, i->second, kind == Operand::Fd ? "fields" : "structs")));
        break;
      }
      case Operand::__: break;
    }
  }
  STRATA_AS_CHECK(cur.expect_end());
  st.fn->items.push_back(std::move(it));
  return {};
}

}  // namespace strata::as

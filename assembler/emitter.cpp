// Function and module completion: registers, labels, branch relaxation, encoding, the debug
// line table, and the names resolved once the whole module has been read.
#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "assembler/state.hpp"

namespace strata::as {

namespace {

using isa::Op;

// A conditional J16 branch whose target is out of range becomes its inverse over a `jmp`.
// Float branches have no inverse (NaN is neither side), so they branch over a `jmp` to a `jmp`.
std::optional<Op> inverse(Op op) {
  switch (op) {
    case Op::Beq: return Op::Bne;
    case Op::Bne: return Op::Beq;
    case Op::Blt: return Op::Bge;
    case Op::Bge: return Op::Blt;
    case Op::Ble: return Op::Bgt;
    case Op::Bgt: return Op::Ble;
    case Op::BltU: return Op::BgeU;
    case Op::BgeU: return Op::BltU;
    default: return std::nullopt;
  }
}

uint32_t item_size(const Item& it) {
  if (it.raw) return 1;
  if (it.call) return 1 + static_cast<uint32_t>(isa::arg_words(it.args.size()));
  if (it.relaxed) return inverse(it.op) ? 2 : 3;
  return 1;
}

}  // namespace

Result<uint16_t> add_reg(AsmState& st, const Token& name_tok, std::string name, isa::ValType t) {
  FuncBuilder& fb = *st.fn;
  isa::Function& f = st.mod.funcs[fb.index];
  if (fb.regs.count(name))
    return tl::unexpected(
        st.files.error(name_tok.loc, fmt::format("duplicate register '%{}'", name)));
  if (f.regs.size() >= kMaxRegs)
    return tl::unexpected(st.files.error(name_tok.loc, "too many registers (at most 65536)"));
  uint16_t r = static_cast<uint16_t>(f.regs.size());
  fb.regs.emplace(name, r);
  f.regs.push_back(t);
  f.reg_names.push_back(std::move(name));
  return r;
}

Result<uint16_t> hidden_reg(AsmState& st, uint32_t func, isa::ValType t, Loc at) {
  int& slot = st.hidden[func][static_cast<size_t>(t)];
  if (slot >= 0) return static_cast<uint16_t>(slot);
  isa::Function& f = st.mod.funcs[func];
  if (f.regs.size() >= kMaxRegs)
    return tl::unexpected(st.files.error(at, "too many registers (at most 65536)"));
  // A name no source register can already have taken: `.t` + type letter (+ a number if needed).
  std::string base = fmt::format(".t{}", isa::to_string(t).substr(0, 1));
  std::string name = base;
  for (int n = 1; std::find(f.reg_names.begin(), f.reg_names.end(), name) != f.reg_names.end(); ++n)
    name = fmt::format("{}{}", base, n);
  slot = static_cast<int>(f.regs.size());
  if (st.fn && st.fn->index == func) st.fn->regs.emplace(name, static_cast<uint16_t>(slot));
  f.regs.push_back(t);
  f.reg_names.push_back(std::move(name));
  return static_cast<uint16_t>(slot);
}

int label_ref(FuncBuilder& fb, const std::string& name, Loc at) {
  auto [it, added] = fb.label_ids.try_emplace(name, static_cast<int>(fb.labels.size()));
  if (added) fb.labels.push_back(Label{name, -1, at});
  return it->second;
}

Result<void> define_label(AsmState& st, const std::string& name, Loc at) {
  FuncBuilder& fb = *st.fn;
  Label& l = fb.labels[static_cast<size_t>(label_ref(fb, name, at))];
  if (l.item >= 0)
    return tl::unexpected(st.files.error(at, fmt::format("duplicate label '{}'", name)));
  l.item = static_cast<int>(fb.items.size());
  return {};
}

Result<void> finish_function(AsmState& st) {
  FuncBuilder& fb = *st.fn;
  isa::Function& f = st.mod.funcs[fb.index];
  for (const Label& l : fb.labels)
    if (l.item < 0)
      return tl::unexpected(
          st.files.error(l.first_use, fmt::format("undefined label '{}'", l.name)));

  // Relaxation only ever grows branches, so it terminates.
  uint64_t end_pc = 0;
  auto label_pc = [&](int label) -> int64_t {
    size_t i = static_cast<size_t>(fb.labels[static_cast<size_t>(label)].item);
    return i < fb.items.size() ? fb.items[i].pc : static_cast<int64_t>(end_pc);
  };
  for (bool changed = true; changed;) {
    changed = false;
    end_pc = 0;
    for (Item& it : fb.items) {
      it.pc = static_cast<uint32_t>(end_pc);
      end_pc += item_size(it);
      if (end_pc > kMaxCodeWords)
        return tl::unexpected(st.files.error(it.loc, "function too large"));
    }
    for (Item& it : fb.items) {
      if (it.label < 0 || it.wide || it.relaxed) continue;
      int64_t off = label_pc(it.label) - it.pc;
      if (off < std::numeric_limits<int16_t>::min() || off > std::numeric_limits<int16_t>::max()) {
        it.relaxed = true;
        changed = true;
      }
    }
  }

  std::vector<isa::LineEntry> lines;
  auto emit = [&](isa::Word w, uint32_t line) {
    lines.push_back(isa::LineEntry{static_cast<uint32_t>(f.code.size()), line});
    f.code.push_back(w);
  };
  for (const Item& it : fb.items) {
    if (it.pending >= 0) st.pending[static_cast<size_t>(it.pending)].pc = it.pc;
    if (it.raw) {
      emit(it.raw_word, it.line);
      continue;
    }
    if (it.label >= 0) {
      int64_t off = label_pc(it.label) - it.pc;
      if (it.wide) {
        emit(isa::make_abx(it.op, it.a, static_cast<uint32_t>(static_cast<int32_t>(off))), it.line);
      } else if (!it.relaxed) {
        emit(isa::make_abc(it.op, it.a, it.b, static_cast<uint16_t>(static_cast<int16_t>(off))),
             it.line);
      } else if (auto inv = inverse(it.op)) {
        emit(isa::make_abc(*inv, it.a, it.b, 2), it.line);
        emit(isa::make_abx(Op::Jmp, 0, static_cast<uint32_t>(static_cast<int32_t>(off - 1))),
             it.line);
      } else {
        emit(isa::make_abc(it.op, it.a, it.b, 2), it.line);
        emit(isa::make_abx(Op::Jmp, 0, 2), it.line);
        emit(isa::make_abx(Op::Jmp, 0, static_cast<uint32_t>(static_cast<int32_t>(off - 2))),
             it.line);
      }
      continue;
    }
    emit(it.wide ? isa::make_abx(it.op, it.a, it.bc) : isa::make_abc(it.op, it.a, it.b, it.c),
         it.line);
    for (size_t k = 0; k < it.args.size(); k += 4) {
      auto arg = [&](size_t j) -> uint16_t { return j < it.args.size() ? it.args[j] : 0; };
      f.code.push_back(isa::make_args(arg(k), arg(k + 1), arg(k + 2), arg(k + 3)));
    }
  }
  st.mod.debug.lines.resize(fb.index + 1);
  st.mod.debug.lines[fb.index] = std::move(lines);
  st.fn.reset();
  return {};
}

namespace {

Result<void> resolve(AsmState& st, Pending& p) {
  auto fi = st.func_ids.find(p.name);
  if (p.kind != Pending::kCallee || fi != st.func_ids.end()) {
    if (fi == st.func_ids.end())
      return tl::unexpected(st.files.error(p.loc, fmt::format("undefined function '{}'", p.name)));
    if (p.kind == Pending::kExport) {
      st.mod.exports[p.export_index].func = fi->second;
      return {};
    }
  }
  if (fi != st.func_ids.end() && fi->second > 0xffff)
    return tl::unexpected(st.files.error(p.loc, "too many functions (at most 65536)"));
  isa::Word& w = st.mod.funcs[p.func].code[p.pc];
  if (p.kind == Pending::kFnRef) {
    w = isa::make_abc(isa::op_of(w), isa::a_of(w), static_cast<uint16_t>(fi->second), 0);
    return {};
  }
  Op op = Op::Call;
  uint32_t index = 0, sig = 0;
  if (fi != st.func_ids.end()) {
    if (p.host)
      return tl::unexpected(st.files.error(
          p.loc,
          fmt::format("'{}' is a function of this module, not an import (expected call)", p.name)));
    index = fi->second;
    sig = st.mod.funcs[index].sig;
  } else if (auto ii = st.import_ids.find(p.name); ii != st.import_ids.end()) {
    op = Op::CallH;
    index = ii->second;
    sig = st.mod.imports[index].sig;
    if (index > 0xffff)
      return tl::unexpected(st.files.error(p.loc, "too many imports (at most 65536)"));
  } else {
    return tl::unexpected(st.files.error(
        p.loc, fmt::format("undefined {} '{}'", p.host ? "import" : "function", p.name)));
  }
  const isa::Signature& s = st.mod.sigs[sig];
  if (s.params.size() != p.nargs)
    return tl::unexpected(
        st.files.error(p.loc, fmt::format("'{}' called with {} arguments (expected {}: {})", p.name,
                                          p.nargs, s.params.size(), isa::to_string(s))));
  uint16_t a = isa::a_of(w);
  if (p.has_dest && !s.result)
    return tl::unexpected(st.files.error(
        p.loc, fmt::format("'{}' returns nothing (expected no result register)", p.name)));
  if (!p.has_dest && s.result) a = STRATA_TRY(hidden_reg(st, p.func, *s.result, p.loc));
  w = isa::make_abc(op, a, static_cast<uint16_t>(index), 0);
  return {};
}

}  // namespace

Result<void> finish_module(AsmState& st) {
  if (st.fn)
    return tl::unexpected(st.files.error(
        st.fn->loc, fmt::format("function '{}' has no .end", st.mod.funcs[st.fn->index].name)));
  for (Pending& p : st.pending) STRATA_AS_CHECK(resolve(st, p));
  if (st.no_lines) st.mod.debug.lines.clear();
  // Names that say nothing (`r0`, `r1`, ... in order) are what a reader would invent anyway;
  // dropping them lets a module without names survive disassembly unchanged.
  for (isa::Function& f : st.mod.funcs) {
    bool plain = true;
    for (size_t i = 0; plain && i < f.reg_names.size(); ++i)
      plain = f.reg_names[i] == fmt::format("r{}", i);
    if (plain) f.reg_names.clear();
  }
  return {};
}

}  // namespace strata::as

// Module -> .sasm text. Whatever cannot be written as an instruction (a word that does not
// decode, an operand out of range, a branch into the middle of an instruction) is written as
// `.word`, so that every module survives the round trip.
#include "assembler/disassembler.hpp"

#include <cstring>
#include <map>
#include <set>

#include <fmt/format.h>

#include "assembler/lexer.hpp"

namespace strata::as {

namespace {

using isa::Op;
using isa::Operand;
using isa::Word;

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\0': out += "\\0"; break;
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
          out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        else
          out += c;
    }
  }
  return out + "\"";
}

std::string name_or_quote(const std::string& s) {
  return is_name(s) ? s : quote(s);
}

std::string format_float(double d) {
  if (d != d) return "nan";
  std::string s = fmt::format("{}", d);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";  // keep it a float literal
  return s;
}

std::string format_value(const isa::Constant& k) {
  if (auto* i = std::get_if<int64_t>(&k)) return fmt::format("{}", *i);
  if (auto* d = std::get_if<double>(&k)) return format_float(*d);
  return quote(std::get<std::string>(k));
}

// The same identity the assembler interns by: type and bytes.
std::string const_key(const isa::Constant& v) {
  std::string k(1, static_cast<char>('0' + v.index()));
  if (auto* i = std::get_if<int64_t>(&v))
    k.append(reinterpret_cast<const char*>(i), sizeof *i);
  else if (auto* d = std::get_if<double>(&v))
    k.append(reinterpret_cast<const char*>(d), sizeof *d);
  else
    k += std::get<std::string>(v);
  return k;
}

class Disassembler {
 public:
  explicit Disassembler(const isa::Module& m) : m_(m) {}

  std::string run() {
    header();
    for (uint32_t i = 0; i < m_.imports.size(); ++i) import_name(i);
    imports();
    for (const auto& d : m_.data) data(d);
    for (uint32_t f = 0; f < m_.funcs.size(); ++f) function(f);
    for (const auto& e : m_.exports) {
      if (e.func >= m_.funcs.size()) continue;
      const std::string& fname = m_.funcs[e.func].name;
      if (e.name == fname)
        out_ += fmt::format(".export {}\n", name_or_quote(fname));
      else
        out_ += fmt::format(".export {} as {}\n", name_or_quote(fname), name_or_quote(e.name));
    }
    return std::move(out_);
  }

  // The instruction of function fi at word pc as run() writes it (without label or indent).
  std::optional<std::string> one(uint32_t fi, uint32_t pc) {
    if (fi >= m_.funcs.size()) return std::nullopt;
    const isa::Function& f = m_.funcs[fi];
    for (uint32_t i = 0; i < m_.imports.size(); ++i) import_name(i);
    for (size_t i = 0; i < m_.consts.size(); ++i)
      first_const_.try_emplace(const_key(m_.consts[i]), static_cast<uint32_t>(i));
    reg_names(f);
    size_t at = 0;
    while (at < pc && at < f.code.size()) at += decode(f, at).size;
    if (at != pc || pc >= f.code.size()) return std::nullopt;
    if (!decode(f, pc).ok) return fmt::format(".word 0x{:016x}", f.code[pc]);
    out_.clear();
    instruction(f, pc);
    return std::move(out_);
  }

 private:
  void header() {
    out_ += fmt::format(".module {}\n", name_or_quote(m_.name));
    out_ += fmt::format(".source {}\n", quote(m_.debug.source));
    if (m_.debug.lines.empty() && !m_.funcs.empty()) out_ += ".nolines\n";
    if (m_.memory.initial || m_.memory.max)
      out_ += fmt::format(".memory {} max {}\n", m_.memory.initial, m_.memory.max);
    for (const auto& s : m_.sigs) out_ += fmt::format(".sig {}\n", isa::to_string(s));
    for (size_t i = 0; i < m_.consts.size(); ++i) {
      out_ += fmt::format(".kpool {}\n", format_value(m_.consts[i]));
      first_const_.try_emplace(const_key(m_.consts[i]), static_cast<uint32_t>(i));
    }
    for (const auto& s : m_.structs) {
      out_ += fmt::format(".struct {} {{", s.name);
      for (uint32_t k = 0; k < s.field_count; ++k) {
        size_t fi = size_t{s.first_field} + k;
        if (fi >= m_.fields.size()) break;
        out_ += fmt::format("{} {}: {}", k ? "," : "", m_.fields[fi].field.name,
                            isa::to_string(m_.fields[fi].field.type));
      }
      out_ += " }\n";
    }
  }

  // The name `callh` uses for import i: its own when that is unambiguous, else an alias.
  void import_name(uint32_t i) {
    const std::string& n = m_.imports[i].name;
    bool ok = is_name(n) && !m_.find_func(n) && !used_.count(n);
    std::string local = ok ? n : fmt::format("import.{}", i);
    used_.insert(local);
    import_names_.push_back(local);
  }

  std::string sig_text(uint32_t s) const {
    if (s >= m_.sigs.size()) return "() -> void";
    return isa::to_string(m_.sigs[s]);
  }

  void imports() {
    for (uint32_t i = 0; i < m_.imports.size(); ++i) {
      const auto& im = m_.imports[i];
      std::string sig = sig_text(im.sig);
      out_ += fmt::format(".import {} {}{}", quote(im.module), name_or_quote(im.name), sig);
      if (import_names_[i] != im.name) out_ += fmt::format(" as {}", import_names_[i]);
      out_ += '\n';
    }
  }

  void data(const isa::DataSegment& d) {
    out_ += fmt::format(".data {} ", d.offset);
    constexpr size_t kChunk = 48;
    if (d.bytes.empty()) out_ += "\"\"";
    for (size_t i = 0; i < d.bytes.size(); i += kChunk) {
      if (i) out_ += ",\n  ";
      out_ += quote(std::string_view(d.bytes).substr(i, kChunk));
    }
    out_ += '\n';
  }

  // --- functions

  struct Decoded {
    bool ok = false;
    uint32_t size = 1;
  };

  // Decodes the instruction at pc, checking everything the text form needs to reproduce it.
  Decoded decode(const isa::Function& f, size_t pc) const {
    Decoded d;
    Word w = f.code[pc];
    if (!isa::is_valid_op(static_cast<uint16_t>(w & 0xffff))) return d;
    Op op = isa::op_of(w);
    const isa::OpInfo& in = isa::info(op);
    Operand kinds[3] = {in.a, in.b, in.c};
    uint16_t fields[3] = {isa::a_of(w), isa::b_of(w), isa::c_of(w)};
    for (int k = 0; k < 3; ++k) {
      Operand kind = kinds[k];
      if (k == 2 && isa::is_wide(kinds[1])) continue;
      uint16_t v = fields[k];
      switch (kind) {
        case Operand::__:
          if (v) return d;
          break;
        case Operand::Di:
        case Operand::Df:
        case Operand::Dr:
        case Operand::Dx:
        case Operand::Mf:
        case Operand::Ui:
        case Operand::Uf:
        case Operand::Ur:
        case Operand::Ux:
          if (v >= f.regs.size()) return d;
          break;
        case Operand::K32:
          if (isa::bc_of(w) >= m_.consts.size()) return d;
          break;
        case Operand::Fn:
          if (v >= m_.funcs.size()) return d;
          break;
        case Operand::Im:
          if (v >= m_.imports.size()) return d;
          break;
        case Operand::Sg:
          if (v >= m_.sigs.size()) return d;
          break;
        case Operand::Fd:
          if (v >= m_.fields.size() || !field_name(v)) return d;
          break;
        case Operand::Ty:
          if (v >= m_.structs.size()) return d;
          break;
        default: break;
      }
    }
    if (in.flags & isa::kCall) {
      const isa::Signature* s = callee_sig(w);
      if (!s) return d;
      size_t n = s->params.size(), words = isa::arg_words(n);
      if (pc + 1 + words > f.code.size()) return d;
      for (size_t k = 0; k < words * 4; ++k) {
        uint16_t r = isa::arg_of(f.code[pc + 1 + k / 4], static_cast<unsigned>(k % 4));
        if (k < n ? r >= f.regs.size() : r != 0) return d;
      }
      // A void callee's result field is written as nothing, so it must be zero.
      if (!s->result && isa::a_of(w) != 0) return d;
      d.size = static_cast<uint32_t>(1 + words);
    }
    d.ok = true;
    return d;
  }

  const isa::Signature* callee_sig(Word w) const {
    uint32_t s = 0;
    switch (isa::op_of(w)) {
      case Op::Call:
        if (isa::b_of(w) >= m_.funcs.size()) return nullptr;
        s = m_.funcs[isa::b_of(w)].sig;
        break;
      case Op::CallH:
        if (isa::b_of(w) >= m_.imports.size()) return nullptr;
        s = m_.imports[isa::b_of(w)].sig;
        break;
      default: s = isa::c_of(w);
    }
    return s < m_.sigs.size() ? &m_.sigs[s] : nullptr;
  }

  std::optional<std::string> field_name(uint32_t fi) const {
    const auto& fr = m_.fields[fi];
    if (fr.owner >= m_.structs.size()) return std::nullopt;
    return m_.structs[fr.owner].name + "." + fr.field.name;
  }

  static int64_t branch_offset(Word w, Operand kind) {
    return kind == Operand::J16 ? isa::sc_of(w) : isa::sbc_of(w);
  }

  static Operand branch_kind(const isa::OpInfo& in) {
    for (Operand k : {in.a, in.b, in.c})
      if (k == Operand::J16 || k == Operand::J32) return k;
    return Operand::__;
  }

  void function(uint32_t fi) {
    const isa::Function& f = m_.funcs[fi];
    // Pass 1: instruction boundaries. Pass 2: branches must land on one.
    std::map<size_t, Decoded> insns;
    for (size_t pc = 0; pc < f.code.size();) {
      Decoded d = decode(f, pc);
      insns[pc] = d;
      pc += d.size;
    }
    std::set<size_t> labels;
    for (auto& [pc, d] : insns) {
      if (!d.ok) continue;
      const isa::OpInfo& in = isa::info(isa::op_of(f.code[pc]));
      Operand bk = branch_kind(in);
      if (bk == Operand::__) continue;
      int64_t t = static_cast<int64_t>(pc) + branch_offset(f.code[pc], bk);
      bool valid = t >= 0 &&
                   (static_cast<size_t>(t) == f.code.size() || insns.count(static_cast<size_t>(t)));
      if (valid)
        labels.insert(static_cast<size_t>(t));
      else
        d.ok = false;
    }

    reg_names(f);
    const isa::Signature* sig = f.sig < m_.sigs.size() ? &m_.sigs[f.sig] : nullptr;
    size_t np = sig ? std::min(sig->params.size(), f.regs.size()) : 0;
    out_ += fmt::format("\n.func {}(", name_or_quote(f.name));
    for (size_t r = 0; r < np; ++r)
      out_ += fmt::format("{}%{}: {}", r ? ", " : "", regs_[r], isa::to_string(f.regs[r]));
    out_ += ")";
    if (sig && sig->result) out_ += fmt::format(" -> {}", isa::to_string(*sig->result));
    out_ += '\n';
    for (size_t r = np; r < f.regs.size(); r += 8) {
      out_ += "  .reg ";
      for (size_t k = r; k < std::min(f.regs.size(), r + 8); ++k)
        out_ += fmt::format("{}%{}: {}", k > r ? ", " : "", regs_[k], isa::to_string(f.regs[k]));
      out_ += '\n';
    }

    // The line table is written as `.line` directives when it has the shape the assembler
    // produces: one entry per instruction, in order.
    const std::vector<isa::LineEntry>* lines =
        fi < m_.debug.lines.size() ? &m_.debug.lines[fi] : nullptr;
    if (lines && lines->size() == insns.size()) {
      size_t k = 0;
      for (auto& [pc, d] : insns)
        if ((*lines)[k++].pc != pc) lines = nullptr;
    } else {
      lines = nullptr;
    }
    size_t k = 0;
    for (auto& [pc, d] : insns) {
      if (labels.count(pc)) out_ += fmt::format("L{}:\n", pc);
      if (lines) {
        uint32_t l = (*lines)[k].line;
        if (next_line() != l) {
          out_ += fmt::format("  .line {}\n", l);
          counted_ = out_.size();
          counted_line_ = l;
        }
      }
      ++k;
      out_ += "  ";
      if (d.ok)
        instruction(f, pc);
      else
        out_ += fmt::format(".word 0x{:016x}", f.code[pc]);
      out_ += '\n';
    }
    if (labels.count(f.code.size())) out_ += fmt::format("L{}:\n", f.code.size());
    out_ += ".end\n";
  }

  // The debug line the next output line gets: `.line N` numbers the line after it N, and the
  // numbering goes on from there (like C's #line); before any `.line`, lines count from 1.
  int64_t next_line() {
    for (; counted_ < out_.size(); ++counted_)
      if (out_[counted_] == '\n') ++counted_line_;
    return counted_line_;
  }

  void reg_names(const isa::Function& f) {
    regs_.clear();
    std::set<std::string> seen;
    bool ok = f.reg_names.size() == f.regs.size();
    for (size_t i = 0; ok && i < f.reg_names.size(); ++i)
      ok = is_name(f.reg_names[i]) && seen.insert(f.reg_names[i]).second;
    for (size_t i = 0; i < f.regs.size(); ++i)
      regs_.push_back(ok ? f.reg_names[i] : fmt::format("r{}", i));
  }

  void instruction(const isa::Function& f, size_t pc) {
    Word w = f.code[pc];
    Op op = isa::op_of(w);
    const isa::OpInfo& in = isa::info(op);
    out_ += in.mnemonic;
    if (in.flags & isa::kCall) {
      const isa::Signature* s = callee_sig(w);
      out_ += ' ';
      if (s->result) out_ += fmt::format("%{}, ", regs_[isa::a_of(w)]);
      if (op == Op::Call)
        out_ += name_or_quote(m_.funcs[isa::b_of(w)].name);
      else if (op == Op::CallH)
        out_ += import_names_[isa::b_of(w)];
      else
        out_ += fmt::format("%{} : {} ", regs_[isa::b_of(w)], isa::to_string(*s));
      out_ += '(';
      for (size_t k = 0; k < s->params.size(); ++k)
        out_ +=
            fmt::format("{}%{}", k ? ", " : "",
                        regs_[isa::arg_of(f.code[pc + 1 + k / 4], static_cast<unsigned>(k % 4))]);
      out_ += ')';
      return;
    }
    Operand kinds[3] = {in.a, in.b, in.c};
    uint16_t fields[3] = {isa::a_of(w), isa::b_of(w), isa::c_of(w)};
    bool first = true;
    for (int k = 0; k < 3; ++k) {
      Operand kind = kinds[k];
      if (kind == Operand::__ || (k == 2 && isa::is_wide(kinds[1]))) continue;
      out_ += first ? " " : ", ";
      first = false;
      uint16_t v = fields[k];
      switch (kind) {
        case Operand::S16: out_ += fmt::format("{}", static_cast<int16_t>(v)); break;
        case Operand::U16: out_ += fmt::format("{}", v); break;
        case Operand::I32: out_ += fmt::format("{}", isa::sbc_of(w)); break;
        case Operand::J16:
        case Operand::J32:
          out_ += fmt::format("L{}", static_cast<int64_t>(pc) + branch_offset(w, kind));
          break;
        case Operand::K32: {
          uint32_t ki = isa::bc_of(w);
          auto it = first_const_.find(const_key(m_.consts[ki]));
          out_ += it != first_const_.end() && it->second == ki ? format_value(m_.consts[ki])
                                                               : fmt::format("#{}", ki);
          break;
        }
        case Operand::Fn: out_ += name_or_quote(m_.funcs[v].name); break;
        case Operand::Im: out_ += import_names_[v]; break;
        case Operand::Sg: out_ += isa::to_string(m_.sigs[v]); break;
        case Operand::Fd: out_ += *field_name(v); break;
        case Operand::Ty: out_ += m_.structs[v].name; break;
        default: out_ += fmt::format("%{}", regs_[v]); break;
      }
    }
  }

  const isa::Module& m_;
  std::string out_;
  std::map<std::string, uint32_t> first_const_;
  std::set<std::string> used_;
  std::vector<std::string> import_names_;
  std::vector<std::string> regs_;
  size_t counted_ = 0;
  int64_t counted_line_ = 1;
};

}  // namespace

std::string disassemble(const isa::Module& m) {
  return Disassembler(m).run();
}

std::optional<std::string> disassemble_insn(const isa::Module& m, uint32_t func, uint32_t pc) {
  return Disassembler(m).one(func, pc);
}

}  // namespace strata::as

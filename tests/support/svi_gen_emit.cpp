// Prints a GenProgram as SASM (docs/SASM.md), recording each statement's source line.
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "tests/support/svi_gen.hpp"

namespace strata::svigen {
namespace {

using K = Stmt::Kind;

// Operand register types of an instruction: 'i', 'f', 'r', or '-' (immediate or none).
struct Shape {
  char a, b, c;
};

char field_type(int64_t fd) {
  return fd == kFieldSY ? 'f' : fd == kFieldSR ? 'r' : 'i';
}

Shape shape(const Stmt& s) {
  switch (s.op) {
    case Op::Neg:
    case Op::Not:
    case Op::Sext8:
    case Op::Sext16:
    case Op::Sext32:
    case Op::Zext8:
    case Op::Zext16:
    case Op::Zext32:
    case Op::MovI:
    case Op::MGrow: return {'i', 'i', '-'};
    case Op::AddI:
    case Op::MulI:
    case Op::AndI:
    case Op::OrI:
    case Op::XorI:
    case Op::ShlI:
    case Op::ShrI:
    case Op::SarI:
    case Op::LdI8:
    case Op::LdU8:
    case Op::LdI16:
    case Op::LdU16:
    case Op::LdI32:
    case Op::LdU32:
    case Op::LdI64:
    case Op::StI8:
    case Op::StI16:
    case Op::StI32:
    case Op::StI64: return {'i', 'i', '-'};
    case Op::Li:
    case Op::MSize: return {'i', '-', '-'};
    case Op::Lf: return {'f', '-', '-'};
    case Op::MovF:
    case Op::FNeg:
    case Op::FAbs:
    case Op::FSqrt:
    case Op::FFloor:
    case Op::FCeil:
    case Op::FTrunc:
    case Op::FNearest: return {'f', 'f', '-'};
    case Op::MovR: return {'r', 'r', '-'};
    case Op::FAdd:
    case Op::FSub:
    case Op::FMul:
    case Op::FDiv:
    case Op::FMin:
    case Op::FMax:
    case Op::FMAdd: return {'f', 'f', 'f'};
    case Op::FEq:
    case Op::FNe:
    case Op::FLt:
    case Op::FLe:
    case Op::FGt:
    case Op::FGe: return {'i', 'f', 'f'};
    case Op::I2F:
    case Op::BitsF:
    case Op::LdF32:
    case Op::LdF64: return {'f', 'i', '-'};
    case Op::F2I:
    case Op::FBits: return {'i', 'f', '-'};
    case Op::StF32:
    case Op::StF64: return {'i', 'f', '-'};
    case Op::Null:
    case Op::FnRef:
    case Op::LdkStr:
    case Op::RNew: return {'r', '-', '-'};
    case Op::RGet: return {field_type(s.imm), 'r', '-'};
    case Op::RSet: return {'r', field_type(s.imm), '-'};
    case Op::ANewI:
    case Op::ANewF:
    case Op::ANewR:
    case Op::ANewB: return {'r', 'i', '-'};
    case Op::AGetI:
    case Op::AGetB: return {'i', 'r', 'i'};
    case Op::AGetF: return {'f', 'r', 'i'};
    case Op::AGetR: return {'r', 'r', 'i'};
    case Op::ASetI:
    case Op::ASetB: return {'r', 'i', 'i'};
    case Op::ASetF: return {'r', 'i', 'f'};
    case Op::ASetR: return {'r', 'i', 'r'};
    case Op::ALen:
    case Op::SLen:
    case Op::IsNull: return {'i', 'r', '-'};
    case Op::SByte: return {'i', 'r', 'i'};
    case Op::REq: return {'i', 'r', 'r'};
    case Op::Trap: return {'-', '-', '-'};
    case Op::Bnz:
    case Op::Bz: return {'i', '-', '-'};
    case Op::BNull:
    case Op::BNonNull: return {'r', '-', '-'};
    case Op::BfLt:
    case Op::BfLe:
    case Op::BfGt:
    case Op::BfGe: return {'f', 'f', '-'};
    case Op::Beq:
    case Op::Bne:
    case Op::Blt:
    case Op::Ble:
    case Op::Bgt:
    case Op::Bge:
    case Op::BltU:
    case Op::BgeU: return {'i', 'i', '-'};
    default: return {'i', 'i', 'i'};  // i64 binary operations, mcopy, mfill
  }
}

std::string reg(char type, uint16_t index) {
  return "%" + std::string(1, type) + std::to_string(index);
}

std::string int_literal(int64_t v) {
  if (v == std::numeric_limits<int64_t>::min()) return "0x8000000000000000";
  return std::to_string(v);
}

std::string float_literal(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  std::string s;
  for (const char* p = buf; *p; ++p)
    if (*p != '+') s += *p;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string string_literal(const std::string& s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += static_cast<char>(ch);
    } else if (ch >= 0x20 && ch < 0x7f) {
      out += static_cast<char>(ch);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", ch);
      out += buf;
    }
  }
  return out + "\"";
}

const char* kFieldNames[] = {"S.x", "S.y", "S.r", "T.v"};
const char* kSigText[] = {"(i64, i64, f64, i64, ref, f64, i64) -> i64",
                          "(i64, i64, f64, i64, ref, f64, i64) -> f64"};

bool is_param(bool is_main, char type, uint16_t index) {
  if (is_main) return false;
  if (type == 'i' && index == kIDepth) return true;
  for (size_t k = 0; k < sizeof kArgRegs / sizeof kArgRegs[0]; ++k)
    if (kArgTypes[k] == type && kArgRegs[k] == index) return true;
  return false;
}

std::string call_args(const Stmt& s) {
  std::string out = "(%i14";
  for (size_t k = 0; k < s.args.size(); ++k) out += ", " + reg(kArgTypes[k], s.args[k]);
  return out + ")";
}

class Emitter {
 public:
  explicit Emitter(GenProgram& p) : p_(p) {}

  std::string run() {
    line("; random SVI program, seed " + std::to_string(p_.seed) + " (tests/support/svi_gen.hpp)");
    line(".module rand");
    line(".memory " + std::to_string(kMemInitial) + " max " + std::to_string(kMemMax));
    line(".import \"std.io\" println_i64(i64)");
    line(".struct S { x: i64, y: f64, r: ref }");
    line(".struct T { v: i64 }");
    std::string d = ".data 0 i64 ";
    for (size_t i = 0; i < p_.data_i64.size(); ++i)
      d += (i ? ", " : "") + int_literal(p_.data_i64[i]);
    line(d);
    d = ".data " + std::to_string(kFloatBase) + " f64 ";
    for (size_t i = 0; i < p_.data_f64.size(); ++i)
      d += (i ? ", " : "") + float_literal(p_.data_f64[i]);
    line(d);
    for (auto& f : p_.funcs) function(f);
    return out_;
  }

 private:
  void line(const std::string& s) {
    out_ += s;
    out_ += '\n';
    ++line_no_;
  }

  void function(GenFunction& f) {
    label_ = 0;
    line("");
    if (f.is_main) {
      line(".func main() -> i64 export");
    } else {
      std::string params = "(%i0: i64";
      for (size_t k = 0; k < sizeof kArgRegs / sizeof kArgRegs[0]; ++k) {
        char t = kArgTypes[k];
        params += ", " + reg(t, kArgRegs[k]) + (t == 'i' ? ": i64" : t == 'f' ? ": f64" : ": ref");
      }
      line(".func " + f.name + params + ") -> " + (f.returns_f64 ? "f64" : "i64"));
    }
    std::string regs = "  .reg ";
    bool first = true;
    auto add = [&](char t, uint16_t i, const char* ty) {
      regs += (first ? "" : ", ") + reg(t, i) + ": " + ty;
      first = false;
    };
    for (uint16_t i = 0; i < kNumI; ++i)
      if (!is_param(f.is_main, 'i', i)) add('i', i, "i64");
    for (uint16_t i = 0; i < kNumF; ++i)
      if (!is_param(f.is_main, 'f', i)) add('f', i, "f64");
    for (uint16_t i = 0; i < kNumR; ++i)
      if (!is_param(f.is_main, 'r', i)) add('r', i, "ref");
    line(regs);
    block(f.body);
    line("  ret " + (f.returns_f64 ? reg('f', f.ret_reg) : reg('i', kIHash)));
    line(".end");
  }

  void block(std::vector<Stmt>& body) {
    for (auto& s : body) stmt(s);
  }

  std::string operand(char type, uint16_t index) { return reg(type, index); }

  void stmt(Stmt& s) {
    switch (s.kind) {
      case K::Insn: return insn(s);
      case K::Ret: return line("  ret " + reg(s.c ? 'f' : 'i', s.a));
      case K::Print:
        s.line = line_no_ + 1;
        return line("  callh println_i64(" + reg('i', s.a) + ")");
      case K::Call:
      case K::CallI: {
        std::string skip = "L" + std::to_string(label_++);
        line("  bz %i0, " + skip);
        line("  addi %i14, %i0, -1");
        s.line = line_no_ + 1;
        if (s.kind == K::Call) {
          char t = p_.funcs[s.callee].returns_f64 ? 'f' : 'i';
          line("  call " + reg(t, s.a) + ", " + p_.funcs[s.callee].name + call_args(s));
        } else {
          char t = s.imm ? 'f' : 'i';
          line("  calli " + reg(t, s.a) + ", " + reg('r', s.b) + " : " + kSigText[s.imm] + " " +
               call_args(s));
        }
        return line(skip + ":");
      }
      case K::If: {
        std::string alt = "L" + std::to_string(label_++), end = "L" + std::to_string(label_++);
        Shape sh = shape(s);
        std::string text = std::string("  ") + mnemonic(s.op) + " " + reg(sh.a, s.a);
        if (sh.b != '-') text += ", " + reg(sh.b, s.b);
        line(text + ", " + alt);
        block(s.body);
        line("  jmp " + end);
        line(alt + ":");
        block(s.alt);
        return line(end + ":");
      }
      case K::Loop: {
        std::string top = "L" + std::to_string(label_++), end = "L" + std::to_string(label_++);
        std::string lc = reg('i', s.a);
        line("  li " + lc + ", " + std::to_string(s.imm));
        line(top + ":");
        block(s.body);
        line("  addi " + lc + ", " + lc + ", -1");
        if (s.c == 0) return line("  bnz " + lc + ", " + top);
        line("  bz " + lc + ", " + end);
        line("  jmp " + top);
        return line(end + ":");
      }
    }
  }

  void insn(Stmt& s) {
    s.line = line_no_ + 1;
    Shape sh = shape(s);
    std::string text = std::string("  ") + mnemonic(s.op);
    std::string sep = " ";
    auto arg = [&](const std::string& x) {
      text += sep + x;
      sep = ", ";
    };
    if (sh.a != '-') arg(reg(sh.a, s.a));
    if (sh.b != '-') arg(reg(sh.b, s.b));
    if (sh.c != '-') arg(reg(sh.c, s.c));
    switch (s.op) {
      case Op::Li: arg(int_literal(s.imm)); break;
      case Op::Lf: arg(float_literal(s.fimm)); break;
      case Op::FnRef: arg(p_.funcs[s.imm].name); break;
      case Op::LdkStr: arg(string_literal(p_.strings[s.imm])); break;
      case Op::RNew: arg(s.imm ? "T" : "S"); break;
      case Op::RGet:
      case Op::RSet: arg(kFieldNames[s.imm]); break;
      case Op::Trap: arg(std::to_string(s.imm)); break;
      case Op::AddI:
      case Op::MulI:
      case Op::AndI:
      case Op::OrI:
      case Op::XorI:
      case Op::ShlI:
      case Op::ShrI:
      case Op::SarI:
      case Op::LdI8:
      case Op::LdU8:
      case Op::LdI16:
      case Op::LdU16:
      case Op::LdI32:
      case Op::LdU32:
      case Op::LdI64:
      case Op::LdF32:
      case Op::LdF64:
      case Op::StI8:
      case Op::StI16:
      case Op::StI32:
      case Op::StI64:
      case Op::StF32:
      case Op::StF64: arg(std::to_string(s.imm)); break;
      default: break;
    }
    line(text);
  }

  GenProgram& p_;
  std::string out_;
  uint32_t line_no_ = 0;
  int label_ = 0;
};

}  // namespace

std::string emit_sasm(GenProgram& p) {
  return Emitter(p).run();
}

}  // namespace strata::svigen

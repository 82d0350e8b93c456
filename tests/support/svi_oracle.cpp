// The reference evaluator: a direct, deliberately plain reading of isa/opcodes.def's semantics
// over the generator's representation. No code is shared with vm/.
#include "tests/support/svi_oracle.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>

namespace strata::svigen {
namespace {

using K = Stmt::Kind;
using u64 = uint64_t;
using i64 = int64_t;
constexpr i64 kMin = std::numeric_limits<i64>::min();
constexpr i64 kMax = std::numeric_limits<i64>::max();

struct Obj {
  enum class Kind : uint8_t { ArrI, ArrF, ArrB, ArrR, RecS, RecT, Str, Fn } kind;
  std::vector<i64> ints;       // ArrI; RecS {x}; RecT {v}
  std::vector<double> flts;    // ArrF; RecS {y}
  std::vector<Obj*> refs;      // ArrR; RecS {r}
  std::vector<uint8_t> bytes;  // ArrB; Str
  int fn = 0;
};

struct Frame {
  // Every array has kNumI slots so that reading an operand field as any type stays in range.
  i64 i[kNumI] = {};
  double f[kNumI] = {};
  Obj* r[kNumI] = {};
  bool returned = false;  // a ret ran: the rest of the function is skipped
  i64 ret_i = 0;
  double ret_f = 0;
};

struct Fault {
  OracleTrap kind;
  uint32_t line;
};

i64 wrap_add(i64 a, i64 b) {
  return static_cast<i64>(static_cast<u64>(a) + static_cast<u64>(b));
}
i64 wrap_mul(i64 a, i64 b) {
  return static_cast<i64>(static_cast<u64>(a) * static_cast<u64>(b));
}

double fmin_ref(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  if (a == 0 && b == 0) return std::signbit(a) ? a : b;  // min(-0, +0) = -0
  return a < b ? a : b;
}
double fmax_ref(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  if (a == 0 && b == 0) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}
i64 f2i_ref(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 9223372036854775808.0) return kMax;
  if (d < -9223372036854775808.0) return kMin;
  return static_cast<i64>(std::trunc(d));
}

class Evaluator {
 public:
  explicit Evaluator(const GenProgram& p) : p_(p), mem_(kMemInitial, 0) {
    for (size_t k = 0; k < p.data_i64.size(); ++k) std::memcpy(&mem_[8 * k], &p.data_i64[k], 8);
    for (size_t k = 0; k < p.data_f64.size(); ++k)
      std::memcpy(&mem_[kFloatBase + 8 * k], &p.data_f64[k], 8);
    for (auto& s : p.strings) {
      Obj* o = alloc(Obj::Kind::Str);
      o->bytes.assign(s.begin(), s.end());
      strings_.push_back(o);
    }
  }

  Outcome run() {
    Outcome o;
    Frame fr;
    int main_index = static_cast<int>(p_.funcs.size()) - 1;
    bool ok = call(main_index, fr);
    o.out = std::move(out_);
    o.fuel = fuel_;
    if (ok) {
      o.exit_code = fr.ret_i;
    } else {
      o.trap = fault_.kind;
      o.trap_line = fault_.line;
      o.trap_function = p_.funcs[fault_fn_].name;
    }
    return o;
  }

 private:
  Obj* alloc(Obj::Kind k) {
    heap_.push_back(std::make_unique<Obj>());
    heap_.back()->kind = k;
    return heap_.back().get();
  }

  bool trap(OracleTrap kind, const Stmt& s) {
    fault_ = {kind, s.line};
    fault_fn_ = cur_fn_;
    return false;
  }

  // Runs function `index` in frame `fr` (parameters already set); the result stays in fr.
  bool call(int index, Frame& fr) {
    int saved = cur_fn_;
    cur_fn_ = index;
    const GenFunction& f = p_.funcs[index];
    bool ok = block(f.body, fr);
    if (ok && !fr.returned) {  // the closing `ret`
      fr.ret_i = fr.i[f.ret_reg];
      fr.ret_f = fr.f[f.ret_reg];
    }
    cur_fn_ = saved;
    return ok;
  }

  bool invoke(int callee, const Frame& caller, const Stmt& s, Frame& callee_fr) {
    callee_fr.i[kIDepth] = caller.i[kIDepthM1];
    for (size_t k = 0; k < s.args.size(); ++k) {
      uint16_t to = kArgRegs[k], from = s.args[k];
      if (kArgTypes[k] == 'i') callee_fr.i[to] = caller.i[from];
      if (kArgTypes[k] == 'f') callee_fr.f[to] = caller.f[from];
      if (kArgTypes[k] == 'r') callee_fr.r[to] = caller.r[from];
    }
    return call(callee, callee_fr);
  }

  void store_result(int callee, const Frame& from, Frame& to, uint16_t dst) {
    const GenFunction& f = p_.funcs[callee];
    if (f.returns_f64)
      to.f[dst] = from.ret_f;
    else
      to.i[dst] = from.ret_i;
  }

  bool block(const std::vector<Stmt>& body, Frame& fr) {
    for (const Stmt& s : body) {
      if (!stmt(s, fr)) return false;
      if (fr.returned) return true;
    }
    return true;
  }

  bool stmt(const Stmt& s, Frame& fr) {
    switch (s.kind) {
      case K::Insn: return insn(s, fr);
      case K::Ret:
        fr.returned = true;
        fr.ret_i = fr.i[s.a];
        fr.ret_f = fr.f[s.a];
        return true;
      case K::Print:
        ++fuel_;
        out_ += std::to_string(fr.i[s.a]) + "\n";
        return true;
      case K::If: return block(branch_taken(s, fr) ? s.alt : s.body, fr);
      case K::Loop:
        fr.i[s.a] = s.imm;
        do {
          if (!block(s.body, fr)) return false;
          if (fr.returned) return true;
          fr.i[s.a] = wrap_add(fr.i[s.a], -1);
          if (fr.i[s.a] != 0) ++fuel_;  // the backward bnz (form 0) or jmp (form 1)
        } while (fr.i[s.a] != 0);
        return true;
      case K::Call: {
        if (fr.i[kIDepth] == 0) return true;
        fr.i[kIDepthM1] = fr.i[kIDepth] - 1;
        ++fuel_;
        Frame callee;
        if (!invoke(s.callee, fr, s, callee)) return false;
        store_result(s.callee, callee, fr, s.a);
        return true;
      }
      case K::CallI: {
        if (fr.i[kIDepth] == 0) return true;
        fr.i[kIDepthM1] = fr.i[kIDepth] - 1;
        ++fuel_;
        Obj* fn = fr.r[s.b];
        if (!fn) return trap(OracleTrap::NullReference, s);
        if (fn->kind != Obj::Kind::Fn) return trap(OracleTrap::TypeMismatch, s);
        if (p_.funcs[fn->fn].returns_f64 != (s.imm == 1)) return trap(OracleTrap::TypeMismatch, s);
        Frame callee;
        if (!invoke(fn->fn, fr, s, callee)) return false;
        store_result(fn->fn, callee, fr, s.a);
        return true;
      }
    }
    return true;
  }

  bool branch_taken(const Stmt& s, const Frame& fr) const {
    i64 a = fr.i[s.a], b = fr.i[s.b];
    double fa = fr.f[s.a], fb = fr.f[s.b];
    switch (s.op) {
      case Op::Bnz: return a != 0;
      case Op::Bz: return a == 0;
      case Op::Beq: return a == b;
      case Op::Bne: return a != b;
      case Op::Blt: return a < b;
      case Op::Ble: return a <= b;
      case Op::Bgt: return a > b;
      case Op::Bge: return a >= b;
      case Op::BltU: return static_cast<u64>(a) < static_cast<u64>(b);
      case Op::BgeU: return static_cast<u64>(a) >= static_cast<u64>(b);
      case Op::BfLt: return fa < fb;
      case Op::BfLe: return fa <= fb;
      case Op::BfGt: return fa > fb;
      case Op::BfGe: return fa >= fb;
      case Op::BNull: return fr.r[s.a] == nullptr;
      case Op::BNonNull: return fr.r[s.a] != nullptr;
      default: return false;
    }
  }

  // True when [addr + off, addr + off + size) lies inside the memory (no wrap-around).
  bool in_bounds(u64 addr, u64 off, u64 size) const {
    unsigned __int128 end = static_cast<unsigned __int128>(addr) + off + size;
    return end <= mem_.size();
  }

  bool insn(const Stmt& s, Frame& fr);
  bool memory(const Stmt& s, Frame& fr);
  bool object(const Stmt& s, Frame& fr);

  const GenProgram& p_;
  std::vector<uint8_t> mem_;
  std::vector<std::unique_ptr<Obj>> heap_;
  std::vector<Obj*> strings_;
  std::string out_;
  Fault fault_{OracleTrap::None, 0};
  int fault_fn_ = 0;
  int cur_fn_ = 0;
  uint64_t fuel_ = 0;
};

bool Evaluator::insn(const Stmt& s, Frame& fr) {
  i64& a = fr.i[s.a];
  const i64 b = fr.i[s.b], c = fr.i[s.c], imm = s.imm;
  const u64 ub = static_cast<u64>(b), uc = static_cast<u64>(c);
  double& fa = fr.f[s.a];
  const double fb = fr.f[s.b], fc = fr.f[s.c];
  switch (s.op) {
    case Op::Add: a = wrap_add(b, c); return true;
    case Op::Sub: a = static_cast<i64>(ub - uc); return true;
    case Op::Mul: a = wrap_mul(b, c); return true;
    case Op::MulH: a = static_cast<i64>((static_cast<__int128>(b) * c) >> 64); return true;
    case Op::MulHU:
      a = static_cast<i64>((static_cast<unsigned __int128>(ub) * uc) >> 64);
      return true;
    case Op::Div:
      if (c == 0) return trap(OracleTrap::DivideByZero, s);
      a = (b == kMin && c == -1) ? kMin : b / c;
      return true;
    case Op::Rem:
      if (c == 0) return trap(OracleTrap::DivideByZero, s);
      a = (c == -1) ? 0 : b % c;
      return true;
    case Op::DivU:
      if (c == 0) return trap(OracleTrap::DivideByZero, s);
      a = static_cast<i64>(ub / uc);
      return true;
    case Op::RemU:
      if (c == 0) return trap(OracleTrap::DivideByZero, s);
      a = static_cast<i64>(ub % uc);
      return true;
    case Op::And: a = b & c; return true;
    case Op::Or: a = b | c; return true;
    case Op::Xor: a = b ^ c; return true;
    case Op::Shl: a = static_cast<i64>(ub << (uc & 63)); return true;
    case Op::Shr: a = static_cast<i64>(ub >> (uc & 63)); return true;
    case Op::Sar: a = b >> (uc & 63); return true;
    case Op::Eq: a = b == c; return true;
    case Op::Ne: a = b != c; return true;
    case Op::Lt: a = b < c; return true;
    case Op::Le: a = b <= c; return true;
    case Op::Gt: a = b > c; return true;
    case Op::Ge: a = b >= c; return true;
    case Op::LtU: a = ub < uc; return true;
    case Op::LeU: a = ub <= uc; return true;
    case Op::GtU: a = ub > uc; return true;
    case Op::GeU: a = ub >= uc; return true;
    case Op::Neg: a = static_cast<i64>(0 - ub); return true;
    case Op::Not: a = ~b; return true;
    case Op::Sext8: a = static_cast<int8_t>(ub & 0xff); return true;
    case Op::Sext16: a = static_cast<int16_t>(ub & 0xffff); return true;
    case Op::Sext32: a = static_cast<int32_t>(ub & 0xffffffff); return true;
    case Op::Zext8: a = static_cast<i64>(ub & 0xff); return true;
    case Op::Zext16: a = static_cast<i64>(ub & 0xffff); return true;
    case Op::Zext32: a = static_cast<i64>(ub & 0xffffffff); return true;
    case Op::AddI: a = wrap_add(b, imm); return true;
    case Op::MulI: a = wrap_mul(b, imm); return true;
    case Op::AndI: a = b & imm; return true;
    case Op::OrI: a = b | imm; return true;
    case Op::XorI: a = b ^ imm; return true;
    case Op::ShlI: a = static_cast<i64>(ub << (imm & 63)); return true;
    case Op::ShrI: a = static_cast<i64>(ub >> (imm & 63)); return true;
    case Op::SarI: a = b >> (imm & 63); return true;
    case Op::Li: a = imm; return true;
    case Op::MovI: a = b; return true;
    case Op::Lf: fa = s.fimm; return true;
    case Op::MovF: fa = fb; return true;
    case Op::MovR: fr.r[s.a] = fr.r[s.b]; return true;
    case Op::FAdd: fa = fb + fc; return true;
    case Op::FSub: fa = fb - fc; return true;
    case Op::FMul: fa = fb * fc; return true;
    case Op::FDiv: fa = fb / fc; return true;
    case Op::FMin: fa = fmin_ref(fb, fc); return true;
    case Op::FMax: fa = fmax_ref(fb, fc); return true;
    case Op::FMAdd: fa = std::fma(fb, fc, fa); return true;  // one rounding
    case Op::FNeg: fa = -fb; return true;
    case Op::FAbs: fa = std::fabs(fb); return true;
    case Op::FSqrt: fa = std::sqrt(fb); return true;
    case Op::FFloor: fa = std::floor(fb); return true;
    case Op::FCeil: fa = std::ceil(fb); return true;
    case Op::FTrunc: fa = std::trunc(fb); return true;
    case Op::FNearest: fa = std::nearbyint(fb); return true;  // default mode: ties to even
    case Op::FEq: a = fb == fc; return true;
    case Op::FNe: a = !(fb == fc); return true;
    case Op::FLt: a = fb < fc; return true;
    case Op::FLe: a = fb <= fc; return true;
    case Op::FGt: a = fb > fc; return true;
    case Op::FGe: a = fb >= fc; return true;
    case Op::I2F: fa = static_cast<double>(b); return true;
    case Op::F2I: a = f2i_ref(fb); return true;
    case Op::FBits: std::memcpy(&a, &fb, 8); return true;
    case Op::BitsF: std::memcpy(&fa, &b, 8); return true;
    case Op::Trap: return trap(OracleTrap::Explicit, s);
    default: break;
  }
  if (s.op >= Op::LdI8 && s.op <= Op::MFill) return memory(s, fr);
  return object(s, fr);
}

bool Evaluator::memory(const Stmt& s, Frame& fr) {
  u64 ea = static_cast<u64>(fr.i[s.b]);  // loads: address in b
  u64 off = static_cast<u64>(s.imm);
  auto load = [&](u64 size, auto& dst) -> bool {
    if (!in_bounds(ea, off, size)) return trap(OracleTrap::MemoryOutOfBounds, s);
    std::memcpy(&dst, &mem_[ea + off], size);
    return true;
  };
  auto store = [&](u64 size, const void* src) -> bool {
    u64 addr = static_cast<u64>(fr.i[s.a]);
    if (!in_bounds(addr, off, size)) return trap(OracleTrap::MemoryOutOfBounds, s);
    std::memcpy(&mem_[addr + off], src, size);
    return true;
  };
  i64& a = fr.i[s.a];
  i64 v = fr.i[s.b];
  switch (s.op) {
    case Op::LdI8: {
      int8_t x;
      if (!load(1, x)) return false;
      a = x;
      return true;
    }
    case Op::LdU8: {
      uint8_t x;
      if (!load(1, x)) return false;
      a = x;
      return true;
    }
    case Op::LdI16: {
      int16_t x;
      if (!load(2, x)) return false;
      a = x;
      return true;
    }
    case Op::LdU16: {
      uint16_t x;
      if (!load(2, x)) return false;
      a = x;
      return true;
    }
    case Op::LdI32: {
      int32_t x;
      if (!load(4, x)) return false;
      a = x;
      return true;
    }
    case Op::LdU32: {
      uint32_t x;
      if (!load(4, x)) return false;
      a = x;
      return true;
    }
    case Op::LdI64: return load(8, a);
    case Op::LdF32: {
      float x;
      if (!load(4, x)) return false;
      fr.f[s.a] = x;
      return true;
    }
    case Op::LdF64: return load(8, fr.f[s.a]);
    case Op::StI8: return store(1, &v);
    case Op::StI16: return store(2, &v);
    case Op::StI32: return store(4, &v);
    case Op::StI64: return store(8, &v);
    case Op::StF32: {
      float x = static_cast<float>(fr.f[s.b]);
      return store(4, &x);
    }
    case Op::StF64: return store(8, &fr.f[s.b]);
    case Op::MSize: a = static_cast<i64>(mem_.size()); return true;
    case Op::MGrow: {
      unsigned __int128 grow =
          (static_cast<unsigned __int128>(static_cast<u64>(v)) + 65535) / 65536 * 65536;
      if (mem_.size() + grow > kMemMax) {
        a = -1;
      } else {
        a = static_cast<i64>(mem_.size());
        mem_.resize(mem_.size() + static_cast<size_t>(grow), 0);
      }
      return true;
    }
    case Op::MCopy:
    case Op::MFill: {
      u64 dst = static_cast<u64>(fr.i[s.a]), len = static_cast<u64>(fr.i[s.c]);
      if (!in_bounds(dst, 0, len)) return trap(OracleTrap::MemoryOutOfBounds, s);
      if (s.op == Op::MFill) {
        std::memset(&mem_[0] + dst, static_cast<int>(v & 0xff), len);
        return true;
      }
      u64 src = static_cast<u64>(v);
      if (!in_bounds(src, 0, len)) return trap(OracleTrap::MemoryOutOfBounds, s);
      std::memmove(&mem_[0] + dst, &mem_[0] + src, len);
      return true;
    }
    default: return true;
  }
}

bool Evaluator::object(const Stmt& s, Frame& fr) {
  using OK = Obj::Kind;
  // Checks an operand: non-null and of kind `k`, else traps.
  auto need = [&](Obj* o, OK k) -> int {
    if (!o) return trap(OracleTrap::NullReference, s), 0;
    if (o->kind != k) return trap(OracleTrap::TypeMismatch, s), 0;
    return 1;
  };
  auto index_ok = [&](u64 i, size_t len) {
    return i < len ? true : trap(OracleTrap::IndexOutOfBounds, s);
  };
  Obj*& ra = fr.r[s.a];
  Obj* rb = fr.r[s.b];
  i64& ia = fr.i[s.a];
  u64 ib = static_cast<u64>(fr.i[s.b]), ic = static_cast<u64>(fr.i[s.c]);
  switch (s.op) {
    case Op::Null: ra = nullptr; return true;
    case Op::FnRef:
      ra = alloc(OK::Fn);
      ra->fn = static_cast<int>(s.imm);
      return true;
    case Op::LdkStr: ra = strings_[s.imm]; return true;
    case Op::RNew:
      ra = alloc(s.imm ? OK::RecT : OK::RecS);
      ra->ints.assign(1, 0);
      if (!s.imm) ra->flts.assign(1, 0.0), ra->refs.assign(1, nullptr);
      return true;
    case Op::RGet: {
      Obj* o = rb;
      if (!need(o, s.imm == kFieldTV ? OK::RecT : OK::RecS)) return false;
      if (s.imm == kFieldSY)
        fr.f[s.a] = o->flts[0];
      else if (s.imm == kFieldSR)
        ra = o->refs[0];
      else
        ia = o->ints[0];
      return true;
    }
    case Op::RSet: {
      Obj* o = ra;
      if (!need(o, s.imm == kFieldTV ? OK::RecT : OK::RecS)) return false;
      if (s.imm == kFieldSY)
        o->flts[0] = fr.f[s.b];
      else if (s.imm == kFieldSR)
        o->refs[0] = rb;
      else
        o->ints[0] = fr.i[s.b];
      return true;
    }
    case Op::ANewI:
    case Op::ANewF:
    case Op::ANewR:
    case Op::ANewB: {
      OK k = s.op == Op::ANewI   ? OK::ArrI
             : s.op == Op::ANewF ? OK::ArrF
             : s.op == Op::ANewR ? OK::ArrR
                                 : OK::ArrB;
      Obj* o = alloc(k);
      if (k == OK::ArrI) o->ints.assign(ib, 0);
      if (k == OK::ArrF) o->flts.assign(ib, 0.0);
      if (k == OK::ArrR) o->refs.assign(ib, nullptr);
      if (k == OK::ArrB) o->bytes.assign(ib, 0);
      ra = o;
      return true;
    }
    case Op::AGetI:
      return need(rb, OK::ArrI) && index_ok(ic, rb->ints.size()) && ((ia = rb->ints[ic]), true);
    case Op::AGetF:
      return need(rb, OK::ArrF) && index_ok(ic, rb->flts.size()) &&
             ((fr.f[s.a] = rb->flts[ic]), true);
    case Op::AGetR:
      return need(rb, OK::ArrR) && index_ok(ic, rb->refs.size()) && ((ra = rb->refs[ic]), true);
    case Op::AGetB:
      return need(rb, OK::ArrB) && index_ok(ic, rb->bytes.size()) && ((ia = rb->bytes[ic]), true);
    case Op::ASetI:
      return need(ra, OK::ArrI) && index_ok(ib, ra->ints.size()) &&
             ((ra->ints[ib] = fr.i[s.c]), true);
    case Op::ASetF:
      return need(ra, OK::ArrF) && index_ok(ib, ra->flts.size()) &&
             ((ra->flts[ib] = fr.f[s.c]), true);
    case Op::ASetR:
      return need(ra, OK::ArrR) && index_ok(ib, ra->refs.size()) &&
             ((ra->refs[ib] = fr.r[s.c]), true);
    case Op::ASetB:
      return need(ra, OK::ArrB) && index_ok(ib, ra->bytes.size()) &&
             ((ra->bytes[ib] = static_cast<uint8_t>(ic & 0xff)), true);
    case Op::ALen: {
      if (!rb) return trap(OracleTrap::NullReference, s);
      switch (rb->kind) {
        case OK::ArrI: ia = static_cast<i64>(rb->ints.size()); return true;
        case OK::ArrF: ia = static_cast<i64>(rb->flts.size()); return true;
        case OK::ArrR: ia = static_cast<i64>(rb->refs.size()); return true;
        case OK::ArrB: ia = static_cast<i64>(rb->bytes.size()); return true;
        default: return trap(OracleTrap::TypeMismatch, s);
      }
    }
    case Op::SLen: return need(rb, OK::Str) && ((ia = static_cast<i64>(rb->bytes.size())), true);
    case Op::SByte:
      return need(rb, OK::Str) && index_ok(ic, rb->bytes.size()) && ((ia = rb->bytes[ic]), true);
    case Op::REq: ia = rb == fr.r[s.c]; return true;
    case Op::IsNull: ia = rb == nullptr; return true;
    default: return true;
  }
}

}  // namespace

const char* to_string(OracleTrap t) {
  static constexpr const char* kNames[] = {
      "none",          "Explicit",    "DivideByZero", "MemoryOutOfBounds", "IndexOutOfBounds",
      "NullReference", "TypeMismatch"};
  return kNames[static_cast<size_t>(t)];
}

Outcome evaluate(const GenProgram& p) {
  return Evaluator(p).run();
}

}  // namespace strata::svigen

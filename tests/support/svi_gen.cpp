// Random program construction (the representation); svi_gen_emit.cpp prints it as SASM.
#include "tests/support/svi_gen.hpp"

#include <cmath>
#include <limits>

namespace strata::svigen {
namespace {

using K = Stmt::Kind;

constexpr int64_t kEdgeInts[] = {0,
                                 1,
                                 -1,
                                 2,
                                 7,
                                 31,
                                 63,
                                 64,
                                 65,
                                 127,
                                 128,
                                 255,
                                 256,
                                 -128,
                                 0x7fff,
                                 0x8000,
                                 -0x8000,
                                 0xffff,
                                 0x7fffffff,
                                 -0x80000000LL,
                                 0xffffffffLL,
                                 0x100000000LL,
                                 std::numeric_limits<int64_t>::min(),
                                 std::numeric_limits<int64_t>::max(),
                                 std::numeric_limits<int64_t>::min() + 1,
                                 0x123456789abcdefLL,
                                 -0x5555555555555556LL,
                                 1000000007};

// The last four: full significands (products that are rounded, so that fmadd's single rounding
// shows) and the ends of the normal range.
const double kEdgeFloats[] = {0.0,
                              -0.0,
                              1.0,
                              -1.0,
                              0.5,
                              -0.5,
                              1.5,
                              2.5,
                              -2.5,
                              3.5,
                              0.1,
                              1e300,
                              -1e300,
                              1e-310,
                              -4.9e-324,
                              9.2233720368547758e18,
                              -9.2233720368547758e18,
                              9.3e18,
                              -9.3e18,
                              1e19,
                              4503599627370497.0,
                              std::numeric_limits<double>::infinity(),
                              -std::numeric_limits<double>::infinity(),
                              std::numeric_limits<double>::quiet_NaN(),
                              123456.789,
                              -7.25,
                              1.0000000000000002,
                              0.33333333333333331,
                              2.2250738585072014e-308,
                              1.7976931348623157e308};

class Gen {
 public:
  explicit Gen(uint64_t seed) : state_(seed) {
    state_ = next() ^ 0x632be59bd9b4e019ULL;  // neighbouring seeds: unrelated streams
    risky_ = chance(40);
  }

  GenProgram build(uint64_t seed) {
    GenProgram p;
    p.seed = seed;
    int helpers = 1 + static_cast<int>(below(4));
    for (int i = 0; i < helpers; ++i) result_f64_.push_back(chance(30));
    for (int i = 0; i < 8; ++i) p.data_i64.push_back(edge_or_random());
    for (int i = 0; i < 6; ++i) p.data_f64.push_back(edge_float());
    p.strings = {"strata", "z", "a\tb\\c\"d\x01\xff"};
    for (int i = 0; i < helpers; ++i) p.funcs.push_back(function(i, false));
    p.funcs.push_back(function(helpers, true));
    return p;
  }

 private:
  // --- randomness (own generator: results must not depend on the standard library)
  uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return next() % n; }
  bool chance(int percent) { return below(100) < static_cast<uint64_t>(percent); }
  bool risk(int per_mille) { return risky_ && below(1000) < static_cast<uint64_t>(per_mille); }
  int64_t edge_or_random() {
    if (chance(60)) return kEdgeInts[below(std::size(kEdgeInts))];
    if (chance(50)) return static_cast<int64_t>(below(2000)) - 1000;
    return static_cast<int64_t>(next());
  }
  double edge_float() {
    if (chance(70)) return kEdgeFloats[below(std::size(kEdgeFloats))];
    return static_cast<double>(static_cast<int64_t>(below(200000)) - 100000) / 64.0;
  }
  uint16_t gi() { return static_cast<uint16_t>(kIGen0 + below(kIGenN)); }
  uint16_t si() {  // any readable i64
    uint64_t r = below(12);
    return r < 8     ? static_cast<uint16_t>(kIGen0 + r)
           : r == 8  ? kIParam
           : r == 9  ? kIDepth
           : r == 10 ? kITmp
                     : kIAddr;
  }
  uint16_t gf() { return static_cast<uint16_t>(kFGen0 + below(kFGenN)); }
  uint16_t sf() { return static_cast<uint16_t>(below(kNumF)); }

  static Stmt insn(Op op, uint16_t a = 0, uint16_t b = 0, uint16_t c = 0, int64_t imm = 0) {
    Stmt s;
    s.op = op, s.a = a, s.b = b, s.c = c, s.imm = imm;
    return s;
  }
  static Stmt lf(uint16_t a, double v) {
    Stmt s = insn(Op::Lf, a);
    s.fimm = v;
    return s;
  }

  // fbits into %dst, with any NaN replaced by one fixed value (payloads are unspecified).
  void canonical_bits(std::vector<Stmt>& out, uint16_t dst, uint16_t f) {
    out.push_back(insn(Op::FBits, dst, f));
    out.push_back(insn(Op::FNe, kICmp, f, f));
    out.push_back(insn(Op::AddI, kIMask, kICmp, 0, -1));
    out.push_back(insn(Op::And, dst, dst, kIMask));
    out.push_back(insn(Op::MulI, kICmp, kICmp, 0, 0x7ff8));
    out.push_back(insn(Op::Add, dst, dst, kICmp));
  }

  // h = h*31 + v over the state; prints h when `print`.
  void checkpoint(std::vector<Stmt>& out, bool print) {
    for (uint16_t r = 0; r < kNumI; ++r) {
      if (r == kIHash || r == kICmp || r == kIMask) continue;
      out.push_back(insn(Op::MulI, kIHash, kIHash, 0, 31));
      out.push_back(insn(Op::Add, kIHash, kIHash, r));
    }
    for (uint16_t f = 0; f < kNumF; ++f) {
      canonical_bits(out, kITmp, f);
      out.push_back(insn(Op::MulI, kIHash, kIHash, 0, 31));
      out.push_back(insn(Op::Add, kIHash, kIHash, kITmp));
    }
    if (print) {
      Stmt s;
      s.kind = K::Print;
      s.a = kIHash;
      out.push_back(s);
    }
  }

  GenFunction function(int index, bool is_main) {
    GenFunction f;
    f.is_main = is_main;
    f.name = is_main ? "main" : "f" + std::to_string(index);
    f.returns_f64 = !is_main && result_f64_[index];
    returns_f64_ = f.returns_f64;
    auto& b = f.body;
    if (is_main) {
      b.push_back(insn(Op::Li, kIDepth, 0, 0, 1 + static_cast<int64_t>(below(3))));
      b.push_back(insn(Op::Li, kIParam, 0, 0, edge_or_random()));
      b.push_back(lf(kFParam, edge_float()));
    }
    for (uint16_t r = kIGen0; r < kNumI; ++r) {
      if (r >= kIGen0 + kIGenN && r != kITmp && r != kIAddr && r != kIHash) {
        b.push_back(insn(Op::Li, r, 0, 0, 0));
        continue;
      }
      if (!is_main && (r == kArgRegs[2] || r == kArgRegs[5])) continue;  // parameters
      b.push_back(chance(20) ? insn(Op::MovI, r, kIParam)
                             : insn(Op::Li, r, 0, 0, edge_or_random()));
    }
    for (uint16_t r = kFGen0; r < kNumF; ++r)
      if (is_main || r != kArgRegs[4])
        b.push_back(chance(20) ? insn(Op::MovF, r, kFParam) : lf(r, edge_float()));
    for (Op op : {Op::ANewI, Op::ANewF, Op::ANewB, Op::ANewR}) {
      uint16_t dst = op == Op::ANewI   ? kRArrI
                     : op == Op::ANewF ? kRArrF
                     : op == Op::ANewB ? kRArrB
                                       : kRArrR;
      if (!is_main && dst == kArgRegs[3]) continue;  // the ref parameter
      b.push_back(insn(Op::Li, kITmp, 0, 0, 8 + static_cast<int64_t>(below(5))));
      b.push_back(insn(op, dst, kITmp));
    }
    b.push_back(insn(Op::RNew, kRRec, 0, 0, 0));
    fn_target_ = static_cast<int>(below(result_f64_.size()));
    b.push_back(insn(Op::FnRef, kRFn, 0, 0, fn_target_));
    b.push_back(insn(Op::Null, kRNull));
    b.push_back(insn(Op::LdkStr, kRStr, 0, 0, static_cast<int64_t>(below(3))));
    b.push_back(insn(Op::MovR, kRAny, chance(50) ? kRRec : kRArrI));
    calls_left_ = 1 + static_cast<int>(below(3));
    int n = 6 + static_cast<int>(below(is_main ? 14 : 10));
    for (int i = 0; i < n; ++i) statement(b, 0, 0);
    checkpoint(b, is_main || chance(50));
    if (f.returns_f64) f.ret_reg = gf();
    return f;
  }

  // One statement (possibly compound) appended to `out`.
  void statement(std::vector<Stmt>& out, int loops, int ifs) {
    uint64_t r = below(100);
    if (r < 16) return int_op(out);
    if (r < 30) return float_op(out);
    if (r < 44) return memory_op(out);
    if (r < 58) return object_op(out);
    if (r < 64 && ifs < 2) return if_stmt(out, loops, ifs);
    if (r < 69 && loops < 2) return loop_stmt(out, loops, ifs);
    if (r < 76 && loops == 0 && calls_left_ > 0) return call_stmt(out);
    if (r < 80) return checkpoint(out, true);
    if (r < 90) return out.push_back(insn(Op::Li, gi(), 0, 0, edge_or_random()));
    out.push_back(lf(gf(), edge_float()));
  }

  void int_op(std::vector<Stmt>& out) {
    static constexpr Op kBin[] = {
        Op::Add, Op::Sub, Op::Mul, Op::MulH, Op::MulHU, Op::Div, Op::Rem, Op::DivU, Op::RemU,
        Op::And, Op::Or,  Op::Xor, Op::Shl,  Op::Shr,   Op::Sar, Op::Eq,  Op::Ne,   Op::Lt,
        Op::Le,  Op::Gt,  Op::Ge,  Op::LtU,  Op::LeU,   Op::GtU, Op::GeU};
    static constexpr Op kUn[] = {Op::Neg,   Op::Not,    Op::Sext8,  Op::Sext16, Op::Sext32,
                                 Op::Zext8, Op::Zext16, Op::Zext32, Op::MovI};
    static constexpr Op kImm[] = {Op::AddI, Op::MulI, Op::AndI, Op::OrI,
                                  Op::XorI, Op::ShlI, Op::ShrI, Op::SarI};
    uint64_t r = below(10);
    if (r < 6) {
      Op op = kBin[below(std::size(kBin))];
      uint16_t b = gi(), c = gi();
      if (chance(30)) {  // both operands fresh edge values: INT64_MIN / -1, shift by 64, ...
        out.push_back(insn(Op::Li, b, 0, 0, kEdgeInts[below(std::size(kEdgeInts))]));
        out.push_back(insn(Op::Li, c, 0, 0, kEdgeInts[below(std::size(kEdgeInts))]));
      } else {
        b = si(), c = si();
      }
      bool divides = op == Op::Div || op == Op::Rem || op == Op::DivU || op == Op::RemU;
      if (divides && !risk(150)) {  // divisor made nonzero (it can still be -1)
        out.push_back(insn(Op::OrI, kITmp, c, 0, chance(50) ? 1 : -0x8000));
        c = kITmp;
      }
      out.push_back(insn(op, gi(), b, c));
    } else if (r < 8) {
      out.push_back(insn(kUn[below(std::size(kUn))], gi(), si()));
    } else {
      Op op = kImm[below(std::size(kImm))];
      bool shift = op == Op::ShlI || op == Op::ShrI || op == Op::SarI;
      int64_t imm = shift ? static_cast<int64_t>(chance(70) ? below(70) : below(65536))
                          : static_cast<int64_t>(below(65536)) - 32768;
      out.push_back(insn(op, gi(), si(), 0, imm));
    }
  }

  void float_op(std::vector<Stmt>& out) {
    static constexpr Op kBin[] = {Op::FAdd, Op::FSub, Op::FMul, Op::FDiv, Op::FMin, Op::FMax};
    static constexpr Op kUn[] = {Op::FNeg,  Op::FAbs,   Op::FSqrt,    Op::FFloor,
                                 Op::FCeil, Op::FTrunc, Op::FNearest, Op::MovF};
    static constexpr Op kCmp[] = {Op::FEq, Op::FNe, Op::FLt, Op::FLe, Op::FGt, Op::FGe};
    uint64_t r = below(14);
    if (r >= 12) return fmadd_op(out);
    uint16_t b = sf(), c = sf();
    if (r < 8 && chance(30)) {  // fresh edge operands: -0 vs +0, NaN, inf, ties, huge
      b = gf(), c = gf();
      out.push_back(lf(b, kEdgeFloats[below(std::size(kEdgeFloats))]));
      out.push_back(lf(c, kEdgeFloats[below(std::size(kEdgeFloats))]));
    }
    if (r < 4) return out.push_back(insn(kBin[below(std::size(kBin))], gf(), b, c));
    if (r < 7) return out.push_back(insn(kUn[below(std::size(kUn))], gf(), c));
    if (r < 8) return out.push_back(insn(kCmp[below(std::size(kCmp))], gi(), b, c));
    if (r < 9) return out.push_back(insn(Op::I2F, gf(), si()));
    if (r < 10) return out.push_back(insn(Op::F2I, gi(), sf()));
    if (r < 11) return out.push_back(insn(Op::BitsF, gf(), si()));
    canonical_bits(out, gi(), sf());
  }

  // fmadd a, b, c reads its destination too, so the addend gets edge values like the factors.
  // Sometimes the addend is the negated rounded product: the result is then the product's
  // rounding error, which a tier computing an unfused b * c + a loses (it gives 0).
  void fmadd_op(std::vector<Stmt>& out) {
    uint16_t a = gf(), b = sf(), c = sf();
    uint64_t r = below(10);
    if (r < 3) {  // fresh edge operands: NaN, inf, -0, subnormals, overflowing products
      b = gf(), c = gf();
      out.push_back(lf(b, kEdgeFloats[below(std::size(kEdgeFloats))]));
      out.push_back(lf(c, kEdgeFloats[below(std::size(kEdgeFloats))]));
      out.push_back(lf(a, kEdgeFloats[below(std::size(kEdgeFloats))]));
    } else if (r < 6) {
      while (a == b || a == c) a = gf();  // six general registers, at most two excluded
      out.push_back(insn(Op::FMul, a, b, c));
      out.push_back(insn(Op::FNeg, a, a));
    }
    out.push_back(insn(Op::FMAdd, a, b, c));
  }

  // %addr = an address for an access (masked in-bounds, or risky).
  void address(std::vector<Stmt>& out, bool is_float, int64_t& offset) {
    if (risk(40)) {
      uint64_t r = below(4);
      if (r == 0) {  // just past the end
        out.push_back(insn(Op::MSize, kIAddr));
        offset = static_cast<int64_t>(below(8));
      } else if (r == 1) {  // straddling the end, or just inside it
        out.push_back(insn(Op::MSize, kIAddr));
        out.push_back(insn(Op::AddI, kIAddr, kIAddr, 0, -1 - static_cast<int64_t>(below(16))));
        offset = static_cast<int64_t>(below(4));
      } else if (r == 2) {  // a large offset
        out.push_back(insn(Op::AndI, kIAddr, si(), 0, 0xff));
        offset = 65535 - static_cast<int64_t>(below(300));
      } else {
        out.push_back(insn(Op::MovI, kIAddr, si()));
        offset = static_cast<int64_t>(below(16));
      }
      return;
    }
    out.push_back(insn(Op::AndI, kIAddr, si(), 0, is_float ? 0xff8 : 0x3ff8));
    offset = static_cast<int64_t>(below(16)) + (is_float ? static_cast<int64_t>(kFloatBase) : 0);
  }

  void memory_op(std::vector<Stmt>& out) {
    static constexpr Op kLdI[] = {Op::LdI8,  Op::LdU8,  Op::LdI16, Op::LdU16,
                                  Op::LdI32, Op::LdU32, Op::LdI64};
    static constexpr Op kStI[] = {Op::StI8, Op::StI16, Op::StI32, Op::StI64};
    uint64_t r = below(20);
    int64_t off = 0;
    if (r < 6) {
      address(out, false, off);
      out.push_back(insn(kLdI[below(std::size(kLdI))], gi(), kIAddr, 0, off));
    } else if (r < 11) {
      address(out, false, off);
      out.push_back(insn(kStI[below(std::size(kStI))], kIAddr, si(), 0, off));
    } else if (r < 13) {
      address(out, true, off);
      out.push_back(insn(chance(50) ? Op::LdF32 : Op::LdF64, gf(), kIAddr, 0, off));
    } else if (r < 15) {
      address(out, true, off);
      out.push_back(insn(chance(50) ? Op::StF32 : Op::StF64, kIAddr, sf(), 0, off));
    } else if (r < 16) {
      out.push_back(insn(Op::MSize, gi()));
    } else if (r < 17) {
      out.push_back(insn(Op::AndI, kITmp, si(), 0, 0x7fff));
      out.push_back(insn(Op::MGrow, gi(), kITmp));
    } else {
      // mcopy/mfill inside the integer area: dst, src < 0x2000, len < 0x200.
      uint16_t g = gi();
      out.push_back(insn(Op::AndI, kIAddr, si(), 0, 0x1fff));
      out.push_back(insn(Op::AndI, kITmp, si(), 0, risk(100) ? -1 : 0x1ff));
      out.push_back(insn(Op::AndI, g, si(), 0, 0x1fff));
      if (chance(50))
        out.push_back(insn(Op::MCopy, kIAddr, g, kITmp));
      else
        out.push_back(insn(Op::MFill, kIAddr, si(), kITmp));
    }
  }

  // A ref register for an operand expecting role `want`: usually it, rarely another object.
  uint16_t ref(uint16_t want) {
    if (risk(30)) return chance(50) ? kRNull : static_cast<uint16_t>(below(kNumR));
    if (want != kRAny && chance(5)) return kRAny;
    return want;
  }
  // Index register for an array access: masked below 8, rarely raw.
  uint16_t index(std::vector<Stmt>& out) {
    if (risk(40)) return si();
    out.push_back(insn(Op::AndI, kITmp, si(), 0, 7));
    return kITmp;
  }

  void object_op(std::vector<Stmt>& out) {
    uint64_t r = below(20);
    switch (r) {
      case 0:
      case 1: {
        static constexpr Op kGet[] = {Op::AGetI, Op::AGetF, Op::AGetB, Op::AGetR};
        static constexpr uint16_t kArr[] = {kRArrI, kRArrF, kRArrB, kRArrR};
        uint64_t k = below(4);
        uint16_t arr = ref(kArr[k]);
        uint16_t idx = index(out);
        uint16_t dst = k == 1 ? gf() : k == 3 ? kRAny : gi();
        return out.push_back(insn(kGet[k], dst, arr, idx));
      }
      case 2:
      case 3:
      case 4: {
        static constexpr Op kSet[] = {Op::ASetI, Op::ASetF, Op::ASetB, Op::ASetR};
        static constexpr uint16_t kArr[] = {kRArrI, kRArrF, kRArrB, kRArrR};
        static constexpr uint16_t kVals[] = {kRArrI, kRArrF, kRArrB, kRRec, kRNull, kRAny};
        uint64_t k = below(4);
        uint16_t arr = ref(kArr[k]);
        uint16_t idx = index(out);
        uint16_t v = k == 1 ? sf() : k == 3 ? kVals[below(std::size(kVals))] : si();
        return out.push_back(insn(kSet[k], arr, idx, v));
      }
      case 5: {
        static constexpr uint16_t kArr[] = {kRArrI, kRArrF, kRArrB, kRArrR, kRAny};
        return out.push_back(insn(Op::ALen, gi(), ref(kArr[below(std::size(kArr))])));
      }
      case 6:
      case 7: {
        static constexpr int64_t kField[] = {kFieldSX, kFieldSY, kFieldSR};
        int64_t fd = kField[below(3)];
        uint16_t rec = ref(kRRec);
        uint16_t dst = fd == kFieldSX ? gi() : fd == kFieldSY ? gf() : kRAny;
        return out.push_back(insn(Op::RGet, dst, rec, 0, fd));
      }
      case 8:
      case 9: {
        static constexpr uint16_t kVals[] = {kRArrI, kRArrB, kRRec, kRNull, kRAny};
        int64_t fd = static_cast<int64_t>(below(3));
        uint16_t v = fd == kFieldSX ? si() : fd == kFieldSY ? sf() : kVals[below(5)];
        return out.push_back(insn(Op::RSet, ref(kRRec), v, 0, fd));
      }
      case 10: {  // a T record in %rany, read back through T.v (or S.x: TypeMismatch if risky)
        out.push_back(insn(Op::RNew, kRAny, 0, 0, 1));
        out.push_back(insn(Op::RSet, kRAny, si(), 0, kFieldTV));
        return out.push_back(insn(Op::RGet, gi(), kRAny, 0, risk(300) ? kFieldSX : kFieldTV));
      }
      case 11: {
        static constexpr Op kNew[] = {Op::ANewI, Op::ANewF, Op::ANewB, Op::ANewR};
        static constexpr uint16_t kArr[] = {kRArrI, kRArrF, kRArrB, kRArrR};
        uint64_t k = below(4);
        out.push_back(insn(Op::AndI, kITmp, si(), 0, 7));
        out.push_back(insn(Op::AddI, kITmp, kITmp, 0, 8));
        return out.push_back(insn(kNew[k], kArr[k], kITmp));
      }
      case 12: return out.push_back(insn(Op::SLen, gi(), risk(200) ? kRArrB : kRStr));
      case 13: {
        uint16_t idx = risk(100) ? si() : kITmp;
        if (idx == kITmp) out.push_back(insn(Op::AndI, kITmp, si(), 0, 1));
        return out.push_back(insn(Op::SByte, gi(), ref(kRStr), idx));
      }
      case 14:
      case 15: {
        static constexpr uint16_t kAny[] = {kRArrI, kRArrF, kRArrB, kRArrR,
                                            kRRec,  kRNull, kRStr,  kRAny};
        uint16_t x = kAny[below(std::size(kAny))], y = kAny[below(std::size(kAny))];
        return out.push_back(chance(60) ? insn(Op::REq, gi(), x, y) : insn(Op::IsNull, gi(), x));
      }
      case 16: return out.push_back(insn(Op::MovR, kRAny, chance(50) ? kRArrI : kRRec));
      case 17: return out.push_back(insn(Op::LdkStr, kRStr, 0, 0, static_cast<int64_t>(below(3))));
      case 18: {  // a large object that soon becomes garbage: makes the collector run
        out.push_back(insn(Op::Li, kITmp, 0, 0, int64_t{4096} << below(4)));
        return out.push_back(insn(chance(50) ? Op::ANewI : Op::ANewB, kRAny, kITmp));
      }
      default: {
        static constexpr uint16_t kAny[] = {kRArrI, kRArrF, kRArrB, kRArrR, kRRec};
        return out.push_back(insn(Op::MovR, kRAny, kAny[below(std::size(kAny))]));
      }
    }
  }

  void if_stmt(std::vector<Stmt>& out, int loops, int ifs) {
    static constexpr Op kInt2[] = {Op::Beq, Op::Bne, Op::Blt,  Op::Ble,
                                   Op::Bgt, Op::Bge, Op::BltU, Op::BgeU};
    static constexpr Op kFlt2[] = {Op::BfLt, Op::BfLe, Op::BfGt, Op::BfGe};
    Stmt s;
    s.kind = K::If;
    uint64_t r = below(10);
    if (r < 5)
      s.op = kInt2[below(std::size(kInt2))], s.a = si(), s.b = si();
    else if (r < 7)
      s.op = kFlt2[below(std::size(kFlt2))], s.a = sf(), s.b = sf();
    else if (r < 9)
      s.op = chance(50) ? Op::Bnz : Op::Bz, s.a = si();
    else
      s.op = chance(50) ? Op::BNull : Op::BNonNull, s.a = chance(50) ? kRAny : kRNull;
    int n = 1 + static_cast<int>(below(3));
    for (int i = 0; i < n; ++i) statement(s.body, loops, ifs + 1);
    n = static_cast<int>(below(3));
    for (int i = 0; i < n; ++i) statement(s.alt, loops, ifs + 1);
    if (risk(60))
      (chance(50) ? s.body : s.alt).push_back(insn(Op::Trap, 0, 0, 0, below(100)));
    else if (chance(8))
      (chance(50) ? s.body : s.alt).push_back(early_return());
    out.push_back(std::move(s));
  }

  Stmt early_return() {
    Stmt s;
    s.kind = K::Ret;
    s.c = returns_f64_ ? 1 : 0;
    s.a = returns_f64_ ? gf() : si();
    return s;
  }

  void loop_stmt(std::vector<Stmt>& out, int loops, int ifs) {
    Stmt s;
    s.kind = K::Loop;
    s.a = static_cast<uint16_t>(kILoop0 + loops);
    s.imm = 1 + static_cast<int64_t>(below(4));
    s.c = static_cast<uint16_t>(below(2));
    int n = 1 + static_cast<int>(below(4));
    for (int i = 0; i < n; ++i) statement(s.body, loops + 1, ifs);
    out.push_back(std::move(s));
  }

  void call_stmt(std::vector<Stmt>& out) {
    --calls_left_;
    Stmt s;
    int nf = static_cast<int>(result_f64_.size());
    if (chance(60)) {
      s.kind = K::Call;
      s.callee = static_cast<int>(below(nf));
      s.a = result_f64_[s.callee] ? gf() : gi();
    } else {
      s.kind = K::CallI;
      s.b = risk(150) ? kRNull : kRFn;
      bool f = result_f64_[fn_target_];
      if (risk(150)) f = !f;  // signature mismatch: TypeMismatch
      s.imm = f ? 1 : 0;
      s.a = f ? gf() : gi();
    }
    for (size_t k = 0; k < s.args.size(); ++k)
      s.args[k] = kArgTypes[k] == 'i' ? si() : kArgTypes[k] == 'f' ? sf() : ref(kRArrI);
    out.push_back(std::move(s));
  }

  uint64_t state_;
  bool risky_ = false;
  std::vector<bool> result_f64_;
  int fn_target_ = 0;
  bool returns_f64_ = false;
  int calls_left_ = 0;
};

}  // namespace

const char* mnemonic(Op op) {
  static constexpr const char* kNames[] = {
#define STRATA_SVIGEN_NAME(name, mn) mn,
      STRATA_SVIGEN_OPS(STRATA_SVIGEN_NAME)
#undef STRATA_SVIGEN_NAME
  };
  return kNames[static_cast<size_t>(op)];
}

GenProgram generate(uint64_t seed) {
  Gen g(seed);
  GenProgram p = g.build(seed);
  p.sasm = emit_sasm(p);
  return p;
}

}  // namespace strata::svigen

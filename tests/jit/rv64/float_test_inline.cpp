// The inline D fast paths (translate_float_inline.cpp) against the helper call alone: for every
// operand class (and every integer size for the int64 conversions) (zeros, subnormals, the edges of
// the fast domains, huge values, infinities, NaNs), every fcsr state (NX clear or set, frm RNE or
// not) and static or dynamic rounding, the result and the whole fcsr must be the helper's, on the
// interpreter and the baseline JIT (with and without the RV64 runner's code promises) and LLVM
// (compiled as the runner's units are, each slow path a cold call through a register-preserving
// thunk). The fused multiply-adds also get addends that cancel the product exactly or almost
// (signed zeros, tiny results) and products that overflow.
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "jit/opt/opt_loader.hpp"
#include "tests/jit/rv64/float_test_rig.hpp"

namespace strata::jit::rv64::ftest {
namespace {

uint64_t rng = 0x9e3779b97f4a7c15ull;
uint64_t next() {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

// A double with biased exponent `e` and a random significand and sign.
uint64_t with_exponent(uint64_t e) {
  return (next() & 0x800fffffffffffffull) | (e << 52);
}

std::vector<uint64_t> operands() {
  std::vector<uint64_t> v = {0,
                             bd(-0.0),
                             bd(1.0),
                             bd(-2.5),
                             bd(0.1),
                             0x7ff0000000000000ull,
                             0xfff0000000000000ull,
                             kQnanD,
                             0x7ff4000000000000ull /* sNaN */,
                             1 /* smallest subnormal */};
  // Both sides of each domain edge: 623 and 1423 (mul/div), 2015/2016 (add/sub); the results'
  // edges: exponents 1-3 (sums near the least normal), products near 2^-1022 (511-513) and
  // near overflow (1534-1536).
  for (uint64_t e :
       {1ull, 2ull, 3ull, 511ull, 512ull, 513ull, 622ull, 623ull, 624ull, 1023ull, 1422ull, 1423ull,
        1424ull, 1534ull, 1535ull, 1536ull, 2015ull, 2016ull, 2046ull})
    for (int k = 0; k < 3; ++k) v.push_back(with_exponent(e));
  for (int k = 0; k < 12; ++k) v.push_back(with_exponent(900 + next() % 250));
  return v;
}

// One instruction's block, compiled once by the baseline JIT (or interpreted), then run for
// many operands: the operands and fcsr go into the state page before each run.
class Block {
 public:
  Block(vm::Instance& inst, baseline::BaselineJit* jit, uint32_t insn, bool inline_path,
        uint32_t index, baseline::CodePromises promises = {}, opt::OptTier* llvm = nullptr)
      : inst_(inst) {
    cx_.caller = &inst;  // as the runner sets it: leaf helpers called by LLVM code need it
    const isa::rv64::DecodedInsn in = isa::rv64::decode(insn);
    BlockBuilder bb;
    bb.begin_insn(kPc);
    if (inline_path)
      EXPECT_TRUE(emit_float_inline(bb, in, kPc));
    else
      EXPECT_TRUE(emit_helper_call(bb, in, kPc));
    const uint16_t next_pc = bb.tmp();
    bb.load_const(next_pc, kPc + 4);
    bb.emit_return(next_pc);
    body_ = bb.finish("inline_vs_helper");
    init_block_func(fn_, body_, inst, index);
    if (jit != nullptr) {
      EXPECT_TRUE(jit->compile(fn_, body_, nullptr, promises));
    }
    if (llvm != nullptr) {
      vm::JitEntry entry = llvm->translate(fn_, body_, /*guest_unit=*/true);
      EXPECT_NE(entry, nullptr) << "LLVM declined the block";
      if (entry != nullptr) vm::set_jit_entry(fn_, entry);
    }
  }
  // (result in f4 or x5, fcsr afterwards). `next_pc`: where the block went (an illegal
  // instruction's exit does not go on to kPc + 4), instead of expecting kPc + 4.
  std::pair<uint64_t, uint64_t> run(uint64_t a, uint64_t b, uint64_t fcsr, bool x_result,
                                    uint64_t c = 0, uint64_t* next_pc = nullptr) {
    set(vm::rv64::x_offset(1), a);  // the integer operand of a conversion
    set(vm::rv64::f_offset(1), a);
    set(vm::rv64::f_offset(2), b);
    set(vm::rv64::f_offset(3), c);
    set(vm::rv64::f_offset(4), 0x5555555555555555ull);
    set(vm::rv64::x_offset(5), 0x5555);
    set(state::kFcsr, fcsr);
    vm::Value result{};
    vm::Trap trap;
    EXPECT_EQ(vm::execute(st_, cx_, &fn_, nullptr, &result, &trap), vm::ExecStatus::Returned)
        << trap.message;
    if (next_pc != nullptr)
      *next_pc = result.bits;
    else
      EXPECT_EQ(result.bits, kPc + 4);
    return {get(x_result ? vm::rv64::x_offset(5) : vm::rv64::f_offset(4)), get(state::kFcsr)};
  }

 private:
  void set(uint32_t off, uint64_t v) { std::memcpy(inst_.memory.data() + off, &v, 8); }
  uint64_t get(uint32_t off) {
    uint64_t v;
    std::memcpy(&v, inst_.memory.data() + off, 8);
    return v;
  }
  vm::Instance& inst_;
  isa::Function body_;
  vm::FuncInfo fn_;
  vm::ExecState st_{vm::Limits{}};
  vm::HostContext cx_{1, 2};
};

struct Operands {
  uint64_t a, b, c;
};

// Every case under every fcsr state: NX clear, NX set, NX set with another flag, NX set but
// frm = RTZ (a dyn instruction must then take the helper, with RTZ). With `reserved_frm`, also
// frm = 5 and 7 (a dyn instruction is then illegal: the block must leave where the helper
// path's leaves).
void compare_cases(uint32_t insn, bool x_result, const std::vector<Operands>& cases,
                   bool reserved_frm = false) {
  auto inst = make_guest_instance(kGuestBytes);
  ASSERT_TRUE(inst.has_value());
  auto cache = CodeCache::create({});
  ASSERT_TRUE(cache.has_value());
  baseline::BaselineJit jit(**cache);
  Block want(**inst, nullptr, insn, false, 1);
  Block interp(**inst, nullptr, insn, true, 2);
  Block compiled(**inst, &jit, insn, true, 3);
  // As the RV64 runner compiles its units (vm::execute zeroes the frame, so r0 is 0).
  Block promised(**inst, &jit, insn, true, 4, {.fixed_memory = true, .zero_r0 = true});
  std::vector<Block*> tiers = {&interp, &compiled, &promised};
  auto llvm = opt::OptTier::load();
  std::optional<Block> optimized;
  if (llvm) {
    optimized.emplace(**inst, nullptr, insn, true, 5, baseline::CodePromises{}, llvm->get());
    tiers.push_back(&*optimized);
  } else {
    ADD_FAILURE() << "the optimizing tier cannot be loaded: " << llvm.error().message;
  }
  std::vector<uint64_t> fcsrs = {0, NX, NX | OF, NX | (RTZ << 5)};
  if (reserved_frm) fcsrs.insert(fcsrs.end(), {NX | (5 << 5), 7 << 5});
  for (const Operands& o : cases)
    for (uint64_t fcsr : fcsrs) {
      uint64_t want_pc = 0, got_pc = 0;
      const auto w = want.run(o.a, o.b, fcsr, x_result, o.c, &want_pc);
      EXPECT_EQ(want_pc == kPc + 4, !reserved_frm || (fcsr >> 5) < 5 || (insn >> 12 & 7) != DYN)
          << std::hex << "insn 0x" << insn << " fcsr 0x" << fcsr;
      for (Block* tier : tiers) {
        const auto g = tier->run(o.a, o.b, fcsr, x_result, o.c, &got_pc);
        ASSERT_EQ(want_pc, got_pc)
            << std::hex << "next pc after insn 0x" << insn << " a 0x" << o.a << " fcsr 0x" << fcsr;
        ASSERT_EQ(w.first, g.first) << std::hex << "insn 0x" << insn << " a 0x" << o.a << " b 0x"
                                    << o.b << " c 0x" << o.c << " fcsr 0x" << fcsr;
        ASSERT_EQ(w.second, g.second) << std::hex << "fcsr after insn 0x" << insn << " a 0x" << o.a
                                      << " b 0x" << o.b << " c 0x" << o.c << " fcsr 0x" << fcsr;
      }
    }
}

void compare_all(uint32_t insn, bool x_result) {
  const std::vector<uint64_t> ops = operands();
  std::vector<Operands> cases;
  for (uint64_t a : ops)
    for (uint64_t b : ops) cases.push_back({a, b, 0});
  ASSERT_GT(cases.size() * 4, 10000u);
  compare_cases(insn, x_result, cases);
}

void compare_unary(uint32_t insn) {
  std::vector<Operands> cases;
  for (uint64_t a : operands()) cases.push_back({a, 0, 0});
  // Both signs of every exponent, the largest finite values and the subnormal edge.
  for (uint64_t e = 0; e < 2048; e += 7) {
    cases.push_back({with_exponent(e) & ~(uint64_t{1} << 63), 0, 0});
    cases.push_back({with_exponent(e) | (uint64_t{1} << 63), 0, 0});
  }
  for (uint64_t v : std::initializer_list<uint64_t>{0x7fefffffffffffffull, 0x000fffffffffffffull,
                                                    0x0010000000000000ull, 0x8000000000000001ull,
                                                    bd(4.0), bd(2.0)})
    cases.push_back({v, 0, 0});
  compare_cases(insn, false, cases);
}

// Every (a, b) pair of operands() with addends of every class, and addends chosen against the
// product: its negation (an exact zero, or a tiny difference when the product was rounded), a
// neighbour of it, and huge products that overflow.
void compare_fused(uint32_t insn) {
  const std::vector<uint64_t> ops = operands();
  std::vector<uint64_t> addends = {0,
                                   bd(-0.0),
                                   bd(1.0),
                                   1,
                                   0x800fffffffffffffull,
                                   0x0010000000000000ull,
                                   0x7ff0000000000000ull,
                                   kQnanD,
                                   0x7ff4000000000000ull};
  for (uint64_t e : {1ull, 2015ull, 2016ull, 2046ull}) addends.push_back(with_exponent(e));
  for (int k = 0; k < 3; ++k) addends.push_back(with_exponent(900 + next() % 250));
  std::vector<Operands> cases;
  for (uint64_t a : ops)
    for (uint64_t b : ops) {
      for (uint64_t c : addends) cases.push_back({a, b, c});
      const double p = std::bit_cast<double>(a) * std::bit_cast<double>(b);
      for (double q : {p, -p}) {
        const uint64_t qb = std::bit_cast<uint64_t>(q);
        for (uint64_t c : {qb, qb + 1, qb - 1}) cases.push_back({a, b, c});
      }
    }
  // Exact products: a*b = -c gives +0 (RNE), whatever the operands' signs.
  for (double x : {3.0, -3.0, 0x1p-300, -0x1p300})
    for (double y : {0.5, -0.5, 0x1p-350})
      for (double s : {1.0, -1.0}) cases.push_back({bd(x), bd(y), bd(s * x * y)});
  // Near the bottom of the range: the difference of close products far below 1, and products
  // around the least normal (factors near 2^-511) with small addends.
  for (int k = 0; k < 400; ++k) {
    const uint64_t lo = k % 2 == 0 ? 623 : 505;
    const uint64_t a = with_exponent(lo + next() % 12), b = with_exponent(lo + next() % 12);
    const double p = std::bit_cast<double>(a) * std::bit_cast<double>(b);
    cases.push_back({a, b, bd(-p)});
    cases.push_back({a, b, bd(-std::nextafter(p, 0.0))});
    cases.push_back({a, b, with_exponent(1 + next() % 3)});
  }
  compare_cases(insn, false, cases);
}

TEST(RvFloatInline, ArithmeticMatchesTheHelperStaticRne) {
  compare_all(fp::fadd(D, 4, 1, 2, RNE), false);
  compare_all(fp::fsub(D, 4, 1, 2, RNE), false);
  compare_all(fp::fmul(D, 4, 1, 2, RNE), false);
  compare_all(fp::fdiv(D, 4, 1, 2, RNE), false);
}

TEST(RvFloatInline, ArithmeticMatchesTheHelperDynamicRounding) {
  compare_all(fp::fadd(D, 4, 1, 2, DYN), false);
  compare_all(fp::fmul(D, 4, 1, 2, DYN), false);
  compare_all(fp::fdiv(D, 4, 1, 2, DYN), false);
}

TEST(RvFloatInline, ComparesMatchTheHelper) {
  compare_all(fp::flt(D, 5, 1, 2), true);
  compare_all(fp::fle(D, 5, 1, 2), true);
  compare_all(fp::feq(D, 5, 1, 2), true);
}

TEST(RvFloatInline, SqrtMatchesTheHelper) {
  compare_unary(fp::fsqrt(D, 4, 1, RNE));
  compare_unary(fp::fsqrt(D, 4, 1, DYN));
}

TEST(RvFloatInline, FusedMultiplyAddsMatchTheHelperStaticRne) {
  compare_fused(fp::fmadd(D, 4, 1, 2, 3, RNE));
  compare_fused(fp::fmsub(D, 4, 1, 2, 3, RNE));
  compare_fused(fp::fnmsub(D, 4, 1, 2, 3, RNE));
  compare_fused(fp::fnmadd(D, 4, 1, 2, 3, RNE));
}

TEST(RvFloatInline, FusedMultiplyAddsMatchTheHelperDynamicRounding) {
  compare_fused(fp::fmadd(D, 4, 1, 2, 3, DYN));
  compare_fused(fp::fnmadd(D, 4, 1, 2, 3, DYN));
}

// fcvt.d.l / fcvt.d.lu: integers on both sides of +-2^53 (exact up to there, then rounded with
// NX by the helper in the instruction's mode), the extremes, and random ones of every size.
void compare_from_int64(uint32_t insn) {
  std::vector<Operands> cases;
  const uint64_t p53 = uint64_t{1} << 53;
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, p53 - 1, p53, p53 + 1, p53 + 2, p53 + 3,
                     (p53 << 1) + 1, ~uint64_t{0}, uint64_t{1} << 63, (uint64_t{1} << 63) - 1})
    for (uint64_t x : {v, 0 - v}) cases.push_back({x, 0, 0});
  for (int bits = 1; bits <= 64; ++bits)
    for (int k = 0; k < 3; ++k) {
      const uint64_t x = bits == 64 ? next() : next() & ((uint64_t{1} << bits) - 1);
      cases.push_back({x, 0, 0});
      cases.push_back({0 - x, 0, 0});
    }
  compare_cases(insn, false, cases, /*reserved_frm=*/true);
}

TEST(RvFloatInline, Int64ToDoubleMatchesTheHelperInEveryRoundingMode) {
  for (unsigned rm : {RNE, RTZ, RDN, RUP, RMM, DYN}) {
    compare_from_int64(fp::fcvt_from_int(D, 2, 4, 1, rm));
    compare_from_int64(fp::fcvt_from_int(D, 3, 4, 1, rm));
  }
}

// (1 - 2^-53) * 2^-1022 = 2^-1022 - 2^-1075 rounds to the least normal, 2^-1022, yet it is
// tiny (rounded with an unbounded exponent it stays below 2^-1022): UF and NX. A result with
// biased exponent 1 must therefore go to the helper; these cases fail if it does not.
TEST(RvFloatInline, TinyValuesRoundedUpToTheLeastNormalKeepTheirUnderflow) {
  const uint64_t below_one = 0x3fefffffffffffffull, least_normal = 0x0010000000000000ull;
  std::vector<Operands> cases = {{below_one, least_normal, 0},
                                 {least_normal, below_one, 0},
                                 {below_one | (uint64_t{1} << 63), least_normal, 0},
                                 {below_one, least_normal, bd(-0.0)},
                                 {below_one, 0x0020000000000000ull, 0}};
  compare_cases(fp::fmul(D, 4, 1, 2, RNE), false, cases);
  compare_cases(fp::fmadd(D, 4, 1, 2, 3, DYN), false, cases);
  compare_cases(fp::fnmsub(D, 4, 1, 2, 3, RNE), false, cases);
}

TEST(RvFloatInline, OnlyTheRoundToNearestFormsHaveAFastPath) {
  BlockBuilder bb;
  bb.begin_insn(kPc);
  EXPECT_FALSE(emit_float_inline(bb, isa::rv64::decode(fp::fadd(D, 4, 1, 2, RTZ)), kPc));
  EXPECT_FALSE(emit_float_inline(bb, isa::rv64::decode(fp::fadd(S, 4, 1, 2, RNE)), kPc));
  EXPECT_FALSE(emit_float_inline(bb, isa::rv64::decode(fp::fsqrt(D, 4, 1, RUP)), kPc));
  EXPECT_FALSE(emit_float_inline(bb, isa::rv64::decode(fp::fmadd(D, 4, 1, 2, 3, RDN)), kPc));
  EXPECT_FALSE(emit_float_inline(bb, isa::rv64::decode(fp::fmadd(S, 4, 1, 2, 3, RNE)), kPc));
  EXPECT_EQ(bb.size(), 0u);
}

// The helpers of the inline D instructions are the guest instance's cold imports (their calls
// are the fallbacks the optimizing tier lays out of line); no other helper is.
TEST(RvFloatInline, TheFallbackHelpersAreTheColdImports) {
  auto inst = make_guest_instance(kGuestBytes);
  ASSERT_TRUE(inst.has_value());
  std::set<std::string> cold;
  for (const vm::ImportBinding& b : (*inst)->imports)
    if (b.cold) cold.insert(b.qualified_name);
  const std::set<std::string> want = {"rv64.FaddD",   "rv64.FsubD",  "rv64.FmulD",  "rv64.FdivD",
                                      "rv64.FsqrtD",  "rv64.FmaddD", "rv64.FmsubD", "rv64.FnmsubD",
                                      "rv64.FnmaddD", "rv64.FltD",   "rv64.FleD",   "rv64.FeqD",
                                      "rv64.FcvtDL",  "rv64.FcvtDLu"};
  EXPECT_EQ(cold, want);
}

}  // namespace
}  // namespace strata::jit::rv64::ftest

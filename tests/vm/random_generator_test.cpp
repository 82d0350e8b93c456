// The random program generator itself (tests/support/svi_gen.hpp): it emits every instruction
// its list names, and fmadd's single rounding is what its reference evaluator and every tier
// compute, on the generator's own "negated rounded product as the addend" pattern.
#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>
#include <bit>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "assembler/assembler.hpp"
#include "isa/verifier.hpp"
#include "tests/support/svi_diff.hpp"
#include "tests/support/svi_gen.hpp"
#include "tests/support/svi_oracle.hpp"
#include "tests/support/svi_tiers.hpp"

namespace strata::svigen {
namespace {

void collect(const std::vector<Stmt>& body, std::set<Op>& seen, int& fmadds) {
  for (const Stmt& s : body) {
    if (s.kind == Stmt::Kind::Insn || s.kind == Stmt::Kind::If) seen.insert(s.op);
    if (s.kind == Stmt::Kind::Insn && s.op == Op::FMAdd) ++fmadds;
    collect(s.body, seen, fmadds);
    collect(s.alt, seen, fmadds);
  }
}

// Seeds 1..4000 are vm_random_tests' default range: what they run covers the whole list.
TEST(RandomProgramGenerator, EmitsEveryOpcodeOfItsList) {
  std::set<Op> seen;
  int fmadds = 0, programs_with_fmadd = 0;
  for (uint64_t seed = 1; seed <= 4000; ++seed) {
    const GenProgram p = generate(seed);
    const int before = fmadds;
    for (const GenFunction& f : p.funcs) collect(f.body, seen, fmadds);
    programs_with_fmadd += fmadds > before;
  }
  static constexpr Op kAll[] = {
#define STRATA_SVIGEN_ALL(name, mn) Op::name,
      STRATA_SVIGEN_OPS(STRATA_SVIGEN_ALL)
#undef STRATA_SVIGEN_ALL
  };
  for (Op op : kAll) EXPECT_TRUE(seen.count(op)) << mnemonic(op) << " is never emitted";
  // Often enough that the tiers' agreement on it is tested by many programs, not a few.
  EXPECT_GT(programs_with_fmadd, 1000) << fmadds << " fmadd in all";
}

Stmt op(Op o, uint16_t a, uint16_t b = 0, uint16_t c = 0) {
  Stmt s;
  s.op = o, s.a = a, s.b = b, s.c = c;
  return s;
}

// x = 1 + 2^-52: x * x = 1 + 2^-51 + 2^-104 is rounded to 1 + 2^-51, so fmadd(x, x, -(x * x))
// is exactly 2^-104 where an unfused multiply-add gives 0. main returns its bits.
TEST(RandomProgramGenerator, FmaddKeepsTheProductsRoundingErrorOnEveryTier) {
  GenProgram p;
  p.data_i64 = {0};
  p.data_f64 = {0.0};
  GenFunction main;
  main.name = "main";
  main.is_main = true;
  Stmt x = op(Op::Lf, 1);
  x.fimm = 1.0000000000000002;
  main.body = {x, op(Op::FMul, 2, 1, 1), op(Op::FNeg, 2, 2), op(Op::FMAdd, 2, 1, 1),
               op(Op::FBits, kIHash, 2)};
  p.funcs.push_back(main);
  p.sasm = emit_sasm(p);
  ASSERT_NE(p.sasm.find("fmadd %f2, %f1, %f1"), std::string::npos) << p.sasm;

  const Outcome expected = evaluate(p);
  ASSERT_EQ(expected.trap, OracleTrap::None);
  EXPECT_EQ(expected.exit_code, std::bit_cast<int64_t>(0x1p-104));

  auto m = as::assemble(p.sasm, "fmadd.sasm");
  ASSERT_TRUE(m.has_value()) << m.error().message << "\n" << p.sasm;
  ASSERT_TRUE(isa::verify(*m).has_value());
  const int fd = memfd_create("fmadd_out", MFD_CLOEXEC);
  ASSERT_GE(fd, 0);
  for (const std::string& tier : all_tiers()) {
    std::string error;
    const Outcome actual = run_on_tier(*m, tier, fd, error);
    EXPECT_TRUE(error.empty()) << tier << ": " << error;
    EXPECT_TRUE(same(expected, actual)) << "tier " << tier << "\n--- expected:\n"
                                        << describe(expected) << "--- actual:\n"
                                        << describe(actual);
  }
  ::close(fd);
}

}  // namespace
}  // namespace strata::svigen

// The random SVI programs of tests/support/svi_gen, run by the interpreter and by the optimizing
// tier: identical stdout, exit code, trap (kind, message, full trace) and fuel.
//   STRATA_OPT_RANDOM=N   programs (default 2000), seeds 1..N
#include <cstdlib>

#include "tests/jit/opt/opt_support.hpp"
#include "tests/support/svi_gen.hpp"

namespace strata::jit::opt::test {
namespace {

TEST(OptRandom, SameOutcomeAsTheInterpreter) {
  const char* env = std::getenv("STRATA_OPT_RANDOM");
  const uint64_t n = env && *env ? std::strtoull(env, nullptr, 0) : 2000;
  uint64_t compiled = 0;
  for (uint64_t seed = 1; seed <= n; ++seed) {
    svigen::GenProgram prog = svigen::generate(seed);
    RunOutcome a = run(prog.sasm, Mode::kInterp);
    // Every fourth program also runs with opt functions calling interpreted or baseline ones.
    std::vector<Mode> modes = {Mode::kOpt};
    if (seed % 4 == 0) modes.push_back(seed % 8 ? Mode::kOptOddInterp : Mode::kOptEvenBaseline);
    for (Mode m : modes) {
      RunOutcome b = run(prog.sasm, m);
      compiled += b.opt_compiled;
      ASSERT_EQ(b.opt_declined, 0u) << "seed " << seed << ": " << b.declined;
      ASSERT_EQ(a.texts, b.texts) << "seed " << seed << " (svi_gen " << seed << "), mode "
                                  << mode_name(m) << "\n"
                                  << prog.sasm;
    }
  }
  EXPECT_GT(compiled, n);
}

}  // namespace
}  // namespace strata::jit::opt::test

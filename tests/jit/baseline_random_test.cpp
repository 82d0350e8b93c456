// The random SVI programs of tests/support/svi_gen, run by the interpreter and by the baseline
// tier: identical stdout, exit code, trap (kind, message, full trace) and fuel.
//   STRATA_BASELINE_RANDOM=N   programs (default 400), seeds 1..N
#include <cstdlib>

#include "tests/jit/baseline_support.hpp"
#include "tests/support/svi_gen.hpp"

namespace strata::jit::baseline::test {
namespace {

TEST(BaselineRandom, SameOutcomeAsTheInterpreter) {
  const char* env = std::getenv("STRATA_BASELINE_RANDOM");
  const uint64_t n = env && *env ? std::strtoull(env, nullptr, 0) : 400;
  for (uint64_t seed = 1; seed <= n; ++seed) {
    svigen::GenProgram prog = svigen::generate(seed);
    RunOutcome a = run(prog.sasm, Mode::kInterp);
    // Every third program also runs half-compiled (interleaved compiled/interpreted frames).
    std::vector<Mode> modes = {Mode::kAll};
    if (seed % 3 == 0) modes.push_back(seed % 2 ? Mode::kOdd : Mode::kEven);
    for (Mode m : modes) {
      RunOutcome b = run(prog.sasm, m);
      ASSERT_EQ(b.fallen_back, 0u) << "seed " << seed;
      ASSERT_EQ(a.text, b.text) << "seed " << seed << " (svi_gen " << seed << "), mode "
                                << static_cast<int>(m) << "\n"
                                << prog.sasm;
    }
  }
}

// A code cache far too small for the program: installs evict earlier functions, whose code slots
// the drop hook clears, so they run in the interpreter; results stay identical.
TEST(BaselineRandom, TinyCodeCacheEvictsAndStaysCorrect) {
  uint64_t evicted = 0;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    svigen::GenProgram prog = svigen::generate(seed);
    RunOutcome a = run(prog.sasm, Mode::kInterp);
    RunOutcome b = run(prog.sasm, Mode::kAll, "", {}, {}, size_t{8} << 10);
    evicted += b.evicted;
    ASSERT_EQ(a.text, b.text) << "seed " << seed << "\n" << prog.sasm;
  }
  EXPECT_GT(evicted, 0u);
}

}  // namespace
}  // namespace strata::jit::baseline::test

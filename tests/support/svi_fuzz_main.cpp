// svi_fuzz: differential fuzzing of the execution tiers. Generates programs from consecutive
// seeds (tests/support/svi_gen.hpp), computes what each must do with the reference evaluator
// (svi_oracle.hpp), and runs each on every tier — interpreter, baseline (all, odd, even
// functions compiled), auto tier-up, OSR (tiny fuel slices), the LLVM tier, and --jit=auto with
// OSR into LLVM code — until the time
// budget is spent or a tier disagrees. vm_random_tests does the same for a fixed range of seeds in
// the test suite; this is for long sessions (`svi_fuzz --seconds 3600`) and the short fuzz smoke
// test.
//
//   svi_fuzz [--seconds N] [--seed S] [--tiers off,baseline,...]
// Exit status 0 when every program agreed, 1 on the first disagreement (printed with its seed
// and the commands that reproduce it), 2 on a usage error.
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "assembler/assembler.hpp"
#include "isa/verifier.hpp"
#include "tests/support/svi_diff.hpp"
#include "tests/support/svi_gen.hpp"
#include "tests/support/svi_oracle.hpp"
#include "tests/support/svi_tiers.hpp"

namespace {

using namespace strata;

int usage(const char* why) {
  std::fprintf(stderr,
               "svi_fuzz: %s\nusage: svi_fuzz [--seconds N] [--seed S] [--tiers T1,T2,...]\n", why);
  return 2;
}

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  for (size_t pos = 0; pos <= list.size();) {
    const size_t end = std::min(list.find(',', pos), list.size());
    if (end > pos) out.push_back(list.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

bool parse_u64(const char* s, uint64_t* v) {
  char* end = nullptr;
  *v = std::strtoull(s, &end, 0);
  return end != s && *end == '\0';
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t seconds = 60;
  uint64_t seed = static_cast<uint64_t>(std::time(nullptr));
  std::vector<std::string> tiers = svigen::all_tiers();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return usage(("missing value after " + a).c_str());
    const char* v = argv[++i];
    if (a == "--seconds") {
      if (!parse_u64(v, &seconds)) return usage("--seconds wants a number");
    } else if (a == "--seed") {
      if (!parse_u64(v, &seed)) return usage("--seed wants a number");
    } else if (a == "--tiers") {
      tiers = split(v);
      for (const auto& t : tiers) {
        bool known = false;
        for (const auto& k : svigen::all_tiers()) known |= k == t;
        if (!known) return usage(("no tier '" + t + "' in this build").c_str());
      }
    } else {
      return usage(("unknown option " + a).c_str());
    }
  }
  const int fd = memfd_create("svi_fuzz_out", MFD_CLOEXEC);
  if (fd < 0) return usage("memfd_create failed");

  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::seconds(seconds);
  std::map<std::string, int> outcomes;
  uint64_t s = seed;
  for (; std::chrono::steady_clock::now() < deadline; ++s) {
    svigen::GenProgram prog = svigen::generate(s);
    svigen::Outcome expected = svigen::evaluate(prog);
    ++outcomes[expected.trap == svigen::OracleTrap::None ? "returned"
                                                         : svigen::to_string(expected.trap)];
    auto m = as::assemble(prog.sasm, "rand.sasm");
    std::string problem;
    if (!m) problem = "assembly: " + m.error().message;
    if (m)
      if (auto ok = isa::verify(*m); !ok) problem = "verify: " + ok.error().message;
    std::string tier_failed;
    svigen::Outcome actual;
    for (const auto& tier : tiers) {
      if (!problem.empty()) break;
      std::string error;
      actual = svigen::run_on_tier(*m, tier, fd, error);
      if (!error.empty())
        problem = error;
      else if (!svigen::same(expected, actual))
        problem = "outcome differs from the oracle";
      if (!problem.empty()) tier_failed = tier;
    }
    if (!problem.empty()) {
      std::printf(
          "svi_fuzz: seed %llu, tier %s: %s\n--- expected (reference evaluator):\n%s--- actual:\n"
          "%sreproduce: svi_gen %llu > p.sasm && svi_run p.sasm %s\n",
          static_cast<unsigned long long>(s), tier_failed.c_str(), problem.c_str(),
          svigen::describe(expected).c_str(), svigen::describe(actual).c_str(),
          static_cast<unsigned long long>(s), tier_failed.c_str());
      return 1;
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("svi_fuzz: %llu programs (seeds %llu..%llu) agreed on tiers",
              static_cast<unsigned long long>(s - seed), static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(s - 1));
  for (const auto& t : tiers) std::printf(" %s", t.c_str());
  std::printf(" in %.1f s:", secs);
  for (const auto& [k, n] : outcomes) std::printf(" %s=%d", k.c_str(), n);
  std::printf("\n");
  return 0;
}

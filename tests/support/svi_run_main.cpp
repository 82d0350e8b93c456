// svi_run FILE.sasm [TIER...]: runs a program's main on each tier (default: every tier of this
// build) and prints its stdout, then its result or trap with the full trace, so a disagreement
// found by vm_random_tests can be reduced by hand and reported.
#include <cstdio>
#include <string>
#include <vector>

#include "assembler/assembler.hpp"
#include "stdlib/stdlib.hpp"
#include "tests/support/svi_tiers.hpp"
#include "vm/program.hpp"

int main(int argc, char** argv) {
  using namespace strata;
  if (argc < 2) {
    std::fprintf(stderr, "usage: svi_run FILE.sasm [TIER...]\n");
    return 2;
  }
  std::vector<std::string> tiers(argv + 2, argv + argc);
  if (tiers.empty()) tiers = svigen::available_tiers();
  for (const auto& tier : tiers) {
    auto m = as::assemble_file(argv[1]);
    if (!m) {
      std::fprintf(stderr, "%s\n", m.error().message.c_str());
      return 1;
    }
    std::printf("=== tier %s\n", tier.c_str());
    std::fflush(stdout);
    vm::LoadOptions opts;
    opts.natives = stdlib::natives();
    auto p = vm::Program::load(std::move(*m), std::move(opts));
    if (!p) {
      std::printf("load: %s\n", p.error().message.c_str());
      continue;
    }
    svigen::TierRun run = svigen::run_main_on_tier(**p, tier);
    if (!run.error.empty()) std::printf("tier error: %s\n", run.error.c_str());
    const vm::RunResult& r = run.result;
    if (r.kind == vm::RunResult::Kind::Trapped && r.trap) {
      std::printf("%s", vm::format_trap(*r.trap).c_str());
      std::printf("(%zu trace frames)\n", r.trap->trace.size());
    } else {
      std::printf("exit %lld\n", static_cast<long long>(r.exit_code));
    }
  }
  return 0;
}

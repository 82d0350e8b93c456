// svi_gen SEED [--expect]: prints the random SVI program of SEED as SASM (for manual
// differential runs: `svi_gen 42 > p.sasm && strata run p.sasm`). With --expect it prints
// instead what the reference evaluator says the program does.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tests/support/svi_gen.hpp"
#include "tests/support/svi_oracle.hpp"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3 || (argc == 3 && std::strcmp(argv[2], "--expect") != 0)) {
    std::fprintf(stderr, "usage: svi_gen SEED [--expect]\n");
    return 2;
  }
  uint64_t seed = std::strtoull(argv[1], nullptr, 0);
  auto prog = strata::svigen::generate(seed);
  if (argc == 2) {
    std::fputs(prog.sasm.c_str(), stdout);
    return 0;
  }
  auto o = strata::svigen::evaluate(prog);
  std::fputs(o.out.c_str(), stdout);
  if (o.trap != strata::svigen::OracleTrap::None)
    std::printf("trap: %s in %s at line %u\n", strata::svigen::to_string(o.trap),
                o.trap_function.c_str(), o.trap_line);
  else
    std::printf("exit: %lld\n", static_cast<long long>(o.exit_code));
  return 0;
}

// One generated program on one execution tier, described in the reference evaluator's terms
// (svi_oracle.hpp), so a tier's outcome can be compared with the oracle's: the differential
// core shared by vm_random_tests (a fixed range of seeds in the test suite) and svi_fuzz (as
// many seeds as time allows).
#pragma once

#include <string>

#include "isa/module.hpp"
#include "tests/support/svi_oracle.hpp"

namespace strata::svigen {

// Runs `m`'s main on `tier` (svi_tiers.hpp) with stdout captured in memfd `fd`. `error` is set
// when the run says nothing about the program (the tier could not run it, an unexpected trap).
Outcome run_on_tier(const isa::Module& m, const std::string& tier, int fd, std::string& error);

// Stdout, then the exit code and fuel, or the trap and where.
std::string describe(const Outcome& o);

// Equal stdout and trap; for programs that return, equal exit code and fuel; for programs that
// trap, the same innermost function and line (where a trapping call is charged is unspecified).
bool same(const Outcome& a, const Outcome& b);

}  // namespace strata::svigen

// Execution tiers for the differential tests: the names a test may ask for (STRATA_JIT=...) and
// how to run a loaded program's main on one of them. "off" is the interpreter; "baseline" (the
// asmjit tier, every function compiled) exists when the build has strata_jit_baseline, with
// "baseline-odd" / "baseline-even" (only the functions of odd / even index compiled, so that
// interpreted and compiled frames call each other and traps cross between them), and "auto"
// (run-time tier-up with threshold kAutoTestThreshold), "osr" (tier-up at the default threshold
// with on-stack replacement every kOsrTestSlice units of fuel), and "opt" (the LLVM tier, every
// function compiled) and "osr-opt" (--jit=auto's tiers with OSR into baseline and optimized
// code, every kOsrTestSlice units) when the build has the optimizing tier's loader. New tiers
// are added here only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vm/program.hpp"

namespace strata::svigen {

// Calls before "auto" promotes a function: low, so promotion happens mid-program.
inline constexpr uint32_t kAutoTestThreshold = 3;
// Fuel slice of "osr": an activation moves to compiled code at its first back-edges.
inline constexpr uint32_t kOsrTestSlice = 3;

// The tiers a default differential run uses, interpreter first: all but "opt" and "osr-opt", whose
// LLVM compiles (tens of milliseconds per function) suit the fuzzer and explicit requests, not a
// test that runs thousands of programs.
std::vector<std::string> available_tiers();
// Every tier this build can run: available_tiers(), "opt" and "osr-opt".
std::vector<std::string> all_tiers();

struct TierRun {
  vm::RunResult result;
  std::string error;  // the tier could not run the program as asked (e.g. a function fell back)
};

// Prepares `p` for `tier` (compiles every function for a JIT tier) and runs its main.
TierRun run_main_on_tier(vm::Program& p, const std::string& tier);

}  // namespace strata::svigen

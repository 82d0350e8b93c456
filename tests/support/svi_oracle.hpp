// Reference evaluator for generated programs (svi_gen.hpp): runs the program representation
// directly in plain C++, following the semantics stated in isa/opcodes.def and nothing from vm/.
// It is the oracle the execution tiers are compared against.
#pragma once

#include <cstdint>
#include <string>

#include "tests/support/svi_gen.hpp"

namespace strata::svigen {

// Trap kinds the generated programs can produce; named as vm::TrapKind names them.
enum class OracleTrap : uint8_t {
  None,
  Explicit,
  DivideByZero,
  MemoryOutOfBounds,
  IndexOutOfBounds,
  NullReference,
  TypeMismatch
};
const char* to_string(OracleTrap t);

struct Outcome {
  std::string out;        // everything printed to stdout
  int64_t exit_code = 0;  // main's result; 0 after a trap
  OracleTrap trap = OracleTrap::None;
  std::string trap_function;  // innermost function at the trap
  uint32_t trap_line = 0;     // SASM line of the trapping instruction
  // Fuel (vm/limits.hpp): one unit per executed call (call, callh, calli) and per taken
  // backward branch. Counted up to the end of the program or the trap.
  uint64_t fuel = 0;
};

Outcome evaluate(const GenProgram& p);

}  // namespace strata::svigen

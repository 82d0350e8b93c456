// Per-program execution limits (see Program::load).
#pragma once

#include <cstdint>

namespace strata::vm {

struct Limits {
  // Fuel counts calls and loop iterations: one unit per executed call (call, callh, calli) and
  // per taken backward branch (offset <= 0). 0 = unlimited. Exhaustion traps with OutOfFuel.
  uint64_t fuel = 0;
  // Cap on each instance's linear memory in bytes; mgrow past it returns -1, an initial memory
  // beyond it is a load error.
  uint64_t memory_cap = 1ull << 32;
  // Cap on the GC heap in bytes (process-wide, see heap_set_cap); 0 = none.
  uint64_t heap_cap = 0;
  // Maximum number of nested SVI calls; deeper traps with StackOverflow.
  uint32_t max_call_depth = 100000;
};

}  // namespace strata::vm

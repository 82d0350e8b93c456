// Block probes: a byte the baseline code of a function sets each time control reaches an
// instruction. The RV64 user-mode runner puts one at the start of each guest block of a unit, so
// when the unit goes to the LLVM tier it is retranslated with only the blocks that ran
// (docs/RV64.md "Compiling what ran"): LLVM's time grows with the code it is given, and most of a
// region is paths its hot loop never takes.
//
// A probe is one store of a constant to a constant address (`mov r11, imm64; mov byte [r11], 1`):
// no load, no flags, no effect on the function's state, so a function with probes computes
// exactly what it computes without them.
#pragma once

#include <cstdint>

namespace strata::jit::baseline {

struct BlockProbe {
  uint32_t pc = 0;         // the instruction the probe precedes
  uint8_t* ran = nullptr;  // set to 1 there; must outlive the code
};

}  // namespace strata::jit::baseline

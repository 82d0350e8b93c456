// FloatExits: the illegal-instruction exits of a unit's dynamic-rounding F/D instructions, out of
// line and sharing one writeback.
//
// Why: an F/D instruction with rm = dyn must end as an illegal-instruction exit when frm holds
// 5..7 at run time (translate_float.hpp). gcc emits almost every D operation with rm = dyn, so
// an inline exit (instret, exit reason, pc, argument, the writeback of every dirty register,
// ret) put about 30 SVI words into every slow path: most of a floating-point unit's code, and of
// its LLVM compile time, for a case no ordinary program reaches. Here each instruction gets a
// jump to a stub after the unit's last block (instret, reason, pc, argument: about 8 words), and
// the stubs share one writeback and `ret`.
//
// Layout: finish() runs after every other out-of-line code of the unit (exit stubs, system-mode
// slow paths), so no J16 branch has to reach past the stubs; the stubs are reached by `jmp`
// (J32).
#pragma once

#include <cstdint>
#include <vector>

#include "jit/rv64/block_builder.hpp"

namespace strata::jit::rv64 {

class FloatExits {
 public:
  explicit FloatExits(BlockBuilder& b) : b_(b) {}

  // The label of a new stub: the illegal-instruction exit of the instruction `raw` at `pc` with
  // `retired` instructions of its block before it (as emit_illegal_exit would do it inline).
  BlockBuilder::Label illegal(uint64_t pc, uint32_t raw, unsigned retired);
  // Emits the stubs and their shared exit; once, after the unit's last out-of-line code.
  void finish();

 private:
  struct Stub {
    BlockBuilder::Label label;
    uint64_t pc;
    uint32_t raw;
    unsigned retired;
  };
  BlockBuilder& b_;
  std::vector<Stub> stubs_;
};

}  // namespace strata::jit::rv64

// What the baseline emitter can prove about register values while it walks a function, so that
// a linear-memory access that cannot be out of bounds skips its check (emit_memory.cpp).
//
// The only fact kept is an upper bound set by `andi a, b, imm` with a non-negative imm (a <= imm
// unsigned), e.g. a software-TLB entry offset (jit/rv64/translate_sys_mem.cpp). A fact holds
// from the instruction after the andi along straight-line code only. It is forgotten:
//   - at every branch target (another path may reach it) and after a backward branch (an OSR
//     entry from the interpreter resumes at one, with registers the emitter never saw);
//   - when its register is written;
//   - after any instruction outside a small list of opcodes whose compiled code writes at most
//     its A register and calls nothing (integer arithmetic, moves, loads, stores and forward
//     branches), so no helper, call, GC or debugger can change a register in between.
// Soundness then rests on one property of the VM: an instance's linear memory never shrinks
// while its code runs (vm/memory.hpp), so a bound proven against the size at compile time holds
// at every later access.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "isa/code_walk.hpp"

namespace strata::jit::baseline {

class KnownBounds {
 public:
  KnownBounds() = default;
  // Finds the branch targets of `f`.
  KnownBounds(const isa::Module& m, const isa::Function& f);
  // With the branch targets given (one flag per code word), as the emitter finds them.
  explicit KnownBounds(std::vector<bool> branch_targets) : targets_(std::move(branch_targets)) {}

  // Before emitting `in`.
  void enter(const isa::Insn& in);
  // After emitting `in`: what it established or destroyed.
  void leave(const isa::Insn& in);
  // The largest value register r can hold at the current instruction, if known.
  std::optional<uint64_t> max_of(uint16_t r) const;

 private:
  struct Fact {
    uint16_t reg = 0;
    uint64_t max = 0;
    bool valid = false;
  };
  void forget(uint16_t r);
  void forget_all();

  std::vector<bool> targets_;
  // A unit's TLB check needs one live fact at a time; a few slots let nearby accesses share.
  std::array<Fact, 4> facts_{};
  size_t next_ = 0;
};

}  // namespace strata::jit::baseline

// REGISTER HOMES (CodePromises::register_homes): SVI registers that live in a word of linear
// memory instead of their window slot.
//
// WHY. A translated RV64 unit keeps each guest register it uses in an SVI register: its prologue
// loads it from the guest state in linear memory (`ld.i64 r, r0, off`) and every exit stores it
// back (`st.i64 r0, r, off`). For the host the window slot and the state word are both memory, so
// for a register outside the register cache that is a copy in and a copy out per register and
// run: a third of a chained system unit's entry, and most of each exit's write-back code. Kept
// in its state word (its home), the register needs neither: those loads and stores emit nothing,
// and every other instruction addresses the home where it would address the slot (a cached
// register is loaded from and written back to its home instead of its slot).
//
// WHICH. With CodePromises::fixed_memory, zero_r0 (kept by the function: r0 is never written)
// and unlimited_fuel (no on-stack replacement in or out: nothing reads or fills the window
// behind the code's back), a register r gets the home `off` when the code shows that
//   - r is a local (not a parameter) and not a reference;
//   - every r0-relative access that names r is an 8-byte load into r or store from r at `off`,
//     and the r0-relative accesses to the bytes [off, off + 8) are exactly those;
//   - every load of r from `off` is in the function's leading run of r0-relative 8-byte loads
//     (before any other instruction and any branch target), so it only ever sets r to what its
//     home already holds;
//   - r is no operand of an instruction whose emitter may address the window by register index
//     (`reads_window`: calls through the runtime's helpers);
//   - at every `ret` and `trap`, r has been stored into its home since it last changed (a forward
//     dataflow), so the function leaves in its home what the interpreter leaves there. (A unit's
//     special exit stores its pc into the state and then sets the pc's low bit for the value it
//     returns: that register is no home.)
// Then the code writes no other value into the home, and the loads of r from it are at the
// start, where they agree: in between, the home is ahead of the word the interpreter would have
// (it holds r's current value), and at the end they agree.
//
// What the code cannot show is the promise (code_promises.hpp): nothing reads r before the
// function writes it or loads it from its home (a window local would read 0); and whatever else
// reads or writes a home while the code runs (an access at a computed address, a helper,
// another thread) may see r's newer value, or have its write seen by the code at once. For the
// full-system hart that is the time slice: a cut from another thread (or a device helper) is
// seen at the unit's next back-edge rather than when the unit's own count runs out.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "isa/code_walk.hpp"

namespace strata::jit::baseline {

struct RegisterHomes {
  std::vector<int32_t> offset;  // by register: its home's byte offset in linear memory, or -1
  std::vector<bool> free;       // by pc: a load of a register from its home or a store into it
  bool any = false;
};

// `targets`: by pc, whether code branches there. `memory_size`: the linear memory's (fixed)
// size; a home lies inside it.
RegisterHomes find_register_homes(std::span<const isa::Insn> insns,
                                  std::span<const isa::ValType> regs, uint32_t nparams,
                                  const std::vector<bool>& targets, uint64_t memory_size,
                                  const std::function<bool(const isa::Insn&)>& reads_window);

}  // namespace strata::jit::baseline

// ChainLinks: direct block chaining for the RV64 user-mode runner. A unit's exits to a constant
// next pc (TranslatedBlock::const_exits) each get a link slot; once the unit at that pc is
// compiled, the loop links the slot to it and the unit's code (baseline, or LLVM through
// OptUnitCache::opt_exits) jumps straight into the target's code at that exit instead of
// returning to the loop (jit/baseline/chain.hpp has the code's side: which checks it makes, in
// which order, and what it reports when it returns). Exits to computed pcs have no slot: they
// find the next unit in the front cache (TranslationCache::enable_indirect_exits).
//
// VALIDITY. A linked slot always points at the live unit that starts at its next pc: slots are
// linked only to that unit (link() checks), and a unit leaving the cache (invalidation, munmap,
// fence.i, a code store, replacement, retirement) first clears every slot linked to it
// (incoming) and takes its own slots out of its targets' lists (unlink_all). A slot stays
// linked across eviction of the target's code and across its move to the LLVM tier: the jump
// reads the target FuncInfo's jit_entry each time.
//
// Slots are heap memory owned by their unit (CachedBlock::exits, sized once at insertion, never
// moved): the unit's code holds their addresses, and so does the context's `missed`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "jit/baseline/chain.hpp"

namespace strata::jit::rv64 {

struct CachedBlock;

struct LinkSlot {
  baseline::ChainSlot code;  // first: the context's `missed` points here
  uint64_t next_pc = 0;
  uint32_t svi_pc = 0;  // the `ret` this slot belongs to
  CachedBlock* owner = nullptr;
  CachedBlock* target = nullptr;  // what code.target and code.unit name (null: unlinked)
};
static_assert(std::is_standard_layout_v<LinkSlot> && offsetof(LinkSlot, code) == 0,
              "a ChainSlot* must convert back to its LinkSlot");

struct ChainStats {
  uint64_t links = 0;    // slots linked
  uint64_t cleared = 0;  // linked slots cleared because their target left the cache
};

class ChainLinks {
 public:
  // The context every chained unit's code reads (its address is in that code). The runner sets
  // its pointers before any unit is compiled with chains (compile_exits).
  baseline::ChainContext& context() { return ctx_; }
  const baseline::ChainContext& context() const { return ctx_; }

  // Gives `b` one unlinked slot per constant exit of its translation.
  static void add_slots(CachedBlock& b);
  // What the baseline tier needs to compile `b`'s exits as chained ones.
  baseline::ChainExits compile_exits(CachedBlock& b);

  // The slot the last chained exit that returned to the loop reported (null: none), cleared.
  LinkSlot* take_missed() {
    auto* s = reinterpret_cast<LinkSlot*>(ctx_.missed);
    ctx_.missed = nullptr;
    return s;
  }
  // Links `slot` to `to` if `to` is the unit at its next pc and has compiled code. `count_weight`
  // nonzero: chained entries add it to to.opt_count (--jit=auto counting towards LLVM); zero: not
  // counted. Called again for a linked slot it only updates the counting.
  bool link(LinkSlot& slot, CachedBlock& to, uint32_t count_weight);
  // `b` leaves the cache (see VALIDITY).
  void unlink_all(CachedBlock& b);

  const ChainStats& stats() const { return stats_; }

 private:
  static void clear(LinkSlot& s);
  // Takes `s` out of its target's incoming list and clears it.
  static void detach(LinkSlot& s);

  baseline::ChainContext ctx_;
  ChainStats stats_;
};

}  // namespace strata::jit::rv64

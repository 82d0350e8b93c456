// Direct chaining of compiled units (used by the RV64 user-mode runner, jit/rv64/chain_links.hpp):
// a `ret` whose value is a constant "next unit" key may jump straight into the code of the unit
// linked to it instead of returning to the C++ dispatch loop that called the function.
//
// CONTRACT. Only for functions the dispatch loop calls as the bottom frame of a run (frame
// fp = st->frames, arguments (st, base, fp) of vm::JitEntry): the chained-into function gets the
// same three arguments with fp->fn and fp->pc set to it, and returns to that same loop. Both run
// in the same register window (base), so the caller must guarantee that every unit that can be
// linked fits the VM stack and that units need no zeroed frame (they write every register before
// reading it). SVI programs never use this.
//
// At a chained `ret` the generated code, after storing the return value as for any return:
//   0. with ctx->epochs: returns unless slot->epoch == ctx->epoch (before it reads anything the
//      slot points at: a slot of another epoch may name a freed function);
//   1. reads slot->target (null: unlinked) and its jit_entry (null: no compiled code, e.g. evicted
//      from the CodeCache; reading through the FuncInfo at each jump means eviction and tier
//      changes need no unlinking);
//   2. returns if ctx->hold is nonzero, or *ctx->written is nonzero, or (with ctx->irq_pending
//      set) *ctx->irq_pending & *ctx->irq_enabled is nonzero;
//   3. counts the run down: left = *ctx->slice_left - 1; returns if left < 0 (the loop then
//      decrements it itself), else stores it, exactly as the loop would for the unit it runs;
//   4. with ctx->count_limit nonzero and slot->count non-null: returns if *count + weight would
//      reach count_limit (the loop then counts that execution and acts on it), else adds weight;
//   5. counts ++ctx->chained, stores slot->unit into ctx->running, sets fp->fn/fp->pc, pops its
//      own prologue and jumps to the entry.
// Every return of those steps ("a miss") first stores the slot's address in ctx->missed, so the
// loop can link it once it has found (and compiled) the unit at the returned key.
//
// FRAMES. Functions compiled with ctx->epochs all push the same registers in their prologue, so
// step 5 does not pop its frame for a target whose jit_entry is slot->expect (baseline code of
// such a function, BaselineJit::install's `enter`): it jumps to slot->enter, right after the
// target's prologue has taken st, base and fp from its arguments (which are the jumping
// function's own), keeping the frame it has; any other target is entered as above.
//
// INDIRECT EXITS. With ctx->front set when a function is compiled, each of its other `ret`s (a
// value not known at translation: a jump to a register, a return) looks the next unit up
// itself, in the runner's direct-mapped front cache (QEMU's lookup_and_goto_ptr idea): after
// storing the value it reads the entry at index (value >> 1) & ctx->front_mask; when that
// entry's key is the value and its unit is not null, the unit's ChainSlot at ctx->entry_offset
// (target, unit, count, weight, kept by the runner as a linked slot's) goes through steps 1-5
// (step 5 also counts ++ctx->found), except that a miss leaves ctx->missed alone: there is no
// slot of the exit to link. Otherwise it returns as a plain `ret`. Empty entries have an odd key
// and a null unit, so the runner's special exits (odd values) are never entered.
//
// LINKED EXITS (the full-system hart, jit/rv64sys/sys_code_cache.hpp). With ctx->epochs and
// ChainExits::links set, each `ret` without a slot follows the function's own successor links
// (two ChainLink records the loop keeps, newest first): after storing the value, if it is even,
// it compares it with links[0].pc, then links[1].pc; a link whose pc is the value and whose
// epoch is ctx->epoch names a live unit, whose ChainSlot at ctx->entry_offset goes through steps
// 0-5 (counted in ctx->chained alone: nothing reads `found` there). With ctx->recent set, a value
// neither link has is looked up the same way in the record at index (value >> 1) & ctx->recent_mask
// of ctx->recent (the units the loop found at each pc in this epoch), within the function's part
// of the table (ChainExits::recent_part: records [part * (recent_mask + 1), ...), so that units
// of different MMU contexts never find each other's). Anything else returns as a plain `ret`. The
// epoch is compared before the unit is read: a record of another epoch may name a freed unit.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "vm/instance.hpp"

namespace strata::jit::baseline {

// One chained exit. Its address is a constant in the code: it must not move while the code
// exists.
struct ChainSlot {
  const vm::FuncInfo* target = nullptr;  // null: unlinked
  const void* unit = nullptr;            // what ctx->running becomes when this slot chains
  uint32_t* count = nullptr;             // the target's hotness count, null: not counted
  uint32_t weight = 0;                   // added to *count per chained entry
  uint64_t epoch = 0;                    // with ChainContext::epochs: the epoch it stands in
  // With ChainContext::epochs: while the target's jit_entry is `expect`, its code is entered at
  // `enter`, past its frame set-up, with the jumping function's frame (FRAMES below).
  const void* expect = nullptr;
  const void* enter = nullptr;
};

// One entry of the runner's front cache as chained code reads it (INDIRECT EXITS).
struct FrontEntry {
  uint64_t key = 1;  // odd: empty
  const void* unit = nullptr;
};

// A successor link as chained code reads it (LINKED EXITS): the unit found at `pc` in `epoch`.
struct ChainLink {
  uint64_t pc = 1;  // odd: empty
  const void* unit = nullptr;
  uint64_t epoch = 0;
};
inline constexpr size_t kChainLinks = 2;

// Shared by all the chained code of one run. Its address is a constant in the code: it must not
// move while the code exists, and its pointers must be set before the first compile.
struct ChainContext {
  uint64_t hold = 0;                         // nonzero: never chain
  const volatile size_t* written = nullptr;  // nonzero *written: never chain
  int64_t* slice_left = nullptr;             // the run's countdown of units
  uint64_t chained = 0;                      // chained jumps taken
  const void* running = nullptr;             // the unit of the last chained jump (slot->unit)
  ChainSlot* missed = nullptr;               // the slot of the last chained `ret` that returned
  uint32_t count_limit = 0;                  // 0: no counting
  const FrontEntry* front = nullptr;         // null: other `ret`s return plainly
  uint64_t front_mask = 0;                   // its entries - 1 (a power of two)
  uint64_t entry_offset = 0;                 // of a unit's ChainSlot in the unit
  uint64_t found = 0;                        // the chained jumps that were indirect exits
  // The full-system hart's links (jit/rv64sys/sys_code_cache.hpp): a slot stands only in the
  // epoch it was linked in, so ending an epoch unlinks every slot at once (step 0), and an
  // interrupt that is pending and enabled (its CSRs' words) sends every exit back to the loop.
  bool epochs = false;
  uint64_t epoch = 0;
  const uint64_t* irq_pending = nullptr;  // null: no interrupt check
  const uint64_t* irq_enabled = nullptr;
  const ChainLink* recent = nullptr;  // LINKED EXITS (null: links only)
  uint64_t recent_mask = 0;           // its records - 1 (a power of two)
};

// What the baseline tier needs to compile a function's chained exits: the slot of each `ret` that
// chains, by the ret's pc (ascending), and the links its other `ret`s follow (null: none; they
// stay put while the code exists). Without a context (ctx null) it compiles plain `ret`s, as a
// null ChainExits* does.
struct ChainExits {
  ChainContext* ctx = nullptr;
  std::vector<std::pair<uint32_t, ChainSlot*>> rets;
  const ChainLink* links = nullptr;
  uint64_t recent_part = 0;  // which part of ctx->recent its other `ret`s look in
};

}  // namespace strata::jit::baseline

// The RV64 → SVI translator: guest code → one SVI function per translation unit (DESIGN.md,
// jit/rv64). A unit is a REGION: the basic block at an entry pc plus the blocks its direct
// branches and jumps reach (branch targets, fall-throughs, jal targets) inside the entry's guest
// page and the next one, up to RegionLimits. A branch to a block of the region is an SVI branch
// (a back-edge is an SVI loop), so guest registers stay in SVI registers across the region's
// loops; leaving the region (a target outside it, jalr, ecall, ...) is a `ret` as for a block.
// In user mode a return (`jalr x0, 0(ra)`) to a return point of the region (the instruction after
// a call the region holds) stays inside it (translator.cpp, "Calls and returns").
// A guest block may appear in several regions; a branch from outside into the middle of a
// region enters a region of its own (the unit cache is keyed by entry pc).
//
// A block starts at a guest pc and runs until the first instruction that changes control flow
// (branch, jal, jalr, ecall, ebreak, fence.i, an illegal instruction), a page boundary (so a
// block's guest bytes lie in at most two pages: the invalidation unit), or kMaxBlockInsns
// instructions. The SVI function follows block_builder.hpp's register convention and
// guest_layout.hpp's exit convention: it returns the next guest pc, or pc | 1 for a special exit.
//
// Semantics are the RISC-V unprivileged spec's, exactly: x0 writes vanish, division by zero
// gives -1 / the dividend, W-forms sign-extend bit 31, loads and stores may be misaligned,
// single-precision values are NaN-boxed, NaN results are canonical, fcsr flags accumulate and
// the rounding modes (static and dynamic) are honoured. Guest memory accesses go through the
// SVI linear memory (address - kGuestOrigin), so a bad guest address is an SVI
// MemoryOutOfBounds trap at a known SVI pc (TranslatedBlock::pc_map), never a host fault.
//
// SYSTEM MODE (a SystemTarget given; jit/rv64sys/hart.hpp runs it): the linear memory is a
// full-system hart's (vm/rv64sys/sys_layout.hpp). Every load and store (integer, flw/fld/fsw/fsd)
// checks the software TLB of SystemTarget::data_index inline and on a hit accesses RAM at
// va + addend; on a miss (or when misaligned) it calls a Sys* helper (helpers_sys.def), which
// forwards to the hart's SysMemory (sys_memory.hpp). AMOs and LR/SC always call a helper. After a
// helper call the unit leaves with a special exit when the helper set state::kExit (a trap, or
// CodeWritten). mret, sret, wfi, sfence.vma and the CSR instructions other than
// fflags/frm/fcsr end the block with the special exits of sys_layout.hpp (the hart performs
// them); in user mode they stay illegal instructions. mem_addr_regs is left empty: a system
// unit's SVI accesses are at linear addresses the TLB gave, not guest addresses.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "isa/error.hpp"
#include "isa/module.hpp"
#include "jit/rv64/block_builder.hpp"
#include "vm/rv64sys/soft_tlb.hpp"

namespace strata::jit::rv64 {

inline constexpr unsigned kMaxBlockInsns = 64;

// Bounds of a region. Measured with tools/bench/rv64.sh (--jit=auto, CPU seconds): coremark_like
// 1.29 s at 256/64, 1.05 s at 512/128 (its main loop nest stays in one region); fib 0.52 s ->
// 0.15 s (the recursion's call sites fall inside the region); sieve unchanged.
struct RegionLimits {
  unsigned max_insns = 512;   // guest instructions translated (a block in two regions counts twice)
  unsigned max_blocks = 128;  // 1: one block, with no internal branches (translate_block)
  // Not null: only the blocks starting at these guest pcs (ascending) may join the region besides
  // its entry; every other target is an exit. A unit retranslated for the LLVM tier keeps the
  // blocks its baseline code ran (docs/RV64.md "Compiling what ran").
  const std::vector<uint64_t>* only = nullptr;
  // Which guest registers the unit's prologue and exits load and store (block_builder.hpp).
  SlotPlanKind slots = SlotPlanKind::Exact;
};

// Reads guest instruction bytes: the 16-bit parcel at `pc` (which the caller keeps 2-aligned).
// False when the page is not mapped executable: the block then ends before `pc`, or, if `pc` is
// the block's first instruction, translation fails (the runner raises the guest's SIGSEGV).
using FetchFn = std::function<bool(uint64_t pc, uint16_t* parcel)>;

// One translation unit (a region, or a single block).
struct TranslatedBlock {
  isa::Function fn;    // signature index kBlockSig of the guest module (guest_module.hpp)
  uint64_t start = 0;  // guest pc of the first instruction: the entry
  uint64_t end = 0;    // one past the last byte of the entry block's last instruction
  uint32_t guest_insns = 0;
  uint32_t guest_blocks = 1;  // guest basic blocks translated into the unit
  // System mode: the loads and stores with an inline TLB check (each alone, or the first of a
  // run: mem_groups.hpp), and those a run's check covered.
  uint32_t tlb_checks = 0, checked_by_run = 0;
  // The guest bytes the unit was translated from: disjoint [lo, hi) ranges, ascending. Empty
  // means [start, end) (a unit built by hand).
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  // A branch of the unit goes back to one of its blocks: one execution may run for long.
  bool has_loop = false;
  // (SVI pc, guest pc), ascending by SVI pc: the guest instruction an SVI pc belongs to.
  std::vector<std::pair<uint32_t, uint64_t>> pc_map;
  // For each SVI pc of a guest load/store instruction: the SVI register holding the linear
  // address (guest address - kGuestOrigin) it accesses, so a fault can name the guest address.
  std::vector<std::pair<uint32_t, uint16_t>> mem_addr_regs;
  // (SVI pc of a `ret`, guest pc), ascending by SVI pc: the exits to a constant next pc (jumps and
  // branches out of the unit, fall-throughs), which the user-mode runner chains to the unit at
  // that pc (chain_links.hpp).
  std::vector<std::pair<uint32_t, uint64_t>> const_exits;
  // (SVI pc, guest pc), ascending by SVI pc: where each guest block of the unit starts (its first
  // instruction's code), for the probes that record which blocks ran (baseline/probes.hpp).
  std::vector<std::pair<uint32_t, uint64_t>> block_starts;
};

// What a system-mode unit is translated for (the hart keys its units by it).
struct SystemTarget {
  // The TLB index the unit's loads and stores use: a constant in its code.
  vm::rv64sys::MmuIndex data_index = vm::rv64sys::MmuIndex::Supervisor;
};

// Translates the region entered at `pc`. Errors: the first instruction cannot be fetched
// (message names the address). An illegal instruction is not an error: it becomes a special
// exit; so does any other block of the region that cannot be fetched (an exit to its pc, where
// the runner reports the fault). `sys`: system mode (above); nullptr: user mode.
[[nodiscard]] Result<TranslatedBlock> translate_region(uint64_t pc, const FetchFn& fetch,
                                                       const RegionLimits& limits = {},
                                                       const SystemTarget* sys = nullptr);

// Translates the one block at `pc` (a region of max_blocks 1): every branch leaves the unit.
[[nodiscard]] Result<TranslatedBlock> translate_block(uint64_t pc, const FetchFn& fetch,
                                                      const SystemTarget* sys = nullptr);

// Whether [addr, addr + len) overlaps the guest bytes `b` was translated from.
bool overlaps(const TranslatedBlock& b, uint64_t addr, uint64_t len);

// The guest pc of SVI pc `svi_pc` in `b` (the last pc_map entry at or before it).
uint64_t guest_pc_of(const TranslatedBlock& b, uint32_t svi_pc);

}  // namespace strata::jit::rv64

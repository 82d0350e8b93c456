// SysCodeCache: the translation units of a full-system hart (hart.hpp), keyed by what decides
// their code: the virtual pc they start at, the physical address behind it and the MMU index
// their memory accesses use (vm/rv64sys/soft_tlb.hpp; a constant in the unit's code).
//
// A unit's guest bytes lie in ONE physical page: the hart's fetch function refuses parcels
// outside the entry's 4 KiB page, so a region never follows a branch into another page. The
// exception is an instruction crossing a page end, translated alone: its key also holds the
// physical address of its second half (pa2), and it is listed under both pages. Invalidation is
// therefore by physical page: a store into a page with units (the TLB sends it to the slow path,
// SoftTlb::protect_code_page) drops that page's units, whatever virtual address wrote it.
//
// OWNERSHIP is jit/rv64/translation_cache.hpp's: a CachedBlock never moves, and is freed only
// after its baseline code left the CodeCache. Units never call each other and the hart drops them
// only between unit executions, so nothing runs a unit while it is freed. The optimizing tier
// (rv64::OptPromoter) compiles units on its own thread from their body and FuncInfo: a unit
// dropped while that compile is Pending is kept, retired, until finish_opt takes the result back
// (then both go, the code never installed); an installed unit's opt code is handed back to the
// tier when the unit is dropped.
//
// SUCCESSOR LINKS (rv64::CachedBlock::links, translation_cache.hpp) stand for a whole pick of the
// hart's loop: the fetch translation of the pc, the MMU index of the key and the lookup. Links
// join units of one MMU index: the loop links a unit to a pick, and takes a unit's link, only
// while the data MMU index is the unit's (a unit cannot change it: a CSR write that does, a trap
// and an xRET leave the unit), and chained exits look only in their own index's recent records.
// Outside M-mode the index also tells the fetch privilege (User: U; Supervisor and
// SupervisorSum: S; MPRV acts in M-mode only). A link stamped with link_epoch() is valid only
// while that epoch lasts. It is bumped by every drop here (the target, or the linking unit, may
// be freed), and by the hart through invalidate_links() whenever what a pick depends on may
// change: a TLB flush (sfence.vma, satp, mstatus.MXR), a privilege change into or out of M-mode
// (where the index no longer tells the fetch privilege), an SBI call that changed satp, mstatus
// or the privilege, and each entry into Hart::run (the debugger may have changed anything). A
// trap or xRET between U- and S-mode and a CSR write that changes only the data index (SUM) or
// makes an interrupt takeable keep the links: a 2026-11-27 boot ended 35 k epochs, 23 k of them
// for these. Page-table writes without sfence.vma need no bump: the hart may keep using a stale
// translation until the sfence, as its TLB does. Nor does a sfence.vma with an address that no
// pick of the epoch fetched through (links_depend_on, linked_fetches.hpp): the translations the
// links stand for are not among those it flushes. A retired unit was dropped, so no valid link
// reaches it; eviction from the CodeCache only clears a unit's jit_entry, and the loop compiles
// it again after a link as after a lookup. The loop links a unit to its successor only if the
// epoch did not move since that unit started (else it may be freed), and takes a link only from
// such a unit. The debug loop takes no links.
//
// CHAINED EXITS (enable_chaining; jit/baseline/chain.hpp, LINKED EXITS): a unit's baseline code
// follows its successor links itself, jumping at its exits straight into the code of the unit
// linked at the pc it leaves for, instead of returning to the loop to do the same. It compares
// a link's epoch with the chain context's (the link epoch itself) before it reads the unit, so
// the links' rules are unchanged; link() stamps the target's entry slot with the epoch too.
// An exit to a pc neither link has looks in `recent`, the unit the loop found at each pc in
// this epoch (note_entry; a direct-mapped table, each record stamped with its epoch), so an
// exit to a pc that loop found from elsewhere (a return to one of a function's callers) chains
// too.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "jit/latency_stats.hpp"
#include "jit/rv64/translation_cache.hpp"
#include "jit/rv64sys/linked_fetches.hpp"
#include "vm/instance.hpp"
#include "vm/rv64sys/soft_tlb.hpp"

namespace strata::jit::rv64sys {

struct UnitKey {
  std::uint64_t va = 1;  // odd: no unit (an empty front slot)
  std::uint64_t pa = 0;
  vm::rv64sys::MmuIndex index = vm::rv64sys::MmuIndex::Machine;
  // An instruction crossing a page end: the physical address of its second half | 1 (that half
  // is page-aligned, so the low bit says the field is used). 0 for every other unit.
  std::uint64_t pa2 = 0;

  bool operator==(const UnitKey&) const = default;
};

struct UnitKeyHash {
  std::size_t operator()(const UnitKey& k) const {
    return std::hash<std::uint64_t>()(k.va * 0x9e3779b97f4a7c15ull ^ k.pa ^ k.pa2 ^
                                      static_cast<std::uint64_t>(k.index) << 1);
  }
};

struct SysCacheStats {
  std::uint64_t translated = 0;
  std::uint64_t guest_insns = 0;
  std::uint64_t svi_words = 0;  // of the translated functions
  // Loads and stores translated with a TLB check of their own, and covered by a run's check
  // (rv64::TranslatedBlock::tlb_checks, checked_by_run).
  std::uint64_t tlb_checks = 0, checked_by_run = 0;
  LatencyStats translate;
  std::uint64_t front_hits = 0, map_hits = 0, misses = 0;
  std::uint64_t links_taken = 0;         // dispatches that followed a successor link, no lookup
  std::uint64_t flushes_kept_links = 0;  // sfence.vma with an address no link depended on
  std::uint64_t pages_dropped = 0;       // code pages whose units were dropped (writes, fence.i...)
  std::uint64_t units_dropped = 0;
  std::uint64_t compiled = 0, compile_failures = 0;
  std::uint64_t compiled_background = 0;  // of compiled: emitted by the BaselineWorker
  std::uint64_t compiled_placed = 0;      // of those: written into the CodeCache by it too
  std::uint64_t compiles_discarded = 0;   // background compiles whose unit was dropped or had code
  LatencyStats compile;
  std::uint64_t opt_installed = 0, opt_declined = 0;
  std::uint64_t opt_discarded = 0;  // compiles that came back for a unit dropped meanwhile
  std::uint64_t opt_freed = 0;      // opt code of dropped units
};

// What the hart promises about every unit it compiles (baseline/code_promises.hpp; why each
// holds is at Hart::create). tools/bench/rv64sys_unit_cost compiles under the same.
inline constexpr baseline::CodePromises kHartUnitPromises{.fixed_memory = true,
                                                          .zero_r0 = true,
                                                          .unlimited_fuel = true,
                                                          .leaf_host_calls = true,
                                                          .register_homes = true};

// How the hart translates a unit: a region (kHartRegion) or, to step or to cross a page end,
// one instruction (kHartOneInsn). Its registers by the Whole slot plan (block_builder.hpp): no
// liveness analysis, for code that mostly runs a few times and whose compiled form keeps the
// registers in their homes (kHartUnitPromises). tools/bench/rv64sys_unit_cost translates alike.
inline constexpr rv64::RegionLimits kHartRegion{.slots = rv64::SlotPlanKind::Whole};
inline constexpr rv64::RegionLimits kHartOneInsn{
    .max_insns = 1, .max_blocks = 1, .slots = rv64::SlotPlanKind::Whole};

class SysCodeCache final : public rv64::OptUnitCache {
 public:
  // A booting kernel keeps some 20000 units live. At 16384 slots (655 KB) a boot's lookups went
  // to the unit map 61 k times (each some cache misses in std::unordered_map's nodes); at 65536
  // (2.6 MB) 17 k times, hart user CPU -2.5% (docs/RISCV_SYSTEM.md).
  static constexpr std::size_t kFrontSize = 65536;

  // `jit` may be null (interpreter only); then `code` is null too. `ram` is the physical RAM
  // the units come from: page_has_code answers for its pages from a bitmap.
  SysCodeCache(vm::Instance& inst, baseline::BaselineJit* jit, CodeCache* code,
               vm::rv64sys::RamWindow ram);
  ~SysCodeCache();
  SysCodeCache(const SysCodeCache&) = delete;
  SysCodeCache& operator=(const SysCodeCache&) = delete;

  rv64::CachedBlock* lookup(const UnitKey& key) {
    const Slot& s = front_[front_index(key.va)];
    if (s.key == key) [[likely]] {
      ++stats_.front_hits;
      return s.block;
    }
    return lookup_slow(key);
  }

  // See SUCCESSOR LINKS above.
  std::uint64_t link_epoch() const { return chain_.epoch; }
  void invalidate_links() { end_epoch(); }
  void count_link() { ++stats_.links_taken; }
  // A pick of the hart's loop fetched `va` through a page of `page_size` bytes.
  void note_fetch(std::uint64_t va, std::uint64_t page_size) { fetches_.note(va, page_size); }
  // sfence.vma of `va`: ends the epoch if a link may stand for a translation it flushes.
  void flush_fetch(std::uint64_t va) {
    if (fetches_.covers(va)) {
      end_epoch();
    } else {
      ++stats_.flushes_kept_links;
    }
  }

  // See CHAINED EXITS above. Before the first compile; the caller sets the context's
  // slice_left, written and irq words (chain.hpp) first.
  static constexpr std::size_t kRecentSize = 4096;  // records per MMU index
  static constexpr std::size_t kMmuIndexes = 4;
  void enable_chaining() {
    chaining_ = true;
    chain_.entry_offset = offsetof(rv64::CachedBlock, entry);
    recent_.assign(kRecentSize * kMmuIndexes, baseline::ChainLink{});
    chain_.recent = recent_.data();
    chain_.recent_mask = kRecentSize - 1;
  }
  baseline::ChainContext& chain_context() { return chain_; }
  // The exits `b`'s baseline code is compiled with (none without chaining). Any thread: it
  // reads no unit's state.
  baseline::ChainExits chain_exits(const rv64::CachedBlock& b);
  // `from` went on to `to` at `pc` in this epoch (the loop's pick found it): links them, and
  // makes `to` enterable by chained code in this epoch, counted towards the LLVM tier with
  // `count_weight` per entry (0: not counted).
  void link(rv64::CachedBlock& from, std::uint64_t pc, rv64::CachedBlock& to,
            std::uint32_t count_weight) {
    from.link(pc, &to, chain_.epoch);
    note_entry(pc, to, count_weight);
  }
  // The loop found `to` at `pc` in this epoch (a pick that ended no epoch, or a link): chained
  // code may enter it at `pc` from any unit while the epoch lasts.
  void note_entry(std::uint64_t pc, rv64::CachedBlock& to, std::uint32_t count_weight) {
    // A unit with reference registers runs through vm::execute (its frame zeroed): never a
    // chained jump's target (its empty entry slot refuses).
    if (to.has_ref_regs) return;
    to.entry = {&to.func,      &to,          count_weight != 0 ? &to.opt_count : nullptr,
                count_weight,  chain_.epoch, to.chain_expect,
                to.chain_enter};
    if (chaining_)
      recent_[to.mmu_index * kRecentSize + ((pc >> 1) & (kRecentSize - 1))] = {pc, &to,
                                                                               chain_.epoch};
  }

  // Takes a freshly translated unit for `key` (its guest bytes in the physical page of key.pa,
  // and of key.pa2 when set);
  // `translate_ns` is what its translation cost, for the statistics.
  rv64::CachedBlock* insert(const UnitKey& key, rv64::TranslatedBlock block,
                            std::uint64_t translate_ns);
  // Baseline-compiles `b` unless it has code; a failure leaves it interpreted for good.
  bool compile(rv64::CachedBlock& b);
  // Takes back a background compile of `b` (BaselineWorker; `code` null: the emitter refused
  // it) and clears b.baseline_pending: installs the code if `b` is still cached and has none,
  // frees `b` if it was dropped meanwhile.
  void finish_compile(rv64::CachedBlock& b, baseline::BaselineJit::Prepared code);
  // Compiles units from now on trusting `p` (baseline/code_promises.hpp). The hart promises
  // both: its linear memory (state page, TLB, RAM) is allocated once and never grows, and
  // run_block keeps r0 of the register window 0.
  void set_code_promises(const baseline::CodePromises& p) { promises_ = p; }
  const baseline::CodePromises& code_promises() const { return promises_; }

  // rv64::OptUnitCache (the optimizing tier's side).
  void set_opt_owner(rv64::OptCodeOwner* owner) override { opt_owner_ = owner; }
  void finish_opt(rv64::CachedBlock& b, vm::JitEntry entry) override;
  // Dropped units still waiting for their opt compile.
  std::size_t retired() const { return retired_.size(); }

  // Whether the physical page of `pa` has units. Asked at every TLB fill and slow-path store:
  // a bit for a RAM page (one cache line covers 2 MiB), not a hash lookup.
  bool page_has_code(std::uint64_t pa) const {
    const std::uint64_t i = (pa - ram_.pa_base) >> 12;
    if (i < ram_pages_) [[likely]]
      return (code_bits_[i >> 6] >> (i & 63) & 1) != 0;
    return pages_.contains(pa >> 12);
  }
  // Drops the units of the physical page of `pa`; how many.
  std::size_t drop_page(std::uint64_t pa);
  std::size_t drop_all();

  std::size_t size() const { return units_.size(); }
  const SysCacheStats& stats() const { return stats_; }
  std::string format_stats() const;

 private:
  struct Slot {
    UnitKey key;
    rv64::CachedBlock* block = nullptr;
  };
  using Map = std::unordered_map<UnitKey, std::unique_ptr<rv64::CachedBlock>, UnitKeyHash>;
  // The page number folded in: code at the same offset of different pages (a kernel's
  // functions start 4- or 16-byte aligned everywhere) does not pile up on the same slots.
  static std::size_t front_index(std::uint64_t va) {
    return ((va >> 1) ^ (va >> 13) * 7) & (kFrontSize - 1);
  }
  rv64::CachedBlock* lookup_slow(const UnitKey& key);
  // Installs `code` (null: the emitter refused it, which leaves `b` interpreted for good) as
  // b's and counts the compile.
  bool install(rv64::CachedBlock& b, baseline::BaselineJit::Prepared code);
  void end_epoch() {
    ++chain_.epoch;
    fetches_.clear();
  }
  // Keeps code_bits_ equal to pages_ for RAM pages.
  void mark_code_page(std::uint64_t page, bool has_code);
  // Takes the unit out of the cache: its code released, the unit freed or retired.
  void drop(Map::iterator it);

  vm::Instance& inst_;
  baseline::BaselineJit* jit_;
  CodeCache* code_;
  std::array<Slot, kFrontSize> front_{};
  Map units_;
  std::unordered_map<std::uint64_t, std::vector<UnitKey>> pages_;  // physical page number
  vm::rv64sys::RamWindow ram_;
  std::uint64_t ram_pages_ = 0;
  std::vector<std::uint64_t> code_bits_;  // bit i: RAM page i is a key of pages_
  std::uint32_t next_index_ = 0;
  // Its epoch is the link epoch (SUCCESSOR LINKS); its address is in chained code.
  baseline::ChainContext chain_;
  bool chaining_ = false;
  std::vector<baseline::ChainLink> recent_;  // see CHAINED EXITS; its data is in chained code
  LinkedFetches fetches_;                    // what the picks of this epoch fetched through
  baseline::CodePromises promises_;
  SysCacheStats stats_;
  rv64::OptCodeOwner* opt_owner_ = nullptr;
  std::unordered_map<rv64::CachedBlock*, std::unique_ptr<rv64::CachedBlock>> retired_;
};

}  // namespace strata::jit::rv64sys

// TranslationCache: the translation units (regions, translator.hpp) of one guest, keyed by their
// entry pc. "Block" below means a unit: one entry, possibly several guest blocks.
//
// OWNERSHIP. Each CachedBlock is heap-allocated and never moves: it owns its TranslatedBlock
// (the SVI body, whose code vector the FuncInfo's `code` points into) and the vm::FuncInfo the
// interpreter runs and the baseline tier keys its compiled code by (CodeKey{&func, 0}). A block
// is deleted only after it has left both maps and its compiled code has left the jit::CodeCache,
// so no index, no front-cache slot and no code-cache drop hook can reach a freed FuncInfo.
// Blocks never call each other (a chained exit jumps into another unit's code, but within the one
// run the loop started), and the runner only drops blocks between the runs it starts (syscalls,
// fence.i, written code), so nothing is executing a block while it is deleted.
//
// LOOKUP. A direct-mapped front cache of kFrontSize slots indexed by the pc's low bits (QEMU's
// tb_jmp_cache): a hit is one index and one compare. A miss falls back to the hash map and
// refills the slot. Empty slots hold an odd pc, which no block starts at, so a lookup needs no
// separate "valid" test.
//
// INVALIDATION. A unit's guest bytes are a few ranges (TranslatedBlock::ranges) in at most three
// guest pages. An ordered set of (page, entry pc), one pair per page a unit's bytes touch, finds
// the units of the pages [addr, addr + len) touches without a scan; their ranges decide.
//
// CHAINING (chain_links.hpp; off unless enable_chaining()): a unit's constant exits have link
// slots, compiled as chained `ret`s; drop() unlinks a unit before it goes.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "isa/error.hpp"
#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "jit/latency_stats.hpp"
#include "jit/rv64/chain_links.hpp"
#include "jit/rv64/translator.hpp"
#include "vm/instance.hpp"

namespace strata::jit::rv64 {

struct CachedBlock {
  TranslatedBlock block;
  vm::FuncInfo func;
  // Executions counted for --jit=auto until the block is compiled. A block whose code was
  // evicted from the CodeCache is past the threshold already and is compiled again at once.
  // A unit with an internal loop starts past any threshold: one execution of it may run the
  // whole program's hot loop, and counting executions would leave that interpreted.
  uint32_t exec_count = 0;
  bool compile_failed = false;  // the baseline tier refused it: it stays interpreted
  // Queued for, or being emitted by, the full-system hart's background baseline compiles
  // (jit/rv64sys/baseline_worker.hpp). The run's thread alone reads and writes it.
  bool baseline_pending = false;
  // While baseline_pending: the runs and loop iterations the interpreter gave the unit meanwhile,
  // by which the worker picks what to emit next. The run's thread adds, the worker reads (both
  // through std::atomic_ref).
  uint32_t waited_work = 0;
  // A ref register must start null, so such a block needs vm::execute's zeroed frame; the
  // translator emits none today (see Runner::run_block).
  bool has_ref_regs = false;
  // The full-system hart: the MMU index of the unit's key (jit/rv64sys/sys_code_cache.hpp), whose
  // part of the recent records its chained exits look in. 0 in user mode.
  uint8_t mmu_index = 0;
  // The optimizing tier (opt_promoter.hpp). The run's thread alone reads and writes these.
  enum class Opt : uint8_t {
    None,       // not requested
    Pending,    // queued or compiling on the background thread
    Installed,  // func.jit_entry is opt_entry
    Declined,   // LLVM refused it, or the tier could not be loaded: it keeps its tier
  };
  Opt opt = Opt::None;
  // The unit left the cache while a compile of it was in flight (opt Pending, baseline_pending):
  // the cache keeps it (retired) until the result comes back, which is then freed and never
  // installed.
  bool dropped = false;
  // Work counted towards the optimizing tier (--jit=auto), from where Rv64Vcpu::start_opt_count
  // puts a new unit (lower for a bigger one).
  uint32_t opt_count = 0;
  vm::JitEntry opt_entry = nullptr;

  // Successor links of the full-system hart's loop: where this unit last returned to and the unit
  // found there. Their validity rules are SysCodeCache's (jit/rv64sys/sys_code_cache.hpp,
  // SUCCESSOR LINKS); user mode has none (measured: no gain over its front-cache hit). The run's
  // thread alone reads and writes them. Empty links have an odd pc, which no unit starts at.
  struct Link {
    uint64_t pc = 1;
    CachedBlock* to = nullptr;
    uint64_t epoch = 0;  // the owning cache's link epoch when the link was made
  };
  std::array<Link, baseline::kChainLinks> links{};
  // System mode: the physical page numbers of the unit's guest bytes (two for an instruction
  // crossing a page end, else the second is ~0), what the hart's loop needs besides the unit.
  std::array<uint64_t, 2> code_pages{~uint64_t{0}, ~uint64_t{0}};

  // User-mode direct chaining (chain_links.hpp): one slot per constant exit (sized once at
  // insertion: the unit's code holds their addresses), and the slots of other units (or this
  // one) linked to this unit.
  std::vector<LinkSlot> exits;
  std::vector<LinkSlot*> incoming;
  // How an indirect exit enters this unit when it finds it in the front cache (baseline/
  // chain.hpp INDIRECT EXITS; TranslationCache::refresh_entry keeps it).
  baseline::ChainSlot entry;
  // The full-system hart: the jit_entry of the baseline code installed last and where chained
  // code enters it past its frame set-up (baseline/chain.hpp FRAMES); null: none.
  const void* chain_expect = nullptr;
  const void* chain_enter = nullptr;

  // --jit=auto, user mode (TranslationCache::enable_probes): one byte per
  // TranslatedBlock::block_starts entry, set by the unit's baseline code each time that block
  // runs (baseline/probes.hpp). Empty: no probes.
  std::vector<uint8_t> ran;
  // The unit retranslated with only the blocks that ran (TranslationCache::prepare_opt): what the
  // LLVM tier compiles instead, and what replaces this unit when that code is installed.
  std::unique_ptr<CachedBlock> for_opt;
  // A retranslation that replaced its unit: the guest blocks that unit had (0: not one).
  uint32_t pruned_from = 0;

  // The unit this one last returned to at `pc`, if that link is still valid at `epoch`.
  CachedBlock* linked(uint64_t pc, uint64_t epoch) const {
    for (const Link& l : links)
      if (l.pc == pc && l.epoch == epoch) return l.to;
    return nullptr;
  }
  // The newest link first: a unit alternating between two successors keeps both.
  void link(uint64_t pc, CachedBlock* to, uint64_t epoch) {
    links[1] = links[0];
    links[0] = Link{pc, to, epoch};
  }
};
// The hart's chained code reads a unit's links as baseline::ChainLink records (chain.hpp).
static_assert(sizeof(CachedBlock::Link) == sizeof(baseline::ChainLink) &&
              offsetof(CachedBlock::Link, pc) == offsetof(baseline::ChainLink, pc) &&
              offsetof(CachedBlock::Link, to) == offsetof(baseline::ChainLink, unit) &&
              offsetof(CachedBlock::Link, epoch) == offsetof(baseline::ChainLink, epoch));

// What the cache needs from the optimizing tier: freeing the opt code of a unit it drops.
class OptCodeOwner {
 public:
  virtual void release(vm::JitEntry entry) = 0;

 protected:
  ~OptCodeOwner() = default;
};

// What the optimizing tier needs from the cache that owns its units (this TranslationCache, the
// full-system hart's SysCodeCache): who frees the opt code of a unit the cache drops, and the
// result of a compile taken back. A unit dropped while its compile is Pending must stay alive,
// retired, until finish_opt: the compile reads its body and FuncInfo meanwhile.
class OptUnitCache {
 public:
  // Null: no opt tier, or it is gone with all its code.
  virtual void set_opt_owner(OptCodeOwner* owner) = 0;
  // A finished opt compile of `b` (Pending) comes back: installed as b's code (its baseline code
  // is freed), or freed if `entry` is null (declined) or `b` was dropped meanwhile (then `b`
  // itself is freed: do not use it afterwards). The run's thread, between unit executions.
  virtual void finish_opt(CachedBlock& b, vm::JitEntry entry) = 0;
  // The chained exits `b`'s opt code is compiled with (opt::OptRequest::chain); no context:
  // none. The run's thread, when `b` is requested; the slots live as long as `b`.
  virtual baseline::ChainExits opt_exits(CachedBlock& b) {
    (void)b;
    return {};
  }

 protected:
  ~OptUnitCache() = default;
};

// What both unit caches do with a unit's compiled code (this TranslationCache and the hart's
// SysCodeCache; they differ in keys and statistics, not in these rules).
//
// A unit leaving the cache: its baseline code is withdrawn from the CodeCache (unless evicted
// already, which cleared jit_entry), its opt code released to `owner`. True when opt code was
// freed. A unit whose compile is Pending must then be kept retired by the caller.
bool release_unit_code(const CachedBlock& b, CodeCache* code, OptCodeOwner* owner);
// A finished opt compile of `b` (OptUnitCache::finish_opt): for a unit dropped meanwhile the
// code is freed (Discarded, or Dropped when there was none to free) and the caller frees `b`;
// otherwise it is installed over the baseline code, or `b` keeps its tier (Declined).
enum class OptFinish { Dropped, Discarded, Declined, Installed };
OptFinish finish_unit_opt(CachedBlock& b, vm::JitEntry entry, CodeCache* code, OptCodeOwner* owner);

struct TranslationStats {
  uint64_t blocks_translated = 0;  // units
  uint64_t guest_blocks = 0;       // guest basic blocks in them
  uint64_t guest_insns = 0;
  uint64_t translate_failures = 0;
  LatencyStats translate;  // per unit: translate_region + insertion
  uint64_t front_hits = 0;
  uint64_t front_misses = 0;
  uint64_t map_hits = 0;  // front misses found in the hash map
  uint64_t map_misses = 0;
  uint64_t invalidations = 0;  // invalidate()/invalidate_all() calls that dropped something
  uint64_t blocks_invalidated = 0;
  uint64_t compiled = 0;
  uint64_t compile_failures = 0;
  LatencyStats compile;  // per block compiled by the baseline tier
  uint64_t opt_installed = 0;
  uint64_t opt_pruned = 0;  // units the LLVM tier got retranslated with only the blocks that ran
  uint64_t pruned_blocks_before = 0, pruned_blocks_after = 0;  // their guest blocks
  uint64_t opt_discarded = 0;  // compiles that came back for a unit dropped meanwhile
  uint64_t opt_freed = 0;      // opt code of dropped units
};

class TranslationCache final : public OptUnitCache {
 public:
  static constexpr size_t kFrontSize = 4096;
  // exec_count of a unit with a loop (has_loop): past any hot_threshold.
  static constexpr uint32_t kLoopExecCount = uint32_t{1} << 30;

  // `inst` is the guest instance (make_guest_instance) the blocks run in. `jit` may be null
  // (interpreter only); when set, its CodeCache is `code` and compile() uses it.
  TranslationCache(vm::Instance& inst, baseline::BaselineJit* jit, CodeCache* code);
  ~TranslationCache();
  TranslationCache(const TranslationCache&) = delete;
  TranslationCache& operator=(const TranslationCache&) = delete;

  // The block starting at `pc`, or null. The front-cache hit is the dispatch loop's fast path.
  CachedBlock* lookup(uint64_t pc) {
    FrontSlot& s = front_[front_index(pc)];
    if (s.pc == pc) [[likely]] {
      ++stats_.front_hits;
      return s.block;
    }
    return lookup_slow(pc);
  }

  // Translates the region at `pc` with translate_region and inserts it.
  Result<CachedBlock*> translate(uint64_t pc, const FetchFn& fetch);
  // Inserts an already translated block (replacing any block with the same start).
  CachedBlock* insert(TranslatedBlock block);

  // Compiles `b` with the baseline tier unless it has code already (its constant exits chained
  // once enable_chaining() was called). A failure leaves it interpreted for good. False without
  // a jit or when the compile failed.
  bool compile(CachedBlock& b);

  // Compiles units from now on with block probes (CachedBlock::ran), for prepare_opt.
  void enable_probes() { probes_ = true; }
  // Before `b` is requested from the LLVM tier: if its probes say some of its blocks never ran,
  // retranslates it (from `fetch`, the bytes it was translated from: a unit whose code changed
  // is dropped) with only the blocks that ran into b.for_opt. The blocks left out become exits,
  // so a path that runs after all leaves to a unit of its own. False: b is compiled as it is.
  bool prepare_opt(CachedBlock& b, const FetchFn& fetch);

  // Compiles units from now on with chained exits. The context's pointers must be set first.
  void enable_chaining() { chaining_ = true; }
  // Their other exits then look the next unit up in the front cache themselves (baseline/
  // chain.hpp INDIRECT EXITS). `count`: a unit found counts its entry towards the LLVM tier while
  // it still does (--jit=auto), as the loop and a linked slot would. Before the first insert.
  void enable_indirect_exits(bool count);
  // Compiles units from now on trusting `p` (baseline/code_promises.hpp): the runner's guest
  // memory never moves or grows, and it keeps r0 of the register window 0 (run_block).
  void set_code_promises(const baseline::CodePromises& p) { promises_ = p; }
  bool chaining() const { return chaining_; }
  ChainLinks& chain() { return chain_; }
  const ChainLinks& chain() const { return chain_; }

  void set_opt_owner(OptCodeOwner* owner) override { opt_owner_ = owner; }
  void finish_opt(CachedBlock& b, vm::JitEntry entry) override;
  // The slots b's baseline code was compiled with (compile()), when this cache chains.
  baseline::ChainExits opt_exits(CachedBlock& b) override;

  // Drops every unit whose guest bytes (any of its ranges) overlap [addr, addr + len). Returns
  // how many.
  size_t invalidate(uint64_t addr, uint64_t len);
  size_t invalidate_all();

  size_t size() const { return blocks_.size(); }
  const TranslationStats& stats() const { return stats_; }
  // The --stats report (a "rv64 translation cache" section like jit::format_stats).
  std::string format_stats() const;

 private:
  struct FrontSlot {
    uint64_t pc = 1;  // odd: empty
    CachedBlock* block = nullptr;
  };
  static size_t front_index(uint64_t pc) { return (pc >> 1) & (kFrontSize - 1); }
  // Calls f(page number) for each guest page `b`'s bytes touch (a page twice at most).
  template <typename F>
  static void for_each_page(const TranslatedBlock& b, F&& f);

  CachedBlock* lookup_slow(uint64_t pc);
  // Indexes `owned` (not yet in the cache) under its entry pc, replacing any unit there.
  CachedBlock* adopt(std::unique_ptr<CachedBlock> owned);
  // Makes `owned`'s FuncInfo, slots and entry slot from its body.
  void init_unit(CachedBlock& b);
  // Sets a new unit's entry slot (OptPromoter::request stops its counting when b.opt leaves
  // None).
  void refresh_entry(CachedBlock& b) const;
  // Removes `it`'s block from every index, releases its compiled code and frees it. `replaced`:
  // a new unit takes its place (not counted as an invalidation).
  void drop(std::unordered_map<uint64_t, std::unique_ptr<CachedBlock>>::iterator it,
            bool replaced = false);

  vm::Instance& inst_;
  baseline::BaselineJit* jit_;
  CodeCache* code_;
  std::array<FrontSlot, kFrontSize> front_{};
  std::unordered_map<uint64_t, std::unique_ptr<CachedBlock>> blocks_;
  std::set<std::pair<uint64_t, uint64_t>> pages_;  // (guest page number, entry pc)
  uint32_t next_index_ = 0;
  TranslationStats stats_;
  OptCodeOwner* opt_owner_ = nullptr;
  ChainLinks chain_;
  bool chaining_ = false;
  bool probes_ = false;
  bool count_found_ = false;  // enable_indirect_exits(count)
  baseline::CodePromises promises_;
  // Dropped units whose opt compile is still in flight (CachedBlock::dropped).
  std::unordered_map<CachedBlock*, std::unique_ptr<CachedBlock>> retired_;
};

}  // namespace strata::jit::rv64

#include "jit/rv64/translation_cache.hpp"

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "jit/compile_timer.hpp"
#include "jit/rv64/guest_module.hpp"
#include "vm/interp.hpp"
#include "vm/rv64/elf_loader.hpp"

namespace strata::jit::rv64 {

TranslationCache::TranslationCache(vm::Instance& inst, baseline::BaselineJit* jit, CodeCache* code)
    : inst_(inst), jit_(jit), code_(code) {}

TranslationCache::~TranslationCache() {
  // Compiled code must leave the CodeCache while its FuncInfo still exists: the cache's drop
  // hook (eviction later on) dereferences the key's FuncInfo.
  invalidate_all();
}

CachedBlock* TranslationCache::lookup_slow(uint64_t pc) {
  ++stats_.front_misses;
  auto it = blocks_.find(pc);
  if (it == blocks_.end()) {
    ++stats_.map_misses;
    return nullptr;
  }
  ++stats_.map_hits;
  FrontSlot& s = front_[front_index(pc)];
  s.pc = pc;
  s.block = it->second.get();
  return s.block;
}

Result<CachedBlock*> TranslationCache::translate(uint64_t pc, const FetchFn& fetch) {
  CompileTimer timer;
  auto block = translate_region(pc, fetch);
  if (!block) {
    ++stats_.translate_failures;
    return tl::unexpected(block.error());
  }
  CachedBlock* b = insert(std::move(*block));
  stats_.translate.record_ns(timer.elapsed_ns());
  return b;
}

CachedBlock* TranslationCache::insert(TranslatedBlock block) {
  auto owned = std::make_unique<CachedBlock>();
  owned->block = std::move(block);
  init_unit(*owned);
  if (owned->block.has_loop) owned->exec_count = kLoopExecCount;
  ++stats_.blocks_translated;
  stats_.guest_blocks += owned->block.guest_blocks;
  stats_.guest_insns += owned->block.guest_insns;
  return adopt(std::move(owned));
}

void TranslationCache::init_unit(CachedBlock& b) {
  // After the body's move: the FuncInfo points into its final (heap, never reallocated) code.
  init_block_func(b.func, b.block.fn, inst_, next_index_++);
  b.has_ref_regs = std::find(b.block.fn.regs.begin(), b.block.fn.regs.end(), isa::ValType::Ref) !=
                   b.block.fn.regs.end();
  ChainLinks::add_slots(b);
  refresh_entry(b);
}

CachedBlock* TranslationCache::adopt(std::unique_ptr<CachedBlock> owned) {
  CachedBlock* b = owned.get();
  const uint64_t pc = b->block.start;
  if (auto old = blocks_.find(pc); old != blocks_.end()) drop(old, /*replaced=*/true);
  for_each_page(b->block, [&](uint64_t page) { pages_.emplace(page, pc); });
  blocks_.emplace(pc, std::move(owned));
  FrontSlot& s = front_[front_index(pc)];
  s.pc = pc;
  s.block = b;
  return b;
}

bool TranslationCache::prepare_opt(CachedBlock& b, const FetchFn& fetch) {
  if (b.ran.empty() || b.for_opt != nullptr) return false;
  std::vector<uint64_t> only;
  for (size_t i = 0; i < b.ran.size(); ++i)
    if (b.ran[i] != 0) only.push_back(b.block.block_starts[i].second);
  // Every block but the entry has a probe; the entry ran.
  if (only.size() + 1 >= b.block.block_starts.size()) return false;
  std::sort(only.begin(), only.end());
  RegionLimits limits;
  limits.only = &only;
  auto t = translate_region(b.block.start, fetch, limits);
  if (!t) return false;  // the bytes were there at b's translation: b is compiled as it is
  auto n = std::make_unique<CachedBlock>();
  n->block = std::move(*t);
  init_unit(*n);
  n->pruned_from = b.block.guest_blocks;
  ++stats_.opt_pruned;
  stats_.pruned_blocks_before += b.block.guest_blocks;
  stats_.pruned_blocks_after += n->block.guest_blocks;
  b.for_opt = std::move(n);
  return true;
}

bool TranslationCache::compile(CachedBlock& b) {
  if (b.func.jit_entry != nullptr) return true;
  if (jit_ == nullptr || b.compile_failed) return false;
  CompileTimer timer;
  // Probes at every block but the entry, while the unit may still go to LLVM.
  std::vector<baseline::BlockProbe> probes;
  if (probes_ && b.opt == CachedBlock::Opt::None && b.block.block_starts.size() > 1) {
    b.ran.assign(b.block.block_starts.size(), 0);
    for (size_t i = 0; i < b.ran.size(); ++i)
      if (b.block.block_starts[i].second != b.block.start)
        probes.push_back({b.block.block_starts[i].first, &b.ran[i]});
  }
  const baseline::ChainExits exits = opt_exits(b);
  if (!jit_->compile(b.func, b.block.fn, exits.ctx != nullptr ? &exits : nullptr, promises_,
                     probes)) {
    b.compile_failed = true;
    ++stats_.compile_failures;
    return false;
  }
  stats_.compile.record_ns(timer.elapsed_ns());
  ++stats_.compiled;
  return true;
}

// Chained code reads the front cache as baseline::FrontEntry records and a unit's entry slot at
// a fixed offset.
static_assert(std::is_standard_layout_v<CachedBlock>);

void TranslationCache::enable_indirect_exits(bool count) {
  static_assert(std::is_standard_layout_v<FrontSlot> &&
                sizeof(FrontSlot) == sizeof(baseline::FrontEntry) &&
                offsetof(FrontSlot, pc) == offsetof(baseline::FrontEntry, key) &&
                offsetof(FrontSlot, block) == offsetof(baseline::FrontEntry, unit));
  count_found_ = count;
  baseline::ChainContext& ctx = chain_.context();
  ctx.front = reinterpret_cast<const baseline::FrontEntry*>(front_.data());
  ctx.front_mask = kFrontSize - 1;
  ctx.entry_offset = offsetof(CachedBlock, entry);
}

// A unit whose compiled code has run fits the stack: the runner made the stack hold its registers
// (fits_stack) before it first ran it, and it is compiled only then.
void TranslationCache::refresh_entry(CachedBlock& b) const {
  // A unit with ref registers does not run as the loop's bottom frame (compile()).
  if (b.has_ref_regs) {
    b.entry = {};
    return;
  }
  // A unit with a loop counts its back-edges towards LLVM only when the loop enters it
  // (Rv64Vcpu::count_for_opt): its weight makes every entry from code miss while it counts.
  const bool counted = count_found_ && b.opt == CachedBlock::Opt::None;
  const uint32_t weight = !counted ? 0 : b.block.has_loop ? UINT32_MAX : 1;
  b.entry = {&b.func, &b, counted ? &b.opt_count : nullptr, weight};
}

baseline::ChainExits TranslationCache::opt_exits(CachedBlock& b) {
  // A unit with ref registers runs through vm::execute's own frame, not as the loop's bottom
  // frame that chained code needs (baseline/chain.hpp, CONTRACT). The baseline tier's compile()
  // takes its exits from here too.
  if (!chaining_ || b.has_ref_regs) return {};
  return chain_.compile_exits(b);
}

void TranslationCache::drop(std::unordered_map<uint64_t, std::unique_ptr<CachedBlock>>::iterator it,
                            bool replaced) {
  CachedBlock* b = it->second.get();
  const uint64_t pc = it->first;
  FrontSlot& s = front_[front_index(pc)];
  if (s.block == b) s = FrontSlot{};
  chain_.unlink_all(*b);
  if (release_unit_code(*b, code_, opt_owner_)) ++stats_.opt_freed;
  for_each_page(b->block, [&](uint64_t page) { pages_.erase({page, pc}); });
  if (b->opt == CachedBlock::Opt::Pending) {
    // The background compile reads this unit's body: it lives on until finish_opt.
    b->dropped = true;
    retired_.emplace(b, std::move(it->second));
  }
  blocks_.erase(it);
  if (!replaced) ++stats_.blocks_invalidated;
}

bool release_unit_code(const CachedBlock& b, CodeCache* code, OptCodeOwner* owner) {
  // Code evicted earlier has already left the CodeCache and cleared jit_entry (the baseline
  // tier's drop hook); otherwise release it now, before the FuncInfo it is keyed by goes. Opt
  // code was never in the CodeCache.
  if (code != nullptr && b.func.jit_entry != nullptr && b.opt != CachedBlock::Opt::Installed)
    code->invalidate_unit(reinterpret_cast<uint64_t>(&b.func));
  if (b.opt != CachedBlock::Opt::Installed || owner == nullptr) return false;
  owner->release(b.opt_entry);
  return true;
}

OptFinish finish_unit_opt(CachedBlock& b, vm::JitEntry entry, CodeCache* code,
                          OptCodeOwner* owner) {
  if (b.dropped) {
    if (entry == nullptr || owner == nullptr) return OptFinish::Dropped;
    owner->release(entry);
    return OptFinish::Discarded;
  }
  if (entry == nullptr) {
    b.opt = CachedBlock::Opt::Declined;
    return OptFinish::Declined;
  }
  // The baseline code goes first: its drop hook clears the slot only while it holds that code.
  if (code != nullptr && b.func.jit_entry != nullptr)
    code->invalidate_unit(reinterpret_cast<uint64_t>(&b.func));
  vm::set_jit_entry(b.func, entry);
  b.opt_entry = entry;
  b.opt = CachedBlock::Opt::Installed;
  return OptFinish::Installed;
}

void TranslationCache::finish_opt(CachedBlock& b, vm::JitEntry entry) {
  if (b.for_opt != nullptr && !b.dropped && entry != nullptr) {
    // The code is the retranslation's: that unit takes b's place (b and its baseline code go;
    // units chained to b relink to it at their next miss).
    std::unique_ptr<CachedBlock> n = std::move(b.for_opt);
    finish_unit_opt(*n, entry, code_, opt_owner_);  // installed: n has no other code
    refresh_entry(*n);                              // found by indirect exits, no longer counted
    b.opt = CachedBlock::Opt::None;                 // not retired by the drop: freed at once
    adopt(std::move(n));
    ++stats_.opt_installed;
    return;
  }
  b.for_opt.reset();
  const OptFinish f = finish_unit_opt(b, entry, code_, opt_owner_);
  if (f == OptFinish::Discarded) ++stats_.opt_discarded;
  if (f == OptFinish::Installed) ++stats_.opt_installed;
  if (f == OptFinish::Dropped || f == OptFinish::Discarded) retired_.erase(&b);  // frees b
}

template <typename F>
void TranslationCache::for_each_page(const TranslatedBlock& b, F&& f) {
  const auto span = [&](uint64_t lo, uint64_t hi) {
    if (hi <= lo) return;
    for (uint64_t p = lo / vm::rv64::kPageSize; p <= (hi - 1) / vm::rv64::kPageSize; ++p) f(p);
  };
  if (b.ranges.empty()) {
    span(b.start, b.end);
    return;
  }
  for (const auto& [lo, hi] : b.ranges) span(lo, hi);
}

size_t TranslationCache::invalidate(uint64_t addr, uint64_t len) {
  if (len == 0 || blocks_.empty()) return 0;
  // GUEST: addr and len come from the guest (munmap, mprotect...): clamp instead of wrapping.
  const uint64_t hi = len > UINT64_MAX - addr ? UINT64_MAX : addr + len;
  const uint64_t last_page = (hi - 1) / vm::rv64::kPageSize;
  std::vector<uint64_t> victims;
  for (auto it = pages_.lower_bound({addr / vm::rv64::kPageSize, 0});
       it != pages_.end() && it->first <= last_page; ++it) {
    if (overlaps(blocks_.at(it->second)->block, addr, hi - addr)) victims.push_back(it->second);
  }
  // A unit on two pages of the range is found twice.
  std::sort(victims.begin(), victims.end());
  victims.erase(std::unique(victims.begin(), victims.end()), victims.end());
  for (uint64_t pc : victims) drop(blocks_.find(pc));
  if (!victims.empty()) ++stats_.invalidations;
  return victims.size();
}

size_t TranslationCache::invalidate_all() {
  const size_t n = blocks_.size();
  if (n == 0) return 0;
  while (!blocks_.empty()) drop(blocks_.begin());
  front_.fill(FrontSlot{});
  ++stats_.invalidations;
  return n;
}

std::string TranslationCache::format_stats() const {
  const TranslationStats& s = stats_;
  const uint64_t lookups = s.front_hits + s.front_misses;
  const double front_pct =
      lookups == 0 ? 0.0 : 100.0 * static_cast<double>(s.front_hits) / static_cast<double>(lookups);
  std::string out = "rv64 translation cache\n";
  const auto ratio = [](uint64_t a, uint64_t b) {
    return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
  };
  out += fmt::format(
      "  blocks         {} translated ({} guest blocks, {} guest instructions, {:.1f}/block), {} "
      "failed; {} live\n",
      s.blocks_translated, s.guest_blocks, s.guest_insns, ratio(s.guest_insns, s.guest_blocks),
      s.translate_failures, blocks_.size());
  out += fmt::format(
      "  translation    mean {:.2f} µs, p99 {:.2f} µs per region; {:.2f} µs per guest block\n",
      s.translate.mean_us(), s.translate.p99_us(),
      ratio(s.translate.total_ns(), s.guest_blocks) / 1000.0);
  out += fmt::format(
      "  lookups        front {} hits, {} misses ({:.1f}% hits); map {} hits, {} "
      "misses\n",
      s.front_hits, s.front_misses, front_pct, s.map_hits, s.map_misses);
  out += fmt::format("  invalidations  {} ({} blocks dropped)\n", s.invalidations,
                     s.blocks_invalidated);
  out += fmt::format(
      "  baseline       {} blocks compiled (mean {:.2f} µs, p99 {:.2f} µs), {} "
      "failed\n",
      s.compiled, s.compile.mean_us(), s.compile.p99_us(), s.compile_failures);
  if (chaining_)
    out += fmt::format("  chaining       {} exits linked, {} links cleared by dropped units\n",
                       chain_.stats().links, chain_.stats().cleared);
  if (opt_owner_ != nullptr)
    out += fmt::format(
        "  opt            {} units installed; {} compiles discarded (unit dropped meanwhile); "
        "{} units' opt code freed\n",
        s.opt_installed, s.opt_discarded, s.opt_freed);
  if (probes_)
    out += fmt::format(
        "  opt pruned     {} units compiled with only the blocks that ran ({} -> {} guest "
        "blocks)\n",
        s.opt_pruned, s.pruned_blocks_before, s.pruned_blocks_after);
  return out;
}

}  // namespace strata::jit::rv64

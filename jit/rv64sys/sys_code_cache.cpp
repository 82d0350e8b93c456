#include "jit/rv64sys/sys_code_cache.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "jit/compile_timer.hpp"
#include "jit/rv64/guest_module.hpp"
#include "vm/interp.hpp"

namespace strata::jit::rv64sys {

using rv64::CachedBlock;

SysCodeCache::SysCodeCache(vm::Instance& inst, baseline::BaselineJit* jit, CodeCache* code,
                           vm::rv64sys::RamWindow ram)
    : inst_(inst),
      jit_(jit),
      code_(code),
      ram_(ram),
      ram_pages_(ram.size >> 12),
      code_bits_((ram_pages_ + 63) / 64) {
  // A boot translates some 30000 units, 23000 live at its end: buckets for them from the start
  // (no rehash of a big table while the guest runs) and short chains for the lookups that miss.
  units_.max_load_factor(0.5f);
  units_.reserve(kFrontSize);
}

void SysCodeCache::mark_code_page(std::uint64_t page, bool has_code) {
  const std::uint64_t i = page - (ram_.pa_base >> 12);
  if (i >= ram_pages_) return;
  const std::uint64_t bit = std::uint64_t{1} << (i & 63);
  code_bits_[i >> 6] = has_code ? code_bits_[i >> 6] | bit : code_bits_[i >> 6] & ~bit;
}

SysCodeCache::~SysCodeCache() {
  // Compiled code must leave the CodeCache while the FuncInfo it is keyed by still exists.
  drop_all();
}

CachedBlock* SysCodeCache::lookup_slow(const UnitKey& key) {
  auto it = units_.find(key);
  if (it == units_.end()) {
    ++stats_.misses;
    return nullptr;
  }
  ++stats_.map_hits;
  front_[front_index(key.va)] = Slot{key, it->second.get()};
  return it->second.get();
}

CachedBlock* SysCodeCache::insert(const UnitKey& key, rv64::TranslatedBlock block,
                                  std::uint64_t translate_ns) {
  if (auto old = units_.find(key); old != units_.end()) drop(old);
  auto owned = std::make_unique<CachedBlock>();
  CachedBlock* b = owned.get();
  b->block = std::move(block);
  // After the move: the FuncInfo points into the body's final code vector.
  rv64::init_block_func(b->func, b->block.fn, inst_, next_index_++);
  b->has_ref_regs = std::find(b->block.fn.regs.begin(), b->block.fn.regs.end(),
                              isa::ValType::Ref) != b->block.fn.regs.end();
  b->mmu_index = static_cast<std::uint8_t>(key.index);
  ++stats_.translated;
  stats_.guest_insns += b->block.guest_insns;
  stats_.svi_words += b->block.fn.code.size();
  stats_.tlb_checks += b->block.tlb_checks;
  stats_.checked_by_run += b->block.checked_by_run;
  stats_.translate.record_ns(translate_ns);
  pages_[key.pa >> 12].push_back(key);
  mark_code_page(key.pa >> 12, true);
  if (key.pa2 != 0) {
    pages_[key.pa2 >> 12].push_back(key);
    mark_code_page(key.pa2 >> 12, true);
  }
  b->code_pages = {key.pa >> 12, key.pa2 != 0 ? key.pa2 >> 12 : ~std::uint64_t{0}};
  units_.emplace(key, std::move(owned));
  front_[front_index(key.va)] = Slot{key, b};
  return b;
}

bool SysCodeCache::compile(CachedBlock& b) {
  if (b.func.jit_entry != nullptr) return true;
  if (jit_ == nullptr || b.compile_failed) return false;
  const baseline::ChainExits exits = chain_exits(b);
  return install(b, baseline::BaselineJit::prepare(b.func, b.block.fn, &exits, promises_));
}

baseline::ChainExits SysCodeCache::chain_exits(const CachedBlock& b) {
  // A unit with reference registers runs through vm::execute (its frame zeroed): not chained.
  if (!chaining_ || b.has_ref_regs) return {};
  baseline::ChainExits e;
  e.ctx = &chain_;
  e.links = reinterpret_cast<const baseline::ChainLink*>(b.links.data());
  e.recent_part = b.mmu_index;
  return e;
}

bool SysCodeCache::install(CachedBlock& b, baseline::BaselineJit::Prepared code) {
  CompileTimer timer;
  const std::uint64_t prepare_ns = code != nullptr ? baseline::BaselineJit::prepare_ns(*code) : 0;
  const bool placed = code != nullptr && baseline::BaselineJit::placed(*code);
  const void* enter = nullptr;
  if (code == nullptr || !jit_->install(b.func, std::move(code), &enter)) {
    b.compile_failed = true;
    ++stats_.compile_failures;
    return false;
  }
  // Chained code enters it past its frame set-up while this code is the unit's (chain.hpp
  // FRAMES), from the next link to it on, or now if it is linked already.
  b.chain_expect = enter != nullptr ? reinterpret_cast<const void*>(b.func.jit_entry) : nullptr;
  b.chain_enter = enter;
  b.entry.expect = b.chain_expect;
  b.entry.enter = b.chain_enter;
  stats_.compile.record_ns(prepare_ns + timer.elapsed_ns());
  ++stats_.compiled;
  if (placed) ++stats_.compiled_placed;
  return true;
}

void SysCodeCache::finish_compile(CachedBlock& b, baseline::BaselineJit::Prepared code) {
  b.baseline_pending = false;
  if (b.dropped) {
    ++stats_.compiles_discarded;
    if (b.opt != CachedBlock::Opt::Pending) retired_.erase(&b);  // frees b
    return;
  }
  // LLVM code installed meanwhile, or a synchronous compile: keep it.
  if (b.func.jit_entry != nullptr || jit_ == nullptr) {
    ++stats_.compiles_discarded;
    return;
  }
  if (install(b, std::move(code))) ++stats_.compiled_background;
}

void SysCodeCache::drop(Map::iterator it) {
  CachedBlock* b = it->second.get();
  end_epoch();
  Slot& s = front_[front_index(it->first.va)];
  if (s.block == b) s = Slot{};
  if (rv64::release_unit_code(*b, code_, opt_owner_)) ++stats_.opt_freed;
  if (b->opt == CachedBlock::Opt::Pending || b->baseline_pending) {
    b->dropped = true;
    retired_.emplace(b, std::move(it->second));
  }
  units_.erase(it);
  ++stats_.units_dropped;
}

void SysCodeCache::finish_opt(CachedBlock& b, vm::JitEntry entry) {
  const rv64::OptFinish f = rv64::finish_unit_opt(b, entry, code_, opt_owner_);
  if (f == rv64::OptFinish::Discarded) ++stats_.opt_discarded;
  if (f == rv64::OptFinish::Declined) ++stats_.opt_declined;
  if (f == rv64::OptFinish::Installed) ++stats_.opt_installed;
  if ((f == rv64::OptFinish::Dropped || f == rv64::OptFinish::Discarded) && !b.baseline_pending)
    retired_.erase(&b);  // frees b
}

std::size_t SysCodeCache::drop_page(std::uint64_t pa) {
  auto it = pages_.find(pa >> 12);
  if (it == pages_.end()) return 0;
  std::size_t n = 0;
  for (const UnitKey& key : it->second) {
    auto u = units_.find(key);
    // A key re-inserted on the same page is listed twice, and one on two pages may have gone
    // with the other page: such visits find nothing.
    if (u == units_.end()) continue;
    drop(u);
    ++n;
  }
  pages_.erase(it);
  mark_code_page(pa >> 12, false);
  ++stats_.pages_dropped;
  return n;
}

std::size_t SysCodeCache::drop_all() {
  const std::size_t n = units_.size();
  while (!units_.empty()) drop(units_.begin());
  stats_.pages_dropped += pages_.size();
  pages_.clear();
  std::fill(code_bits_.begin(), code_bits_.end(), 0);
  front_.fill(Slot{});
  return n;
}

std::string SysCodeCache::format_stats() const {
  const SysCacheStats& s = stats_;
  std::string out = "rv64 system translation cache\n";
  out +=
      fmt::format("  units          {} translated ({} guest instructions, {} SVI words); {} live\n",
                  s.translated, s.guest_insns, s.svi_words, units_.size());
  out += fmt::format("  translation    mean {:.2f} µs, p99 {:.2f} µs per unit\n",
                     s.translate.mean_us(), s.translate.p99_us());
  out += fmt::format(
      "  tlb checks     {} loads and stores checked inline, {} more covered by a run's check\n",
      s.tlb_checks, s.checked_by_run);
  out += fmt::format("  lookups        front {} hits; map {} hits; {} misses\n", s.front_hits,
                     s.map_hits, s.misses);
  const std::uint64_t lookups = s.front_hits + s.map_hits + s.misses;
  // Chained jumps are links the units' code followed itself.
  const std::uint64_t linked = s.links_taken + chain_.chained;
  const std::uint64_t dispatches = linked + lookups;
  out += fmt::format(
      "  successor links {} taken, {} chained in code, {} lookups ({:.1f}% of dispatches "
      "linked)\n",
      s.links_taken, chain_.chained, lookups,
      dispatches == 0 ? 0.0
                      : 100.0 * static_cast<double>(linked) / static_cast<double>(dispatches));
  out += fmt::format("  link epochs    {} ended; {} sfence.vma with an address kept the links\n",
                     chain_.epoch, s.flushes_kept_links);
  out += fmt::format("  invalidations  {} code pages, {} units dropped\n", s.pages_dropped,
                     s.units_dropped);
  out += fmt::format(
      "  baseline       {} units compiled ({} in the background, {} of them written into the "
      "code cache there, {} such compiles discarded; "
      "mean {:.2f} µs, p99 {:.2f} µs), {} failed; "
      "promised: fixed memory {}, r0 zero {}, unlimited fuel {}\n",
      s.compiled, s.compiled_background, s.compiled_placed, s.compiles_discarded,
      s.compile.mean_us(), s.compile.p99_us(), s.compile_failures,
      promises_.fixed_memory ? "yes" : "no", promises_.zero_r0 ? "yes" : "no",
      promises_.unlimited_fuel ? "yes" : "no");
  if (opt_owner_ != nullptr)
    out += fmt::format(
        "  opt            {} units installed, {} declined; {} compiles discarded (unit dropped "
        "meanwhile); {} units' opt code freed\n",
        s.opt_installed, s.opt_declined, s.opt_discarded, s.opt_freed);
  return out;
}

}  // namespace strata::jit::rv64sys

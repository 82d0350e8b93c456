#include "jit/code_cache.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "jit/compile_timer.hpp"

namespace strata::jit {

namespace {
constexpr std::byte kInt3{0xCC};  // fills alignment gaps: a stray jump there traps at once
constexpr uint64_t kOffline = std::numeric_limits<uint64_t>::max();
constexpr size_t kDefaultChunksPerCache = 16;

size_t round_up(size_t v, size_t a) {
  return (v + a - 1) / a * a;
}
}  // namespace

// One per registered executor; `seen` is the newest epoch it has been quiescent in (kOffline:
// holds nothing). Its own cache line, so an executor's quiescent() store does not bounce the
// line another executor writes.
struct CodeCache::Executor::Slot {
  alignas(64) std::atomic<uint64_t> seen{0};
};

Result<std::unique_ptr<CodeCache>> CodeCache::create(Options o) {
  const size_t page = ExecMemory::page_size();
  if (o.capacity_bytes < page) {
    return fail("jit: code cache capacity {} is below one page ({} bytes)", o.capacity_bytes, page);
  }
  size_t chunk = o.chunk_bytes != 0 ? o.chunk_bytes : o.capacity_bytes / kDefaultChunksPerCache;
  chunk = round_up(std::max<size_t>(chunk, 1), page);
  if (chunk > o.capacity_bytes) {
    return fail("jit: code cache chunk of {} bytes does not fit the capacity of {} bytes", chunk,
                o.capacity_bytes);
  }
  // Rounded down: the bound is a promise about memory use.
  const size_t n = o.capacity_bytes / chunk;
  ExecMemory mem = STRATA_TRY(ExecMemory::create(n * chunk, o.name));
  return std::unique_ptr<CodeCache>(new CodeCache(std::move(mem), chunk, std::move(o.on_drop)));
}

CodeCache::CodeCache(ExecMemory mem, size_t chunk_bytes, DropHook hook)
    : mem_(std::move(mem)), chunk_bytes_(chunk_bytes), on_drop_(std::move(hook)) {
  chunks_.resize(mem_.size() / chunk_bytes_);
  chunks_[0].state = ChunkState::kLive;
  counters_.capacity_bytes = mem_.size();
}

CodeCache::~CodeCache() {
  if (!executors_.empty()) {
    std::fprintf(stderr, "strata: jit::CodeCache destroyed with %zu executor(s) registered\n",
                 executors_.size());
    std::abort();
  }
}

CodeEntry CodeCache::lookup(CodeKey key) const {
  CodeEntry e = peek(key);
  (e ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
  return e;
}

CodeEntry CodeCache::peek(CodeKey key) const {
  std::shared_lock lock(mu_);
  return index_.find(key);
}

Result<CodeEntry> CodeCache::install(CodeKey key, std::span<const std::byte> code,
                                     uint64_t compile_ns) {
  return install_with(key, code.size(), compile_ns,
                      [&](std::byte* rw, uint64_t, size_t) -> Result<size_t> {
                        std::memcpy(rw, code.data(), code.size());
                        return code.size();
                      });
}

Result<CodeEntry> CodeCache::install_impl(CodeKey key, size_t max_size, size_t align,
                                          uint64_t compile_ns, EmitFn emit, void* ctx) {
  std::unique_lock lock(mu_);
  CompileTimer timer;  // the install's own cost, not the wait for the lock
  auto refuse = [&](Error e) -> Result<CodeEntry> {
    ++counters_.install_failures;
    return tl::unexpected(std::move(e));
  };
  if (max_size == 0 || max_size > chunk_bytes_) {
    return refuse(Error{
        fmt::format("jit: cannot install {} bytes for unit {} pc {:#x}: an entry takes 1..{} bytes",
                    max_size, key.unit, key.pc, chunk_bytes_)});
  }
  if (align == 0 || (align & (align - 1)) != 0 || align > ExecMemory::page_size()) {
    return refuse(Error{fmt::format("jit: bad code alignment {}", align)});
  }
  auto off = allocate_locked(max_size, align);
  if (!off) return refuse(off.error());

  Result<size_t> used =
      emit(ctx, mem_.rw() + *off, reinterpret_cast<uint64_t>(mem_.rx() + *off), max_size);
  if (!used) {
    return refuse(Error{fmt::format("jit: installing unit {} pc {:#x}: {}", key.unit, key.pc,
                                    used.error().message)});
  }
  if (*used == 0 || *used > max_size) {
    return refuse(Error{fmt::format("jit: emitter for unit {} pc {:#x} reported {} bytes of {}",
                                    key.unit, key.pc, *used, max_size)});
  }
  chunks_[current_].used = *off - current_ * chunk_bytes_ + *used;
  return publish_locked(key, *off, *used, compile_ns, timer);
}

CodeEntry CodeCache::publish_locked(CodeKey key, size_t off, size_t used, uint64_t compile_ns,
                                    const CompileTimer& timer) {
  chunks_[off / chunk_bytes_].keys.push_back(key);
  const CodeEntry e{mem_.rx() + off, static_cast<uint32_t>(used)};
  if (const CodeEntry old = index_.insert(key, e)) {
    counters_.live_bytes -= old.size;
    ++counters_.replaced_entries;
    const DroppedEntry d{key, old};
    notify_locked(DropReason::kReplaced, std::span(&d, 1));
  } else {
    unit_pcs_[key.unit].insert(key.pc);
  }
  ++counters_.translations;
  counters_.bytes_installed += used;
  counters_.live_bytes += used;
  const uint64_t install_ns = timer.elapsed_ns();
  install_lat_.record_ns(install_ns);
  translate_lat_.record_ns(compile_ns + install_ns);
  return e;
}

Result<CodeCache::Reservation> CodeCache::reserve(size_t size) {
  std::unique_lock lock(mu_);
  const std::optional<size_t> off = size != 0 ? fit_locked(size, kDefaultAlign) : std::nullopt;
  if (!off) return fail("jit: no room for {} bytes in the current code chunk", size);
  Chunk& c = chunks_[current_];
  c.used = *off - current_ * chunk_bytes_ + size;
  ++c.reserved;
  return Reservation{*off, size, mem_.rw() + *off, reinterpret_cast<uint64_t>(mem_.rx() + *off)};
}

Result<CodeEntry> CodeCache::commit(CodeKey key, const Reservation& r, size_t used,
                                    uint64_t compile_ns) {
  std::unique_lock lock(mu_);
  CompileTimer timer;
  --chunks_[r.offset / chunk_bytes_].reserved;
  if (used == 0 || used > r.size) {
    ++counters_.install_failures;
    return fail("jit: committing {} bytes of a {}-byte reservation for unit {} pc {:#x}", used,
                r.size, key.unit, key.pc);
  }
  return publish_locked(key, r.offset, used, compile_ns, timer);
}

void CodeCache::cancel(const Reservation& r) {
  std::unique_lock lock(mu_);
  --chunks_[r.offset / chunk_bytes_].reserved;
}

void CodeCache::prefault_ahead(size_t bytes) {
  size_t from, to;
  {
    std::unique_lock lock(mu_);
    // Chunks are first taken in arena order, so what was ever allocated is a prefix of the
    // arena until the ring wraps; after that every page is mapped already.
    const size_t at = current_ * chunk_bytes_ + chunks_[current_].used;
    // Topped up once half of it is used: mapped in steps of half of `bytes`, not per install.
    if (prefaulted_ >= mem_.size() || (prefaulted_ > at && prefaulted_ - at > bytes / 2)) return;
    from = std::max(prefaulted_, at);
    to = std::min(at + bytes, mem_.size());
    if (from >= to) return;
    prefaulted_ = to;
  }
  // Outside the lock: installs go on meanwhile (one that writes a page being mapped waits for
  // it in the kernel, as for any fault).
  mem_.prefault(from, to - from);
}

std::optional<size_t> CodeCache::fit_locked(size_t size, size_t align) {
  Chunk& c = chunks_[current_];
  const size_t off = round_up(c.used, align);
  if (c.state != ChunkState::kLive || off + size > chunk_bytes_) return std::nullopt;
  const size_t base = current_ * chunk_bytes_;
  std::fill(mem_.rw() + base + c.used, mem_.rw() + base + off, kInt3);
  return base + off;
}

Result<size_t> CodeCache::allocate_locked(size_t size, size_t align) {
  if (const std::optional<size_t> off = fit_locked(size, align)) return *off;
  // The current chunk is full: take the oldest one, which is the next in the ring.
  const size_t next = (current_ + 1) % chunks_.size();
  Chunk& n = chunks_[next];
  if (n.reserved != 0) {
    return fail(
        "jit: code cache busy: chunk {} of {} holds code a compile thread has not committed "
        "yet; retry later",
        next, chunks_.size());
  }
  if (n.state == ChunkState::kLive) retire_locked(next);
  if (n.state == ChunkState::kRetired && !reclaimable_locked(n)) {
    return fail(
        "jit: code cache busy: chunk {} of {} was evicted but an executor may still run it "
        "(no quiescent point since); retry later",
        next, chunks_.size());
  }
  n.state = ChunkState::kLive;
  n.used = 0;
  n.keys.clear();
  current_ = next;
  return next * chunk_bytes_;
}

void CodeCache::retire_locked(size_t chunk) {
  Chunk& c = chunks_[chunk];
  std::vector<DroppedEntry> dropped;
  for (const CodeKey& key : c.keys) {
    // The key may since have been dropped, or replaced by code in another chunk.
    const CodeEntry e = index_.find(key);
    if (e && chunk_of(e.code) == chunk) erase_locked(key, dropped);
  }
  c.keys.clear();
  c.state = ChunkState::kRetired;
  // After the entries left the index: an executor that sees this epoch cannot find them.
  c.retire_epoch = epoch_.fetch_add(1, std::memory_order_seq_cst) + 1;
  ++counters_.evicted_chunks;
  counters_.evicted_entries += dropped.size();
  notify_locked(DropReason::kEvicted, dropped);
}

bool CodeCache::reclaimable_locked(const Chunk& c) const {
  return std::all_of(executors_.begin(), executors_.end(), [&](const auto& slot) {
    return slot->seen.load(std::memory_order_acquire) >= c.retire_epoch;
  });
}

void CodeCache::erase_locked(CodeKey key, std::vector<DroppedEntry>& out) {
  const CodeEntry e = index_.erase(key);
  if (!e) return;
  out.push_back({key, e});
  counters_.live_bytes -= e.size;
  auto u = unit_pcs_.find(key.unit);
  if (u != unit_pcs_.end()) {
    u->second.erase(key.pc);
    if (u->second.empty()) unit_pcs_.erase(u);
  }
}

void CodeCache::notify_locked(DropReason r, std::span<const DroppedEntry> dropped) {
  if (on_drop_ && !dropped.empty()) on_drop_(r, dropped);
}

size_t CodeCache::invalidate_range(uint64_t unit, uint64_t lo, uint64_t hi) {
  if (lo >= hi) return 0;
  return invalidate_inclusive(unit, lo, hi - 1);
}

size_t CodeCache::invalidate_unit(uint64_t unit) {
  return invalidate_inclusive(unit, 0, std::numeric_limits<uint64_t>::max());
}

size_t CodeCache::invalidate_inclusive(uint64_t unit, uint64_t first, uint64_t last) {
  std::unique_lock lock(mu_);
  auto u = unit_pcs_.find(unit);
  if (u == unit_pcs_.end()) return 0;
  // Copied first: erase_locked edits the set (and may erase it).
  std::vector<uint64_t> pcs(u->second.lower_bound(first), u->second.upper_bound(last));
  std::vector<DroppedEntry> dropped;
  for (uint64_t pc : pcs) erase_locked(CodeKey{unit, pc}, dropped);
  counters_.invalidated_entries += dropped.size();
  notify_locked(DropReason::kInvalidated, dropped);
  return dropped.size();
}

void CodeCache::set_drop_hook(DropHook hook) {
  std::unique_lock lock(mu_);
  on_drop_ = std::move(hook);
}

CacheStats CodeCache::stats() const {
  std::shared_lock lock(mu_);
  CacheStats s = counters_;
  s.live_entries = index_.size();
  s.arena_used_bytes = 0;
  for (const Chunk& c : chunks_) {
    if (c.state == ChunkState::kLive) s.arena_used_bytes += c.used;
  }
  s.hits = hits_.load(std::memory_order_relaxed);
  s.misses = misses_.load(std::memory_order_relaxed);
  s.translate_mean_us = translate_lat_.mean_us();
  s.translate_p99_us = translate_lat_.p99_us();
  s.install_mean_us = install_lat_.mean_us();
  s.install_p99_us = install_lat_.p99_us();
  return s;
}

// ---- executors ----

CodeCache::Executor CodeCache::register_executor() {
  std::unique_lock lock(mu_);
  auto slot = std::make_unique<Executor::Slot>();
  slot->seen.store(epoch_.load(std::memory_order_acquire), std::memory_order_release);
  Executor ex;
  ex.cache_ = this;
  ex.slot_ = slot.get();
  executors_.push_back(std::move(slot));
  return ex;
}

CodeCache::Executor& CodeCache::Executor::operator=(Executor&& o) noexcept {
  if (this != &o) {
    reset();
    cache_ = std::exchange(o.cache_, nullptr);
    slot_ = std::exchange(o.slot_, nullptr);
  }
  return *this;
}

void CodeCache::Executor::quiescent() noexcept {
  if (slot_ == nullptr) return;
  slot_->seen.store(cache_->epoch_.load(std::memory_order_acquire), std::memory_order_release);
}

void CodeCache::Executor::offline() noexcept {
  if (slot_ == nullptr) return;
  slot_->seen.store(kOffline, std::memory_order_release);
}

void CodeCache::Executor::reset() {
  if (cache_ == nullptr) return;
  std::unique_lock lock(cache_->mu_);
  auto& v = cache_->executors_;
  v.erase(std::remove_if(v.begin(), v.end(), [&](const auto& s) { return s.get() == slot_; }),
          v.end());
  cache_ = nullptr;
  slot_ = nullptr;
}

}  // namespace strata::jit

// jit::CodeCache: the one place host code lives. Every tier (asmjit baseline, LLVM optimizing)
// installs into it; every guest kind (SVI programs, RISC-V blocks, device models) looks up in it.
//
// MEMORY (W^X). One ExecMemory (exec_memory.hpp): a memfd mapped RW and RX at two addresses.
// Installs write through the RW view; executors run the RX view; no mapping is ever W and X.
// Chosen over RW->RX mprotect because an install is then a memcpy: no syscall, no TLB shootdown,
// which matters against a budget of a few µs per translated block.
//
// LAYOUT AND EVICTION. The arena (the size bound, `capacity_bytes`) is cut into equal chunks,
// used as a ring. Code is bump-allocated in the current chunk (16-byte aligned, gaps filled with
// int3). When it is full, the next chunk in the ring — the oldest — is evicted as a whole: all its
// entries leave the index, the drop hook is told, and the chunk is reused. This is FIFO at chunk
// granularity. Why: allocation is a pointer bump, there is no fragmentation and no free list;
// eviction costs O(entries in the chunk), not O(cache); a chunk is a natural unit for "who may
// still be executing here"; and for translation caches FIFO is known to do about as well as LRU
// (hot code evicted by mistake is simply retranslated, cheaply, and lands in the newest chunk).
// With n chunks, at least (n-1)/n of the bound holds code that was live when installed.
// Invalidated or replaced code leaves the index at once but its bytes stay until its chunk's turn.
//
// THREADS. Readers: any thread may lookup(); lookups take a shared lock (std::shared_mutex) and
// never block each other. Writers: install(), invalidate_*(), set_drop_hook() take the exclusive
// lock, so a background compiler thread may install while executors look up. Expected lookup
// cost: an uncontended shared lock/unlock pair (two atomic RMWs) plus one probe of a flat hash
// table (code_index.hpp), usually one cache line. Measured on the development VM: ~20 ns when the
// index is cache-resident, 60-130 ns for random keys among 20k-200k entries (cache and TLB
// misses). Hot call sites keep the result in their own slot (direct chaining, a per-function
// code slot) and come back only on a miss. An install of a small function costs ~0.2 µs.
//
// CODE LIFETIME (epoch-based reclamation). A pointer from lookup() must stay executable as long
// as its thread may run it, even if another thread's install evicts its chunk meanwhile. So an
// executing thread registers as an Executor and calls quiescent() at points where it holds no
// code pointer and runs no cached code (the top of its dispatch loop). Evicting a chunk stamps it
// with a new epoch; its memory is reused only once every registered executor has been quiescent
// since (or is offline()). Until then installs that need the chunk fail with an error ("busy"),
// which a tier handles by trying again later; nothing ever blocks on an executor. An executor
// that compiles and installs itself (the baseline tier) calls quiescent() first — it holds no
// code pointer at that point anyway — so that its own registration cannot make it busy.
// Threads that never register may look up too, but then a pointer is only safe while no other
// thread installs (single-threaded use, tests). x86 keeps instruction fetch coherent with stores;
// code reaches an executor only through the index, after the lock's locked RMW, and reused bytes
// only after the executor's quiescent point, which is the ordering other production JITs rely on.
//
// DROP HOOK. Runs synchronously on the thread that evicts/invalidates/replaces, with the
// exclusive lock held, before any of the dropped code's memory can be reused: it may unlink jumps
// (through rw_alias()) and call contains(), but no other CodeCache member, and must not throw.
//
// Errors are Result values; nothing throws across this API (short of std::bad_alloc).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "isa/error.hpp"
#include "jit/cache_stats.hpp"
#include "jit/code_entry.hpp"
#include "jit/code_index.hpp"
#include "jit/compile_timer.hpp"
#include "jit/exec_memory.hpp"
#include "jit/latency_stats.hpp"

namespace strata::jit {

class CodeCache {
 public:
  static constexpr size_t kDefaultAlign = 16;  // function entry alignment (decoder-friendly)

  struct Options {
    size_t capacity_bytes = size_t{64} << 20;  // the size bound (rounded down to whole chunks)
    size_t chunk_bytes = 0;           // eviction granule; 0 = capacity/16 rounded up to pages
    const char* name = "strata-jit";  // memfd name, shown in /proc/self/maps
    DropHook on_drop{};               // may be empty
  };

  // Maps the arena. Fails if the OS refuses the memory or the options are inconsistent.
  static Result<std::unique_ptr<CodeCache>> create(Options opts);

  CodeCache(const CodeCache&) = delete;
  CodeCache& operator=(const CodeCache&) = delete;
  ~CodeCache();  // all Executors must be gone; all code pointers become invalid

  // ---- lookup (any thread; shared lock; counts a hit or a miss) ----
  CodeEntry lookup(CodeKey key) const;
  CodeEntry lookup(uint64_t unit, uint64_t pc) const { return lookup(CodeKey{unit, pc}); }
  // Like lookup() but does not touch the hit/miss counters (tests, debuggers).
  CodeEntry peek(CodeKey key) const;

  // ---- install (any thread; exclusive lock) ----
  // The low-level form: reserves `max_size` bytes and calls
  //   emit(std::byte* rw, uint64_t rx_address, size_t max_size) -> Result<size_t>
  // under the lock. It writes the code through `rw` as it must run at `rx_address` (so it can
  // relocate) and returns the bytes actually used (1..max_size). `compile_ns` is the time the
  // caller spent producing the code (CompileTimer), for the statistics. Installing an existing
  // key replaces it (DropReason::kReplaced). Fails, installing nothing, if max_size is 0 or above
  // chunk_bytes(), if emit fails, or if every reusable chunk still waits for executors (busy).
  template <typename Emit>
  Result<CodeEntry> install_with(CodeKey key, size_t max_size, uint64_t compile_ns, Emit&& emit,
                                 size_t align = kDefaultAlign) {
    auto thunk = [](void* ctx, std::byte* rw, uint64_t rx, size_t cap) -> Result<size_t> {
      return (*static_cast<std::remove_reference_t<Emit>*>(ctx))(rw, rx, cap);
    };
    // Through void*: install_impl is out of line; the thunk restores the type (and constness).
    void* ctx = const_cast<void*>(static_cast<const void*>(std::addressof(emit)));
    return install_impl(key, max_size, align, compile_ns, thunk, ctx);
  }
  // Position-independent code given as bytes.
  Result<CodeEntry> install(CodeKey key, std::span<const std::byte> code, uint64_t compile_ns = 0);
  // ---- code written by a compile thread, installed by another: reserve, then commit ----
  // The compile thread reserves space, relocates its code to `rx` and writes it through `rw`
  // without the lock; the installing thread commits it, which costs it only the index (a
  // booting RISC-V hart spent 2% of its time relocating and copying its worker's code). A
  // reservation pins its chunk: the ring does not take the chunk back (an install that needs it
  // is refused as busy) until the reservation is committed or cancelled.
  struct Reservation {
    size_t offset = 0;  // in the arena
    size_t size = 0;    // bytes reserved
    std::byte* rw = nullptr;
    uint64_t rx = 0;
  };
  // `size` bytes (1..chunk_bytes(), kDefaultAlign-aligned) at the end of the current chunk. Fails,
  // reserving nothing, where that chunk has no room: taking the next one may evict, which is
  // the installing thread's to do (it installs the code the usual way). Any thread.
  Result<Reservation> reserve(size_t size);
  // Installs the first `used` bytes (1..r.size) of `r` as `key`'s code, as install() would
  // (replacing an existing key). `r` is consumed either way.
  Result<CodeEntry> commit(CodeKey key, const Reservation& r, size_t used, uint64_t compile_ns);
  // Gives `r` up; its bytes stay unused until its chunk's turn comes.
  void cancel(const Reservation& r);

  // Maps the next `bytes` of the arena after the last install into the page tables now
  // (ExecMemory::prefault), so the installs that write there and the code that runs there take
  // no page faults: for a compile thread between its compiles, which then pays for the pages
  // instead of the thread that installs and runs the code (a booting RISC-V hart: 2% of its
  // time). Any thread; does nothing once every page has been mapped.
  void prefault_ahead(size_t bytes);

  // ---- invalidation (any thread; exclusive lock; fires the hook with kInvalidated) ----
  // Drops every entry of `unit` whose entry pc is in [lo, hi). Returns how many.
  size_t invalidate_range(uint64_t unit, uint64_t lo, uint64_t hi);
  // Drops every entry of `unit`. Returns how many.
  size_t invalidate_unit(uint64_t unit);

  // ---- executors (see CODE LIFETIME above) ----
  class Executor {
   public:
    Executor() = default;
    Executor(Executor&& o) noexcept { *this = std::move(o); }
    Executor& operator=(Executor&& o) noexcept;
    Executor(const Executor&) = delete;
    Executor& operator=(const Executor&) = delete;
    ~Executor() { reset(); }

    // "I hold no code pointer from before this call and run no cached code right now."
    // Lock-free: one atomic load and one store. No-op on an unregistered (empty) Executor.
    void quiescent() noexcept;
    // "Until my next quiescent() I hold no code pointer" (the thread blocks or idles). It must
    // call quiescent() before its next lookup.
    void offline() noexcept;
    void reset();  // unregisters (also done by the destructor)

   private:
    friend class CodeCache;
    struct Slot;
    CodeCache* cache_ = nullptr;
    Slot* slot_ = nullptr;
  };
  // Registers an executor (one per executing thread; an Executor is used by one thread at a
  // time). The registration itself is a quiescent point. Destroying the cache while an Executor
  // is still registered is a broken invariant: it aborts with a message.
  Executor register_executor();

  // ---- misc ----
  // After fork(2), in both processes, before either installs code again (ExecMemory's).
  Result<void> privatize_after_fork() { return mem_.privatize_after_fork(); }
  void set_drop_hook(DropHook hook);
  CacheStats stats() const;
  std::string format_stats() const { return jit::format_stats(stats()); }

  // The writable alias of cached code, for patching jumps (future chaining) from the drop hook
  // or under the owner's own protocol. Lock-free; `code` must point into the arena.
  std::byte* rw_alias(const void* code) const { return mem_.rw_alias(code); }
  bool contains(const void* code) const { return mem_.contains_rx(code); }
  // The two views, for tests and debuggers (e.g. checking /proc/self/maps).
  const std::byte* rx_base() const { return mem_.rx(); }
  const std::byte* rw_base() const { return mem_.rw(); }
  size_t capacity_bytes() const { return mem_.size(); }
  size_t chunk_bytes() const { return chunk_bytes_; }
  size_t chunk_count() const { return chunks_.size(); }

 private:
  using EmitFn = Result<size_t> (*)(void* ctx, std::byte* rw, uint64_t rx, size_t cap);
  enum class ChunkState : uint8_t { kFree, kLive, kRetired };
  struct Chunk {
    ChunkState state = ChunkState::kFree;
    size_t used = 0;            // bytes bump-allocated from the chunk's start
    uint32_t reserved = 0;      // reservations not yet committed or cancelled (they pin it)
    uint64_t retire_epoch = 0;  // kRetired: reusable once every executor has seen this epoch
    std::vector<CodeKey> keys;  // keys installed here; some may since have been dropped
  };

  CodeCache(ExecMemory mem, size_t chunk_bytes, DropHook hook);

  Result<CodeEntry> install_impl(CodeKey key, size_t max_size, size_t align, uint64_t compile_ns,
                                 EmitFn emit, void* ctx);
  // Returns the arena offset of `size` bytes aligned to `align`, moving to (and evicting) the next
  // chunk when the current one is full.
  Result<size_t> allocate_locked(size_t size, size_t align);
  void retire_locked(size_t chunk);
  bool reclaimable_locked(const Chunk& c) const;
  // Puts the `used` bytes at arena offset `off` in the index as `key`'s and records the
  // install's latency since `timer` (install's and commit's last step).
  CodeEntry publish_locked(CodeKey key, size_t off, size_t used, uint64_t compile_ns,
                           const CompileTimer& timer);
  // The arena offset of `size` bytes aligned to `align` in the current chunk (its gap filled
  // with int3), or none where it is not live or has no room; nothing is allocated yet.
  std::optional<size_t> fit_locked(size_t size, size_t align);
  // Removes `key` from both indexes if present, appending it to `out`.
  void erase_locked(CodeKey key, std::vector<DroppedEntry>& out);
  void notify_locked(DropReason r, std::span<const DroppedEntry> dropped);
  // Drops the entries of `unit` with first <= pc <= last (inclusive, so pc 2^64-1 is reachable).
  size_t invalidate_inclusive(uint64_t unit, uint64_t first, uint64_t last);
  size_t chunk_of(const void* code) const {
    return static_cast<size_t>(static_cast<const std::byte*>(code) - mem_.rx()) / chunk_bytes_;
  }

  ExecMemory mem_;
  size_t chunk_bytes_;
  mutable std::shared_mutex mu_;

  // ---- guarded by mu_ ----
  CodeIndex index_;
  std::unordered_map<uint64_t, std::set<uint64_t>> unit_pcs_;  // for range invalidation
  std::vector<Chunk> chunks_;
  size_t current_ = 0;
  size_t prefaulted_ = 0;  // arena bytes from its start that prefault_ahead() mapped
  std::vector<std::unique_ptr<Executor::Slot>> executors_;
  DropHook on_drop_;
  CacheStats counters_;  // hits/misses/latencies are kept separately
  LatencyStats translate_lat_;
  LatencyStats install_lat_;

  // ---- lock-free ----
  std::atomic<uint64_t> epoch_{1};
  mutable std::atomic<uint64_t> hits_{0};
  mutable std::atomic<uint64_t> misses_{0};
};

}  // namespace strata::jit

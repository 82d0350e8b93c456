// The hart's loop (hart.hpp, THE LOOP): interrupts at unit boundaries, the unit at the pc
// (looked up by virtual pc, physical pc and MMU index, or translated), its execution by the
// interpreter, baseline or LLVM code, promotion to LLVM, time slices, and the debugging variant
// (breakpoints, steps).
#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include "isa/rv64/decoder.hpp"
#include "jit/compile_timer.hpp"
#include "jit/rv64/guest_module.hpp"
#include "jit/rv64sys/hart_impl.hpp"

namespace strata::jit::rv64sys {

namespace state = vm::rv64::state;
using namespace vm::rv64sys;
using rv64::CachedBlock;
using vm::StopReason;

namespace {
// The calling thread's CPU time in the host kernel so far.
std::uint64_t thread_system_ns() {
  rusage u{};
  if (getrusage(RUSAGE_THREAD, &u) != 0) return 0;
  return static_cast<std::uint64_t>(u.ru_stime.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(u.ru_stime.tv_usec) * 1000u;
}

// FuncInfo indexes of private units, apart from the cache's (which count from 0).
constexpr std::uint32_t kScratchIndexBase = 0x80000000u;
}  // namespace

Result<StopReason> Hart::run(vm::RunLimit limit) {
  Impl& m = *impl_;
  if (m.ended) return *m.ended;
  if (m.stop.exchange(false)) return StopReason{StopReason::Kind::Stopped, 0, m.pc, {}};
  // Between runs the debugger or the host may have changed the privilege, CSRs or the TLB.
  m.cache->invalidate_links();
  const std::uint64_t cpu_before = thread_cpu_ns();
  const std::uint64_t system_before = thread_system_ns();
  StopReason r = (limit.steps != 0 || !m.bps.empty()) ? m.run_debug(limit.steps) : m.run_plain();
  m.stats.run_cpu_ns += thread_cpu_ns() - cpu_before;
  m.stats.run_system_ns += thread_system_ns() - system_before;
  if (r.kind == StopReason::Kind::Exited || r.kind == StopReason::Kind::Fault) m.ended = r;
  return r;
}

StopReason Hart::Impl::run_plain() {
  StopReason end;
  std::atomic_ref<std::int64_t> left_ref(*slice_left);
  std::unique_ptr<CachedBlock> scratch;
  baseline::ChainContext& chain = cache->chain_context();
  chain.hold = 0;
  // The unit that ran last and the cache's link epoch before it ran: while the epoch is the same,
  // `prev` is alive and its current links stand for a pick (sys_code_cache.hpp). After chained
  // exits, `prev` is the last unit they entered.
  CachedBlock* prev = nullptr;
  std::uint64_t prev_epoch = 0;
  for (;;) {
    const std::int64_t left = left_ref.load(std::memory_order_relaxed) - 1;
    left_ref.store(left, std::memory_order_relaxed);
    if (left < 0) [[unlikely]] {
      if (!end_slice(&end)) return end;
    }
    if ((csrs.mip() & csrs.mie) != 0) [[unlikely]] {
      if (!take_interrupt(&end)) return end;
    }
    if (opt != nullptr && opt->has_done()) [[unlikely]]
      opt->drain();
    if (compiler != nullptr && compiler->has_done()) [[unlikely]]
      take_compiles();
    // Links join units of one MMU index (sys_code_cache.hpp, SUCCESSOR LINKS): after a trap or
    // xRET to another index, prev's links stand for none of this index's picks.
    const bool prev_live = prev != nullptr && prev_epoch == cache->link_epoch() &&
                           prev->mmu_index == static_cast<std::uint8_t>(data_index());
    CachedBlock* b = prev_live ? prev->linked(pc, prev_epoch) : nullptr;
    CodePages pages;
    if (b != nullptr) {
      cache->count_link();
      pages = CodePages{b->code_pages[0], b->code_pages[1]};
      // As pick_unit: code the CodeCache evicted is compiled again.
      if (opts.jit != JitMode::Off && b->func.jit_entry == nullptr && !b->compile_failed)
          [[unlikely]]
        maybe_compile(*b);
      cache->note_entry(pc, *b, chain_weight(*b));
    } else {
      const std::uint64_t epoch = cache->link_epoch();
      switch (pick_unit(false, &b, &scratch, &pages, &end)) {
        case Pick::Run: break;
        case Pick::Again: continue;
        case Pick::Stop: return end;
      }
      // Only a cached unit is linked, and only if the pick ended no epoch (prev may be gone,
      // and the fetch the link stands for must be noted in this one).
      if (pages.first != kNoPage && epoch == cache->link_epoch()) {
        if (prev_live) {
          cache->link(*prev, pc, *b, chain_weight(*b));
        } else {
          cache->note_entry(pc, *b, chain_weight(*b));
        }
      }
    }
    prev_epoch = cache->link_epoch();
    // The unit b last went on to is the likeliest next: its lines the loop reads after b (code
    // pages, then code slot) are fetched while b runs. A stale link may name a freed unit; a
    // prefetch of any address is harmless.
    if (const CachedBlock* next = b->links[0].to; next != nullptr) {
      __builtin_prefetch(next->code_pages.data());
      __builtin_prefetch(&next->func.jit_entry);
    }
    CachedBlock* last = nullptr;
    if (!execute(*b, pages, &end, &last)) return end;
    prev = last;
  }
}

// What an entry of `to` by a chained exit adds to its count towards the LLVM tier (chain.hpp
// step 4): one, as the loop's count_for_opt would, while it counts. The loop's own entries of
// `to` count its back-edges too; those a chained run took are counted by execute().
std::uint32_t Hart::Impl::chain_weight(const CachedBlock& to) const {
  return opts.jit == JitMode::Auto && to.opt == CachedBlock::Opt::None ? 1 : 0;
}

StopReason Hart::Impl::run_debug(std::uint64_t steps) {
  StopReason end;
  std::uint64_t done = 0;
  // Every unit returns here, so breakpoints and steps are checked before each one.
  cache->chain_context().hold = 1;
  // The instruction at the start pc runs even if it has a breakpoint (vm/vcpu.hpp), alone, so a
  // unit looping back to its own start cannot skip the breakpoint on the second pass.
  bool first = true;
  std::atomic_ref<std::int64_t> left_ref(*slice_left);
  std::unique_ptr<CachedBlock> scratch;
  for (;;) {
    const std::int64_t left = left_ref.load(std::memory_order_relaxed) - 1;
    left_ref.store(left, std::memory_order_relaxed);
    if (left < 0 && !end_slice(&end)) return end;
    if (steps != 0 && done == steps) return StopReason{StopReason::Kind::Stepped, 0, pc, {}};
    if ((csrs.mip() & csrs.mie) != 0 && !take_interrupt(&end)) return end;
    if (!first && bps.contains(pc)) return StopReason{StopReason::Kind::Breakpoint, 0, pc, {}};
    if (opt != nullptr && opt->has_done()) opt->drain();
    if (compiler != nullptr && compiler->has_done()) take_compiles();
    bool single = first || steps != 0;
    first = false;
    CachedBlock* b = nullptr;
    CodePages pages;
    Pick p = pick_unit(single, &b, &scratch, &pages, &end);
    // A breakpoint inside the unit: single instructions up to it.
    if (p == Pick::Run && !single && has_breakpoint_in(b->block))
      p = pick_unit(true, &b, &scratch, &pages, &end);
    if (p == Pick::Again) continue;
    if (p == Pick::Stop) return end;
    if (!execute(*b, pages, &end, nullptr)) return end;
    ++done;
  }
}

bool Hart::Impl::has_breakpoint_in(const rv64::TranslatedBlock& b) const {
  const auto hit = [&](std::uint64_t lo, std::uint64_t hi) {
    auto it = bps.lower_bound(lo);
    return it != bps.end() && *it < hi;
  };
  if (b.ranges.empty()) return hit(b.start, b.end);
  return std::any_of(b.ranges.begin(), b.ranges.end(),
                     [&](const auto& r) { return hit(r.first, r.second); });
}

bool Hart::Impl::take_interrupt(StopReason* end) {
  const int irq = pending_interrupt(csrs, priv);
  if (irq < 0) return true;
  ++stats.interrupts[static_cast<std::uint64_t>(irq)];
  return enter_trap(kInterruptBit | static_cast<std::uint64_t>(irq), 0, pc, end);
}

Hart::Impl::Pick Hart::Impl::pick_unit(bool one_insn, CachedBlock** unit,
                                       std::unique_ptr<CachedBlock>* scratch, CodePages* pages,
                                       StopReason* end) {
  std::uint64_t pa = 0, cause = 0, page_size = 0;
  if (!fetch_translate(pc, &pa, &cause, &page_size)) {
    if (just_trapped) {
      *end = fault_stop(
          fmt::format("{} (cause {}, tval 0x{:x}): cannot fetch its trap handler at 0x{:x} ({})",
                      cause_name(last_trap_cause), last_trap_cause & ~kInterruptBit, last_trap_tval,
                      pc, cause_name(cause)));
      return Pick::Stop;
    }
    return enter_trap(cause, pc, pc, end) ? Pick::Again : Pick::Stop;
  }
  // A link to the unit found may follow: it stands for this translation (LinkedFetches).
  cache->note_fetch(pc, page_size);
  // The guest's code is read only to translate: a cached unit is found by address alone, except
  // in a page's last parcel, where the first parcel says whether the instruction crosses.
  if ((pc & 0xfff) == 0xffe) [[unlikely]] {
    std::uint16_t lo = 0;
    std::memcpy(&lo, ram_at(pa), 2);
    if (isa::rv64::insn_length(lo) == 4) return pick_cross_page(pa, lo, unit, pages, end);
  }
  if (one_insn) [[unlikely]] {
    std::uint16_t lo = 0;
    std::memcpy(&lo, ram_at(pa), 2);
    const rv64::FetchFn in_page = page_fetch(pc, pa);
    const std::uint64_t start = pc, stop_at = pc + isa::rv64::insn_length(lo);
    const rv64::FetchFn one = [&in_page, stop_at](std::uint64_t va, std::uint16_t* parcel) {
      return va < stop_at && in_page(va, parcel);
    };
    auto t = translate_at(start, one, kHartOneInsn);
    if (!t) {
      *end = fault_stop(fmt::format("internal error: {}", t.error().message));
      return Pick::Stop;
    }
    *scratch = make_scratch(std::move(*t));
    *unit = scratch->get();
    *pages = CodePages{};
    return fits_stack(**unit, end) ? Pick::Run : Pick::Stop;
  }
  const UnitKey key{pc, pa, data_index()};
  CachedBlock* b = cache->lookup(key);
  if (b == nullptr) [[unlikely]] {
    CompileTimer timer;
    auto t = translate_at(pc, page_fetch(pc, pa), kHartRegion);
    if (!t) {
      *end = fault_stop(fmt::format("internal error: {}", t.error().message));
      return Pick::Stop;
    }
    // Stores into this page now take the slow path, which drops the unit. A page that has
    // units already has no write tag (fills since then saw page_has_code).
    if (!cache->page_has_code(pa)) tlb->protect_code_page(pa);
    b = cache->insert(key, std::move(*t), timer.elapsed_ns());
    if (!fits_stack(*b, end)) return Pick::Stop;
  }
  if (opts.jit != JitMode::Off && b->func.jit_entry == nullptr && !b->compile_failed) [[unlikely]]
    maybe_compile(*b);
  *unit = b;
  *pages = CodePages{pa >> 12, kNoPage};
  return Pick::Run;
}

Hart::Impl::Pick Hart::Impl::pick_cross_page(std::uint64_t pa, std::uint16_t lo, CachedBlock** unit,
                                             CodePages* pages, StopReason* end) {
  // Its second half is on the next virtual page, which may map anywhere: translated alone and
  // keyed by both physical halves, so a remap of either page finds another unit (or none).
  std::uint64_t pa_hi = 0, cause = 0, page_size = 0;
  if (!fetch_translate(pc + 2, &pa_hi, &cause, &page_size))
    return enter_trap(cause, pc + 2, pc, end) ? Pick::Again : Pick::Stop;
  cache->note_fetch(pc + 2, page_size);
  const UnitKey key{pc, pa, data_index(), pa_hi | 1};
  CachedBlock* b = cache->lookup(key);
  if (b == nullptr) {
    CompileTimer timer;
    std::uint16_t hi = 0;
    std::memcpy(&hi, ram_at(pa_hi), 2);
    const std::uint64_t start = pc;
    const rv64::FetchFn both = [start, lo, hi](std::uint64_t va, std::uint16_t* parcel) {
      if (va == start) *parcel = lo;
      if (va == start + 2) *parcel = hi;
      return va == start || va == start + 2;
    };
    auto t = translate_at(pc, both, kHartOneInsn);
    if (!t) {
      *end = fault_stop(fmt::format("internal error: {}", t.error().message));
      return Pick::Stop;
    }
    ++stats.cross_page_insns;
    // A store into either half drops it.
    if (!cache->page_has_code(pa)) tlb->protect_code_page(pa);
    if (!cache->page_has_code(pa_hi)) tlb->protect_code_page(pa_hi);
    b = cache->insert(key, std::move(*t), timer.elapsed_ns());
    if (!fits_stack(*b, end)) return Pick::Stop;
  }
  if (opts.jit != JitMode::Off && b->func.jit_entry == nullptr && !b->compile_failed)
    maybe_compile(*b);
  *unit = b;
  *pages = CodePages{pa >> 12, pa_hi >> 12};
  return Pick::Run;
}

// Opt compiles a unit with LLVM at its first execution (the baseline tier where LLVM declines);
// Baseline compiles it then; Auto once it is hot. All compile again a unit whose baseline code
// the CodeCache evicted (its drop hook cleared jit_entry).
void Hart::Impl::maybe_compile(CachedBlock& b) {
  if (opts.jit == JitMode::Opt && b.opt == CachedBlock::Opt::None) {
    opt->request(b);
    if (b.opt == CachedBlock::Opt::Installed) return;
  }
  if (opts.jit != JitMode::Auto) {
    cache->compile(b);
    return;
  }
  if (b.exec_count < opts.hot_threshold) ++b.exec_count;
  if (b.exec_count < opts.hot_threshold || b.baseline_pending) return;
  // A unit the LLVM tier reads (its code evicted meanwhile) is compiled here: at most one
  // compile of a unit is in flight (SysCodeCache::drop, finish_compile).
  if (compiler != nullptr && b.opt != CachedBlock::Opt::Pending) {
    compiler->request(b, cache->chain_exits(b));
  } else {
    cache->compile(b);
  }
}

void Hart::Impl::take_compiles() {
  for (auto& [b, emitted] : compiler->try_take_done())
    cache->finish_compile(*b, std::move(emitted));
}

// Every back-edge a unit takes counts the slice down by one (translator.cpp), so the slice it
// used is how often its loops went round. Counted like entries, a loop is compiled once it ran
// hot_threshold times in all, while a unit whose loop runs a few times per boot-time call (most
// of a kernel's) is not compiled for that alone.
void Hart::Impl::count_back_edges(CachedBlock& b, std::int64_t back_edges) {
  if (back_edges <= 0) return;
  const std::uint64_t n = std::uint64_t{b.exec_count} + static_cast<std::uint64_t>(back_edges);
  b.exec_count = static_cast<std::uint32_t>(std::min<std::uint64_t>(n, opts.hot_threshold));
}

// Counted like count_back_edges, whatever tier ran the unit: one entry of a unit whose loop went
// round a million times weighs as much as a million entries of a straight one, and a long
// in-guest loop (md5sum's) is queued after its first million iterations even if entered once.
// A slice another thread cut short (set_irq) adds at most a slice's worth: harmless.
void Hart::Impl::count_for_opt(CachedBlock& b, std::uint64_t entries, std::int64_t back_edges) {
  const std::uint64_t n = std::uint64_t{b.opt_count} + entries +
                          static_cast<std::uint64_t>(std::max<std::int64_t>(back_edges, 0));
  b.opt_count = static_cast<std::uint32_t>(std::min<std::uint64_t>(n, opts.opt_threshold));
  // After its baseline compile comes back (one compile of a unit in flight at a time).
  if (b.opt_count >= opts.opt_threshold && !b.baseline_pending) opt->request(b);
}

std::unique_ptr<CachedBlock> Hart::Impl::make_scratch(rv64::TranslatedBlock t) {
  auto b = std::make_unique<CachedBlock>();
  b->block = std::move(t);
  rv64::init_block_func(b->func, b->block.fn, *inst, kScratchIndexBase + next_scratch_index++);
  b->has_ref_regs = std::find(b->block.fn.regs.begin(), b->block.fn.regs.end(),
                              isa::ValType::Ref) != b->block.fn.regs.end();
  return b;
}

bool Hart::Impl::fits_stack(const CachedBlock& b, StopReason* end) {
  if (b.func.nregs <= st.stack_len || st.grow_stack(b.func.nregs, nullptr)) return true;
  *end =
      fault_stop(fmt::format("the unit at 0x{:x} needs {} registers, more than the VM stack "
                             "holds",
                             b.block.start, b.func.nregs));
  return false;
}

bool Hart::Impl::execute(CachedBlock& b, CodePages pages, StopReason* end, CachedBlock** last) {
  vm::Value ret{};
  running = pages;
  baseline::ChainContext& chain = cache->chain_context();
  // Chained exits move it on to each unit they enter (running_pages()).
  chain.running = nullptr;
  const std::uint64_t chained_before = chain.chained;
  const std::int64_t left_before = *slice_left;
  const vm::ExecStatus s = run_block(b, &ret);
  const std::uint64_t chained = chain.chained - chained_before;
  stats.units_run += 1 + chained;
  // The unit that ran last. No unit the loop or the C++ side still names was freed meanwhile:
  // a store into the page of `b` or of the running unit defers its drop (stored()).
  CachedBlock* ran =
      chained != 0 ? static_cast<CachedBlock*>(const_cast<void*>(chain.running)) : &b;
  // Before the exit is served: that may drop `b`.
  if (pages.first != kNoPage) [[likely]] {
    // Every back-edge and chained entry counted the slice down by one; chained entries counted
    // themselves (chain_weight). The back-edges go to the last unit entered if it has a loop (a
    // run that a loop's slice check ended ends in that loop's unit), else to `b` if it has one.
    const std::int64_t back_edges = left_before - *slice_left - static_cast<std::int64_t>(chained);
    CachedBlock* looped = ran->block.has_loop ? ran : b.block.has_loop ? &b : nullptr;
    if (b.func.jit_entry == nullptr) [[unlikely]] {
      const std::int64_t own = looped == &b ? back_edges : 0;
      count_back_edges(b, own);
      // Queued for the worker meanwhile: what it waited for orders the queue (baseline_worker.hpp).
      if (b.baseline_pending) {
        // Only this thread writes it; it saturates rather than wraps back to little.
        std::atomic_ref<std::uint32_t> waited(b.waited_work);
        const std::uint64_t sum = std::uint64_t{waited.load(std::memory_order_relaxed)} + 1 +
                                  static_cast<std::uint64_t>(std::max<std::int64_t>(own, 0));
        waited.store(static_cast<std::uint32_t>(std::min<std::uint64_t>(sum, UINT32_MAX)),
                     std::memory_order_relaxed);
      }
    }
    if (opts.jit == JitMode::Auto) {
      if (b.opt == CachedBlock::Opt::None) count_for_opt(b, 1, looped == &b ? back_edges : 0);
      if (looped != nullptr && looped != &b && looped->opt == CachedBlock::Opt::None)
        count_for_opt(*looped, 0, back_edges);
    }
  }
  chain.running = nullptr;
  running = CodePages{};
  if (last != nullptr) *last = pages.first != kNoPage ? ran : nullptr;
  just_trapped = false;
  if (s == vm::ExecStatus::Returned && (ret.bits & 1) == 0) [[likely]] {
    pc = ret.bits;
    if (!deferred_pages.empty()) [[unlikely]]
      drop_deferred();
    if (ram_dirty.load(std::memory_order_acquire)) [[unlikely]]
      drain_ram_written();
    return true;
  }
  if (s != vm::ExecStatus::Returned) {
    // A unit reaches memory only through the TLB, which points into RAM: an SVI trap is a
    // Strata bug, reported with the guest state rather than crashing the host.
    *end = fault_stop(fmt::format(
        "internal error in the unit at 0x{:x}: {}", ran->block.start,
        s == vm::ExecStatus::Trapped ? vm::format_trap(trap) : std::string("a helper exited")));
    return false;
  }
  // `b` may be gone after this (fence.i, code written).
  const bool go_on = special_exit(end);
  drop_deferred();
  if (ram_dirty.load(std::memory_order_acquire)) drain_ram_written();
  return go_on;
}

// vm::execute without its per-call zeroing of the frame (see Rv64Vcpu::run_block: units write
// every register before reading it, except r0, which stays 0).
vm::ExecStatus Hart::Impl::run_block(const CachedBlock& b, vm::Value* ret) {
  if (b.has_ref_regs) [[unlikely]]
    return vm::execute(st, cx, &b.func, nullptr, ret, &trap);
  vm::Frame* fp = st.frames;
  fp->fn = &b.func;
  fp->base = st.stack;
  fp->pc = b.func.code;
  if (b.func.jit_entry != nullptr) {
    const auto s = static_cast<vm::ExecStatus>(b.func.jit_entry(&st, st.stack, fp));
    if (s == vm::ExecStatus::Returned) [[likely]]
      *ret = st.jit_retval;
    else if (s == vm::ExecStatus::Trapped)
      trap = std::move(st.jit_trap);
    return s;
  }
  ++stats.units_interpreted;
  return vm::run_frames(st, cx, fp, ret, &trap);
}

void Hart::Impl::drop_deferred() {
  for (std::uint64_t p : deferred_pages) cache->drop_page(p << 12);
  deferred_pages.clear();
  deferred_flag = 0;
}

void Hart::Impl::drain_ram_written() {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> writes;
  {
    std::lock_guard lock(ram_mu);
    writes.swap(ram_writes);
    ram_dirty.store(false, std::memory_order_relaxed);
  }
  for (const auto& [pa, len] : writes) {
    if (len == 0) continue;
    const std::uint64_t last = (pa + len - 1) >> 12;
    for (std::uint64_t p = pa >> 12; p <= last && p >= (pa >> 12); ++p) cache->drop_page(p << 12);
  }
}

bool Hart::Impl::end_slice(StopReason* end) {
  std::atomic_ref<std::int64_t>(*slice_left).store(kSliceUnits, std::memory_order_relaxed);
  host.tick();
  sync_interrupts();
  if (ram_dirty.load(std::memory_order_acquire)) drain_ram_written();
  if (exit_requested.load(std::memory_order_acquire)) {
    *end = StopReason{StopReason::Kind::Exited, exit_code.load(), pc, {}};
    return false;
  }
  if (stop.exchange(false)) {
    *end = StopReason{StopReason::Kind::Stopped, 0, pc, {}};
    return false;
  }
  return true;
}

}  // namespace strata::jit::rv64sys

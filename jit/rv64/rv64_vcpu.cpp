#include "jit/rv64/rv64_vcpu.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>

#include <fmt/format.h>

#include "isa/rv64/decoder.hpp"
#include "jit/rv64/guest_fault.hpp"
#include "jit/rv64/guest_module.hpp"

namespace strata::jit::rv64 {

namespace {

using vm::StopReason;
using vm::rv64::ExitReason;
using vm::rv64::GuestMemory;
using vm::rv64::kGuestOrigin;
using vm::rv64::Process;
using vm::rv64::SyscallOutcome;
namespace state = vm::rv64::state;

// Step blocks are few (one per instruction stepped through); past this many the cache starts
// over rather than growing with a long `step 100000`.
constexpr size_t kMaxStepBlocks = 4096;
// --jit=auto: samples (time-slice ends, Rv64Vcpu::kSliceUnits units and back-edges each)
// before the unit where a slice ended goes to LLVM: about 2M back-edges, some ms of baseline
// code, is about what one LLVM compile of a unit costs (~20-40 ms of CPU), the break-even if the
// loop runs as long again. Measured on tools/bench/rv64 (with 64K-back-edge samples): at 4
// samples coremark_like paid 0.8 s of compiles for 1 s of run time; at 64, the FP loops reached
// LLVM as fast as at 4.
constexpr uint32_t kSamplesToOpt = (uint32_t{1} << 21) / Rv64Vcpu::kSliceUnits;
// --jit=auto: the most one sample may weigh by its time (RunOptions::opt_sample_us), in
// ordinary samples: a slice that spans a blocking syscall or a descheduled host thread is not
// the unit's work.
constexpr uint64_t kMaxSampleWeight = 32;
// --jit=auto: a unit needs RunOptions::opt_threshold work per opt_words_per_threshold SVI words
// of its code, at most kOptMaxScale times as much (runner.hpp).
constexpr uint64_t kOptMaxScale = 16;
// Step blocks' FuncInfo indexes, apart from the translation cache's (which count from 0).
constexpr uint32_t kStepIndexBase = 0x80000000u;

// si_code values of synchronous faults (asm-generic/siginfo.h).
constexpr int kSegvMaperr = 1, kSegvAccerr = 2, kIllIllopc = 1, kTrapBrkpt = 1, kBusAdrerr = 2;

StopReason signaled(int sig) {
  return StopReason{StopReason::Kind::Signaled, sig, 0, {}};
}

// "load" / "store" for the SVI memory instruction `w`, "access" for anything else.
std::string_view access_kind(isa::Word w) {
  const isa::Op op = isa::op_of(w);
  if (op >= isa::Op::LdI8 && op <= isa::Op::LdF64) return "load";
  if (op >= isa::Op::StI8 && op <= isa::Op::StF64) return "store";
  return "access";
}

}  // namespace

Rv64Vcpu::Rv64Vcpu(const RunOptions& opts)
    : opts_(opts), st_(vm::Limits{}), cx_(opts.process.diag_fd, opts.process.diag_fd) {}

Rv64Vcpu::~Rv64Vcpu() {
  if (proc_) {
    proc_->on_code_change = nullptr;
    proc_->on_fork = nullptr;
  }
}

Result<std::unique_ptr<Rv64Vcpu>> Rv64Vcpu::create(const RunOptions& opts) {
  if (opts.guest_top <= vm::rv64::kGuestMinAddr)
    return fail("rv64: guest address space top 0x{:x} is too small", opts.guest_top);
  std::unique_ptr<Rv64Vcpu> v(new Rv64Vcpu(opts));
  STRATA_TRY(v->load(nullptr));
  return v;
}

Result<void> Rv64Vcpu::load(std::shared_ptr<vm::rv64::ExecHandover> exec) {
  const RunOptions& opts = opts_;
  // A linear memory is whole SVI pages (64 KiB): the guest space ends at the last such page
  // boundary at or below guest_top.
  const uint64_t bytes = (opts.guest_top - kGuestOrigin) & ~(vm::LinearMemory::kPageSize - 1);
  inst_ = STRATA_TRY(make_guest_instance(bytes, kUserGuardBytes));
  mem_ = std::make_unique<GuestMemory>(inst_->memory);
  proc_ = exec ? STRATA_TRY(Process::create(*mem_, std::move(exec)))
               : STRATA_TRY(Process::create(*mem_, opts.process));
  // From here on the guest's page permissions are host protections (guest_memory.hpp): a block
  // that touches a page the guest may not faults, and run() makes that the guest's SIGSEGV.
  if (!mem_->enable_host_protection())
    return fail("rv64: cannot protect the guest's pages in host memory");
  if (opts.jit != JitMode::Off) {
    code_ = STRATA_TRY(CodeCache::create({.name = "strata-rv64"}));
    jit_ = std::make_unique<baseline::BaselineJit>(*code_);
  }
  cache_ = std::make_unique<TranslationCache>(*inst_, jit_.get(), code_.get());
  // The guest memory is mapped once and never grows (guest_memory.hpp); run_block keeps r0 0;
  // units run with unlimited fuel (a stop request zeroes the slice countdown instead). The state
  // page's words are the units' register homes: no helper reads or writes a guest register, and
  // a guest that stores into its own state page through 0x7000..0x7fff (guest_layout.hpp) may
  // have the store seen at once or lost, as before.
  cache_->set_code_promises(
      {.fixed_memory = true, .zero_r0 = true, .unlimited_fuel = true, .register_homes = true});
  if (opts.jit == JitMode::Auto || opts.jit == JitMode::Opt)
    opt_ = STRATA_TRY(OptPromoter::create(*cache_, opts.jit == JitMode::Opt
                                                       ? OptPromoter::Mode::Sync
                                                       : OptPromoter::Mode::Background));
  Rv64Vcpu* self = this;
  proc_->on_code_change = [self](uint64_t addr, uint64_t len) {
    ++self->code_changes_.syscalls;
    self->drop_translations(addr, len);
  };
  st_.host = &cx_;
  // Every helper call finds its instance here; LLVM code calls helpers without setting it
  // (OptRequest::leaf_host_calls), the other tiers set it to this same one.
  cx_.caller = inst_.get();
  st_.host_stack_limit = vm::host_stack_floor();
  // r0 of every block is 0 from here on (see run_block).
  std::fill(st_.stack, st_.stack_end, vm::Value{});
  fetch_ = [self](uint64_t pc, uint16_t* parcel) {
    // GUEST: the pc is guest-controlled; only executable pages are code. A 2-aligned parcel
    // never straddles a page.
    if ((self->mem_->perms_at(pc) & vm::rv64::kPermExec) == 0) return false;
    return self->mem_->read(pc, parcel, 2);
  };
  proc_->before_fork = [self] {
    if (self->opt_) self->opt_->quiesce_for_fork();
  };
  proc_->on_fork = [self](bool child) { return self->after_fork(child); };
  slice_left_ = reinterpret_cast<int64_t*>(mem_->linear().data() + state::kSliceLeft);
  *slice_left_ = kSliceUnits;
  if (opts.jit != JitMode::Off) {
    // Chained exits make the loop's per-unit checks themselves (baseline/chain.hpp): the slice
    // countdown, written code pages, the debugger's hold, and --jit=auto's counting.
    baseline::ChainContext& ctx = cache_->chain().context();
    ctx.slice_left = slice_left_;
    ctx.written = mem_->written_code_word();
    ctx.count_limit = opts.jit == JitMode::Auto ? opt_limit() : 0;
    cache_->enable_indirect_exits(opts.jit == JitMode::Auto);
    cache_->enable_chaining();
    // --jit=auto: LLVM compiles what a unit's baseline code ran (request_opt).
    if (opts.jit == JitMode::Auto) cache_->enable_probes();
  }
  pc_ = mem_->state(state::kPc);
  return {};
}

bool Rv64Vcpu::exec_program(StopReason* end) {
  std::shared_ptr<vm::rv64::ExecHandover> exec = proc_->take_exec();
  // request_stop() may come from another thread while the memory that held the countdown is gone.
  spare_slice_ = 0;
  slice_left_ = &spare_slice_;
  // The old program goes whole: the LLVM worker first (it reads the cache), then every
  // translation and its code, the process, and the memory.
  opt_.reset();
  step_blocks_.clear();
  step_zone_.clear();
  chained_before_exec_ += cache_->chain().context().chained;
  found_before_exec_ += cache_->chain().context().found;
  cache_.reset();
  jit_.reset();
  code_.reset();
  proc_.reset();
  mem_.reset();
  inst_.reset();
  // Breakpoints named addresses of the old program.
  bps_.clear();
  auto loaded = exec ? load(exec) : fail("no program to exec");
  if (loaded) return true;
  // Past Linux's point of no return: the process dies of SIGSEGV, as the kernel kills it.
  note(fmt::format("strata: rv64: execve: {}\n", loaded.error().message));
  *end = signaled(SIGSEGV);
  return false;
}

void Rv64Vcpu::request_stop() {
  stop_.store(true, std::memory_order_relaxed);
  // The guest's own decrements may overwrite this store; then the slice ends within
  // kSliceUnits units or back-edges anyway (kSliceOverdraw more in a loop nest left at an inner
  // header, guest_layout.hpp), and stop_ is seen there.
  std::atomic_ref<int64_t>(*slice_left_).store(0, std::memory_order_relaxed);
}

bool Rv64Vcpu::after_fork(bool child) {
  // The code memory is a MAP_SHARED memfd: parent and child would write their code into the
  // same pages. Both take a private copy before either compiles again (neither writes the
  // shared pages in between).
  if (code_) {
    if (auto r = code_->privatize_after_fork(); !r) {
      note(fmt::format("strata: rv64: fork: {}\n", r.error().message));
      return false;
    }
  }
  // The child has no compile thread (fork copies only the calling thread): it starts its own.
  if (child && opt_) opt_->restart_after_fork();
  // Breakpoints belong to the monitor of the parent (like gdb's detach-on-fork).
  if (child) bps_.clear();
  return true;
}

bool Rv64Vcpu::end_slice(StopReason* end) {
  // Reset before testing stop_ (sequentially consistent): a request_stop between the two is
  // then either seen here or leaves the countdown at 0 for the next unit.
  std::atomic_ref<int64_t>(*slice_left_).store(kSliceUnits, std::memory_order_seq_cst);
  if (stop_.exchange(false, std::memory_order_seq_cst)) {
    *end = StopReason{StopReason::Kind::Stopped, 0, pc_, {}};
    return false;
  }
  if (opts_.jit == JitMode::Auto) {
    const auto now = std::chrono::steady_clock::now();
    const auto took = std::chrono::duration_cast<std::chrono::nanoseconds>(now - slice_began_);
    slice_began_ = now;
    sample_for_opt(pc_, took.count());
  }
  if (proc_->thread_count() > 1) pc_ = proc_->preempt(pc_);
  return true;
}

bool Rv64Vcpu::wait_idle(StopReason* end) {
  constexpr int64_t kPollNs = 50'000'000;  // how soon a stop request is seen while idle
  while (!proc_->wait_runnable(kPollNs)) {
    if (stop_.exchange(false, std::memory_order_seq_cst)) {
      *end = StopReason{StopReason::Kind::Stopped, 0, pc_, {}};
      return false;
    }
  }
  pc_ = mem_->state(state::kPc);
  return true;
}

void Rv64Vcpu::note(const std::string& text) const {
  std::string_view rest = text;
  while (!rest.empty()) {
    const ssize_t n = ::write(opts_.process.diag_fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a closed diag fd loses the note, nothing more
    rest.remove_prefix(static_cast<size_t>(n));
  }
}

void Rv64Vcpu::drop_translations(uint64_t addr, uint64_t len) {
  cache_->invalidate(addr, len);
  // Step blocks are one instruction each and cheap to redo: dropping them all is simplest.
  step_blocks_.clear();
}

void Rv64Vcpu::protect_code(const TranslatedBlock& b) {
  if (b.ranges.empty()) mem_->protect_code(b.start, b.end - b.start);
  for (const auto& [lo, hi] : b.ranges) mem_->protect_code(lo, hi - lo);
}

void Rv64Vcpu::drop_written_code() {
  mem_->take_written_code([&](uint64_t page) {
    ++code_changes_.written_pages;
    ++code_changes_.per_page[page];
    code_changes_.written_units += cache_->invalidate(page, vm::rv64::kPageSize);
  });
  step_blocks_.clear();
}

Result<void> Rv64Vcpu::set_breakpoint(uint64_t addr) {
  STRATA_TRY(check_loaded());
  if (addr & 1) return fail("breakpoint address 0x{:x} is not 2-byte aligned", addr);
  if ((mem_->perms_at(addr) & vm::rv64::kPermExec) == 0)
    return fail("address 0x{:x} is not in executable guest memory", addr);
  bps_.insert(addr);
  return {};
}

Result<StopReason> Rv64Vcpu::run(vm::RunLimit limit) {
  if (ended_) return *ended_;
  if (stop_.exchange(false, std::memory_order_relaxed))
    return StopReason{StopReason::Kind::Stopped, 0, pc_, {}};
  StopReason r;
  for (;;) {
    r = run_program(limit);
    if (!exec_pending_) break;
    // execve: the new program starts in new memory, outside the old one's fault trap.
    exec_pending_ = false;
    if (!exec_program(&r)) break;
  }
  if (r.ended()) {
    ended_ = r;
    if (proc_) proc_->on_code_change = nullptr;
  }
  return r;
}

StopReason Rv64Vcpu::run_program(vm::RunLimit limit) {
  StopReason r;
  if (proc_->idle()) {
    // Stopped while every guest thread waited: wait on.
    if (!wait_idle(&r)) return r;
  }
  // Over the guard too: LLVM code leaves an access that ends there to fault there
  // (make_guest_instance), the guest's SIGSEGV at an address past the top like any other.
  GuestFaultTrap trap(mem_->linear().data(), mem_->linear().size() + mem_->linear().guard(),
                      &GuestMemory::resolve_code_write, mem_.get());
  // A host fault jumps back here; when a guest SIGSEGV handler takes it, the loop goes on from
  // the handler (with a step limit, the steps count again from there).
  for (;;) {
    if (sigsetjmp(trap.jump, 0) == 0) {
      fault_ = &trap;
      // A slice's time counts from here: not the time the REPL waited between two runs.
      slice_began_ = std::chrono::steady_clock::now();
      r = limit.steps == 0 && bps_.empty() ? run_plain() : run_debug(limit.steps);
      break;
    }
    fault_->armed = 0;
    const bool handled = host_fault(trap, &r);
    if (mem_->has_written_code()) drop_written_code();
    if (!handled) break;
  }
  fault_ = nullptr;
  cache_->chain().context().running = nullptr;
  return r;
}

// Baseline compiles a unit at its first execution, Auto once it is hot; both compile again a
// unit whose code the CodeCache evicted (its drop hook cleared jit_entry).
void Rv64Vcpu::maybe_compile(CachedBlock& b) {
  if (opts_.jit == JitMode::Opt && b.opt == CachedBlock::Opt::None) {
    request_opt(b);
    if (b.opt == CachedBlock::Opt::Installed) return;
  }
  if (opts_.jit != JitMode::Auto || ++b.exec_count >= opts_.hot_threshold) cache_->compile(b);
}

// A time slice ended at `pc` (a loop's head when a back-edge ran it out): a sample of where the
// time goes. That unit counts 1/kSamplesToOpt of the opt threshold per sample, so a loop that
// keeps the CPU for that many slices reaches the optimizing tier even if its unit is entered
// only once; a slice that took longer than opt_sample_us / kSamplesToOpt counts as many
// samples as it took such times (at most kMaxSampleWeight), so a loop of slow iterations gets
// there after opt_sample_us of its time. (hash's table loops, 30-60 ns per iteration for its
// cache misses, ran 40 ms each in baseline code before their 2M back-edges.)
void Rv64Vcpu::sample_for_opt(uint64_t pc, int64_t took_ns) {
  CachedBlock* b = cache_->lookup(pc);
  if (b == nullptr || b->opt != CachedBlock::Opt::None) return;
  uint64_t weight = 1;
  if (opts_.opt_sample_us != 0 && took_ns > 0) {
    const uint64_t per_sample_ns =
        std::max<uint64_t>(uint64_t{opts_.opt_sample_us} * 1000 / kSamplesToOpt, 1);
    weight =
        std::clamp<uint64_t>(static_cast<uint64_t>(took_ns) / per_sample_ns, 1, kMaxSampleWeight);
  }
  const uint64_t add = uint64_t{opts_.opt_threshold} / kSamplesToOpt * weight;
  b->opt_count =
      static_cast<uint32_t>(std::min<uint64_t>(uint64_t{b->opt_count} + add, opt_limit()));
  if (b->opt_count >= opt_limit()) request_opt(*b);
}

// One entry of a unit whose loop went round a thousand times weighs as much as a thousand
// entries of a straight one. The count used to add a fixed 1024 per entry of any unit with a
// loop, which sent big regions whose "loop" is a rarely taken branch back (fib's recursion, most
// of coremark_like's) to LLVM after about a thousand entries: 70-150 ms of compile each.
void Rv64Vcpu::count_for_opt(CachedBlock& b, int64_t back_edges) {
  const uint64_t n =
      uint64_t{b.opt_count} + 1 + static_cast<uint64_t>(std::max<int64_t>(back_edges, 0));
  b.opt_count = static_cast<uint32_t>(std::min<uint64_t>(n, opt_limit()));
  if (b.opt_count >= opt_limit()) request_opt(b);
}

// --jit=auto gives LLVM only the blocks of `b` that its baseline code ran (a unit of all of them
// cost 70-150 ms of compile for fib's and coremark_like's regions, mostly paths never taken).
void Rv64Vcpu::request_opt(CachedBlock& b) {
  cache_->prepare_opt(b, fetch_);
  opt_->request(b);
}

// Every count towards LLVM (the loop's, the samples', chained entries') compares against the one
// limit the chained code knows (ChainContext::count_limit), so a unit's own share of work is
// where its count starts.
uint32_t Rv64Vcpu::opt_limit() const {
  return static_cast<uint32_t>(
      std::min<uint64_t>(uint64_t{opts_.opt_threshold} * kOptMaxScale, UINT32_MAX));
}

uint32_t Rv64Vcpu::opt_start(const CachedBlock& b) const {
  const uint64_t scale = std::clamp<uint64_t>(
      b.block.fn.code.size() / std::max<uint64_t>(opts_.opt_words_per_threshold, 1), 1,
      kOptMaxScale);
  return static_cast<uint32_t>(
      opt_limit() - std::min<uint64_t>(opt_limit(), uint64_t{opts_.opt_threshold} * scale));
}

void Rv64Vcpu::start_opt_count(CachedBlock& b) const {
  b.opt_count = opt_start(b);
}

StopReason Rv64Vcpu::run_plain() {
  const bool jitting = opts_.jit != JitMode::Off;
  const bool counting = opts_.jit == JitMode::Auto;
  StopReason end;
  std::atomic_ref<int64_t> slice_left(*slice_left_);
  baseline::ChainContext& chain = cache_->chain().context();
  chain.hold = 0;
  for (;;) {
    const int64_t left = slice_left.load(std::memory_order_relaxed) - 1;
    slice_left.store(left, std::memory_order_relaxed);
    if (left < 0) [[unlikely]] {
      if (!end_slice(&end)) return end;
    }
    if (opt_ != nullptr && opt_->has_done()) [[unlikely]]
      opt_->drain();
    CachedBlock* b = cache_->lookup(pc_);
    if (b == nullptr) [[unlikely]] {
      b = block_at(&end);
      if (b == nullptr) return end;
    }
    if (jitting && b->func.jit_entry == nullptr && !b->compile_failed) [[unlikely]]
      maybe_compile(*b);
    if (chain.missed != nullptr) link_missed(*b);
    if (!execute(*b, &end, counting)) return end;
  }
}

// The last unit left by a chained exit that did not chain: its slot is linked to `to`, the unit
// at the pc it returned, when that is compiled (ChainLinks::link checks). Chained entries of a
// unit that still counts towards the LLVM tier count as the loop would (count_for_opt).
void Rv64Vcpu::link_missed(CachedBlock& to) {
  LinkSlot* slot = cache_->chain().take_missed();
  // The stack holds every unit the loop ran (fits_stack); chained units share its window.
  if (to.func.nregs > st_.stack_len) return;
  // One entry; the back-edges its loops take count for the unit the loop entered (count_for_opt).
  // So a unit with a loop that still counts is entered from the loop, which counts them: its
  // weight makes every chained entry miss (chain.hpp step 4) until its LLVM compile is requested
  // (then a miss relinks it without counting).
  const bool counting = opts_.jit == JitMode::Auto && to.opt == CachedBlock::Opt::None;
  const uint32_t weight = !counting ? 0 : to.block.has_loop ? UINT32_MAX : 1;
  cache_->chain().link(*slot, to, weight);
}

StopReason Rv64Vcpu::run_debug(uint64_t steps) {
  StopReason end;
  uint64_t done = 0;
  // The instruction at the start pc runs even if it has a breakpoint: that is how a `continue`
  // from a breakpoint gets past it. It runs alone, so a block that loops back to its own start
  // cannot skip the breakpoint on the second pass.
  bool first = true;
  step_zone_.clear();
  // Every unit returns here, so breakpoints and steps are checked before each one.
  cache_->chain().context().hold = 1;
  std::atomic_ref<int64_t> slice_left(*slice_left_);
  for (;;) {
    const int64_t left = slice_left.load(std::memory_order_relaxed) - 1;
    slice_left.store(left, std::memory_order_relaxed);
    if (left < 0 && !end_slice(&end)) return end;
    if (steps != 0 && done == steps) return StopReason{StopReason::Kind::Stepped, 0, pc_, {}};
    if (!first && bps_.contains(pc_)) return StopReason{StopReason::Kind::Breakpoint, 0, pc_, {}};
    const bool single = first || steps != 0;
    first = false;
    CachedBlock* b = single ? debug_block_at(true, &end) : unit_towards_breakpoints(&end);
    if (b == nullptr) return end;
    if (!execute(*b, &end)) return end;
    ++done;
  }
}

// A unit may be a region of several guest blocks, reached by its internal branches (loops back
// to its own entry included): any breakpoint in its guest bytes means stepping through it.
bool Rv64Vcpu::has_breakpoint_in(const TranslatedBlock& b) const {
  auto hit = [&](uint64_t lo, uint64_t hi) {
    auto it = bps_.lower_bound(lo);
    return it != bps_.end() && *it < hi;
  };
  if (b.ranges.empty()) return hit(b.start, b.end);
  for (const auto& [lo, hi] : b.ranges)
    if (hit(lo, hi)) return true;
  return false;
}

// The unit to run at pc_ when breakpoints are set: the normal one if no breakpoint lies in its
// guest bytes; otherwise the basic block at pc_ alone (it has no internal loop, so a hot loop
// next to a breakpoint still runs a block at a time), or the single instruction if the breakpoint
// is inside that block. Inside the guest bytes of the last unit that had a breakpoint, no unit
// is translated for the mid-unit pcs that stepping reaches: that would fill the cache with them.
CachedBlock* Rv64Vcpu::unit_towards_breakpoints(StopReason* end) {
  CachedBlock* b = cache_->lookup(pc_);
  bool careful = b == nullptr && in_step_zone(pc_);
  if (!careful) {
    if (b == nullptr && (b = block_at(end)) == nullptr) return nullptr;
    careful = has_breakpoint_in(b->block);
    if (careful)
      step_zone_ = b->block.ranges.empty()
                       ? std::vector<std::pair<uint64_t, uint64_t>>{{b->block.start, b->block.end}}
                       : b->block.ranges;
  }
  if (!careful) {
    if (opts_.jit != JitMode::Off && b->func.jit_entry == nullptr && !b->compile_failed)
      maybe_compile(*b);
    return b;
  }
  b = debug_block_at(false, end);
  if (b != nullptr && has_breakpoint_in(b->block)) b = debug_block_at(true, end);
  return b;
}

bool Rv64Vcpu::in_step_zone(uint64_t pc) const {
  for (const auto& [lo, hi] : step_zone_)
    if (pc >= lo && pc < hi) return true;
  return false;
}

CachedBlock* Rv64Vcpu::block_at(StopReason* end) {
  if (CachedBlock* b = cache_->lookup(pc_)) return b;
  auto b = cache_->translate(pc_, fetch_);
  if (!b) {
    *end = untranslatable(tl::unexpected(b.error()));
    return nullptr;
  }
  protect_code((*b)->block);
  start_opt_count(**b);
  return fits_stack(**b, end) ? *b : nullptr;
}

CachedBlock* Rv64Vcpu::debug_block_at(bool one_insn, StopReason* end) {
  // pc_ is even: the odd key is the basic block, the even one the single instruction.
  const uint64_t key = one_insn ? pc_ : pc_ | 1;
  if (auto it = step_blocks_.find(key); it != step_blocks_.end()) return it->second.get();
  const uint64_t start = pc_;
  uint64_t limit = start + 2;
  const FetchFn one = [&](uint64_t pc, uint16_t* parcel) {
    if (pc >= limit || !fetch_(pc, parcel)) return false;
    if (pc == start) limit = start + static_cast<uint64_t>(isa::rv64::insn_length(*parcel));
    return true;
  };
  auto t = translate_block(start, one_insn ? one : fetch_);
  if (!t) {
    *end = untranslatable(t);
    return nullptr;
  }
  if (step_blocks_.size() >= kMaxStepBlocks) step_blocks_.clear();
  auto owned = std::make_unique<CachedBlock>();
  CachedBlock* b = owned.get();
  b->block = std::move(*t);
  protect_code(b->block);
  init_block_func(b->func, b->block.fn, *inst_, kStepIndexBase + next_step_index_++);
  b->has_ref_regs = std::find(b->block.fn.regs.begin(), b->block.fn.regs.end(),
                              isa::ValType::Ref) != b->block.fn.regs.end();
  step_blocks_.emplace(key, std::move(owned));
  return fits_stack(*b, end) ? b : nullptr;
}

bool Rv64Vcpu::fits_stack(const CachedBlock& b, StopReason* end) {
  if (b.func.nregs <= st_.stack_len || st_.grow_stack(b.func.nregs, nullptr)) return true;
  note(
      fmt::format("strata: rv64: the block at 0x{:x} needs {} registers, more than the VM "
                  "stack holds\n",
                  pc_, b.func.nregs));
  *end = signaled(SIGSEGV);
  return false;
}

StopReason Rv64Vcpu::untranslatable(const Result<TranslatedBlock>& why) {
  uint16_t parcel;
  if (!fetch_(pc_, &parcel)) {
    note(fmt::format("strata: rv64: segmentation fault: instruction fetch at 0x{:x}\n", pc_));
    return signaled(SIGSEGV);
  }
  // The first parcel is fetchable, so the translator itself refused the block: a Strata bug.
  note(fmt::format("strata: rv64: internal error: {}\n",
                   why ? std::string("no block") : why.error().message));
  return signaled(SIGILL);
}

bool Rv64Vcpu::execute(CachedBlock& b, StopReason* end, bool count) {
  ++executed_;
  vm::Value ret{};
  baseline::ChainContext& chain = cache_->chain().context();
  // Chained exits move it on to each unit they enter (the one a fault or trap is in).
  chain.running = &b;
  fault_->armed = 1;
  const int64_t left_before = *slice_left_;
  const uint64_t chained_before = chain.chained;
  const vm::ExecStatus s = run_block(b, &ret);
  fault_->armed = 0;
  // Before an exit is served: that may drop `b`. Every back-edge and chained entry counted the
  // slice down by one; the chained units counted their entries themselves (their slots' weight).
  // A unit without a loop takes no back-edge: those of a run it entered are the chained-into
  // units' (an LLVM loop a caller's unit chained to would otherwise send the caller to LLVM).
  if (count && b.opt == CachedBlock::Opt::None)
    count_for_opt(b, b.block.has_loop ? left_before - *slice_left_ -
                                            static_cast<int64_t>(chain.chained - chained_before)
                                      : 0);
  // A store into a page `b` or another unit was translated from made it writable again and
  // recorded it; `b` has run to its exit on the code it was translated from. That is what
  // RISC-V promises (new code is visible after fence.i) and as much as QEMU gives whenever the
  // store is not into the unit that is running: the next unit is translated from the new bytes.
  if (s == vm::ExecStatus::Returned && (ret.bits & 1) == 0) [[likely]] {
    if (mem_->has_written_code()) [[unlikely]]
      drop_written_code();
    pc_ = ret.bits;
    return true;
  }
  // `b` may be gone after these: syscalls and fence.i drop translations. The kernel side
  // (read() into code, a signal frame) may write code pages too.
  const bool go_on = s == vm::ExecStatus::Returned
                         ? special_exit(ret.bits, end)
                         : trapped(*static_cast<const CachedBlock*>(chain.running), s, end);
  if (mem_->has_written_code()) drop_written_code();
  return go_on;
}

// vm::execute without its per-call zeroing of the frame, which cost more than the block itself.
// Safe because of BlockBuilder's convention: a block writes every register before reading it,
// except r0, which no block writes and which stays 0 from create()'s zeroing (the stack only
// grows, keeping its contents). fits_stack() made the stack hold the block's registers.
vm::ExecStatus Rv64Vcpu::run_block(const CachedBlock& b, vm::Value* ret) {
  if (b.has_ref_regs) [[unlikely]]
    return vm::execute(st_, cx_, &b.func, nullptr, ret, &trap_);
  vm::Frame* fp = st_.frames;
  fp->fn = &b.func;
  fp->base = st_.stack;
  fp->pc = b.func.code;
  if (b.func.jit_entry != nullptr) {
    const auto s = static_cast<vm::ExecStatus>(b.func.jit_entry(&st_, st_.stack, fp));
    if (s == vm::ExecStatus::Returned) [[likely]]
      *ret = st_.jit_retval;
    else if (s == vm::ExecStatus::Trapped)
      trap_ = std::move(st_.jit_trap);
    return s;
  }
  return vm::run_frames(st_, cx_, fp, ret, &trap_);
}

bool Rv64Vcpu::special_exit(uint64_t ret, StopReason* end) {
  const auto reason = static_cast<ExitReason>(mem_->state(state::kExit));
  const uint64_t at = mem_->state(state::kPc);
  pc_ = at;
  switch (reason) {
    case ExitReason::Ecall: {
      const SyscallOutcome o = [&] {
        // The kernel may touch any page (guest_memory.hpp).
        GuestMemory::KernelAccess kernel(*mem_);
        return proc_->syscall();
      }();
      switch (o.kind) {
        case SyscallOutcome::Kind::Continue: pc_ = at + 4; return true;
        case SyscallOutcome::Kind::Redirect:
          // A signal handler was entered, or rt_sigreturn restored a context.
          pc_ = mem_->state(state::kPc);
          return true;
        case SyscallOutcome::Kind::Exit:
          *end = StopReason{StopReason::Kind::Exited, o.status, at, {}};
          return false;
        case SyscallOutcome::Kind::Signal: *end = signaled(o.status); return false;
        case SyscallOutcome::Kind::Idle: return wait_idle(end);
        case SyscallOutcome::Kind::Exec:
          // run() replaces the program once this run's fault trap is gone.
          exec_pending_ = true;
          *end = StopReason{StopReason::Kind::Stopped, 0, at, {}};
          return false;
      }
      break;
    }
    // A special exit stored every register the block changed: the state page is exact here.
    case ExitReason::Ebreak: return raise_fault(SIGTRAP, kTrapBrkpt, at, at, "", end);
    case ExitReason::Illegal:
      return raise_fault(SIGILL, kIllIllopc, at, at,
                         fmt::format("strata: rv64: illegal instruction 0x{:08x} at pc 0x{:x}\n",
                                     static_cast<uint32_t>(mem_->state(state::kExitArg)), at),
                         end);
    case ExitReason::FenceI:
      ++code_changes_.fence_i;
      cache_->invalidate_all();
      step_blocks_.clear();
      pc_ = at + 4;
      return true;
    case ExitReason::None: break;
  }
  note(
      fmt::format("strata: rv64: internal error: a block returned 0x{:x} with exit reason {} "
                  "(pc 0x{:x})\n",
                  ret, static_cast<uint64_t>(reason), at));
  *end = signaled(SIGILL);
  return false;
}

bool Rv64Vcpu::raise_fault(int sig, int code, uint64_t pc, uint64_t addr,
                           const std::string& death_note, StopReason* end) {
  const SyscallOutcome o = proc_->deliver_fault(Process::Fault{sig, code, pc, addr});
  if (o.kind == SyscallOutcome::Kind::Redirect) {
    pc_ = mem_->state(state::kPc);
    return true;
  }
  if (!death_note.empty()) note(death_note);
  *end = signaled(o.status);
  return false;
}

// A block touched a guest page its permissions forbid (unmapped, read-only, PROT_NONE): the
// host fault came back here through the GuestFaultTrap. The address is exact; the pc is the start
// of the unit that was running (pc_ moves on only when a unit returns), since neither tier keeps
// the pc of every access: with breakpoints or stepping units are single instructions, exact.
//
// A guest SIGSEGV handler is entered only when that pc is exact, i.e. the unit is one
// instruction (under the debugger); its state page then holds exactly the registers before
// that instruction. For a longer unit the faulting instruction's pc and registers are unknown,
// so the fault takes the default action (the process dies of SIGSEGV) even with a handler.
//
// A host SIGBUS there is an access to a shared file page past the end of its file: the guest's
// SIGBUS (BUS_ADRERR), as on Linux.
bool Rv64Vcpu::host_fault(const GuestFaultTrap& trap, StopReason* end) {
  const uint64_t addr = trap.fault_offset() + kGuestOrigin;
  baseline::ChainContext& chain = cache_->chain().context();
  const auto* running = static_cast<const CachedBlock*>(chain.running);
  chain.running = nullptr;
  // A chained exit may have moved on from the unit the loop started.
  if (running != nullptr) pc_ = running->block.start;
  const bool bus = trap.fault_signal() == SIGBUS;
  const std::string death =
      fmt::format("strata: rv64: {}: {} at 0x{:x} (in the block at pc 0x{:x})\n",
                  bus ? "bus error (past the end of a mapped file)" : "segmentation fault",
                  trap.fault_was_write() ? "store" : "load", addr, pc_);
  const bool exact = running != nullptr && running->block.guest_insns == 1;
  if (!exact) {
    note(death);
    *end = signaled(bus ? SIGBUS : SIGSEGV);
    return false;
  }
  if (bus) return raise_fault(SIGBUS, kBusAdrerr, pc_, addr, death, end);
  return raise_fault(SIGSEGV, mem_->is_mapped(addr) ? kSegvAccerr : kSegvMaperr, pc_, addr, death,
                     end);
}

// An SVI trap in a block. A bounds trap is the guest's SIGSEGV at an exact pc (guest_pc_of).
// A guest SIGSEGV handler is entered with that pc in its frame, but with the registers of the
// unit's ENTRY (the state page; a unit keeps guest registers in SVI registers and stores them
// only at its exits): right for handlers that siglongjmp or exit, the common case; a handler
// that returns resumes at the faulting pc with the entry registers, which is only right when the
// fault is the unit's first instruction or the instructions before it changed no register the
// rest depends on.
bool Rv64Vcpu::trapped(const CachedBlock& b, vm::ExecStatus s, StopReason* end) {
  if (s == vm::ExecStatus::Trapped && trap_.kind == vm::TrapKind::MemoryOutOfBounds &&
      !trap_.trace.empty() && trap_.trace[0].function == b.func.name &&
      trap_.trace[0].pc < b.block.fn.code.size()) {
    const uint32_t svi_pc = trap_.trace[0].pc;
    const uint64_t guest_pc = guest_pc_of(b.block, svi_pc);
    pc_ = guest_pc;
    const isa::Word w = b.block.fn.code[svi_pc];
    for (const auto& [at, reg] : b.block.mem_addr_regs) {
      if (at != svi_pc || access_kind(w) == "access") continue;
      // The entry frame's registers are the start of the VM stack, for the interpreter and the
      // baseline code alike (both keep registers in the frame window), and a trap leaves them.
      const uint64_t addr = st_.stack[reg].bits + isa::c_of(w) + kGuestOrigin;
      // Outside the linear memory: never a mapped page.
      return raise_fault(SIGSEGV, kSegvMaperr, guest_pc, addr,
                         fmt::format("strata: rv64: segmentation fault: {} at 0x{:x} (pc 0x{:x})\n",
                                     access_kind(w), addr, guest_pc),
                         end);
    }
    // The address is unknown here: si_addr is 0.
    return raise_fault(SIGSEGV, kSegvMaperr, guest_pc, 0,
                       fmt::format("strata: rv64: segmentation fault (pc 0x{:x})\n", guest_pc),
                       end);
  }
  const std::string what =
      s == vm::ExecStatus::Trapped ? vm::format_trap(trap_) : std::string("a helper exited\n");
  note(fmt::format("strata: rv64: internal error in the block at 0x{:x}: {}", b.block.start, what));
  *end = signaled(SIGILL);
  return false;
}

}  // namespace strata::jit::rv64

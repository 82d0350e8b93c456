// Hart creation, reset and the machine's side of the hart (hart.hpp): RAM, the clock, interrupt
// lines, timers and the requests other threads make.
#include <algorithm>
#include <system_error>

#include <fmt/format.h>

#include "jit/rv64/guest_module.hpp"
#include "jit/rv64sys/hart_impl.hpp"

namespace strata::jit::rv64sys {

namespace state = vm::rv64::state;
using namespace vm::rv64sys;

namespace {

// What OpenSBI hands to Linux (sbi_hart.c, delegate_traps): every exception the kernel handles
// itself. With no M-mode code in the guest that is all of them but the ecalls from S and M.
constexpr std::uint64_t kSbiMedeleg = (1u << 0) | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) |
                                      (1u << 5) | (1u << 6) | (1u << 7) | (1u << kCauseEcallU) |
                                      (1u << kCauseFetchPage) | (1u << kCauseLoadPage) |
                                      (1u << kCauseStorePage);
constexpr std::uint64_t kSbiMideleg = kSsip | kStip | kSeip;

}  // namespace

Hart::Impl::Impl(const HartOptions& o, HartHost& h)
    : opts(o), host(h), csrs(o.hartid), st(vm::Limits{}), cx(2, 2) {}

Hart::Impl::~Impl() = default;

void Hart::Impl::wake() {
  {
    std::lock_guard lock(wake_mu);
    ++wake_seq;
  }
  wake_cv.notify_all();
}

std::uint64_t Hart::Impl::time() {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now() - created)
                      .count();
  return static_cast<std::uint64_t>(ns) / 100;  // 10 MHz
}

Hart::Hart(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  impl_->self = this;
}
Hart::~Hart() = default;

Result<std::unique_ptr<Hart>> Hart::create(const HartOptions& opts, HartHost& host) {
  if (opts.ram_size == 0 || opts.ram_size % 0x1000 != 0)
    return fail("rv64sys: RAM size 0x{:x} is not a positive multiple of 4 KiB", opts.ram_size);
  if (opts.ram_base % 0x1000 != 0 || opts.ram_base + opts.ram_size < opts.ram_base)
    return fail("rv64sys: RAM at 0x{:x} (+0x{:x}) is not a page-aligned physical range",
                opts.ram_base, opts.ram_size);
  auto impl = std::make_unique<Impl>(opts, host);
  Impl& m = *impl;
  // A linear memory is whole SVI pages.
  const std::uint64_t page = vm::LinearMemory::kPageSize;
  const std::uint64_t bytes = (kRamLinear + opts.ram_size + page - 1) / page * page;
  m.inst = STRATA_TRY(rv64::make_guest_instance(bytes, 0, opts.ram_huge_pages));
  m.linear = m.inst->memory.data();
  m.tlb = std::make_unique<SoftTlb>(std::span<std::uint8_t>(m.linear + kTlbLinear, SoftTlb::kBytes),
                                    RamWindow{opts.ram_base, opts.ram_size, kRamLinear});
  if (opts.jit != JitMode::Off) {
    m.code = STRATA_TRY(CodeCache::create({.name = "strata-rv64sys"}));
    m.jit = std::make_unique<baseline::BaselineJit>(*m.code);
  }
  m.cache = std::make_unique<SysCodeCache>(*m.inst, m.jit.get(), m.code.get(),
                                           RamWindow{opts.ram_base, opts.ram_size, kRamLinear});
  // The linear memory is never grown (m.linear stays its address for the hart's life) and
  // r0 is zeroed below and never written by a unit's caller; units run with unlimited fuel (the
  // hart's stop flag and slice countdown end a run); the helpers units call (jit/rv64/helpers_*)
  // are leaves, with cx.caller set below and the hart's SysMemory always there. The guest's
  // registers in the state page are the units' register homes: a unit loads them at its start
  // and stores them at its exits, no helper reads or writes them, and the slice countdown that
  // other threads cut (cut_slice) may as well be seen at once.
  m.cache->set_code_promises(kHartUnitPromises);
  m.slice_left = reinterpret_cast<std::int64_t*>(m.linear + state::kSliceLeft);
  *m.slice_left = Impl::kSliceUnits;
  if (opts.jit != JitMode::Off && opts.chaining) {
    // A chained exit makes the loop's checks before a unit itself (baseline/chain.hpp): the
    // slice, a takeable interrupt's mip & mie, pages to drop; and --jit=auto's count.
    baseline::ChainContext& ctx = m.cache->chain_context();
    ctx.epochs = true;
    ctx.slice_left = m.slice_left;
    ctx.written = &m.deferred_flag;
    ctx.irq_pending = m.csrs.mip_word();
    ctx.irq_enabled = &m.csrs.mie;
    ctx.count_limit = opts.jit == JitMode::Auto ? opts.opt_threshold : 0;
    m.cache->enable_chaining();
  }
  // LLVM code calls the Sys* helpers straight (OptRequest::leaf_host_calls) with st.host, the
  // same HostContext and user_data as the other tiers; the linear memory never moves.
  if (opts.jit == JitMode::Auto || opts.jit == JitMode::Opt)
    m.opt = STRATA_TRY(rv64::OptPromoter::create(
        *m.cache, opts.jit == JitMode::Opt ? rv64::OptPromoter::Mode::Sync
                                           : rv64::OptPromoter::Mode::Background));
  if (opts.jit == JitMode::Auto && opts.background_compiles) {
    // A host that refuses the thread leaves the compiles on the hart's thread: slower, not wrong.
    try {
      m.compiler = std::make_unique<BaselineWorker>(m.cache->code_promises(), m.code.get());
    } catch (const std::system_error&) {  // m.compiler stays null
    }
  }
  m.st.host = &m.cx;
  m.cx.caller = m.inst.get();
  // The Sys* helpers find the slow path here (sys_memory.hpp): exactly a SysMemory*.
  m.cx.user_data_ptr = static_cast<rv64::SysMemory*>(&m);
  m.st.host_stack_limit = vm::host_stack_floor();
  // r0 of every unit is 0 from here on (see run_block).
  std::fill(m.st.stack, m.st.stack_end, vm::Value{});
  if (opts.sbi) {
    m.csrs.medeleg = kSbiMedeleg;
    m.csrs.mideleg = kSbiMideleg;
    m.csrs.mcounteren = 7;
    m.priv = Priv::Supervisor;
  }
  return std::unique_ptr<Hart>(new Hart(std::move(impl)));
}

std::uint8_t* Hart::ram() {
  return impl_->linear + kRamLinear;
}
std::uint64_t Hart::ram_size() const {
  return impl_->opts.ram_size;
}

void Hart::ram_written(std::uint64_t pa, std::uint64_t len) {
  // Any thread, even a device called from inside a running unit: the hart drops the
  // translations between units, never under the one that runs.
  {
    std::lock_guard lock(impl_->ram_mu);
    impl_->ram_writes.emplace_back(pa, len);
  }
  impl_->ram_dirty.store(true, std::memory_order_release);
  // A chain of units would run on past the loop, which drains the writes.
  impl_->cut_slice();
}

void Hart::reset(std::uint64_t pc, Priv priv, std::uint64_t a1) {
  Impl& m = *impl_;
  m.pc = pc;
  m.priv = priv;
  m.set_x(10, m.opts.hartid);
  m.set_x(11, a1);
  m.word(state::kResValid) = 0;
  m.word(state::kExit) = 0;
  m.tlb->flush_all();
  m.ended.reset();
}

std::uint64_t Hart::xreg(unsigned i) const {
  return i < 32 ? impl_->x(i) : 0;
}
void Hart::set_xreg(unsigned i, std::uint64_t v) {
  if (i < 32) impl_->set_x(i, v);
}
rv64::SysMemory& Hart::memory_slow_path() {
  return *impl_;
}
std::uint64_t Hart::state_word(std::uint32_t offset) const {
  return offset + 8 <= vm::rv64::kStatePageSize ? impl_->word(offset) : 0;
}
CsrFile& Hart::csrs() {
  return impl_->csrs;
}
Priv Hart::priv() const {
  return impl_->priv;
}
std::uint64_t Hart::time() const {
  return impl_->time();
}

void Hart::set_irq(std::uint64_t mip_bit, bool level) {
  Impl& m = *impl_;
  m.irq_driven.fetch_or(mip_bit, std::memory_order_relaxed);
  if (level) {
    m.irq_levels.fetch_or(mip_bit, std::memory_order_release);
  } else {
    m.irq_levels.fetch_and(~mip_bit, std::memory_order_release);
  }
  // The running unit leaves at its next back-edge or exit; the loop then looks at the lines.
  m.cut_slice();
  m.wake();
}

void Hart::set_timer(std::uint64_t mip_bit, std::uint64_t deadline) {
  Impl& m = *impl_;
  // Only the two timer interrupts have deadlines; any other bit is a machine bug, ignored.
  if (mip_bit == kMtip) {
    m.mtimer.store(deadline, std::memory_order_release);
  } else if (mip_bit == kStip) {
    m.stimer.store(deadline, std::memory_order_release);
  } else {
    return;
  }
  m.irq_driven.fetch_or(mip_bit, std::memory_order_relaxed);
  m.cut_slice();
  m.wake();
}

void Hart::request_exit(int code) {
  Impl& m = *impl_;
  m.exit_code.store(code, std::memory_order_relaxed);
  m.exit_requested.store(true, std::memory_order_release);
  m.cut_slice();
  m.wake();
}

void Hart::request_stop() {
  Impl& m = *impl_;
  m.stop.store(true, std::memory_order_release);
  m.cut_slice();
  m.wake();
}

void Hart::Impl::sync_interrupts() {
  const std::uint64_t driven = irq_driven.load(std::memory_order_acquire);
  if (driven == 0) return;
  std::uint64_t levels = irq_levels.load(std::memory_order_acquire);
  const std::uint64_t now = time();
  // A timer's bit is its deadline's level: a new deadline clears it until then.
  const auto timer = [&](std::uint64_t bit, const std::atomic<std::uint64_t>& deadline) {
    if ((driven & bit) == 0) return;
    const std::uint64_t d = deadline.load(std::memory_order_acquire);
    levels = (d != ~0ull && now >= d) ? (levels | bit) : (levels & ~bit);
  };
  timer(kMtip, mtimer);
  timer(kStip, stimer);
  csrs.set_pending(driven & levels, true);
  csrs.set_pending(driven & ~levels, false);
}

std::string_view priv_name(Priv p) {
  switch (p) {
    case Priv::User: return "U";
    case Priv::Supervisor: return "S";
    case Priv::Machine: return "M";
  }
  return "?";
}

std::string_view cause_name(std::uint64_t cause) {
  if ((cause & kInterruptBit) != 0) {
    switch (cause & ~kInterruptBit) {
      case 1: return "supervisor software interrupt";
      case 3: return "machine software interrupt";
      case 5: return "supervisor timer interrupt";
      case 7: return "machine timer interrupt";
      case 9: return "supervisor external interrupt";
      case 11: return "machine external interrupt";
      default: return "unknown interrupt";
    }
  }
  switch (cause) {
    case 0: return "instruction address misaligned";
    case 1: return "instruction access fault";
    case 2: return "illegal instruction";
    case 3: return "breakpoint";
    case 4: return "load address misaligned";
    case 5: return "load access fault";
    case 6: return "store/AMO address misaligned";
    case 7: return "store/AMO access fault";
    case 8: return "environment call from U-mode";
    case 9: return "environment call from S-mode";
    case 11: return "environment call from M-mode";
    case 12: return "instruction page fault";
    case 13: return "load page fault";
    case 15: return "store/AMO page fault";
    default: return "unknown exception";
  }
}

}  // namespace strata::jit::rv64sys

// The inside of a Hart (hart.hpp), shared by the files that implement it, one job each:
//   hart.cpp          creation, reset, the machine's side (time, interrupt lines, timers)
//   hart_loop.cpp     run(): units looked up or translated, executed, slices, debugging
//   hart_exits.cpp    the special exits and trap entry: xRET, WFI, CSR instructions, SFENCE.VMA
//   hart_memory.cpp   the memory slow path (SysMemory) and the page walker's PTE access
//   hart_fetch.cpp    instruction fetch: the pc's physical address, the translator's parcels
//   hart_inspect.cpp  vm::Vcpu inspection (registers, memory, disassembly, stats)
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "jit/rv64/opt_promoter.hpp"
#include "jit/rv64/sys_memory.hpp"
#include "jit/rv64/translator.hpp"
#include "jit/rv64sys/baseline_worker.hpp"
#include "jit/rv64sys/hart.hpp"
#include "jit/rv64sys/sys_code_cache.hpp"
#include "vm/host_context.hpp"
#include "vm/instance.hpp"
#include "vm/interp.hpp"
#include "vm/rv64/guest_layout.hpp"
#include "vm/rv64sys/csr_file.hpp"
#include "vm/rv64sys/page_walk.hpp"
#include "vm/rv64sys/soft_tlb.hpp"
#include "vm/rv64sys/sys_layout.hpp"
#include "vm/rv64sys/traps.hpp"

namespace strata::jit::rv64sys {

using vm::rv64sys::Access;
using vm::rv64sys::MmuIndex;
using vm::rv64sys::Priv;

struct HartStats {
  std::array<std::uint64_t, 32> exits{};         // special exits by reason (sys_layout.hpp)
  std::map<std::uint64_t, std::uint64_t> traps;  // exceptions taken, by cause
  std::map<std::uint64_t, std::uint64_t> interrupts;
  std::uint64_t run_cpu_ns = 0;  // CPU time of the threads in Hart::run (compile threads apart)
  // Of that, the host kernel's (getrusage): mostly zeroing guest RAM and code memory at their
  // first touch, which varies from run to run with the host's free memory.
  std::uint64_t run_system_ns = 0;
  std::uint64_t units_run = 0;
  std::uint64_t units_interpreted = 0;  // of units_run: no compiled code (not hot yet, --jit off)
  std::uint64_t slow_accesses = 0;      // SysMemory calls (inline TLB misses and the like)
  std::uint64_t walks = 0;
  std::uint64_t tlb_flushes = 0;
  std::uint64_t code_writes = 0;  // stores into pages with translations
  std::uint64_t mmio = 0;
  std::uint64_t sbi_calls = 0;
  std::uint64_t wfi_sleeps = 0;
  std::uint64_t cross_page_insns = 0;  // instructions straddling a page end, translated
};

struct Hart::Impl final : rv64::SysMemory, vm::rv64sys::CsrHost, vm::rv64sys::PhysAccess {
  static constexpr std::int64_t kSliceUnits = 10000;
  static constexpr std::uint64_t kNoPage = ~0ull;
  // The physical page numbers a unit's guest bytes come from: one, or two for an instruction
  // crossing a page end; none (kNoPage) for a private unit.
  struct CodePages {
    std::uint64_t first = kNoPage, second = kNoPage;
    bool holds(std::uint64_t page) const { return page == first || page == second; }
  };
  // Longest WFI sleep between HartHost::tick() calls.
  static constexpr std::chrono::milliseconds kMaxSleep{20};

  Impl(const HartOptions& o, HartHost& h);
  ~Impl();

  // ---- state page ----
  std::uint64_t& word(std::uint32_t offset) {
    return *reinterpret_cast<std::uint64_t*>(linear + offset);
  }
  std::uint64_t word(std::uint32_t offset) const {
    return *reinterpret_cast<const std::uint64_t*>(linear + offset);
  }
  std::uint64_t x(unsigned i) const { return i == 0 ? 0 : word(vm::rv64::x_offset(i)); }
  void set_x(unsigned i, std::uint64_t v) {
    if (i != 0) word(vm::rv64::x_offset(i)) = v;
  }

  // ---- RAM ----
  bool in_ram(std::uint64_t pa, std::uint64_t len) const {
    return pa >= opts.ram_base && pa - opts.ram_base <= opts.ram_size &&
           opts.ram_size - (pa - opts.ram_base) >= len;
  }
  std::uint8_t* ram_at(std::uint64_t pa) {
    return linear + vm::rv64sys::kRamLinear + (pa - opts.ram_base);
  }

  // ---- address translation (hart_memory.cpp) ----
  static MmuIndex index_for(Priv p, bool sum);
  // The MMU index of the current mode's loads and stores (MPRV applied) and of its fetches.
  MmuIndex data_index() const;
  MmuIndex fetch_index() const;
  vm::rv64sys::WalkContext walk_context(Priv p) const;
  // A data access's physical address; false when it faults (the trap is in the state page).
  bool translate_data(std::uint64_t va, Access a, std::uint64_t pc, std::uint64_t* pa);
  // Moves `size` bytes between `buf` and virtual `va` (RAM or a device, one or two pages).
  bool data_access(std::uint64_t va, unsigned size, Access a, std::uint64_t pc, std::uint8_t* buf);
  // Writes the exception into the state page for the running unit to leave through.
  void raise(std::uint64_t cause, std::uint64_t tval, std::uint64_t pc);
  // A store changed RAM at physical `pa`: drops that page's translations if it has any.
  void stored(std::uint64_t pa, std::uint64_t pc);

  // ---- SysMemory ----
  std::uint64_t sys_load(std::uint64_t va, unsigned size, bool sign, std::uint64_t pc) override;
  void sys_store(std::uint64_t va, std::uint64_t value, unsigned size, std::uint64_t pc) override;
  std::uint64_t sys_amo(std::uint64_t va, std::uint64_t value, unsigned size, rv64::AmoOp op,
                        std::uint64_t pc) override;
  std::uint64_t sys_lr(std::uint64_t va, unsigned size, std::uint64_t pc) override;
  std::uint64_t sys_sc(std::uint64_t va, std::uint64_t value, unsigned size,
                       std::uint64_t pc) override;
  // (hart_exits.cpp)
  std::uint64_t sys_csr(std::uint32_t bits, std::uint64_t rs1_value, std::uint64_t pc,
                        std::uint64_t instret) override;
  void sys_sfence(std::uint32_t bits, std::uint64_t rs1_value, std::uint64_t pc) override;

  // ---- PhysAccess (page-table walks) ----
  bool read_pte(std::uint64_t pa, std::uint64_t* value) override;
  bool cas_pte(std::uint64_t pa, std::uint64_t expected, std::uint64_t desired) override;

  // ---- CsrHost ----
  std::uint64_t time() override;
  std::uint64_t instret() override { return word(vm::rv64::state::kInstret); }
  std::uint32_t fcsr() override {
    return static_cast<std::uint32_t>(word(vm::rv64::state::kFcsr) & 0xff);
  }
  void set_fcsr(std::uint32_t v) override { word(vm::rv64::state::kFcsr) = v & 0xff; }

  // The physical RAM address of `va` as the current privilege sees it, walked without A/D
  // updates (the debugger's view, hart_inspect.cpp).
  Result<std::uint64_t> debug_translate(std::uint64_t va, std::uint64_t len);

  // ---- fetch (hart_fetch.cpp) ----
  // The physical address of the instruction parcel at `va`; false with the exception's cause.
  // `page_size`, when asked for: the size of the page the translation came from.
  bool fetch_translate(std::uint64_t va, std::uint64_t* pa, std::uint64_t* cause,
                       std::uint64_t* page_size = nullptr);
  // The translator's parcels of the unit entered at `pc` (physical `pa`): its page only.
  rv64::FetchFn page_fetch(std::uint64_t pc, std::uint64_t pa);
  // Translates the unit at (pc, pa) for the current data MMU index.
  Result<rv64::TranslatedBlock> translate_at(std::uint64_t pc, const rv64::FetchFn& fetch,
                                             const rv64::RegionLimits& limits);

  // ---- the loop (hart_loop.cpp) ----
  vm::StopReason run_plain();
  vm::StopReason run_debug(std::uint64_t steps);
  // Takes a pending, enabled interrupt. False with *end set when the hart cannot go on.
  bool take_interrupt(vm::StopReason* end);
  // What the loop does next after looking for the unit at pc.
  enum class Pick { Run, Again, Stop };
  // The unit at pc: cached or translated (*pages: where its guest bytes are), or a private one
  // held by *scratch (a single instruction when `one_insn`; *pages empty). Again: a fetch
  // fault was taken, pc is the handler's. Stop: *end says why the hart cannot go on.
  Pick pick_unit(bool one_insn, rv64::CachedBlock** unit,
                 std::unique_ptr<rv64::CachedBlock>* scratch, CodePages* pages,
                 vm::StopReason* end);
  // The cached unit of the instruction at pc whose second half is on the next virtual page.
  Pick pick_cross_page(std::uint64_t pa, std::uint16_t lo, rv64::CachedBlock** unit,
                       CodePages* pages, vm::StopReason* end);
  std::unique_ptr<rv64::CachedBlock> make_scratch(rv64::TranslatedBlock t);
  bool has_breakpoint_in(const rv64::TranslatedBlock& b) const;
  void maybe_compile(rv64::CachedBlock& b);
  // Installs the background compiles that finished (BaselineWorker).
  void take_compiles();
  // An interpreted unit took `back_edges` loop back-edges: they count towards its compilation.
  void count_back_edges(rv64::CachedBlock& b, std::int64_t back_edges);
  // --jit=auto: entries and back-edges count towards the optimizing tier (hart_loop.cpp).
  void count_for_opt(rv64::CachedBlock& b, std::uint64_t entries, std::int64_t back_edges);
  bool fits_stack(const rv64::CachedBlock& b, vm::StopReason* end);
  // Runs `b` (and the units its chained exits enter); `last` (may be null) gets the unit that
  // ran last if it is a cached one, else null.
  bool execute(rv64::CachedBlock& b, CodePages pages, vm::StopReason* end,
               rv64::CachedBlock** last);
  std::uint32_t chain_weight(const rv64::CachedBlock& to) const;
  vm::ExecStatus run_block(const rv64::CachedBlock& b, vm::Value* ret);
  bool end_slice(vm::StopReason* end);
  // Timer deadlines and device lines into mip.
  void sync_interrupts();
  void drain_ram_written();
  void drop_deferred();

  // ---- exits and traps (hart_exits.cpp) ----
  bool special_exit(vm::StopReason* end);
  // Takes trap `cause` (kInterruptBit for interrupts) at `epc`; false with *end set when it
  // would go to M-mode and there is no M-mode code (HartOptions::sbi), or it repeats forever.
  bool enter_trap(std::uint64_t cause, std::uint64_t tval, std::uint64_t epc, vm::StopReason* end);
  // The hart enters privilege `to` (a trap or an xRET): ends the link epoch when M-mode is either
  // side.
  void privilege_changes(Priv to);
  // SysExit::Done at `at`: the unit leaves after the instruction there.
  void leave_after(std::uint64_t at);
  // Sleeps in WFI until an interrupt is pending or a stop/exit is requested.
  void wait_for_interrupt();
  vm::StopReason fault_stop(const std::string& what) const;

  // ---- configuration and engines ----
  HartOptions opts;
  HartHost& host;
  Hart* self = nullptr;  // for HartHost::sbi_call
  std::unique_ptr<vm::Instance> inst;
  std::uint8_t* linear = nullptr;
  std::unique_ptr<vm::rv64sys::SoftTlb> tlb;
  vm::rv64sys::CsrFile csrs;
  std::unique_ptr<CodeCache> code;
  std::unique_ptr<baseline::BaselineJit> jit;
  std::unique_ptr<SysCodeCache> cache;     // after jit and code: destroyed first
  std::unique_ptr<rv64::OptPromoter> opt;  // Auto and Opt; before the cache is destroyed
  // Auto with background_compiles; destroyed (joined) before the cache.
  std::unique_ptr<BaselineWorker> compiler;
  vm::ExecState st;
  vm::HostContext cx;
  vm::Trap trap;
  std::int64_t* slice_left = nullptr;
  // Ends the time slice: the running unit, and any chain of units, leaves at its next back-edge
  // or exit and the loop looks at what changed. Any thread.
  void cut_slice() {
    std::atomic_ref<std::int64_t>(*slice_left).store(0, std::memory_order_relaxed);
  }

  // ---- architectural state outside the state page ----
  std::uint64_t pc = 0;
  Priv priv = Priv::Machine;

  // ---- code changes ----
  CodePages running;                          // physical pages of the unit the loop ran
  std::vector<std::uint64_t> deferred_pages;  // its page was written: dropped once it returns
  std::size_t deferred_flag = 0;              // deferred_pages is not empty (for chained code)
  // The pages of the unit running now: the one the loop ran, or the last a chained exit entered.
  CodePages running_pages() const {
    if (const void* u = cache->chain_context().running) {
      const auto* b = static_cast<const rv64::CachedBlock*>(u);
      return CodePages{b->code_pages[0], b->code_pages[1]};
    }
    return running;
  }
  void defer_drop(std::uint64_t page) {
    deferred_pages.push_back(page);
    deferred_flag = 1;
  }
  bool just_trapped = false;  // no instruction ran since the last trap entry
  std::uint32_t next_scratch_index = 0;
  std::uint64_t last_trap_cause = 0, last_trap_tval = 0;

  // ---- other threads ----
  const std::chrono::steady_clock::time_point created = std::chrono::steady_clock::now();
  std::atomic<std::uint64_t> irq_levels{0};  // set_irq lines
  std::atomic<std::uint64_t> irq_driven{0};  // mip bits set_irq or a timer ever drove
  std::atomic<std::uint64_t> mtimer{~0ull}, stimer{~0ull};
  std::atomic<bool> stop{false};
  std::atomic<bool> exit_requested{false};
  std::atomic<int> exit_code{0};
  std::mutex wake_mu;
  std::condition_variable wake_cv;
  std::uint64_t wake_seq = 0;  // under wake_mu: bumped by every event that may end a WFI
  std::atomic<bool> ram_dirty{false};
  std::mutex ram_mu;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ram_writes;  // under ram_mu
  void wake();

  // ---- debugging ----
  std::set<std::uint64_t> bps;
  std::optional<vm::StopReason> ended;

  HartStats stats;
};

// "illegal instruction", "load page fault"... for fault messages and stats.
std::string_view cause_name(std::uint64_t cause);
std::string_view priv_name(Priv p);

}  // namespace strata::jit::rv64sys

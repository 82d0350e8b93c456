// Rv64Vcpu: an RV64 Linux user-mode process as a vm::Vcpu (vm/vcpu.hpp). It owns the guest (its
// SVI instance and memory, the Process personality, the translation and code caches) and the
// CPU loop that run_rv64 (runner.hpp) and the monitor (REPL, gdb stub) both drive.
//
// THE LOOP. The pc is looked up in the TranslationCache, translated on a miss, and the block is
// run by the interpreter or its baseline-compiled code (JitMode). A block returns the next pc
// (even) or a special exit (odd; guest_layout.hpp) that the loop serves: syscalls through
// Process, ebreak and illegal instructions as the guest's SIGTRAP/SIGILL, fence.i by dropping
// every translation. Guest-writable pages that units are translated from are host read-only
// (GuestMemory::protect_code): a store into one is let through by the fault handler and recorded,
// and the loop drops that page's translations when the running unit returns. Guest faults end the
// guest, never the host: an access outside its space is an SVI MemoryOutOfBounds trap that becomes
// the guest's SIGSEGV, named on the diag fd as
//   strata: rv64: segmentation fault: load at 0x0 (pc 0x10232)
// unless the guest has a handler for the signal (Process::deliver_fault builds its frame and the
// loop goes on at the handler; see trapped() and host_fault() for which registers and pc the
// frame then holds). A syscall that enters a handler or returns from one (rt_sigreturn) says
// Redirect, and the loop continues at the state page's pc.
//
// CHAINING (chain_links.hpp). A baseline unit's exit to a constant pc jumps straight into the
// linked unit's code when the checks the loop would make allow it (the slice countdown, written
// code pages, the debugger's hold, --jit=auto's counting: baseline/chain.hpp); otherwise it
// returns and reports its link slot, which the loop links once the unit at that pc is compiled.
// The running unit (for fault reports) is then the chain context's `running`, not the one the
// loop started; blocks_executed() counts the loop's entries, chained_jumps() the others.
//
// TIME SLICES. The loop counts units down in state::kSliceLeft, which the units' loop back-edges
// count down too (guest_layout.hpp); when it runs out the slice ends: a stop request is served,
// or the next runnable guest thread (Process: green threads on this host thread) takes over.
// request_stop() zeroes the countdown, so it stops a guest spinning inside one unit as well.
// When every guest thread waits (on a futex, or parked in a syscall that would block the host:
// SyscallOutcome::Kind::Idle) the loop sleeps until one can run again (an fd ready, a child
// exited, a timeout) or a stop request, as a deadlocked Linux process waits forever (still
// killable).
//
// DEBUGGING wraps the loop and adds nothing to it but one test of the stop flag per block: a
// run without breakpoints and without a step count is the plain loop. Otherwise each block is
// checked before it runs: a breakpoint at its start stops the run; a breakpoint anywhere in its
// guest bytes (a unit may be a region of several blocks with internal loops) makes the loop run
// the basic block at the pc alone instead, or, when the breakpoint is inside that block, its
// first instruction alone; a step count runs single instructions. Single instructions are
// translated with a fetch that refuses every parcel past the first one (the translator ends a
// block where fetch fails). These debug units run interpreted and are kept in a small cache of
// their own, so the normal cache only holds what a run without a debugger would.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "jit/rv64/opt_promoter.hpp"
#include "jit/rv64/runner.hpp"
#include "jit/rv64/translation_cache.hpp"
#include "vm/host_context.hpp"
#include "vm/instance.hpp"
#include "vm/interp.hpp"
#include "vm/rv64/guest_memory.hpp"
#include "vm/rv64/process.hpp"
#include "vm/vcpu.hpp"

namespace strata::jit::rv64 {

class GuestFaultTrap;

class Rv64Vcpu final : public vm::Vcpu {
 public:
  // Loads the program of `opts.process`, stopped at its entry. Errors as run_rv64's.
  static Result<std::unique_ptr<Rv64Vcpu>> create(const RunOptions& opts);
  ~Rv64Vcpu() override;

  std::string_view arch() const override { return "riscv64"; }
  std::vector<vm::RegInfo> registers() const override;
  Result<uint64_t> read_reg(std::string_view name) const override;
  Result<void> write_reg(std::string_view name, uint64_t value) override;
  Result<void> read_memory(uint64_t addr, std::span<uint8_t> out) const override;
  Result<void> write_memory(uint64_t addr, std::span<const uint8_t> in) override;
  uint64_t pc() const override { return pc_; }

  Result<vm::StopReason> run(vm::RunLimit limit) override;
  void request_stop() override;

  Result<void> set_breakpoint(uint64_t addr) override;
  bool clear_breakpoint(uint64_t addr) override { return bps_.erase(addr) != 0; }

  Result<vm::GuestInsn> disassemble(uint64_t addr) const override;
  std::string stats() const override;
  Result<std::string> describe_code(uint64_t addr) override;

  // Units the loop entered (run_block calls); units entered by chained exits are not in it.
  uint64_t blocks_executed() const { return executed_; }
  // Units entered by a chained exit, straight from another unit's code.
  uint64_t chained_jumps() const {
    return chained_before_exec_ + (cache_ ? cache_->chain().context().chained : 0);
  }
  // The chained jumps of indirect exits (a return, a jump to a register) that found their unit.
  uint64_t found_jumps() const {
    return found_before_exec_ + (cache_ ? cache_->chain().context().found : 0);
  }
  // Units run per time slice (state::kSliceLeft's start value).
  static constexpr int64_t kSliceUnits = 20000;
  const vm::rv64::Process& process() const { return *proc_; }

 private:
  explicit Rv64Vcpu(const RunOptions& opts);
  // Creates the guest memory, the Process (opts_.process's program, or what an execve handed
  // over), the caches and tiers.
  Result<void> load(std::shared_ptr<vm::rv64::ExecHandover> exec);
  // execve: drops the whole old program (memory, translations, compiled code, the LLVM worker)
  // and loads the new one. False with *end set when it cannot start (the process dies of
  // SIGSEGV, as Linux kills a process past exec's point of no return).
  bool exec_program(vm::StopReason* end);
  // An error once a failed exec left no program (the inspection calls refuse then).
  Result<void> check_loaded() const;
  // One run() of the current program, until it stops, ends or execs (exec_pending_).
  vm::StopReason run_program(vm::RunLimit limit);

  vm::StopReason run_plain();
  vm::StopReason run_debug(uint64_t steps);
  // The normal block at pc_ (translated on a miss), or null with *end set.
  CachedBlock* block_at(vm::StopReason* end);
  void maybe_compile(CachedBlock& b);
  // --jit=auto: counts an execution of `b` that took `back_edges` loop back-edges (those of the
  // units it chained into included) towards the optimizing tier and requests it when hot.
  void count_for_opt(CachedBlock& b, int64_t back_edges);
  // Requests `b` from the LLVM tier, retranslated with only the blocks that ran if its probes
  // say some did not (TranslationCache::prepare_opt).
  void request_opt(CachedBlock& b);
  // --jit=auto: the count at which a unit goes to LLVM, and where a new unit's count starts
  // (the bigger the unit, the lower: its compile costs more).
  uint32_t opt_limit() const;
  uint32_t opt_start(const CachedBlock& b) const;
  void start_opt_count(CachedBlock& b) const;
  // describe_code's line on the optimizing tier.
  std::string describe_opt(const CachedBlock& b) const;
  // --jit=auto: a time slice that took `took_ns` ended at `pc` (state::kSliceLeft): counts it
  // for the LLVM tier.
  void sample_for_opt(uint64_t pc, int64_t took_ns);
  bool has_breakpoint_in(const TranslatedBlock& b) const;
  bool in_step_zone(uint64_t pc) const;
  CachedBlock* unit_towards_breakpoints(vm::StopReason* end);
  // The one instruction, or the one basic block, at pc_ (translated apart from the normal
  // cache, interpreted), or null with *end set.
  CachedBlock* debug_block_at(bool one_insn, vm::StopReason* end);
  // Why the block at pc_ cannot be translated (the guest's SIGSEGV or SIGILL, with a note).
  vm::StopReason untranslatable(const Result<TranslatedBlock>& why);
  bool fits_stack(const CachedBlock& b, vm::StopReason* end);
  // Links the chain slot the last unit reported (a chained exit that returned) to `to`.
  void link_missed(CachedBlock& to);
  // Runs `b` and moves pc_ on. False when the guest ended (*end says how). `count`: the
  // execution counts towards the optimizing tier (--jit=auto, not under the debugger).
  bool execute(CachedBlock& b, vm::StopReason* end, bool count = false);
  vm::ExecStatus run_block(const CachedBlock& b, vm::Value* ret);
  bool special_exit(uint64_t ret, vm::StopReason* end);
  // The slice ran out: false with *end set when a stop was requested; else the next guest thread
  // (maybe the same) runs from pc_.
  bool end_slice(vm::StopReason* end);
  // No guest thread can run: sleeps until one can (true, pc_ = its pc) or a stop is requested.
  bool wait_idle(vm::StopReason* end);
  // In both processes after the guest forked (clone without CLONE_VM). False (with a note) when
  // the process cannot go on safely.
  bool after_fork(bool child);
  // A trap in block `b`: true when a guest handler takes the SIGSEGV (pc_ = the handler), else
  // false with *end set.
  bool trapped(const CachedBlock& b, vm::ExecStatus s, vm::StopReason* end);
  // The same for a host fault on a protected guest page in the running unit.
  bool host_fault(const GuestFaultTrap& trap, vm::StopReason* end);
  // Gives the guest synchronous signal `sig` raised at `pc` (the state page holds the registers
  // to save): true when its handler was entered (pc_ = the handler); false with *end set when
  // the signal ends the process (`death_note` then goes to the diag fd).
  bool raise_fault(int sig, int code, uint64_t pc, uint64_t addr, const std::string& death_note,
                   vm::StopReason* end);
  void drop_translations(uint64_t addr, uint64_t len);
  // Write-protects the guest-writable pages `b` was translated from (GuestMemory::protect_code).
  void protect_code(const TranslatedBlock& b);
  // Drops the translations of the code pages stores or the kernel wrote since the last call.
  void drop_written_code();
  void note(const std::string& text) const;

  RunOptions opts_;
  // Declaration order is destruction order reversed: the translation cache releases its blocks'
  // code while the BaselineJit (owner of the drop hook) and the CodeCache still exist.
  std::unique_ptr<vm::Instance> inst_;
  std::unique_ptr<vm::rv64::GuestMemory> mem_;
  std::unique_ptr<vm::rv64::Process> proc_;
  std::unique_ptr<CodeCache> code_;
  std::unique_ptr<baseline::BaselineJit> jit_;
  std::unique_ptr<TranslationCache> cache_;
  // Declared after cache_, so destroyed first: it stops its worker and detaches from the cache
  // (its LLVM code all goes with it) while the cache still exists.
  std::unique_ptr<OptPromoter> opt_;
  std::unordered_map<uint64_t, std::unique_ptr<CachedBlock>> step_blocks_;
  uint32_t next_step_index_ = 0;
  // The guest bytes of the last unit run_debug found a breakpoint in: inside them it steps.
  std::vector<std::pair<uint64_t, uint64_t>> step_zone_;

  vm::ExecState st_;
  vm::HostContext cx_;
  FetchFn fetch_;
  vm::Trap trap_;

  // The running run()'s trap for host faults on guest pages. The unit running (for host_fault)
  // is the chain context's `running`: execute() sets it, chained exits move it on.
  GuestFaultTrap* fault_ = nullptr;
  // Why translations went away, for --stats.
  struct CodeChangeStats {
    uint64_t written_pages = 0;  // code pages written (by stores or the kernel), dropped
    uint64_t written_units = 0;  // units dropped with them
    uint64_t fence_i = 0;
    uint64_t syscalls = 0;  // riscv_flush_icache, munmap, mprotect, MAP_FIXED
    // The page written most often (the ping-pong of code and data sharing a page).
    std::unordered_map<uint64_t, uint64_t> per_page;
  } code_changes_;
  uint64_t pc_ = 0;
  uint64_t executed_ = 0;
  uint64_t chained_before_exec_ = 0;  // chained jumps of the programs an execve replaced
  uint64_t found_before_exec_ = 0;
  std::set<uint64_t> bps_;
  std::atomic<bool> stop_{false};
  int64_t* slice_left_ = nullptr;  // state::kSliceLeft in the linear memory
  int64_t spare_slice_ = 0;        // what slice_left_ points at while an exec reloads
  // --jit=auto: when the current time slice began (set when a run starts).
  std::chrono::steady_clock::time_point slice_began_;
  std::optional<vm::StopReason> ended_;  // set once the guest exited or was killed
  bool exec_pending_ = false;            // a syscall said Exec: run() loads the new program
};

}  // namespace strata::jit::rv64

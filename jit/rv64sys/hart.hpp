// Hart: one RV64GC hart of a full-system machine (M, S and U modes, Sv39/Sv48), run by
// translation: guest blocks become SVI units (jit/rv64/translator.hpp in system mode,
// SystemTarget), compiled by the same tiers and kept in a translation cache keyed by (virtual pc,
// physical page, MMU index), dropped when their physical page is written. A vm::Vcpu, so the REPL
// and the gdb stub drive it like every other CPU.
//
// THE LOOP. Before each unit: a pending, enabled interrupt is taken (traps.hpp); the pc is
// translated for fetch (software TLB, walk on a miss: a fetch fault is a trap); the unit for
// (pc, pa, MMU index) is looked up (or followed from the previous unit's successor link) or
// translated; it runs and returns the next pc or a special exit (vm/rv64sys/sys_layout.hpp)
// which the loop serves: traps (take_trap), mret/sret, wfi (the host thread sleeps until an
// interrupt is pending: a timer deadline, a device line, a stop request), ecall (from S-mode
// with HartOptions::sbi set: HartHost::sbi_call serves it; otherwise the environment-call
// trap), and Done after a CSR instruction or sfence.vma that changed what the unit assumed
// (those run inside the unit, as calls into the hart's memory slow path: SysMemory). Time slices
// (state::kSliceLeft, as in user mode) bound how long a unit's loops run before timers, device
// lines and stop requests are looked at.
//
// MEMORY. Guest RAM lives in the hart's SVI linear memory (sys_layout.hpp); ram() is its host
// address, which the machine gives DMA device models. Physical addresses outside RAM go to
// HartHost::mmio_read/mmio_write (a false return is an access fault). Device writes to RAM that
// may cover code (disk reads into guest memory) are announced with ram_written().
//
// THREADS. One thread runs the hart (run()). set_irq(), set_timer(), request_stop() and
// request_exit() may be called from any thread (device threads, the console thread) and wake a
// hart sleeping in wfi.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "isa/error.hpp"
#include "jit/rv64/runner.hpp"
#include "jit/rv64/sys_memory.hpp"
#include "vm/rv64sys/csr_file.hpp"
#include "vm/vcpu.hpp"

namespace strata::jit::rv64sys {

class Hart;

// The execution tiers, as in user mode (jit/rv64/runner.hpp).
using JitMode = rv64::JitMode;

// The machine, as a hart sees it.
class HartHost {
 public:
  virtual ~HartHost() = default;
  // A load/store of `size` bytes (1, 2, 4, 8) at physical `pa` outside RAM. False: nothing
  // there (the hart raises an access fault).
  virtual bool mmio_read(std::uint64_t pa, unsigned size, std::uint64_t* value) = 0;
  virtual bool mmio_write(std::uint64_t pa, unsigned size, std::uint64_t value) = 0;
  // An ecall from S-mode when HartOptions::sbi is set: the host reads a0..a7 (hart.xreg) and
  // writes the sbiret into a0/a1; the hart then continues at pc + 4.
  virtual void sbi_call(Hart& hart) = 0;
  // Called at the end of every time slice and while the hart sleeps in wfi (at least every
  // 20 ms): the machine polls its devices (console input) here.
  virtual void tick() = 0;
};

struct HartOptions {
  std::uint64_t hartid = 0;
  std::uint64_t ram_base = 0x8000'0000;  // guest physical address of RAM
  std::uint64_t ram_size = 0;            // bytes, a multiple of 4 KiB
  // Transparent huge pages for the RAM (vm::LinearMemory::init_mapped's hint). Off: a boot
  // touches a hundred MiB or so once or a few times, and on a virtual machine that returns free
  // memory to its hypervisor a fresh 2 MiB page costs milliseconds to zero; 4 KiB pages come
  // from memory the host already backs. Ten alternating poweroff boots on such a host (AMD EPYC,
  // 2 cores): wall medians 4.92 s with huge pages, 4.67 s without, nine pairs of ten faster
  // (docs/RISCV_SYSTEM.md, "Guest RAM in 4 KiB pages").
  bool ram_huge_pages = false;
  // Off (interpreter), Baseline, Auto (interpreter, baseline when hot, LLVM on a background
  // thread when very hot: rv64::OptPromoter), Opt (every unit compiled by LLVM at its first
  // execution, on the hart's thread: differential testing; baseline where LLVM declines).
  JitMode jit = JitMode::Baseline;
  // true: ecall from S-mode is served by HartHost::sbi_call (the built-in SBI firmware, no
  // M-mode code in the guest). false: it traps to M-mode like any exception (--bios).
  bool sbi = true;
  // --jit=auto: a unit is compiled once its entries plus the loop back-edges it took reach this.
  std::uint32_t hot_threshold = 256;
  // --jit=auto: the baseline tier emits hot units on a thread of its own while the hart runs on
  // (interpreting them meanwhile), instead of on the hart's thread
  // (jit/rv64sys/baseline_worker.hpp). The board turns it on; tests that count compiles at the
  // end of a run leave it off.
  bool background_compiles = false;
  // Compiled units jump straight into the next unit's code at their constant exits, the links
  // the loop would follow (sys_code_cache.hpp, CHAINED EXITS), instead of returning to the loop.
  // Off: every unit returns to the loop (tests of the loop's own successor links).
  bool chaining = true;
  // --jit=auto: a unit is queued for the optimizing tier once its entries plus the loop
  // back-edges it took (in any tier) reach this. An LLVM compile of a system unit costs 10 ms
  // to over 1 s of the worker's CPU (a 512-instruction kernel unit): at 2^20 a boot compiled
  // 25 units (about 5 s of CPU), at 2^22 six, and busybox md5sum's loop still qualifies; at
  // 2^24 it no longer does (docs/BENCHMARKS.md, RISC-V full system).
  std::uint32_t opt_threshold = 1u << 22;
};

class Hart final : public vm::Vcpu {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Hart>> create(const HartOptions& opts,
                                                            HartHost& host);
  ~Hart() override;

  // ---- the machine's side ----
  std::uint8_t* ram();  // host address of guest physical ram_base
  std::uint64_t ram_size() const;
  // Device writes to RAM [pa, pa + len): translations of those pages are dropped.
  void ram_written(std::uint64_t pa, std::uint64_t len);
  // Where the hart starts (reset state: this pc, this privilege, a0 = hartid, a1 = a1).
  void reset(std::uint64_t pc, vm::rv64sys::Priv priv, std::uint64_t a1);
  std::uint64_t xreg(unsigned i) const;  // x0..x31
  void set_xreg(unsigned i, std::uint64_t v);
  vm::rv64sys::CsrFile& csrs();
  vm::rv64sys::Priv priv() const;
  // mtime: 10 MHz ticks since the hart was created (the machine's clock; CLINT's mtime).
  std::uint64_t time() const;
  // An interrupt line into mip (kMeip, kSeip, kMsip...): level-triggered. Any thread.
  void set_irq(std::uint64_t mip_bit, bool level);
  // A timer: the hart sets `mip_bit` (kMtip or kStip) once time() >= deadline; setting a new
  // deadline clears the bit until then. ~0: never. Any thread.
  void set_timer(std::uint64_t mip_bit, std::uint64_t deadline);
  // The run ends with StopReason::Exited `code` at the next unit boundary (guest poweroff or
  // reset). Any thread.
  void request_exit(int code);

  // ---- for tests and the translator's helpers ----
  // The memory slow path translated units call (what HostContext::user_data points at).
  rv64::SysMemory& memory_slow_path();
  // A 64-bit word of the state page (vm/rv64sys/sys_layout.hpp): registers, the last exit.
  std::uint64_t state_word(std::uint32_t offset) const;

  // ---- vm::Vcpu ----
  std::string_view arch() const override { return "riscv64"; }
  // x0..x31, pc, f0..f31, fcsr; priv and the CSRs in group "sregs".
  std::vector<vm::RegInfo> registers() const override;
  Result<std::uint64_t> read_reg(std::string_view name) const override;
  Result<void> write_reg(std::string_view name, std::uint64_t value) override;
  // Guest-virtual, through the guest's page tables as the current privilege sees them (no A/D
  // updates); physical in M-mode or with satp Bare.
  Result<void> read_memory(std::uint64_t addr, std::span<std::uint8_t> out) const override;
  Result<void> write_memory(std::uint64_t addr, std::span<const std::uint8_t> in) override;
  std::uint64_t pc() const override;
  Result<vm::StopReason> run(vm::RunLimit limit) override;
  void request_stop() override;
  Result<void> set_breakpoint(std::uint64_t addr) override;
  bool clear_breakpoint(std::uint64_t addr) override;
  Result<vm::GuestInsn> disassemble(std::uint64_t addr) const override;
  // Units translated (mean/p99 µs), cache hits, TLB misses/flushes, exits by kind, traps and
  // interrupts taken by cause, wfi sleeps.
  std::string stats() const override;
  Result<std::string> describe_code(std::uint64_t addr) override;
  // Guest-physical RAM (the REPL's pmem); device registers are not read, they have effects.
  Result<void> read_physical(std::uint64_t addr, std::span<std::uint8_t> out) const override;
  // The system registers with their fields decoded (csr_text.hpp); empty for the others.
  std::string format_reg(const vm::RegInfo& reg, std::uint64_t value) const override;

 private:
  struct Impl;
  explicit Hart(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::jit::rv64sys

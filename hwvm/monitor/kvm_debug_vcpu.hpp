// The KVM guest as a vm::Vcpu (vm/vcpu.hpp): what `strata repl boot` and `strata boot --gdb`
// inspect and drive. It wraps a Machine (machine.hpp) and runs it through Machine::run_debug.
//
// Addresses. Code and memory addresses are *linear* (CS base + IP in real and protected mode;
// in long mode the virtual address): `pc` is the linear address of the next instruction and
// `rip` the register itself, so a flat guest entered at 1000:0000 stops with rip 0 and pc
// 0x10000. With paging on, memory goes through the guest's page tables (hwvm/x86/page_walk.hpp);
// read_physical() bypasses them.
//
// Debugging on KVM (KVM_SET_GUEST_DEBUG), as measured on kvm_pvm (docs/REPL.md):
// - step: KVM_GUESTDBG_SINGLESTEP, one debug exit per instruction (port I/O and MMIO exits
//   in between are served as usual). Stepping a HLT does not end the run: KVM reports the step
//   past it.
// - breakpoints: the four debug registers (KVM_GUESTDBG_USE_HW_BP, DR0-DR3 on linear
//   addresses, DR7 execute breakpoints), so at most four at a time. Software breakpoints (int3,
//   KVM_GUESTDBG_USE_SW_BP) are not used: on kvm_pvm the int3 is delivered to the guest instead
//   of exiting, and guest memory would see the patched byte.
// - A run starting at a breakpoint steps that instruction with the breakpoints off first.
// - Without breakpoints or steps guest debugging is off, so `continue` runs at full speed.
// - request_stop(): a flag, kvm_run.immediate_exit, and SIGALRM to the running thread; the run
//   loop also looks at the flag at every 20 ms tick.
#pragma once

#include <pthread.h>
#include <signal.h>

#include <array>
#include <atomic>
#include <memory>
#include <optional>

#include <linux/kvm.h>

#include "hwvm/monitor/machine.hpp"
#include "hwvm/x86/disasm.hpp"
#include "hwvm/x86/page_walk.hpp"
#include "vm/vcpu.hpp"

namespace strata::hwvm {

inline constexpr int kMaxHwBreakpoints = 4;

class KvmDebugVcpu final : public vm::Vcpu {
 public:
  // Installs a no-op SIGALRM handler for its lifetime, so request_stop()'s signal can never
  // hit the default action (termination) between two runs.
  explicit KvmDebugVcpu(std::unique_ptr<Machine> machine);
  ~KvmDebugVcpu() override;
  KvmDebugVcpu(const KvmDebugVcpu&) = delete;
  KvmDebugVcpu& operator=(const KvmDebugVcpu&) = delete;

  // How the guest ended (Exited: the machine's exit code, 0 or 3; Fault: a crash), once it has.
  [[nodiscard]] const std::optional<RunOutcome>& outcome() const { return outcome_; }
  [[nodiscard]] Machine& machine() { return *machine_; }
  // Turns guest debugging off, so Machine::run() can take over after the debugger leaves.
  [[nodiscard]] Result<void> disarm() { return arm(false, false); }

  std::string_view arch() const override { return "x86-64"; }
  std::vector<vm::RegInfo> registers() const override;
  Result<uint64_t> read_reg(std::string_view name) const override;
  Result<void> write_reg(std::string_view name, uint64_t value) override;
  Result<void> read_memory(uint64_t addr, std::span<uint8_t> out) const override;
  Result<void> write_memory(uint64_t addr, std::span<const uint8_t> in) override;
  Result<void> read_physical(uint64_t addr, std::span<uint8_t> out) const override;
  uint64_t pc() const override;

  Result<vm::StopReason> run(vm::RunLimit limit) override;
  void request_stop() override;
  Result<void> set_breakpoint(uint64_t addr) override;
  bool clear_breakpoint(uint64_t addr) override;

  Result<vm::GuestInsn> disassemble(uint64_t addr) const override;
  std::string stats() const override;
  Result<std::string> describe_code(uint64_t addr) override;

  // The CPU mode the guest is in now, from CR0.PE, EFER.LMA and CS.L/CS.D.
  [[nodiscard]] x86::CpuMode mode() const;

 private:
  // Linear address -> guest-physical, through the page tables when paging is on.
  Result<uint64_t> to_physical(uint64_t linear) const;
  Result<void> arm(bool single_step, bool breakpoints);
  // One Machine::run_debug; Ended and crashes become the final StopReason.
  Result<vm::StopReason> run_once(bool single_step, bool breakpoints);
  vm::StopReason finish(RunOutcome o);

  std::unique_ptr<Machine> machine_;
  std::array<std::optional<uint64_t>, kMaxHwBreakpoints> breakpoints_{};
  std::atomic<bool> stop_requested_{false};
  std::atomic<pthread_t> runner_{};
  std::atomic<bool> running_{false};
  std::optional<RunOutcome> outcome_;
  std::optional<vm::StopReason> end_;
  uint64_t steps_ = 0;
  uint64_t breakpoint_hits_ = 0;
  struct sigaction old_alarm_ {};
};

}  // namespace strata::hwvm

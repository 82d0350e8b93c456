// The KVM vcpu's run control (single steps and hardware breakpoints through
// KVM_SET_GUEST_DEBUG), memory through the guest's page tables, disassembly and statistics.
#include "hwvm/monitor/kvm_debug_vcpu.hpp"

#include <algorithm>
#include <csignal>

#include <fmt/format.h>

namespace strata::hwvm {

namespace {

constexpr std::uint64_t kDr6BreakpointHits = 0xf;     // B0..B3
constexpr std::uint64_t kDr6SingleStep = 1ull << 14;  // BS

extern "C" void on_kick(int) {}

}  // namespace

KvmDebugVcpu::KvmDebugVcpu(std::unique_ptr<Machine> machine) : machine_(std::move(machine)) {
  struct sigaction sa {};
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on_kick;  // no SA_RESTART: the signal's job is to end KVM_RUN with EINTR
  sigaction(SIGALRM, &sa, &old_alarm_);
}

KvmDebugVcpu::~KvmDebugVcpu() {
  sigaction(SIGALRM, &old_alarm_, nullptr);
}

Result<uint64_t> KvmDebugVcpu::to_physical(uint64_t linear) const {
  auto s = STRATA_TRY(machine_->vcpu().get_sregs());
  const x86::PagingState st{s.cr0, s.cr3, s.cr4, s.efer};
  const GuestMemory& mem = machine_->memory();
  return x86::translate_linear(
      linear, st, [&](std::uint64_t gpa, unsigned size) -> Result<uint64_t> {
        std::uint64_t v = 0;
        STRATA_TRY(
            mem.read(gpa, std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(&v), size)));
        return v;
      });
}

// Page by page: consecutive linear pages need not be consecutive in guest-physical memory.
Result<void> KvmDebugVcpu::read_memory(uint64_t addr, std::span<uint8_t> out) const {
  std::size_t done = 0;
  while (done < out.size()) {
    const uint64_t linear = addr + done;
    const std::size_t chunk = std::min<std::size_t>(out.size() - done, 0x1000 - (linear & 0xfff));
    const uint64_t gpa = STRATA_TRY(to_physical(linear));
    if (auto r = machine_->memory().read(gpa, out.subspan(done, chunk)); !r)
      return fail("0x{:x} (guest-physical 0x{:x}) is not guest RAM", linear, gpa);
    done += chunk;
  }
  return {};
}

Result<void> KvmDebugVcpu::write_memory(uint64_t addr, std::span<const uint8_t> in) {
  // Translate every page first, so a write that fails part-way changes nothing.
  std::vector<std::pair<uint64_t, std::span<const uint8_t>>> pieces;
  for (std::size_t done = 0; done < in.size();) {
    const uint64_t linear = addr + done;
    const std::size_t chunk = std::min<std::size_t>(in.size() - done, 0x1000 - (linear & 0xfff));
    const uint64_t gpa = STRATA_TRY(to_physical(linear));
    if (!machine_->memory().slice(gpa, chunk))
      return fail("0x{:x} (guest-physical 0x{:x}) is not guest RAM", linear, gpa);
    pieces.emplace_back(gpa, in.subspan(done, chunk));
    done += chunk;
  }
  for (const auto& [gpa, bytes] : pieces) STRATA_TRY(machine_->memory().write(gpa, bytes));
  return {};
}

Result<void> KvmDebugVcpu::read_physical(uint64_t addr, std::span<uint8_t> out) const {
  if (auto r = machine_->memory().read(addr, out); !r)
    return fail("guest-physical 0x{:x}..0x{:x} is not guest RAM", addr, addr + out.size());
  return {};
}

Result<vm::GuestInsn> KvmDebugVcpu::disassemble(uint64_t addr) const {
  // Up to 15 bytes, fewer where readable memory ends (the disassembler says if that cuts the
  // instruction off).
  std::array<uint8_t, 15> bytes{};
  std::size_t n = 0;
  for (; n < bytes.size(); ++n)
    if (!read_memory(addr + n, std::span<uint8_t>(&bytes[n], 1))) break;
  if (n == 0) STRATA_TRY(read_memory(addr, std::span<uint8_t>(bytes.data(), 1)));
  const x86::X86Insn insn =
      STRATA_TRY(x86::disassemble(std::span<const uint8_t>(bytes.data(), n), addr, mode()));
  return vm::GuestInsn{insn.length, insn.text};
}

std::string KvmDebugVcpu::stats() const {
  static constexpr const char* kModes[] = {"16-bit real", "32-bit protected", "64-bit long"};
  std::string out = fmt::format("cpu mode: {}\n", kModes[static_cast<int>(mode())]);
  out += format_stats(machine_->stats());
  out += fmt::format("  {:<16}{}\n  {:<16}{}\n", "debug steps", steps_, "breakpoint hits",
                     breakpoint_hits_);
  return out;
}

Result<std::string> KvmDebugVcpu::describe_code(uint64_t addr) {
  (void)addr;
  return fail(
      "a KVM guest's code runs on the CPU (or KVM's instruction emulator): nothing is "
      "translated");
}

Result<void> KvmDebugVcpu::set_breakpoint(uint64_t addr) {
  for (const auto& b : breakpoints_)
    if (b == addr) return {};
  for (auto& b : breakpoints_) {
    if (b) continue;
    b = addr;
    return {};
  }
  return fail(
      "0x{:x}: all {} hardware breakpoints (DR0-DR3) are in use; KVM breakpoints are the "
      "debug registers (docs/REPL.md)",
      addr, kMaxHwBreakpoints);
}

bool KvmDebugVcpu::clear_breakpoint(uint64_t addr) {
  for (auto& b : breakpoints_) {
    if (b != addr) continue;
    b.reset();
    return true;
  }
  return false;
}

void KvmDebugVcpu::request_stop() {
  // Async-signal-safe: an atomic store, a plain store to the shared kvm_run page and
  // pthread_kill.
  stop_requested_.store(true);
  machine_->vcpu().run_area().immediate_exit = 1;
  if (running_.load()) pthread_kill(runner_.load(), SIGALRM);
}

Result<void> KvmDebugVcpu::arm(bool single_step, bool breakpoints) {
  kvm_guest_debug dbg{};
  if (single_step) dbg.control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP;
  if (breakpoints) {
    std::uint64_t dr7 = 0;
    for (int i = 0; i < kMaxHwBreakpoints; ++i) {
      if (!breakpoints_[static_cast<std::size_t>(i)]) continue;
      dbg.arch.debugreg[i] = *breakpoints_[static_cast<std::size_t>(i)];
      dr7 |= 1ull << (2 * i);  // Li; R/Wi = 00 (execute) and LENi = 00 (1 byte)
    }
    if (dr7 != 0) {
      dbg.control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP;
      dbg.arch.debugreg[7] = dr7 | (1ull << 10);  // bit 10 reads as 1
    }
  }
  return machine_->vcpu().set_guest_debug(dbg);
}

vm::StopReason KvmDebugVcpu::finish(RunOutcome o) {
  vm::StopReason r;
  // Exit code 0: the guest halted, reset or powered off; 3: it crashed, and the registers
  // stay inspectable (Fault, as vcpu.hpp has it for a triple fault).
  r.kind =
      o.exit_code == kExitGuestCrashed ? vm::StopReason::Kind::Fault : vm::StopReason::Kind::Exited;
  r.code = o.exit_code;
  r.message = o.message;
  r.addr = pc();
  outcome_ = std::move(o);
  end_ = r;
  return r;
}

Result<vm::StopReason> KvmDebugVcpu::run_once(bool single_step, bool breakpoints) {
  STRATA_TRY(arm(single_step, breakpoints));
  runner_.store(pthread_self());
  running_.store(true);
  auto e = machine_->run_debug(stop_requested_);
  running_.store(false);
  machine_->vcpu().run_area().immediate_exit = 0;
  if (!e) return tl::unexpected(e.error());
  switch (e->kind) {
    case Machine::Event::Kind::Ended: return finish(std::move(e->outcome));
    case Machine::Event::Kind::Paused: {
      stop_requested_.store(false);
      vm::StopReason r;
      r.kind = vm::StopReason::Kind::Stopped;
      r.addr = pc();
      return r;
    }
    case Machine::Event::Kind::Debug: break;
  }
  const exit::Debug& d = e->debug;
  vm::StopReason r;
  r.addr = pc();
  if ((d.dr6 & kDr6BreakpointHits) != 0 && breakpoints) {
    ++breakpoint_hits_;
    r.kind = vm::StopReason::Kind::Breakpoint;
    return r;
  }
  if ((d.dr6 & kDr6SingleStep) != 0 && single_step) {
    ++steps_;
    r.kind = vm::StopReason::Kind::Stepped;
    return r;
  }
  // A debug exit we did not ask for (the guest's own #DB or #BP while debugging is on).
  r.kind = vm::StopReason::Kind::Fault;
  r.message = fmt::format("unexpected debug exit: exception {} at 0x{:x}, dr6 0x{:x}", d.exception,
                          d.pc, d.dr6);
  return r;
}

Result<vm::StopReason> KvmDebugVcpu::run(vm::RunLimit limit) {
  if (end_) return *end_;
  if (stop_requested_.exchange(false)) {
    vm::StopReason r;
    r.kind = vm::StopReason::Kind::Stopped;
    r.addr = pc();
    return r;
  }
  machine_->vcpu().run_area().immediate_exit = 0;
  const bool any_bp = std::any_of(breakpoints_.begin(), breakpoints_.end(),
                                  [](const auto& b) { return b.has_value(); });
  if (limit.steps > 0) {
    vm::StopReason r;
    for (uint64_t i = 0; i < limit.steps; ++i) {
      r = STRATA_TRY(run_once(true, false));
      if (r.kind != vm::StopReason::Kind::Stepped) break;
    }
    return r;
  }
  // Starting at a breakpoint: step over it with the breakpoints off (vcpu.hpp's contract).
  const uint64_t start = pc();
  if (any_bp && std::find(breakpoints_.begin(), breakpoints_.end(), start) != breakpoints_.end()) {
    vm::StopReason first = STRATA_TRY(run_once(true, false));
    if (first.kind != vm::StopReason::Kind::Stepped) return first;
  }
  return run_once(false, any_bp);
}

}  // namespace strata::hwvm

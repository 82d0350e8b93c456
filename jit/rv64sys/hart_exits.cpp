// The special exits of system-mode units (vm/rv64sys/sys_layout.hpp) and trap entry: the
// privileged side of the hart, on the CsrFile and traps.hpp.
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "isa/rv64/decoder.hpp"
#include "isa/rv64/disasm.hpp"
#include "jit/rv64sys/hart_impl.hpp"

namespace strata::jit::rv64sys {

namespace state = vm::rv64::state;
namespace sysstate = vm::rv64sys::sysstate;
using namespace vm::rv64sys;
using vm::StopReason;
using vm::rv64::ExitReason;

namespace {
// The encodings of mret and sret: their tval when they are illegal where they run.
constexpr std::uint64_t kMretBits = 0x30200073, kSretBits = 0x10200073, kWfiBits = 0x10500073;
}  // namespace

StopReason Hart::Impl::fault_stop(const std::string& what) const {
  std::string msg = fmt::format("riscv64 hart {}: {} (pc 0x{:x}, {}-mode)\n", opts.hartid, what, pc,
                                priv_name(priv));
  for (unsigned i = 0; i < 32; ++i) {
    msg += fmt::format("  {:>4} {:016x}{}", isa::rv64::x_reg_name(i), x(i), i % 4 == 3 ? "\n" : "");
  }
  msg += fmt::format("  mstatus {:016x} mcause {:x} mepc {:x} mtval {:x}\n", csrs.mstatus,
                     csrs.mcause, csrs.mepc, csrs.mtval);
  msg += fmt::format("  scause {:x} sepc {:x} stval {:x} stvec {:x} satp {:016x}\n", csrs.scause,
                     csrs.sepc, csrs.stval, csrs.stvec, csrs.satp);
  return StopReason{StopReason::Kind::Fault, 0, pc, std::move(msg)};
}

void Hart::Impl::privilege_changes(Priv to) {
  // Outside M-mode the data MMU index tells the fetch privilege, so links (which join units of
  // one index) stay valid between U- and S-mode; in M-mode MPRV makes them part (a unit of
  // index Supervisor may run in S-mode or, with MPRV, in M-mode: sys_code_cache.hpp).
  if (priv == Priv::Machine || to == Priv::Machine) cache->invalidate_links();
  priv = to;
}

bool Hart::Impl::enter_trap(std::uint64_t cause, std::uint64_t tval, std::uint64_t epc,
                            StopReason* end) {
  const std::uint64_t exc = cause & ~kInterruptBit;
  const bool interrupt = (cause & kInterruptBit) != 0;
  const std::uint64_t deleg = interrupt ? csrs.mideleg : csrs.medeleg;
  const bool to_m = priv == Priv::Machine || exc >= 64 || ((deleg >> exc) & 1) == 0;
  if (to_m && opts.sbi) {
    // The built-in SBI has no M-mode code: a trap there is the guest's end, explained.
    pc = epc;
    *end =
        fault_stop(fmt::format("{} (cause {}, tval 0x{:x}) trapped to M-mode, which has no "
                               "handler (built-in SBI)",
                               cause_name(cause), exc, tval));
    return false;
  }
  if (!interrupt) ++stats.traps[exc];
  last_trap_cause = cause;
  last_trap_tval = tval;
  const TrapTarget t = take_trap(csrs, priv, epc, cause, tval);
  privilege_changes(t.priv);
  pc = t.pc;
  // A trap breaks any LR/SC sequence.
  word(state::kResValid) = 0;
  just_trapped = true;
  return true;
}

bool Hart::Impl::special_exit(StopReason* end) {
  const std::uint64_t reason = word(state::kExit);
  const std::uint64_t at = word(state::kPc);
  const std::uint64_t arg = word(state::kExitArg);
  word(state::kExit) = 0;
  pc = at;
  ++stats.exits[reason < stats.exits.size() ? reason : 0];
  switch (reason) {
    case static_cast<std::uint64_t>(ExitReason::Ecall):
      if (priv == Priv::Supervisor && opts.sbi) {
        ++stats.sbi_calls;
        const std::uint64_t satp = csrs.satp, mstatus = csrs.mstatus;
        host.sbi_call(*self);
        // Through the hart's API the host can change what a pick depends on only in the CSRs
        // (it has no TLB call; a remote sfence is served by the kernel's own).
        if (csrs.satp != satp || csrs.mstatus != mstatus || priv != Priv::Supervisor)
          cache->invalidate_links();
        pc = at + 4;
        return true;
      }
      // The unit counted the ecall (as in user mode), but one that raises an exception does not
      // retire (sys_layout.hpp, "Retired instructions").
      --word(state::kInstret);
      return enter_trap(priv == Priv::User         ? kCauseEcallU
                        : priv == Priv::Supervisor ? kCauseEcallS
                                                   : kCauseEcallM,
                        0, at, end);
    case static_cast<std::uint64_t>(ExitReason::Ebreak):
      return enter_trap(kCauseBreakpoint, at, at, end);
    case static_cast<std::uint64_t>(ExitReason::Illegal):
      return enter_trap(kCauseIllegalInsn, arg & 0xffff'ffff, at, end);
    case static_cast<std::uint64_t>(ExitReason::FenceI): pc = at + 4; return true;
    case static_cast<std::uint64_t>(SysExit::Trap):
      return enter_trap(word(sysstate::kTrapCause), word(sysstate::kTrapTval), at, end);
    case static_cast<std::uint64_t>(SysExit::Mret):
    case static_cast<std::uint64_t>(SysExit::Sret): {
      const bool m = reason == static_cast<std::uint64_t>(SysExit::Mret);
      const auto t = m ? mret(csrs, priv) : sret(csrs, priv);
      if (!t) return enter_trap(kCauseIllegalInsn, m ? kMretBits : kSretBits, at, end);
      ++word(state::kInstret);  // it completed: the unit counted only those before it
      privilege_changes(t->priv);
      pc = t->pc;
      // MPRV may have changed (mret below M clears it): data accesses' index follows, and the
      // next unit is looked up with it; no flush unless the CSR file asks for one.
      if (csrs.take_translation_changed()) {
        tlb->flush_all();
        ++stats.tlb_flushes;
        cache->invalidate_links();
      }
      return true;
    }
    case static_cast<std::uint64_t>(SysExit::Wfi):
      if (!wfi_allowed(csrs, priv)) return enter_trap(kCauseIllegalInsn, kWfiBits, at, end);
      wait_for_interrupt();
      // Stopped while asleep with nothing pending: the wfi runs again when the run resumes.
      if ((csrs.mip() & csrs.mie) == 0 && (stop.load() || exit_requested.load())) {
        cut_slice();
        return true;
      }
      ++word(state::kInstret);
      pc = at + 4;
      return true;
    case static_cast<std::uint64_t>(SysExit::Done):
      // The unit completed the CSR instruction or sfence.vma but counted only those before it.
      ++word(state::kInstret);
      pc = at + 4;
      return true;
    case static_cast<std::uint64_t>(SysExit::CodeWritten): {
      // The store is done; its page's units go once the unit has returned (execute()). The
      // instruction's length is read back from memory: the store may have overwritten it, and
      // then its new first parcel decides, as a re-fetch would.
      std::uint64_t pa = 0, cause = 0;
      std::uint16_t parcel = 0;
      if (fetch_translate(at, &pa, &cause)) std::memcpy(&parcel, ram_at(pa), 2);
      ++word(state::kInstret);  // the unit counted only the instructions before the store
      pc = at + static_cast<std::uint64_t>(isa::rv64::insn_length(parcel));
      return true;
    }
    default: break;
  }
  *end = fault_stop(fmt::format("internal error: a unit left with exit reason {}", reason));
  return false;
}

void Hart::Impl::leave_after(std::uint64_t at) {
  word(state::kExit) = static_cast<std::uint64_t>(SysExit::Done);
  word(state::kPc) = at;
}

std::uint64_t Hart::Impl::sys_csr(std::uint32_t bits, std::uint64_t rs1_value, std::uint64_t at,
                                  std::uint64_t instret) {
  const isa::rv64::DecodedInsn in = isa::rv64::decode(bits);
  using isa::rv64::Opcode;
  const bool imm = in.op == Opcode::Csrrwi || in.op == Opcode::Csrrsi || in.op == Opcode::Csrrci;
  const std::uint64_t src = imm ? static_cast<std::uint64_t>(in.imm) : rs1_value;
  const bool src_zero = imm ? in.imm == 0 : in.rs1 == 0;
  const MmuIndex index_before = data_index();
  // CsrHost::instret() reads the state page, which holds the count at the unit's entry while the
  // unit runs: for this instruction it holds the unit's count instead.
  const std::uint64_t at_entry = std::exchange(word(state::kInstret), instret);
  // mip/sip read what the lines and timers say now.
  sync_interrupts();
  std::uint64_t old = 0;
  bool ok = true;
  switch (in.op) {
    case Opcode::Csrrw:
    case Opcode::Csrrwi:
      // With rd = x0 the CSR is not read (Zicsr): no read-side legality or effect.
      if (in.rd != 0) ok = csrs.read(in.csr, priv, *this, &old);
      if (ok) ok = csrs.write(in.csr, priv, *this, src);
      break;
    case Opcode::Csrrs:
    case Opcode::Csrrsi:
      ok = csrs.read(in.csr, priv, *this, &old);
      if (ok && !src_zero) ok = csrs.write(in.csr, priv, *this, old | src);
      break;
    case Opcode::Csrrc:
    case Opcode::Csrrci:
      ok = csrs.read(in.csr, priv, *this, &old);
      if (ok && !src_zero) ok = csrs.write(in.csr, priv, *this, old & ~src);
      break;
    default: ok = false; break;
  }
  word(state::kInstret) = at_entry;
  if (!ok) {
    raise(kCauseIllegalInsn, bits, at);
    return 0;
  }
  // The unit's data MMU index is a constant in its code; an enabled pending interrupt must be
  // taken before the next instruction (sys_layout.hpp, SysExit::Done).
  bool leave = data_index() != index_before || pending_interrupt(csrs, priv) >= 0;
  if (csrs.take_translation_changed()) {
    tlb->flush_all();
    ++stats.tlb_flushes;
    // Successor links hold fetch translations. A new data index alone (SUM) keeps them: links
    // join units of one index (sys_code_cache.hpp), and a CSR write cannot change the privilege,
    // so the fetch index changes only with the data index.
    cache->invalidate_links();
    leave = true;
  }
  if (leave) leave_after(at);
  return old;
}

void Hart::Impl::sys_sfence(std::uint32_t bits, std::uint64_t rs1_value, std::uint64_t at) {
  if (!sfence_allowed(csrs, priv)) {
    raise(kCauseIllegalInsn, bits, at);
    return;
  }
  const bool all = ((bits >> 15) & 31) == 0;  // rs1 = x0
  if (all) {
    tlb->flush_all();
  } else {
    tlb->flush_page(rs1_value);
  }
  ++stats.tlb_flushes;
  if (all) {
    cache->invalidate_links();
  } else {
    cache->flush_fetch(rs1_value);
  }
  // Units are keyed by physical page, so they stay valid; only the running one's next
  // instructions must still come from where the pc now maps, else it leaves and the loop
  // fetches them anew (or takes the fetch fault).
  if (!all && ((rs1_value ^ at) >> 12) != 0) return;
  std::uint64_t pa = 0, cause = 0;
  const CodePages now = running_pages();
  if (now.first == kNoPage || !fetch_translate(at, &pa, &cause) || (pa >> 12) != now.first)
    leave_after(at);
}

void Hart::Impl::wait_for_interrupt() {
  ++stats.wfi_sleeps;
  for (;;) {
    std::uint64_t seen = 0;
    {
      std::lock_guard lock(wake_mu);
      seen = wake_seq;
    }
    sync_interrupts();
    // WFI ends on any pending enabled-in-mie interrupt, whatever the global enables (spec).
    if ((csrs.mip() & csrs.mie) != 0) return;
    if (stop.load(std::memory_order_acquire) || exit_requested.load(std::memory_order_acquire))
      return;
    host.tick();
    std::chrono::nanoseconds timeout = kMaxSleep;
    const std::uint64_t now = time();
    const std::uint64_t driven = irq_driven.load(std::memory_order_acquire);
    for (const auto& [bit, deadline] : {std::pair{kMtip, &mtimer}, std::pair{kStip, &stimer}}) {
      const std::uint64_t d = deadline->load(std::memory_order_acquire);
      if ((driven & bit) == 0 || d == ~0ull || (csrs.mie & bit) == 0) continue;
      const std::chrono::nanoseconds until{d > now ? (d - now) * 100 : 0};
      timeout = std::min(timeout, until);
    }
    std::unique_lock lock(wake_mu);
    wake_cv.wait_for(lock, timeout, [&] { return wake_seq != seen; });
  }
}

}  // namespace strata::jit::rv64sys

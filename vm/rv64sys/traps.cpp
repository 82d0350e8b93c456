#include "vm/rv64sys/traps.hpp"

namespace strata::vm::rv64sys {

namespace {

using namespace mstatus;

std::uint64_t vector_target(std::uint64_t tvec, std::uint64_t cause) {
  const std::uint64_t base = tvec & ~3ull;
  // Vectored mode sends interrupts to base + 4 * cause; exceptions always go to base.
  if ((tvec & 3) == 1 && (cause & kInterruptBit) != 0) return base + 4 * (cause & ~kInterruptBit);
  return base;
}

}  // namespace

TrapTarget take_trap(CsrFile& c, Priv from, std::uint64_t pc, std::uint64_t cause,
                     std::uint64_t tval) {
  const std::uint64_t code = cause & ~kInterruptBit;
  const bool interrupt = (cause & kInterruptBit) != 0;
  const std::uint64_t deleg = interrupt ? c.mideleg : c.medeleg;
  // A trap is never delegated to a less privileged mode than the one it happened in.
  const bool to_s = from != Priv::Machine && code < 64 && ((deleg >> code) & 1) != 0;
  if (to_s) {
    c.scause = cause;
    c.sepc = pc;
    c.stval = tval;
    std::uint64_t s = c.mstatus;
    s = (s & ~kSpie) | ((s & kSie) ? kSpie : 0);
    s &= ~kSie;
    s = (s & ~kSpp) | (from == Priv::Supervisor ? kSpp : 0);
    c.mstatus = s;
    return TrapTarget{Priv::Supervisor, vector_target(c.stvec, cause)};
  }
  c.mcause = cause;
  c.mepc = pc;
  c.mtval = tval;
  std::uint64_t s = c.mstatus;
  s = (s & ~kMpie) | ((s & kMie) ? kMpie : 0);
  s &= ~kMie;
  s = (s & ~kMpp) | (static_cast<std::uint64_t>(from) << kMppShift);
  c.mstatus = s;
  return TrapTarget{Priv::Machine, vector_target(c.mtvec, cause)};
}

std::optional<TrapTarget> mret(CsrFile& c, Priv from) {
  if (from != Priv::Machine) return std::nullopt;
  std::uint64_t s = c.mstatus;
  const auto to = static_cast<Priv>((s & kMpp) >> kMppShift);
  s = (s & ~kMie) | ((s & kMpie) ? kMie : 0);
  s |= kMpie;
  s &= ~kMpp;  // MPP = U, the least-privileged supported mode
  if (to != Priv::Machine) s &= ~kMprv;
  c.mstatus = s;
  return TrapTarget{to, c.mepc};
}

std::optional<TrapTarget> sret(CsrFile& c, Priv from) {
  if (from == Priv::User || (from == Priv::Supervisor && (c.mstatus & kTsr) != 0))
    return std::nullopt;
  std::uint64_t s = c.mstatus;
  const Priv to = (s & kSpp) != 0 ? Priv::Supervisor : Priv::User;
  s = (s & ~kSie) | ((s & kSpie) ? kSie : 0);
  s |= kSpie;
  s &= ~kSpp;
  s &= ~kMprv;  // sret always lands below M
  c.mstatus = s;
  return TrapTarget{to, c.sepc};
}

int pending_interrupt(const CsrFile& c, Priv priv) {
  const std::uint64_t pending = c.mip() & c.mie;
  if (pending == 0) return -1;
  const bool m_enabled = priv != Priv::Machine || (c.mstatus & kMie) != 0;
  const bool s_enabled =
      priv == Priv::User || (priv == Priv::Supervisor && (c.mstatus & kSie) != 0);
  const std::uint64_t m_level = pending & ~c.mideleg;
  const std::uint64_t s_level = pending & c.mideleg;
  const std::uint64_t takeable = (m_enabled ? m_level : 0) | (s_enabled ? s_level : 0);
  static constexpr int kPriority[] = {11, 3, 7, 9, 1, 5};
  for (int cause : kPriority)
    if ((takeable >> cause) & 1) return cause;
  return -1;
}

Priv data_privilege(const CsrFile& c, Priv priv) {
  if (priv == Priv::Machine && (c.mstatus & kMprv) != 0)
    return static_cast<Priv>((c.mstatus & kMpp) >> kMppShift);
  return priv;
}

bool wfi_allowed(const CsrFile& c, Priv priv) {
  if (priv == Priv::User) return false;
  return priv == Priv::Machine || (c.mstatus & kTw) == 0;
}

bool sfence_allowed(const CsrFile& c, Priv priv) {
  if (priv == Priv::User) return false;
  return priv == Priv::Machine || (c.mstatus & kTvm) == 0;
}

}  // namespace strata::vm::rv64sys

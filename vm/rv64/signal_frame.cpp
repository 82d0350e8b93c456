// The Linux riscv64 signal frame, delivery, rt_sigreturn and sigaltstack (signal_frame.hpp).
#include "vm/rv64/signal_frame.hpp"

#include <unistd.h>

#include <cstring>

#include <fmt/format.h>

namespace strata::vm::rv64 {

namespace {

namespace sf = sigframe;

constexpr uint64_t kSigDfl = 0, kSigIgn = 1;
constexpr uint64_t kSaOnstack = 0x08000000, kSaNodefer = 0x40000000, kSaResethand = 0x80000000;
constexpr int kSigKill = 9, kSigStop = 19, kSigSegv = 11;
constexpr uint64_t kUnblockable = (uint64_t{1} << (kSigKill - 1)) | (uint64_t{1} << (kSigStop - 1));

uint64_t bit(int sig) {
  return uint64_t{1} << (sig - 1);
}

template <typename T>
void put(uint8_t* base, uint64_t off, T v) {
  std::memcpy(base + off, &v, sizeof v);
}
template <typename T>
T get(const uint8_t* base, uint64_t off) {
  T v;
  std::memcpy(&v, base + off, sizeof v);
  return v;
}

// Linux's on_sig_stack(): sp is inside the alternate stack (never, once SS_AUTODISARM is set,
// since the stack is then disarmed while in use).
bool on_sig_stack(const SignalDelivery& d, uint64_t sp) {
  if (d.altstack_flags & kSsAutodisarm) return false;
  return sp > d.altstack_sp && sp - d.altstack_sp <= d.altstack_size;
}

// Linux's sas_ss_flags(): what sigaltstack reports for the current sp.
uint32_t sas_ss_flags(const SignalDelivery& d, uint64_t sp) {
  if (d.altstack_size == 0) return kSsDisable;
  return on_sig_stack(d, sp) ? kSsOnstack : 0;
}

// do_sigaltstack's setting half: 0 or -errno.
int64_t set_altstack(SignalDelivery& d, uint64_t sp, uint64_t ss_sp, uint32_t flags,
                     uint64_t size) {
  if (on_sig_stack(d, sp)) return -EPERM;
  const uint32_t mode = flags & ~kSsAutodisarm;
  if (mode != 0 && mode != kSsOnstack && mode != kSsDisable) return -EINVAL;
  if (mode == kSsDisable) {
    ss_sp = 0;
    size = 0;
  } else if (size < kMinSigStackSize) {
    return -ENOMEM;
  }
  d.altstack_sp = ss_sp;
  d.altstack_size = size;
  d.altstack_flags = flags;
  return 0;
}

}  // namespace

Siginfo user_siginfo(int sig, int32_t code, int pid, uint32_t uid) {
  Siginfo s{};
  put<int32_t>(s.data(), sf::kSiSigno, sig);
  put<int32_t>(s.data(), sf::kSiCode, code);
  put<int32_t>(s.data(), sf::kSiPid, pid);
  put<uint32_t>(s.data(), sf::kSiUid, uid);
  return s;
}

Siginfo fault_siginfo(int sig, int32_t code, uint64_t addr) {
  Siginfo s{};
  put<int32_t>(s.data(), sf::kSiSigno, sig);
  put<int32_t>(s.data(), sf::kSiCode, code);
  put<uint64_t>(s.data(), sf::kSiAddr, addr);
  return s;
}

bool setup_frame(SysContext& c, SignalDelivery& d, int sig, const Siginfo& info,
                 uint64_t resume_pc) {
  GuestMemory& mem = c.mem;
  const SignalState::Action act = c.signals.actions[static_cast<size_t>(sig)];
  const uint64_t sp = mem.x(2);
  // GUEST: sp and the sigaltstack are guest values; the frame must land in writable guest
  // memory, which copy_out checks page by page.
  uint64_t top = sp;
  if (on_sig_stack(d, sp) && !on_sig_stack(d, sp - sf::kFrameSize)) return false;  // overflow
  if ((act.flags & kSaOnstack) && sas_ss_flags(d, sp) == 0) top = d.altstack_sp + d.altstack_size;
  if (top < sf::kFrameSize + kGuestMinAddr) return false;
  const uint64_t frame = (top - sf::kFrameSize) & ~uint64_t{15};

  std::array<uint8_t, sf::kFrameSize> buf{};
  std::memcpy(buf.data(), info.data(), info.size());
  uint8_t* uc = buf.data() + sf::kUcontext;
  put<uint64_t>(uc, sf::kUcStackSp, d.altstack_sp);
  put<uint32_t>(uc, sf::kUcStackFlags, d.altstack_flags);
  put<uint64_t>(uc, sf::kUcStackSize, d.altstack_size);
  put<uint64_t>(uc, sf::kUcSigmask, c.signals.blocked);
  uint8_t* mc = uc + sf::kUcMcontext;
  put<uint64_t>(mc, sf::kMcPc, resume_pc);
  for (unsigned i = 1; i < 32; ++i) put<uint64_t>(mc, 8 * i, mem.x(i));
  for (unsigned i = 0; i < 32; ++i)
    put<uint64_t>(mc, sf::kMcFpregs + 8 * i, mem.state(f_offset(i)));
  put<uint32_t>(mc, sf::kMcFcsr, static_cast<uint32_t>(mem.state(state::kFcsr)));
  if (!c.copy_out(frame, buf.data(), buf.size())) return false;
  c.wrote(frame, buf.size());

  // Like Linux's __save_altstack: a stack with SS_AUTODISARM is disarmed once saved.
  if (d.altstack_flags & kSsAutodisarm) {
    d.altstack_sp = 0;
    d.altstack_size = 0;
    d.altstack_flags = kSsDisable;
  }
  mem.set_x(1, d.trampoline);
  mem.set_x(2, frame);
  mem.set_x(10, static_cast<uint64_t>(sig));
  mem.set_x(11, frame);
  mem.set_x(12, frame + sf::kUcontext);
  // The hardware ignores bit 0 of the pc (sepc[0] is always 0); an odd pc would also read as a
  // special exit to the runner.
  mem.set_state(state::kPc, act.handler & ~uint64_t{1});
  c.signals.blocked |= act.mask;
  if (!(act.flags & kSaNodefer)) c.signals.blocked |= bit(sig);
  c.signals.blocked &= ~kUnblockable;
  if (act.flags & kSaResethand) c.signals.actions[static_cast<size_t>(sig)].handler = kSigDfl;
  return true;
}

bool deliver_pending(SysContext& c, SignalDelivery& d, uint64_t resume_pc) {
  bool entered = false;
  for (int sig = 1; sig <= 64; ++sig) {
    if (c.outcome.kind == SyscallOutcome::Kind::Exit ||
        c.outcome.kind == SyscallOutcome::Kind::Signal)
      break;
    if (!(c.signals.pending & bit(sig)) || (c.signals.blocked & bit(sig))) continue;
    c.signals.pending &= ~bit(sig);
    const uint64_t handler = c.signals.actions[static_cast<size_t>(sig)].handler;
    if (handler == kSigDfl || handler == kSigIgn) {
      send_signal(c, sig);  // unblocked: its default action (or nothing) now
      continue;
    }
    // A second deliverable signal nests: its frame saves the first handler's entry state.
    const uint64_t pc = entered ? c.mem.state(state::kPc) : resume_pc;
    if (!setup_frame(c, d, sig, d.info[static_cast<size_t>(sig)], pc)) {
      c.diag(fmt::format(
          "strata: rv64: cannot write the frame for signal {} on the guest stack (sp 0x{:x}); "
          "killing the process with SIGSEGV",
          sig, c.mem.x(2)));
      c.outcome = SyscallOutcome{SyscallOutcome::Kind::Signal, kSigSegv};
      return false;
    }
    entered = true;
  }
  return entered;
}

int64_t sys_rt_sigreturn(SysContext& c, SignalDelivery& d) {
  GuestMemory& mem = c.mem;
  const uint64_t frame = mem.x(2);
  std::array<uint8_t, sf::kUcSize> uc{};
  // GUEST: the frame is whatever sp points at; copy_in checks every page (and the sum).
  if (frame > UINT64_MAX - sf::kFrameSize ||
      !c.copy_in(frame + sf::kUcontext, uc.data(), uc.size())) {
    c.diag(fmt::format(
        "strata: rv64: rt_sigreturn: no readable signal frame at sp 0x{:x}; killing the process "
        "with SIGSEGV",
        frame));
    c.outcome = SyscallOutcome{SyscallOutcome::Kind::Signal, kSigSegv};
    return 0;
  }
  c.signals.blocked = get<uint64_t>(uc.data(), sf::kUcSigmask) & ~kUnblockable;
  const uint8_t* mc = uc.data() + sf::kUcMcontext;
  for (unsigned i = 1; i < 32; ++i) mem.set_x(i, get<uint64_t>(mc, 8 * i));
  for (unsigned i = 0; i < 32; ++i)
    mem.set_state(f_offset(i), get<uint64_t>(mc, sf::kMcFpregs + 8 * i));
  // fcsr is fflags (bits 0..4) and frm (5..7); the rest reads as zero on hardware.
  mem.set_state(state::kFcsr, get<uint32_t>(mc, sf::kMcFcsr) & 0xff);
  mem.set_state(state::kPc, get<uint64_t>(mc, sf::kMcPc) & ~uint64_t{1});
  // Linux's restore_altstack ignores every error but EFAULT, and the stack_t is already read.
  (void)set_altstack(d, mem.x(2), get<uint64_t>(uc.data(), sf::kUcStackSp),
                     get<uint32_t>(uc.data(), sf::kUcStackFlags),
                     get<uint64_t>(uc.data(), sf::kUcStackSize));
  c.outcome = SyscallOutcome{SyscallOutcome::Kind::Redirect, 0};
  return 0;
}

int64_t sys_sigaltstack(SysContext& c, SignalDelivery& d, const SyscallArgs& a) {
  const uint64_t sp = c.mem.x(2);
  uint8_t ss[24] = {};
  if (a[0] != 0 && !c.copy_in(a[0], ss, sizeof ss)) return -EFAULT;
  uint8_t old[24] = {};
  put<uint64_t>(old, 0, d.altstack_sp);
  put<uint32_t>(old, 8, sas_ss_flags(d, sp) | (d.altstack_flags & kSsAutodisarm));
  put<uint64_t>(old, 16, d.altstack_size);
  if (a[0] != 0) {
    const int64_t e =
        set_altstack(d, sp, get<uint64_t>(ss, 0), get<uint32_t>(ss, 8), get<uint64_t>(ss, 16));
    if (e != 0) return e;
  }
  if (a[1] != 0 && !c.copy_out(a[1], old, sizeof old)) return -EFAULT;
  return 0;
}

int64_t sys_rt_sigqueueinfo(SysContext& c, SignalDelivery& d, const SyscallArgs& a, bool tg) {
  const int64_t tgid = arg_int(a[0]);
  const int64_t tid = tg ? arg_int(a[1]) : tgid;
  const int64_t sig = arg_int(tg ? a[2] : a[1]);
  const uint64_t uinfo = tg ? a[3] : a[2];
  if (sig < 0 || sig > 64) return -EINVAL;
  if (tg && (tgid <= 0 || tid <= 0)) return -EINVAL;
  Siginfo info;
  if (!c.copy_in(uinfo, info.data(), info.size())) return -EFAULT;
  // The guest sees no other process or thread.
  if (tgid != c.pid || tid != c.pid) return -ESRCH;
  put<int32_t>(info.data(), sf::kSiSigno, static_cast<int32_t>(sig));
  if (sig == 0) return 0;
  const int s = static_cast<int>(sig);
  const bool was_pending = c.signals.pending & bit(s);
  send_signal(c, s);
  // A standard signal already pending is not queued again: the first siginfo stays.
  if (!was_pending && (c.signals.pending & bit(s))) d.info[static_cast<size_t>(s)] = info;
  return 0;
}

}  // namespace strata::vm::rv64

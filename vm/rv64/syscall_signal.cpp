// Signals: actions, the mask, sending to the process itself, to one of its threads, or to another
// (host) process: a forked child.
//
// Signal state is per process except the mask, which each guest thread has (guest_threads.hpp).
// A signal sent to one thread (tkill, tgkill) is pending for the process: its handler runs on
// whichever thread makes the next syscall.
//
// A signal that reaches the process while blocked stays pending until rt_sigprocmask unblocks
// it, as on Linux; that is how glibc's raise() and abort() send SIGABRT. An unblocked signal
// takes its default action at once (ignore, or end the process); one whose action is a guest
// handler is left pending and Process::syscall delivers it on the way out of the syscall
// (signal_frame.hpp builds the frame; rt_sigreturn and sigaltstack live there too).
#include <csignal>

#include <fmt/format.h>

#include "vm/rv64/syscall_context.hpp"

namespace strata::vm::rv64 {

namespace {

constexpr int kSigKill = 9, kSigStop = 19;
constexpr uint64_t kSigDfl = 0, kSigIgn = 1;
constexpr uint64_t kSigsetSize = 8;
// Signals that cannot be blocked or caught.
constexpr uint64_t kUnblockable = (uint64_t{1} << (kSigKill - 1)) | (uint64_t{1} << (kSigStop - 1));

uint64_t bit(int sig) {
  return uint64_t{1} << (sig - 1);
}

bool ignored_by_default(int sig) {
  return sig == 17 || sig == 18 || sig == 23 || sig == 28;
}
bool stops_by_default(int sig) {
  return sig == 19 || sig == 20 || sig == 21 || sig == 22;
}

// The signal reaches the process now.
void take(SysContext& c, int sig) {
  const uint64_t handler = c.signals.actions[sig].handler;
  if (handler == kSigIgn && sig != kSigKill && sig != kSigStop) return;
  if (handler != kSigDfl && handler != kSigIgn && sig != kSigKill && sig != kSigStop) {
    // The handler runs when the syscall returns (deliver_pending, signal_frame.hpp).
    c.signals.pending |= bit(sig);
    return;
  }
  if (ignored_by_default(sig)) return;
  if (stops_by_default(sig)) {
    c.note_once(fmt::format("strata: rv64: stopping on signal {} is not supported; ignored", sig));
    return;
  }
  c.outcome = SyscallOutcome{SyscallOutcome::Kind::Signal, sig};
}

}  // namespace

void send_signal(SysContext& c, int sig) {
  if ((c.signals.blocked & bit(sig)) && !(bit(sig) & kUnblockable)) {
    c.signals.pending |= bit(sig);
    return;
  }
  take(c, sig);
}

namespace {

// Takes the pending signals that are no longer blocked, lowest first, until one ends the process.
void deliver_unblocked(SysContext& c) {
  for (int sig = 1; sig <= 64 && c.outcome.kind == SyscallOutcome::Kind::Continue; ++sig) {
    if ((c.signals.pending & bit(sig)) && !(c.signals.blocked & bit(sig))) {
      c.signals.pending &= ~bit(sig);
      take(c, sig);
    }
  }
}

// 0 when `sig` (a syscall argument) is a valid signal number or 0; -EINVAL otherwise.
int64_t check_sig(uint64_t raw, int* sig) {
  const int64_t s = arg_int(raw);
  if (s < 0 || s > 64) return -EINVAL;
  *sig = static_cast<int>(s);
  return 0;
}

int64_t signal_self(SysContext& c, uint64_t raw_sig) {
  int sig;
  if (int64_t e = check_sig(raw_sig, &sig)) return e;
  if (sig != 0) send_signal(c, sig);
  return 0;
}

int64_t sys_kill(SysContext& c, const SyscallArgs& a) {
  const int64_t pid = arg_int(a[0]);
  int sig;
  if (int64_t e = check_sig(a[1], &sig)) return e;
  // Its own group is itself: other processes in the host's group are not the guest's.
  if (pid == 0 || pid == c.pid || pid == -c.pid) return signal_self(c, a[1]);
  if (pid < 0) {
    // Every process (-1) or another group: not the guest's to signal.
    c.note_once(fmt::format("strata: rv64: kill({}) of a process group is refused (EPERM)", pid));
    return -EPERM;
  }
  // Another process: only the guest's own children are its to see; the host's other processes
  // are not (they may be the host's own, and Strata may run as root).
  if (!c.children.contains(static_cast<int>(pid))) return -ESRCH;
  return ::kill(static_cast<pid_t>(pid), sig) < 0 ? neg_errno() : 0;
}

int64_t sys_tkill(SysContext& c, const SyscallArgs& a) {
  const int64_t tid = arg_int(a[0]);
  if (tid <= 0) return -EINVAL;
  int sig;
  if (int64_t e = check_sig(a[1], &sig)) return e;
  if (find_thread(c, tid) == nullptr) return -ESRCH;
  return signal_self(c, a[1]);
}

int64_t sys_tgkill(SysContext& c, const SyscallArgs& a) {
  const int64_t tgid = arg_int(a[0]), tid = arg_int(a[1]);
  if (tgid <= 0 || tid <= 0) return -EINVAL;
  int sig;
  if (int64_t e = check_sig(a[2], &sig)) return e;
  if (tgid != c.pid || find_thread(c, tid) == nullptr) return -ESRCH;
  return signal_self(c, a[2]);
}

int64_t sys_rt_sigaction(SysContext& c, const SyscallArgs& a) {
  // RISC-V's struct sigaction has no sa_restorer: {handler, flags, mask}, 24 bytes.
  const int64_t sig = arg_int(a[0]);
  if (a[3] != kSigsetSize || sig < 1 || sig > 64) return -EINVAL;
  if (a[1] != 0 && (sig == kSigKill || sig == kSigStop)) return -EINVAL;
  uint64_t next[3];
  if (a[1] != 0 && !c.copy_in(a[1], next, sizeof next)) return -EFAULT;
  SignalState::Action& act = c.signals.actions[static_cast<size_t>(sig)];
  if (a[2] != 0) {
    const uint64_t old[3] = {act.handler, act.flags, act.mask};
    if (!c.copy_out(a[2], old, sizeof old)) return -EFAULT;
  }
  if (a[1] != 0) {
    act = SignalState::Action{next[0], next[1], next[2] & ~kUnblockable};
    // Setting SIG_IGN (or SIG_DFL for an ignore-by-default signal) discards a pending one.
    if (next[0] == kSigIgn || (next[0] == kSigDfl && ignored_by_default(static_cast<int>(sig))))
      c.signals.pending &= ~bit(static_cast<int>(sig));
  }
  return 0;
}

int64_t sys_rt_sigprocmask(SysContext& c, const SyscallArgs& a) {
  if (a[3] != kSigsetSize) return -EINVAL;
  const uint64_t how = a[0];
  uint64_t set = 0;
  if (a[1] != 0) {
    if (how > 2) return -EINVAL;  // SIG_BLOCK 0, SIG_UNBLOCK 1, SIG_SETMASK 2
    if (!c.copy_in(a[1], &set, sizeof set)) return -EFAULT;
  }
  if (a[2] != 0 && !c.copy_out(a[2], &c.signals.blocked, sizeof c.signals.blocked)) return -EFAULT;
  if (a[1] != 0) {
    uint64_t& blocked = c.signals.blocked;
    if (how == 0) blocked |= set;
    if (how == 1) blocked &= ~set;
    if (how == 2) blocked = set;
    blocked &= ~kUnblockable;
    deliver_unblocked(c);
  }
  return 0;
}

int64_t sys_rt_sigpending(SysContext& c, const SyscallArgs& a) {
  if (a[1] > kSigsetSize) return -EINVAL;
  const uint64_t pending = c.signals.pending & c.signals.blocked;
  return c.copy_out(a[0], &pending, a[1]) ? 0 : -EFAULT;
}

}  // namespace

void add_signal_syscalls(SyscallTable& t) {
  t[129] = sys_kill;
  t[130] = sys_tkill;
  t[131] = sys_tgkill;
  t[134] = sys_rt_sigaction;
  t[135] = sys_rt_sigprocmask;
  t[136] = sys_rt_sigpending;
}

}  // namespace strata::vm::rv64

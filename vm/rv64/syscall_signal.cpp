// Signals (actions, the mask, sending to itself), futex for a single thread, and exit.
//
// A signal that reaches the process while blocked stays pending until rt_sigprocmask unblocks
// it, as on Linux; that is how glibc's raise() and abort() send SIGABRT. An unblocked signal
// takes its default action at once (ignore, or end the process); one whose action is a guest
// handler is left pending and Process::syscall delivers it on the way out of the syscall
// (signal_frame.hpp builds the frame; rt_sigreturn and sigaltstack live there too).
#include <time.h>

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
  // The guest sees no other process (its own group is itself).
  if (pid != 0 && pid != c.pid && pid != -c.pid) return -ESRCH;
  return signal_self(c, a[1]);
}

int64_t sys_tkill(SysContext& c, const SyscallArgs& a) {
  const int64_t tid = arg_int(a[0]);
  if (tid <= 0) return -EINVAL;
  int sig;
  if (int64_t e = check_sig(a[1], &sig)) return e;
  if (tid != c.pid) return -ESRCH;
  return signal_self(c, a[1]);
}

int64_t sys_tgkill(SysContext& c, const SyscallArgs& a) {
  const int64_t tgid = arg_int(a[0]), tid = arg_int(a[1]);
  if (tgid <= 0 || tid <= 0) return -EINVAL;
  int sig;
  if (int64_t e = check_sig(a[2], &sig)) return e;
  if (tgid != c.pid || tid != c.pid) return -ESRCH;
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

int64_t sys_exit_group(SysContext& c, const SyscallArgs& a) {
  c.outcome = SyscallOutcome{SyscallOutcome::Kind::Exit, static_cast<int>(a[0] & 0xff)};
  return 0;
}

// futex with one thread: nothing else can change the word or wake a waiter.
int64_t sys_futex(SysContext& c, const SyscallArgs& a) {
  const uint64_t uaddr = a[0], val = a[2] & 0xffffffff, timeout = a[3], val3 = a[5] & 0xffffffff;
  const uint64_t op = a[1];
  const uint64_t cmd = op & 127;  // without FUTEX_PRIVATE_FLAG (128), FUTEX_CLOCK_REALTIME (256)
  // GUEST: the futex word must be an aligned, mapped u32.
  if (uaddr % 4 != 0) return -EINVAL;
  uint32_t word;
  switch (cmd) {
    case 0:    // FUTEX_WAIT
    case 9: {  // FUTEX_WAIT_BITSET
      if (cmd == 9 && val3 == 0) return -EINVAL;
      if (!c.copy_in(uaddr, &word, 4)) return -EFAULT;
      if (word != val) return -EAGAIN;
      if (timeout == 0) {
        // Only another thread or a signal handler could wake this wait, and there are neither:
        // the process is deadlocked. Linux would hang forever; end it instead, with a note.
        c.diag(
            "strata: rv64: futex wait with no other thread to wake it (deadlock); killing the "
            "process");
        c.outcome = SyscallOutcome{SyscallOutcome::Kind::Signal, kSigKill};
        return 0;
      }
      timespec ts;
      if (!c.copy_in(timeout, &ts, sizeof ts)) return -EFAULT;
      if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000) return -EINVAL;
      // The wait can only time out: sleep for it (FUTEX_WAIT's timeout is relative, WAIT_BITSET's
      // absolute on CLOCK_MONOTONIC, or CLOCK_REALTIME with the flag).
      const clockid_t clock = (op & 256) ? CLOCK_REALTIME : CLOCK_MONOTONIC;
      const int r = ::clock_nanosleep(clock, cmd == 9 ? TIMER_ABSTIME : 0, &ts, nullptr);
      return r == EINTR ? -EINTR : -ETIMEDOUT;
    }
    case 1:      // FUTEX_WAKE
    case 10:     // FUTEX_WAKE_BITSET
    case 3:      // FUTEX_REQUEUE
      return 0;  // no waiters
    case 4:      // FUTEX_CMP_REQUEUE
      if (!c.copy_in(uaddr, &word, 4)) return -EFAULT;
      return word == val3 ? 0 : -EAGAIN;
    default:
      c.note_once(
          fmt::format("strata: rv64: futex operation {} is not supported, returning ENOSYS", cmd));
      return -ENOSYS;
  }
}

}  // namespace

void add_signal_syscalls(SyscallTable& t) {
  t[93] = sys_exit_group;  // exit: with one thread, the thread is the process
  t[94] = sys_exit_group;
  t[98] = sys_futex;
  t[129] = sys_kill;
  t[130] = sys_tkill;
  t[131] = sys_tgkill;
  t[134] = sys_rt_sigaction;
  t[135] = sys_rt_sigprocmask;
  t[136] = sys_rt_sigpending;
}

}  // namespace strata::vm::rv64

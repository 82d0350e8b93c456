// Threads and processes: clone (a guest thread, guest_threads.hpp, or a host fork), exit of one
// thread, gettid, set_tid_address, sched_yield, and waiting for child processes.
//
// clone takes the two shapes glibc uses: a thread (CLONE_VM|FS|FILES|SIGHAND|THREAD, with
// SYSVSEM, SETTLS, PARENT_SETTID, CHILD_SETTID, CHILD_CLEARTID) and a process (exit signal
// SIGCHLD without CLONE_VM, with SETTLS and the *_SETTID / CHILD_CLEARTID flags; or vfork's
// CLONE_VM|CLONE_VFORK: a fork whose parent waits until the child execs or ends and then takes
// the child's memory writes back, syscall_vfork.cpp). Other combinations get EINVAL with a one-time
// note. A process is a host fork(): the guest memory is private anonymous memory (copied on write),
// the child keeps only the forking thread, and the runner privatizes what the fork left shared
// (Process::on_fork). Children are host processes, so wait4/waitid and kill reach them through the
// host; with several guest threads a wait that would block parks the thread instead
// (blocked_call.hpp).
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

#include <fmt/format.h>

#include "vm/rv64/blocked_call.hpp"
#include "vm/rv64/guest_threads.hpp"
#include "vm/rv64/syscall_context.hpp"

namespace strata::vm::rv64 {

namespace {

constexpr uint64_t kCloneVm = 0x100, kCloneFs = 0x200, kCloneFiles = 0x400, kCloneSighand = 0x800,
                   kCloneVfork = 0x4000, kCloneThread = 0x10000, kCloneSysvsem = 0x40000,
                   kCloneSettls = 0x80000, kCloneParentSettid = 0x100000,
                   kCloneChildCleartid = 0x200000, kCloneDetached = 0x400000,
                   kCloneChildSettid = 0x1000000;
constexpr uint64_t kThreadNeeds = kCloneVm | kCloneFs | kCloneFiles | kCloneSighand | kCloneThread;
constexpr uint64_t kTidFlags =
    kCloneSettls | kCloneParentSettid | kCloneChildCleartid | kCloneChildSettid;
constexpr uint64_t kThreadMay = kThreadNeeds | kTidFlags | kCloneSysvsem | kCloneDetached;
constexpr uint64_t kForkMay = kTidFlags | kCloneVm | kCloneVfork;
constexpr uint64_t kSigChld = 17;
constexpr unsigned kSp = 2, kTp = 4, kA0 = 10;
constexpr size_t kMaxThreads = 4096;

enum class CloneKind { Thread, Fork, Unsupported };

CloneKind clone_kind(uint64_t flags) {
  const uint64_t exit_signal = flags & 0xff;
  if ((flags & kThreadNeeds) == kThreadNeeds && (flags & ~kThreadMay) == 0 && exit_signal == 0)
    return CloneKind::Thread;
  const bool vm = (flags & kCloneVm) != 0;
  if ((flags & ~(kForkMay | 0xff)) == 0 && exit_signal == kSigChld &&
      (!vm || (flags & kCloneVfork) != 0))
    return CloneKind::Fork;
  return CloneKind::Unsupported;
}

bool put_tid(SysContext& c, uint64_t addr, int tid) {
  const int32_t v = tid;
  return c.copy_out(addr, &v, sizeof v);
}

int64_t clone_thread(SysContext& c, uint64_t flags, uint64_t sp, uint64_t ptid, uint64_t tls,
                     uint64_t ctid) {
  ThreadTable& tt = c.threads;
  // Each thread costs host memory whether or not it has a stack: the guest may not grow it
  // without bound (Linux's answer to RLIMIT_NPROC is EAGAIN too).
  if (tt.list.size() >= kMaxThreads) return -EAGAIN;
  const int tid = tt.next_tid++;
  // Linux ignores a tid it cannot store.
  if (flags & kCloneParentSettid) put_tid(c, ptid, tid);
  if (flags & kCloneChildSettid) put_tid(c, ctid, tid);
  save_running(c);
  GuestThread t;
  t.tid = tid;
  t.regs = tt.running().regs;
  t.blocked = tt.running().blocked;
  // The child goes on after the ecall with a0 = 0, on its own stack and TLS.
  t.regs[state::kPc / 8] = c.mem.state(state::kPc) + 4;
  t.regs[x_offset(kA0) / 8] = 0;
  if (sp != 0) t.regs[x_offset(kSp) / 8] = sp;
  if (flags & kCloneSettls) t.regs[x_offset(kTp) / 8] = tls;
  t.regs[state::kResValid / 8] = 0;
  if (flags & kCloneChildCleartid) t.clear_tid = ctid;
  tt.list.push_back(t);
  ++tt.stats.created;
  return tid;
}

int64_t clone_process(SysContext& c, uint64_t flags, uint64_t sp, uint64_t ptid, uint64_t tls,
                      uint64_t ctid) {
  const bool vfork = (flags & kCloneVfork) != 0;
  int channel[2] = {-1, -1};  // vfork: the child's memory comes back through it
  if (vfork && ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, channel) != 0)
    return neg_errno();
  if (c.before_fork && *c.before_fork) (*c.before_fork)();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int64_t err = neg_errno();
    if (vfork) {
      ::close(channel[0]);
      ::close(channel[1]);
    }
    return err;
  }
  if (pid == 0) {
    // A vfork child's own children do not hold its parent up.
    if (c.vfork_fd >= 0) ::close(c.vfork_fd);
    c.vfork_fd = vfork ? channel[1] : -1;
    if (vfork) ::close(channel[0]);
    c.pid = static_cast<int>(::getpid());
    GuestThread self = c.threads.running();
    self.tid = c.pid;
    self.waiting = false;
    self.clear_tid = (flags & kCloneChildCleartid) ? ctid : 0;
    c.threads.list = {self};
    c.threads.current = 0;
    c.children.clear();
    c.signals.pending = 0;  // Linux: a child starts with no pending signals
    if (flags & kCloneChildSettid) put_tid(c, ctid, c.pid);
    if (sp != 0) c.mem.set_x(kSp, sp);
    if (flags & kCloneSettls) c.mem.set_x(kTp, tls);
    if (c.on_fork && *c.on_fork && !(*c.on_fork)(true))
      c.outcome = SyscallOutcome{SyscallOutcome::Kind::Signal, SIGKILL};
    return 0;
  }
  if (vfork) ::close(channel[1]);
  c.children.insert(pid);
  if (c.on_fork && *c.on_fork && !(*c.on_fork)(false)) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    c.children.erase(pid);
    if (vfork) ::close(channel[0]);
    return -ENOMEM;
  }
  // Every guest thread waits with the vforking one (they share the host thread).
  if (vfork) await_vfork(c, channel[0]);
  // After the child's pages: on Linux both writes land in the one memory.
  if (flags & kCloneParentSettid) put_tid(c, ptid, pid);
  return pid;
}

int64_t sys_clone(SysContext& c, const SyscallArgs& a) {
  // RISC-V's argument order (CONFIG_CLONE_BACKWARDS): flags, stack, parent_tid, tls, child_tid.
  const uint64_t flags = a[0];
  switch (clone_kind(flags)) {
    case CloneKind::Thread: return clone_thread(c, flags, a[1], a[2], a[3], a[4]);
    case CloneKind::Fork: return clone_process(c, flags, a[1], a[2], a[3], a[4]);
    case CloneKind::Unsupported: break;
  }
  c.note_once(fmt::format(
      "strata: rv64: clone flags {:#x} are not supported (a thread needs "
      "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD, a process SIGCHLD without "
      "CLONE_VM), returning EINVAL",
      flags));
  return -EINVAL;
}

// glibc tries clone3 first and falls back to clone on ENOSYS (as under qemu-user): no note.
int64_t sys_clone3(SysContext&, const SyscallArgs&) {
  return -ENOSYS;
}

// One thread ends; the last one ends the process with its status.
int64_t sys_exit(SysContext& c, const SyscallArgs& a) {
  ThreadTable& tt = c.threads;
  if (tt.list.size() == 1) {
    c.outcome = SyscallOutcome{SyscallOutcome::Kind::Exit, static_cast<int>(a[0] & 0xff)};
    return 0;
  }
  const uint64_t clear = tt.running().clear_tid;
  const uint32_t zero = 0;
  // How pthread_join learns the thread is gone: the tid word is zeroed and its waiters woken.
  if (clear != 0 && clear % 4 == 0 && c.copy_out(clear, &zero, 4)) futex_wake(c, clear, 1, ~0u);
  tt.leave = ThreadTable::Leave::Exit;
  return 0;
}

int64_t sys_exit_group(SysContext& c, const SyscallArgs& a) {
  c.outcome = SyscallOutcome{SyscallOutcome::Kind::Exit, static_cast<int>(a[0] & 0xff)};
  return 0;
}

int64_t sys_set_tid_address(SysContext& c, const SyscallArgs& a) {
  c.threads.running().clear_tid = a[0];
  return c.threads.running().tid;
}

int64_t sys_gettid(SysContext& c, const SyscallArgs&) {
  return c.threads.running().tid;
}

int64_t sys_sched_yield(SysContext& c, const SyscallArgs&) {
  if (c.threads.list.size() > 1) c.threads.leave = ThreadTable::Leave::Yield;
  return 0;
}

// WNOHANG 1, WUNTRACED/WSTOPPED 2, WEXITED 4, WCONTINUED 8, WNOWAIT 0x1000000, __WNOTHREAD,
// __WALL, __WCLONE.
constexpr uint64_t kWaitOptions =
    0x1 | 0x2 | 0x4 | 0x8 | 0x1000000 | 0x20000000 | 0x40000000 | 0x80000000;

// The status word and struct rusage are the same on riscv64 and x86-64 Linux.
int64_t sys_wait4(SysContext& c, const SyscallArgs& a) {
  if ((a[2] & ~kWaitOptions) != 0 || (a[2] & 0x4) || (a[2] & 0x1000000)) return -EINVAL;
  if (!(a[2] & WNOHANG) && park_for_wait4(c, arg_int(a[0]), static_cast<int>(a[2]))) return 0;
  int status = 0;
  rusage usage{};
  pid_t r;
  do {
    r = ::wait4(static_cast<pid_t>(arg_int(a[0])), &status, static_cast<int>(a[2]),
                a[3] != 0 ? &usage : nullptr);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return neg_errno();
  if (r > 0 && (WIFEXITED(status) || WIFSIGNALED(status))) c.children.erase(r);
  if (r > 0 && a[1] != 0 && !c.copy_out(a[1], &status, sizeof status)) return -EFAULT;
  if (a[3] != 0 && !c.copy_out(a[3], &usage, sizeof usage)) return -EFAULT;
  return r;
}

// siginfo_t (128 bytes) has the same SIGCHLD layout on riscv64 and x86-64.
int64_t sys_waitid(SysContext& c, const SyscallArgs& a) {
  if ((a[3] & ~kWaitOptions) != 0) return -EINVAL;
  if (!(a[3] & WNOHANG) &&
      park_for_child(c, static_cast<int>(a[0]), static_cast<int>(a[1]), static_cast<int>(a[3])))
    return 0;
  uint8_t info[128] = {};
  rusage usage{};
  long r;
  do {
    r = ::syscall(SYS_waitid, static_cast<int>(a[0]), static_cast<int>(a[1]), info,
                  static_cast<int>(a[3]), a[4] != 0 ? &usage : nullptr);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return neg_errno();
  siginfo_t si;
  static_assert(sizeof si == sizeof info);
  std::memcpy(&si, info, sizeof si);
  if (si.si_pid != 0 && !(a[3] & 0x1000000) &&
      (si.si_code == CLD_EXITED || si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED))
    c.children.erase(si.si_pid);
  if (a[2] != 0 && !c.copy_out(a[2], info, sizeof info)) return -EFAULT;
  if (a[4] != 0 && !c.copy_out(a[4], &usage, sizeof usage)) return -EFAULT;
  return 0;
}

}  // namespace

void add_thread_syscalls(SyscallTable& t) {
  t[93] = sys_exit;
  t[94] = sys_exit_group;
  t[95] = sys_waitid;
  t[96] = sys_set_tid_address;
  t[124] = sys_sched_yield;
  t[178] = sys_gettid;
  t[220] = sys_clone;
  t[260] = sys_wait4;
  t[435] = sys_clone3;
}

}  // namespace strata::vm::rv64

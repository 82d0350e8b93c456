// Process: the Linux personality of an RV64 user-mode guest. It places the executable (and its
// dynamic linker) in guest memory, builds the initial stack and registers, and serves the
// guest's system calls (files, memory, time, random, signals and their guest handlers, exit).
//
// The runner (jit/rv64/runner.hpp) owns the CPU loop: when a block exits with ExitReason::Ecall
// it calls syscall(), which reads a7 (number) and a0..a5 from the state page, does the work and
// writes a0 (result or -errno). Guest pointers are untrusted: every buffer is checked against
// GuestMemory before use; a bad one gives -EFAULT, never a host fault.
//
// Guest file descriptors are a table of their own (0, 1, 2 start as the ProcessOptions fds and
// are never closed on the host); the guest never sees or closes the host's other descriptors
// (the code cache's memfd, ...). Files are the host's, as under qemu-user: an absolute path is
// looked up under the sysroot first, /proc/self/exe is the guest executable and /proc/self/fd/N
// the guest's fd N. A write to a closed pipe gives the guest EPIPE and SIGPIPE; the host's
// SIGPIPE is blocked around the write, so it never kills the host. Sockets and epoll are the
// host's too (syscall_socket.cpp, syscall_epoll.cpp): SCM_RIGHTS fds are translated between the
// guest table and the host, riscv64's 16-byte epoll_event to the host's packed one, and a send
// raises the guest's SIGPIPE (never the host's) unless MSG_NOSIGNAL.
//
// An unknown syscall returns -ENOSYS and is reported once per number on diag_fd:
//   strata: rv64: unsupported syscall 435 (clone3), returning ENOSYS
//
// Guest address space layout (top = GuestMemory::top(), page aligned down):
//   [exe segments]            at their ELF addresses (ET_DYN: from 0x10000)
//   [brk heap]                from the page after the executable's last segment up to brk_max:
//                             at most 1 GiB and at most half of the room below the mmap ceiling,
//                             and never into the interpreter
//   [mmap area]               [brk_max, mmap_ceiling), allocated top-down; the interpreter
//                             (ld.so) sits inside it at 1 GiB, or at a quarter of the space when
//                             the space is smaller than 2 GiB
//   1 MiB gap                 below the stack, never allocated
//   [stack]                   8 MiB read/write, ending 4 KiB below top (one unmapped guard page)
// MAP_FIXED may place a mapping anywhere in [0x10000, top).
//
// Threads (clone with CLONE_VM|CLONE_THREAD) are green threads on the host thread that runs the
// CPU loop (guest_threads.hpp): the Process switches the state page between them when one
// blocks in futex wait, parks in a syscall that would block the host (blocked_call.hpp), yields
// or exits, and the runner when a time slice ends (preempt()). When every thread waits, syscall()
// says Idle and the runner calls wait_runnable(). Processes (clone without CLONE_VM, fork and
// vfork) are host forks (syscall_thread.cpp); a vfork's parent waits until the child execs or
// ends and takes back the pages the child wrote (syscall_vfork.cpp).
//
// execve (syscall_exec.cpp) of a RISC-V program replaces the program inside this host process:
// syscall() says Exec, the runner takes the handover (take_exec), drops this Process, the memory
// and every translation, and creates the new Process from it (same pid, fds without the
// close-on-exec ones, ignored signals and the mask kept). A host program (x86-64 ELF) is run by
// the host's execve with the guest's fds at their own numbers; a #! script runs its interpreter.
//
// Signals: guest handlers run (signal_frame.hpp): a signal raised by a syscall is delivered as
// that syscall returns, a synchronous fault through deliver_fault(); the handler returns through
// a sigreturn trampoline page (`li a7, 139; ecall`, read+exec) at the bottom of the gap below the
// stack, the guest's stand-in for the vDSO.
//
// Not implemented yet: clone3 (ENOSYS, glibc falls back to clone), recvmmsg/sendmmsg (ENOSYS),
// stopping on
// SIGSTOP/SIGTSTP (ignored, with a note), interrupting a blocking or parked syscall with a signal
// (only a host signal could, and those are not forwarded), writable MAP_SHARED file mappings
// (ENODEV), a vfork child's mmap/munmap reaching its parent (only the pages it wrote do). chdir,
// fchdir and umask act on the host process (one guest per host process, as under qemu-user).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "isa/error.hpp"
#include "vm/rv64/guest_memory.hpp"
#include "vm/rv64/guest_threads.hpp"

namespace strata::vm::rv64 {

struct ExecHandover;

struct ProcessOptions {
  std::string path;               // host path of the executable
  std::vector<std::string> argv;  // argv[0] first (normally the path as the user gave it)
  std::vector<std::string> envp;  // the guest's environment
  std::string sysroot;            // for PT_INTERP executables; empty: dynamic ones are refused
  int stdin_fd = 0;               // host fds behind guest fds 0, 1, 2
  int stdout_fd = 1;
  int stderr_fd = 2;
  int diag_fd = 2;              // where Strata's own notes go (unsupported syscalls)
  uint64_t random_seed = 0;     // AT_RANDOM; getrandom uses the host's randomness
  bool trace_syscalls = false;  // one diag_fd line per syscall, like qemu-user's -strace
};

// What the runner does after a syscall (or a fault given to deliver_fault).
struct SyscallOutcome {
  // Continue: at the ecall's pc + 4. Redirect: at state::kPc as the Process set it (a signal
  // handler was entered, or rt_sigreturn restored a context; a0 is not the syscall's result).
  // Exit, Signal: the process ended. Idle: every guest thread waits (on a futex, or parked in a
  // blocking syscall); the runner calls wait_runnable() until it returns true, then continues at
  // state::kPc (a parked thread's ecall, which then runs again).
  // Exec: execve replaces the program; the runner takes the handover (Process::take_exec),
  // drops this Process, its memory and every translation, and starts the new program with
  // Process::create(memory, handover).
  enum class Kind { Continue, Exit, Signal, Redirect, Idle, Exec };
  Kind kind = Kind::Continue;
  int status = 0;  // Exit: the exit status (0..255); Signal: the signal number (SIGABRT...)
};

// Where the process's regions are (see the layout above).
struct ProcessLayout {
  uint64_t brk_start = 0;     // initial break (page aligned)
  uint64_t brk_max = 0;       // the break never passes this
  uint64_t mmap_floor = 0;    // mmap without MAP_FIXED allocates inside [floor, ceiling),
  uint64_t mmap_ceiling = 0;  //   top-down
  uint64_t stack_bottom = 0;  // [stack_bottom, stack_top) is the stack
  uint64_t stack_top = 0;
};

struct ProcessStats {
  uint64_t syscalls = 0;
  uint64_t unsupported = 0;
};

class Process {
 public:
  // Loads `opts.path` into `mem` (whose size is final), maps the segments with their
  // permissions, writes the initial stack, and sets pc (state::kPc) and sp/the registers Linux
  // sets at exec. Errors: unreadable file, not an RV64 ELF, dynamic without sysroot, does not
  // fit the guest address space — each naming the file and what was wrong.
  static Result<std::unique_ptr<Process>> create(GuestMemory& mem, const ProcessOptions& opts);
  // The program an execve chose (take_exec), in a fresh `mem` of the same size. The handover's
  // image was checked by execve; an error here is past Linux's point of no return.
  static Result<std::unique_ptr<Process>> create(GuestMemory& mem,
                                                 std::shared_ptr<ExecHandover> handover);
  // After syscall() said Exec: what the new program keeps (the fds, signals, children...). A
  // vfork child hands its memory back to its parent here (release_vfork).
  std::shared_ptr<ExecHandover> take_exec();
  ~Process();

  uint64_t entry_pc() const;

  // Serves the ecall whose arguments are in the state page; writes a0 unless the outcome ends
  // the process.
  SyscallOutcome syscall();

  // A synchronous fault raised by the guest's instruction at `pc`: SIGSEGV (code SEGV_MAPERR 1 /
  // SEGV_ACCERR 2, addr = the bad address), SIGBUS, SIGILL (ILL_ILLOPC 1), SIGTRAP (TRAP_BRKPT
  // 1); addr goes to si_addr. The state page must hold the registers to save in the frame.
  struct Fault {
    int sig = 0;
    int code = 0;
    uint64_t pc = 0;
    uint64_t addr = 0;
  };
  // Redirect when a guest handler takes it (state::kPc = the handler); Signal with the signal
  // that ends the process otherwise: the fault's own when its action is the default, SIG_IGN or
  // it is blocked (Linux forces those), SIGSEGV when the frame cannot be written.
  SyscallOutcome deliver_fault(const Fault& f);

  // Guest address of the sigreturn trampoline (`li a7, 139; ecall`).
  uint64_t sigreturn_trampoline() const;

  // Called with a guest range whose contents or mapping changed in a way that can affect
  // translated code (munmap, mmap MAP_FIXED over it, mprotect, riscv_flush_icache: the whole
  // space). The runner sets it to invalidate translations.
  std::function<void(uint64_t addr, uint64_t len)> on_code_change;

  // Called just before the host fork of a guest fork: the runner quiesces what a child could not
  // take over mid-way (a background compile thread).
  std::function<void()> before_fork;
  // Called in both processes after a guest fork (child: true), before syscall() returns. False
  // ends the child with SIGKILL, or makes the parent's fork fail (ENOMEM).
  std::function<bool(bool child)> on_fork;

  // Guest threads. The running thread's registers are the state page.
  size_t thread_count() const;
  // The running thread's slice ended at `pc` (a unit boundary: the state page is exact): the
  // parked threads whose wait is over and the timed-out futex waiters become runnable (no
  // sleep), and the next runnable thread, round the list, takes over. Returns the pc to continue
  // at.
  uint64_t preempt(uint64_t pc);
  // Every thread waits: there are no registers to run.
  bool idle() const;
  // While idle: wakes what can run, else sleeps until a parked fd is ready, a child changes, or
  // the earliest deadline, but at most `max_ns`. True when a thread can run again (its registers
  // are in the state page).
  bool wait_runnable(int64_t max_ns);
  const ThreadStats& thread_stats() const;

  const ProcessStats& stats() const;
  const ProcessLayout& layout() const;

 private:
  Process() = default;
  static Result<std::unique_ptr<Process>> create_process(GuestMemory& mem, ExecHandover&& h,
                                                         bool first);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::vm::rv64

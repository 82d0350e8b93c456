// What every syscall handler of the RV64 Linux personality shares: the guest memory, the fd
// table, the mappings and brk, the signal state, and the checked ways to reach guest buffers and
// paths. Internal to vm/rv64 (process.cpp and the syscall_*.cpp files).
//
// Handlers are `int64_t (SysContext&, const SyscallArgs&)`: the value goes to a0 (a negative
// errno on failure; RISC-V Linux uses the asm-generic errno numbers, which are the host's on
// x86-64). A handler that ends the process sets `outcome` instead.
#pragma once

#include <array>
#include <cerrno>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vm/rv64/guest_memory.hpp"
#include "vm/rv64/guest_threads.hpp"
#include "vm/rv64/process.hpp"
#include "vm/rv64/syscall_fds.hpp"
#include "vm/rv64/syscall_vma.hpp"

namespace strata::vm::rv64 {

struct SignalState {
  struct Action {
    uint64_t handler = 0;  // 0 SIG_DFL, 1 SIG_IGN, else a guest function
    uint64_t flags = 0;
    uint64_t mask = 0;
  };
  std::array<Action, 65> actions{};  // indexed by signal number 1..64
  uint64_t blocked = 0;              // bit (sig - 1)
  uint64_t pending = 0;
};

// What a process keeps across execve (Linux): built by the execve syscall (syscall_exec.cpp),
// completed by Process::take_exec, and consumed by Process::create for the new program.
struct ExecHandover {
  ProcessOptions opts;         // the new program's: its host path, argv and envp; the rest kept
  std::string execfn;          // AT_EXECFN: the file name execve was given
  std::string exe_path;        // absolute host path (/proc/self/exe)
  std::vector<uint8_t> image;  // the executable's bytes, read when execve checked it
  // Set by Process::take_exec: the fds without the close-on-exec ones, the signals with their
  // handlers reset to SIG_DFL (ignored ones stay ignored, the mask and pending set stay), the
  // children not reaped yet, the guest's rlimits, and the notes already printed.
  FdTable fds;
  SignalState signals;
  std::array<std::array<uint64_t, 2>, 16> rlimits{};
  std::set<int> children;
  std::set<uint64_t> reported;
  std::set<std::string> notes;
};

using SyscallArgs = std::array<uint64_t, 6>;
struct SysContext;
using SyscallFn = int64_t (*)(SysContext&, const SyscallArgs&);
inline constexpr unsigned kMaxSyscall = 512;
using SyscallTable = std::array<SyscallFn, kMaxSyscall>;

struct SysContext {
  explicit SysContext(GuestMemory& m) : mem(m) {}

  GuestMemory& mem;
  ProcessOptions opts;
  std::string exe_path;  // absolute host path of the executable (/proc/self/exe)
  ProcessLayout layout;
  uint64_t brk = 0;
  FdTable fds;
  VmaMap vmas;
  SignalState signals;
  std::array<std::array<uint64_t, 2>, 16> rlimits{};  // the guest's view, set at start
  ThreadTable threads;
  int pid = 0;
  std::set<int> children;       // host pids of the guest's forked children not reaped yet
  std::set<uint64_t> reported;  // syscall numbers already reported as unsupported
  std::set<std::string> notes;  // one-time notes already printed
  ProcessStats stats;
  SyscallOutcome outcome;
  const std::function<void(uint64_t, uint64_t)>* code_change = nullptr;
  const std::function<void()>* before_fork = nullptr;
  const std::function<bool(bool)>* on_fork = nullptr;
  // Set by a successful execve of a RISC-V program (the outcome is then Exec).
  std::shared_ptr<ExecHandover> exec;
  // In the child of a vfork until it execs or ends: the host pipe the parent waits on
  // (syscall_vfork.cpp).
  int vfork_fd = -1;

  // One line on diag_fd (a newline is added).
  void diag(std::string_view line) const;
  // diag(), but each distinct line only once.
  void note_once(const std::string& line);
  void code_changed(uint64_t addr, uint64_t len) const;

  // GUEST: the buffer helpers below take untrusted addresses and lengths.
  // How many bytes from `addr` (at most n) are mapped (and writable when `write`), contiguously.
  uint64_t usable(uint64_t addr, uint64_t n, bool write) const;
  // Host pointer to the whole of [addr, addr + n) when usable, else nullptr. n == 0 gives a
  // non-null pointer only for an in-range address.
  uint8_t* buffer(uint64_t addr, uint64_t n, bool write);
  bool copy_in(uint64_t addr, void* out, uint64_t n);
  bool copy_out(uint64_t addr, const void* in, uint64_t n);
  // After the host wrote guest [addr, addr + n): if that memory can hold code (an executable
  // page), its translations are stale (read() into a JIT's buffer, say).
  void wrote(uint64_t addr, uint64_t n) const;
  // Reads a path: 0, -EFAULT or -ENAMETOOLONG.
  int read_path(uint64_t addr, std::string* out) const;
  // The host path for a guest path: /proc/self/exe is the executable, /proc/self/fd/N the
  // guest's fd N; an absolute path is looked up under the sysroot first (as qemu-user's -L
  // does), then on the host.
  std::string host_path(const std::string& guest) const;
  // The host dirfd for a guest dirfd argument (AT_FDCWD passes through); -EBADF if not open.
  int host_dirfd(uint64_t guest) const;
  // The host (dirfd, path) for the guest's (dirfd, path pointer) arguments of an *at call; 0 or
  // -errno. An absolute path ignores dirfd, as on Linux.
  int64_t resolve_at(uint64_t dirfd, uint64_t path_addr, int* dir, std::string* path) const;

  // Zeroes guest [addr, addr + len) (page aligned), giving whole host pages back to the host.
  void zero_pages(uint64_t addr, uint64_t len);
};

// Each area adds its handlers to the table.
void add_file_syscalls(SyscallTable& t);
void add_path_syscalls(SyscallTable& t);
void add_stat_syscalls(SyscallTable& t);
void add_memory_syscalls(SyscallTable& t);
void add_time_syscalls(SyscallTable& t);
void add_misc_syscalls(SyscallTable& t);
void add_signal_syscalls(SyscallTable& t);
void add_fsops_syscalls(SyscallTable& t);
void add_poll_syscalls(SyscallTable& t);
void add_futex_syscalls(SyscallTable& t);
void add_thread_syscalls(SyscallTable& t);
void add_exec_syscalls(SyscallTable& t);
void add_socket_syscalls(SyscallTable& t);
void add_epoll_syscalls(SyscallTable& t);

// Whether `file` would load as the program of a guest space whose top is `mem_top` (what
// Process::create checks before it changes anything); the error says why not.
Result<void> check_exec_image(std::span<const uint8_t> file, const std::string& sysroot,
                              uint64_t mem_top, const std::string& what);

// vfork (syscall_vfork.cpp). Linux shares the memory of a vfork child with its suspended parent;
// here the child runs in a copy, and hands its writes back when it execs or ends: every guest
// page it could have written (resident, writable, private) goes through `c.vfork_fd` and the
// pipe is closed. The parent, blocked in await_vfork until the pipe closes, writes the pages
// that differ into its own memory. Safe to call when not a vfork child (nothing happens).
void release_vfork(SysContext& c);
void await_vfork(SysContext& c, int fd);

// The guest's rlimits at start: the host's, except RLIMIT_STACK (8 MiB) and RLIMIT_NOFILE (the
// fd table's size).
void init_rlimits(SysContext& c);

// Sends signal `sig` (1..64) to the guest process: pending while blocked, else its action now
// (a default action that ends the process sets SysContext::outcome).
void send_signal(SysContext& c, int sig);

// The asm-generic name of a syscall number, or "unknown".
const char* syscall_name(uint64_t nr);

// Guest permission bits from mmap PROT_* bits.
inline uint32_t perms_from_prot(uint64_t prot) {
  return ((prot & 1) ? kPermRead : 0) | ((prot & 2) ? kPermWrite : 0) |
         ((prot & 4) ? kPermExec : 0);
}
inline uint64_t page_down(uint64_t a) {
  return a & ~(kPageSize - 1);
}
// Rounds up to a page; false on overflow.
inline bool page_up(uint64_t a, uint64_t* out) {
  if (a > UINT64_MAX - (kPageSize - 1)) return false;
  *out = (a + kPageSize - 1) & ~(kPageSize - 1);
  return true;
}
// The int argument of a syscall (the low 32 bits, sign-extended, as the kernel reads it).
inline int64_t arg_int(uint64_t v) {
  return static_cast<int32_t>(static_cast<uint32_t>(v));
}
inline int64_t neg_errno() {
  return -static_cast<int64_t>(errno);
}

}  // namespace strata::vm::rv64

// Identity, limits and system information: uname, the id calls, rlimits (the guest's own view,
// never applied to the host), getrandom, sysinfo, sched_getaffinity.
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>

#include "vm/rv64/syscall_context.hpp"

namespace strata::vm::rv64 {

namespace {

constexpr uint64_t kRlimInfinity = ~uint64_t{0};
constexpr uint64_t kRlimitStack = 3, kRlimitNofile = 7;
constexpr uint64_t kStackLimit = 8 << 20;

int64_t sys_uname(SysContext& c, const SyscallArgs& a) {
  // struct new_utsname: six 65-byte strings.
  char u[6][65] = {};
  utsname host;
  ::uname(&host);
  const auto put = [](char* field, const char* text) { std::snprintf(field, 65, "%s", text); };
  put(u[0], "Linux");
  put(u[1], host.nodename);
  put(u[2], "6.1.0");
  put(u[3], "#1 SMP Strata");
  put(u[4], "riscv64");
  put(u[5], "(none)");
  return c.copy_out(a[0], u, sizeof u) ? 0 : -EFAULT;
}

int64_t sys_getpid(SysContext& c, const SyscallArgs&) {
  return c.pid;
}
int64_t sys_getppid(SysContext&, const SyscallArgs&) {
  return ::getppid();
}
int64_t sys_getuid(SysContext&, const SyscallArgs&) {
  return ::getuid();
}
int64_t sys_geteuid(SysContext&, const SyscallArgs&) {
  return ::geteuid();
}
int64_t sys_getgid(SysContext&, const SyscallArgs&) {
  return ::getgid();
}
int64_t sys_getegid(SysContext&, const SyscallArgs&) {
  return ::getegid();
}

int64_t sys_set_robust_list(SysContext&, const SyscallArgs& a) {
  // struct robust_list_head is 24 bytes on 64-bit. Accepted, not walked: a thread that dies
  // holding a robust mutex does not mark it OWNER_DIED (threads only end by exiting).
  return a[1] == 24 ? 0 : -EINVAL;
}

int64_t sys_sched_getaffinity(SysContext& c, const SyscallArgs& a) {
  const int64_t pid = arg_int(a[0]);
  if (pid != 0 && pid != c.pid) return -ESRCH;
  // The guest has one CPU; the kernel wants room for a whole unsigned long.
  if (a[1] < 8 || a[1] % 8 != 0) return -EINVAL;
  const uint64_t mask = 1;
  return c.copy_out(a[2], &mask, sizeof mask) ? 8 : -EFAULT;
}

int64_t prlimit(SysContext& c, uint64_t resource, uint64_t new_addr, uint64_t old_addr) {
  if (resource >= c.rlimits.size()) return -EINVAL;
  std::array<uint64_t, 2> next{};
  if (new_addr != 0) {
    if (!c.copy_in(new_addr, next.data(), 16)) return -EFAULT;
    if (next[0] > next[1]) return -EINVAL;
    if (resource == kRlimitNofile && next[1] > static_cast<uint64_t>(FdTable::kMaxFds))
      return -EPERM;
  }
  if (old_addr != 0 && !c.copy_out(old_addr, c.rlimits[resource].data(), 16)) return -EFAULT;
  if (new_addr != 0) c.rlimits[resource] = next;
  return 0;
}

int64_t sys_prlimit64(SysContext& c, const SyscallArgs& a) {
  const int64_t pid = arg_int(a[0]);
  if (pid != 0 && pid != c.pid) return -ESRCH;
  return prlimit(c, a[1], a[2], a[3]);
}

int64_t sys_getrlimit(SysContext& c, const SyscallArgs& a) {
  if (a[1] == 0) return -EFAULT;
  return prlimit(c, a[0], 0, a[1]);
}

int64_t sys_setrlimit(SysContext& c, const SyscallArgs& a) {
  if (a[1] == 0) return -EFAULT;
  return prlimit(c, a[0], a[1], 0);
}

int64_t sys_getrandom(SysContext& c, const SyscallArgs& a) {
  // GRND_NONBLOCK 1, GRND_RANDOM 2, GRND_INSECURE 4.
  if ((a[2] & ~uint64_t{7}) != 0) return -EINVAL;
  constexpr uint64_t kMax = 33554431;  // Linux's per-call cap
  const uint64_t want = a[1] < kMax ? a[1] : kMax;
  const uint64_t n = c.usable(a[0], want, true);
  if (want > 0 && n == 0) return -EFAULT;
  const ssize_t r = ::getrandom(c.mem.host(a[0], n), n, static_cast<unsigned>(a[2]));
  return r < 0 ? neg_errno() : r;
}

int64_t sys_sysinfo(SysContext& c, const SyscallArgs& a) {
  struct sysinfo info;
  static_assert(sizeof(info) == 112);  // the 64-bit struct sysinfo every architecture shares
  if (::sysinfo(&info) < 0) return neg_errno();
  return c.copy_out(a[0], &info, sizeof info) ? 0 : -EFAULT;
}

int64_t sys_getpgid(SysContext& c, const SyscallArgs& a) {
  const int64_t pid = arg_int(a[0]);
  if (pid != 0 && pid != c.pid) return -ESRCH;
  return ::getpgid(0);
}

int64_t sys_getsid(SysContext& c, const SyscallArgs& a) {
  const int64_t pid = arg_int(a[0]);
  if (pid != 0 && pid != c.pid) return -ESRCH;
  return ::getsid(0);
}

// The host process's umask, like its cwd, is the guest's (one guest per host process).
int64_t sys_umask(SysContext&, const SyscallArgs& a) {
  return ::umask(static_cast<mode_t>(a[0] & 0777));
}

}  // namespace

void init_rlimits(SysContext& c) {
  for (size_t r = 0; r < c.rlimits.size(); ++r) {
    rlimit host;
    if (::getrlimit(static_cast<__rlimit_resource>(r), &host) == 0)
      c.rlimits[r] = {host.rlim_cur, host.rlim_max};
    else
      c.rlimits[r] = {kRlimInfinity, kRlimInfinity};
  }
  c.rlimits[kRlimitStack] = {kStackLimit, kRlimInfinity};
  c.rlimits[kRlimitNofile] = {FdTable::kMaxFds, FdTable::kMaxFds};
}

void add_misc_syscalls(SyscallTable& t) {
  t[99] = sys_set_robust_list;
  t[123] = sys_sched_getaffinity;
  t[155] = sys_getpgid;
  t[156] = sys_getsid;
  t[160] = sys_uname;
  t[163] = sys_getrlimit;
  t[164] = sys_setrlimit;
  t[166] = sys_umask;
  t[172] = sys_getpid;
  t[173] = sys_getppid;
  t[174] = sys_getuid;
  t[175] = sys_geteuid;
  t[176] = sys_getgid;
  t[177] = sys_getegid;
  t[179] = sys_sysinfo;
  t[261] = sys_prlimit64;
  t[278] = sys_getrandom;
}

}  // namespace strata::vm::rv64

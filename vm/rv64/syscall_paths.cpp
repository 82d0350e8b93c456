// Path syscalls: unlinkat, mkdirat, renameat(2), faccessat(2), readlinkat, getcwd, chdir,
// fchdir. Paths are
// read from guest memory (bounded, checked) and mapped by SysContext::host_path.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "vm/rv64/syscall_context.hpp"

namespace strata::vm::rv64 {

namespace {

int64_t ret(int r) {
  return r < 0 ? neg_errno() : 0;
}

int64_t sys_unlinkat(SysContext& c, const SyscallArgs& a) {
  int dir;
  std::string path;
  if (int64_t e = c.resolve_at(a[0], a[1], &dir, &path)) return e;
  if ((a[2] & ~uint64_t{AT_REMOVEDIR}) != 0) return -EINVAL;
  return ret(::unlinkat(dir, path.c_str(), static_cast<int>(a[2])));
}

int64_t sys_mkdirat(SysContext& c, const SyscallArgs& a) {
  int dir;
  std::string path;
  if (int64_t e = c.resolve_at(a[0], a[1], &dir, &path)) return e;
  return ret(::mkdirat(dir, path.c_str(), static_cast<mode_t>(a[2] & 07777)));
}

int64_t renameat_flags(SysContext& c, const SyscallArgs& a, uint64_t flags) {
  int olddir, newdir;
  std::string oldpath, newpath;
  if (int64_t e = c.resolve_at(a[0], a[1], &olddir, &oldpath)) return e;
  if (int64_t e = c.resolve_at(a[2], a[3], &newdir, &newpath)) return e;
  // RENAME_NOREPLACE 1, RENAME_EXCHANGE 2, RENAME_WHITEOUT 4: the same everywhere.
  if ((flags & ~uint64_t{7}) != 0) return -EINVAL;
  const long r = ::syscall(SYS_renameat2, olddir, oldpath.c_str(), newdir, newpath.c_str(),
                           static_cast<unsigned>(flags));
  return r < 0 ? neg_errno() : 0;
}

int64_t sys_renameat(SysContext& c, const SyscallArgs& a) {
  return renameat_flags(c, a, 0);
}
int64_t sys_renameat2(SysContext& c, const SyscallArgs& a) {
  return renameat_flags(c, a, a[4]);
}

int64_t access_flags(SysContext& c, const SyscallArgs& a, uint64_t flags) {
  int dir;
  std::string path;
  if (int64_t e = c.resolve_at(a[0], a[1], &dir, &path)) return e;
  if ((a[2] & ~uint64_t{7}) != 0) return -EINVAL;
  // AT_EACCESS 0x200, AT_SYMLINK_NOFOLLOW 0x100, AT_EMPTY_PATH 0x1000: generic values.
  if ((flags & ~uint64_t{0x1300}) != 0) return -EINVAL;
  const long r =
      ::syscall(SYS_faccessat2, dir, path.c_str(), static_cast<int>(a[2]), static_cast<int>(flags));
  if (r < 0 && errno == ENOSYS && flags == 0)
    return ret(::faccessat(dir, path.c_str(), static_cast<int>(a[2]), 0));
  return r < 0 ? neg_errno() : 0;
}

int64_t sys_faccessat(SysContext& c, const SyscallArgs& a) {
  return access_flags(c, a, 0);
}
int64_t sys_faccessat2(SysContext& c, const SyscallArgs& a) {
  return access_flags(c, a, a[3]);
}

int64_t sys_readlinkat(SysContext& c, const SyscallArgs& a) {
  std::string guest;
  if (int e = c.read_path(a[1], &guest)) return e;
  if (arg_int(a[3]) <= 0) return -EINVAL;
  std::string target;
  if (guest == "/proc/self/exe") {
    target = c.exe_path;
  } else {
    int dir;
    std::string path;
    if (int64_t e = c.resolve_at(a[0], a[1], &dir, &path)) return e;
    char buf[PATH_MAX];
    const ssize_t n = ::readlinkat(dir, path.c_str(), buf, sizeof buf);
    if (n < 0) return neg_errno();
    target.assign(buf, static_cast<size_t>(n));
  }
  // Linux truncates silently and writes no NUL.
  const uint64_t n = std::min<uint64_t>(target.size(), static_cast<uint64_t>(arg_int(a[3])));
  if (!c.copy_out(a[2], target.data(), n)) return -EFAULT;
  return static_cast<int64_t>(n);
}

int64_t sys_getcwd(SysContext& c, const SyscallArgs& a) {
  char buf[PATH_MAX];
  if (!::getcwd(buf, sizeof buf)) return neg_errno();
  const uint64_t len = std::strlen(buf) + 1;
  if (a[1] < len) return -ERANGE;
  if (!c.copy_out(a[0], buf, len)) return -EFAULT;
  return static_cast<int64_t>(len);  // the kernel returns the length with the NUL
}

// chdir/fchdir change the host process's working directory: one host process runs one guest,
// as under qemu-user, and relative guest paths then resolve where the guest expects.
int64_t sys_chdir(SysContext& c, const SyscallArgs& a) {
  std::string guest;
  if (int e = c.read_path(a[0], &guest)) return e;
  return ret(::chdir(c.host_path(guest).c_str()));
}

int64_t sys_fchdir(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  return ret(::fchdir(host));
}

}  // namespace

void add_path_syscalls(SyscallTable& t) {
  t[17] = sys_getcwd;
  t[34] = sys_mkdirat;
  t[35] = sys_unlinkat;
  t[38] = sys_renameat;
  t[48] = sys_faccessat;
  t[49] = sys_chdir;
  t[50] = sys_fchdir;
  t[78] = sys_readlinkat;
  t[276] = sys_renameat2;
  t[439] = sys_faccessat2;
}

}  // namespace strata::vm::rv64

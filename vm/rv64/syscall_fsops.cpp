// File metadata and links: truncate/ftruncate, fchmod(at), fchown(at), utimensat, symlinkat,
// linkat, fsync/fdatasync. The structs involved (struct timespec) and the AT_* flags have the
// same layout and values on RISC-V and the host.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vm/rv64/syscall_context.hpp"

namespace strata::vm::rv64 {

namespace {

int64_t ret(int r) {
  return r < 0 ? neg_errno() : 0;
}

int64_t sys_truncate(SysContext& c, const SyscallArgs& a) {
  std::string guest;
  if (int e = c.read_path(a[0], &guest)) return e;
  return ret(::truncate(c.host_path(guest).c_str(), static_cast<off_t>(a[1])));
}

int64_t sys_ftruncate(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  return ret(::ftruncate(host, static_cast<off_t>(a[1])));
}

int64_t sys_fchmod(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  return ret(::fchmod(host, static_cast<mode_t>(a[1] & 07777)));
}

int64_t sys_fchmodat(SysContext& c, const SyscallArgs& a) {
  int dir;
  std::string path;
  if (int64_t e = c.resolve_at(a[0], a[1], &dir, &path)) return e;
  return ret(::fchmodat(dir, path.c_str(), static_cast<mode_t>(a[2] & 07777), 0));
}

int64_t sys_fchownat(SysContext& c, const SyscallArgs& a) {
  // AT_SYMLINK_NOFOLLOW 0x100, AT_EMPTY_PATH 0x1000.
  if ((a[4] & ~uint64_t{0x1100}) != 0) return -EINVAL;
  int dir;
  std::string path;
  if (int64_t e = c.resolve_at(a[0], a[1], &dir, &path)) return e;
  return ret(::fchownat(dir, path.c_str(), static_cast<uid_t>(a[2]), static_cast<gid_t>(a[3]),
                        static_cast<int>(a[4])));
}

int64_t sys_fchown(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  return ret(::fchown(host, static_cast<uid_t>(a[1]), static_cast<gid_t>(a[2])));
}

int64_t sys_utimensat(SysContext& c, const SyscallArgs& a) {
  if ((a[3] & ~uint64_t{0x1100}) != 0) return -EINVAL;
  timespec times[2];
  if (a[2] != 0 && !c.copy_in(a[2], times, sizeof times)) return -EFAULT;
  int dir;
  std::string path;
  if (a[1] == 0) {
    // A NULL path: the times of dirfd itself (what futimens does).
    dir = c.fds.host(arg_int(a[0]));
    if (dir < 0) return -EBADF;
    return ret(::futimens(dir, a[2] ? times : nullptr));
  }
  if (int64_t e = c.resolve_at(a[0], a[1], &dir, &path)) return e;
  return ret(::utimensat(dir, path.c_str(), a[2] ? times : nullptr, static_cast<int>(a[3])));
}

int64_t sys_symlinkat(SysContext& c, const SyscallArgs& a) {
  std::string target;
  if (int e = c.read_path(a[0], &target)) return e;
  int dir;
  std::string path;
  if (int64_t e = c.resolve_at(a[1], a[2], &dir, &path)) return e;
  // The link's contents are the guest's string, unmapped: it is resolved when used.
  return ret(::symlinkat(target.c_str(), dir, path.c_str()));
}

int64_t sys_linkat(SysContext& c, const SyscallArgs& a) {
  // AT_SYMLINK_FOLLOW 0x400, AT_EMPTY_PATH 0x1000.
  if ((a[4] & ~uint64_t{0x1400}) != 0) return -EINVAL;
  int olddir, newdir;
  std::string oldpath, newpath;
  if (int64_t e = c.resolve_at(a[0], a[1], &olddir, &oldpath)) return e;
  if (int64_t e = c.resolve_at(a[2], a[3], &newdir, &newpath)) return e;
  return ret(::linkat(olddir, oldpath.c_str(), newdir, newpath.c_str(), static_cast<int>(a[4])));
}

int64_t sys_fsync(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  return ret(::fsync(host));
}

int64_t sys_fdatasync(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  return ret(::fdatasync(host));
}

}  // namespace

void add_fsops_syscalls(SyscallTable& t) {
  t[36] = sys_symlinkat;
  t[37] = sys_linkat;
  t[45] = sys_truncate;
  t[46] = sys_ftruncate;
  t[52] = sys_fchmod;
  t[53] = sys_fchmodat;
  t[54] = sys_fchownat;
  t[55] = sys_fchown;
  t[82] = sys_fsync;
  t[83] = sys_fdatasync;
  t[88] = sys_utimensat;
}

}  // namespace strata::vm::rv64

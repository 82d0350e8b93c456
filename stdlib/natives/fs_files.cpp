#include "stdlib/natives/fs_files.hpp"

#include <cerrno>
#include <mutex>
#include <unordered_set>

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "stdlib/stdlib.hpp"

namespace strata::stdlib {
namespace {

struct FdTable {
  std::mutex mu;
  std::unordered_set<int> fds;
};

FdTable& fd_table() {
  static FdTable t;
  return t;
}

bool harmless_char_device(const struct stat& st) {
  // Linux's memory devices: 1:3 null, 1:5 zero, 1:8 random, 1:9 urandom.
  unsigned mi = minor(st.st_rdev);
  return major(st.st_rdev) == 1 && (mi == 3 || mi == 5 || mi == 8 || mi == 9);
}

bool pseudo_filesystem(long type) {
  switch (type) {
    case PROC_SUPER_MAGIC:
    case SYSFS_MAGIC:
    case DEBUGFS_MAGIC:
    case TRACEFS_MAGIC:
    case SECURITYFS_MAGIC:
    case CGROUP_SUPER_MAGIC:
    case CGROUP2_SUPER_MAGIC:
    case BPF_FS_MAGIC: return true;
    default: return false;
  }
}

// Judged on the opened descriptor, not the path: no symlink or /proc alias can dodge it.
bool allowed_kind(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return false;
  if (S_ISCHR(st.st_mode)) return harmless_char_device(st);
  if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) return false;
  struct statfs fs;
  return ::fstatfs(fd, &fs) == 0 && !pseudo_filesystem(static_cast<long>(fs.f_type));
}

}  // namespace

int open_guest_file(const char* path, int flags) {
  // O_NONBLOCK so that opening a FIFO returns at once (to be refused); cleared afterwards.
  int fd = ::open(path, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0666);
  if (fd < 0) return -errno;
  if (!allowed_kind(fd)) {
    ::close(fd);
    return -EACCES;
  }
  if ((flags & O_NONBLOCK) == 0) {
    int fl = ::fcntl(fd, F_GETFL);
    if (fl >= 0) ::fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  }
  return fd;
}

bool fd_owned(int fd) {
  FdTable& t = fd_table();
  std::lock_guard lock(t.mu);
  return t.fds.count(fd) != 0;
}

void fd_own(int fd) {
  FdTable& t = fd_table();
  std::lock_guard lock(t.mu);
  t.fds.insert(fd);
}

void fd_disown(int fd) {
  FdTable& t = fd_table();
  std::lock_guard lock(t.mu);
  t.fds.erase(fd);
}

void close_open_files() {
  FdTable& t = fd_table();
  std::lock_guard lock(t.mu);
  for (int fd : t.fds) ::close(fd);
  t.fds.clear();
}

}  // namespace strata::stdlib

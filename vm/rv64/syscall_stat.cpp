// stat syscalls. newfstatat/fstat convert the host's struct stat to the asm-generic one RISC-V
// uses (below); statx's struct is the same on every architecture and passes through.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "vm/rv64/syscall_context.hpp"

namespace strata::vm::rv64 {

namespace {

// asm-generic struct stat (include/uapi/asm-generic/stat.h), 128 bytes.
struct GuestStat {
  uint64_t dev;
  uint64_t ino;
  uint32_t mode;
  uint32_t nlink;
  uint32_t uid;
  uint32_t gid;
  uint64_t rdev;
  uint64_t pad1;
  int64_t size;
  int32_t blksize;
  int32_t pad2;
  int64_t blocks;
  int64_t atime, atime_nsec;
  int64_t mtime, mtime_nsec;
  int64_t ctime, ctime_nsec;
  uint32_t unused4, unused5;
};
static_assert(sizeof(GuestStat) == 128);
static_assert(offsetof(GuestStat, size) == 48 && offsetof(GuestStat, atime) == 72);

GuestStat convert(const struct stat& s) {
  GuestStat g{};
  g.dev = s.st_dev;
  g.ino = s.st_ino;
  g.mode = s.st_mode;
  g.nlink = static_cast<uint32_t>(s.st_nlink);
  g.uid = s.st_uid;
  g.gid = s.st_gid;
  g.rdev = s.st_rdev;
  g.size = s.st_size;
  g.blksize = static_cast<int32_t>(s.st_blksize);
  g.blocks = s.st_blocks;
  g.atime = s.st_atim.tv_sec, g.atime_nsec = s.st_atim.tv_nsec;
  g.mtime = s.st_mtim.tv_sec, g.mtime_nsec = s.st_mtim.tv_nsec;
  g.ctime = s.st_ctim.tv_sec, g.ctime_nsec = s.st_ctim.tv_nsec;
  return g;
}

int64_t put_stat(SysContext& c, uint64_t addr, const struct stat& s) {
  const GuestStat g = convert(s);
  return c.copy_out(addr, &g, sizeof g) ? 0 : -EFAULT;
}

// AT_SYMLINK_NOFOLLOW 0x100, AT_NO_AUTOMOUNT 0x800, AT_EMPTY_PATH 0x1000 (generic values).
constexpr uint64_t kStatFlags = 0x1900;

int64_t sys_newfstatat(SysContext& c, const SyscallArgs& a) {
  if ((a[3] & ~kStatFlags) != 0) return -EINVAL;
  int dir;
  std::string path;
  if (int64_t e = c.resolve_at(a[0], a[1], &dir, &path)) return e;
  if (!c.buffer(a[2], sizeof(GuestStat), true)) return -EFAULT;
  struct stat s;
  if (::fstatat(dir, path.c_str(), &s, static_cast<int>(a[3])) < 0) return neg_errno();
  return put_stat(c, a[2], s);
}

int64_t sys_fstat(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  if (!c.buffer(a[1], sizeof(GuestStat), true)) return -EFAULT;
  struct stat s;
  if (::fstat(host, &s) < 0) return neg_errno();
  return put_stat(c, a[1], s);
}

int64_t sys_statx(SysContext& c, const SyscallArgs& a) {
  // AT_STATX_SYNC_TYPE bits 0x6000 on top of the stat flags.
  if ((a[2] & ~(kStatFlags | 0x6000)) != 0) return -EINVAL;
  int dir;
  std::string path;
  if (int64_t e = c.resolve_at(a[0], a[1], &dir, &path)) return e;
  constexpr uint64_t kStatxSize = 256;
  uint8_t* out = c.buffer(a[4], kStatxSize, true);
  if (!out) return -EFAULT;
  const long r = ::syscall(SYS_statx, dir, path.c_str(), static_cast<int>(a[2]),
                           static_cast<unsigned>(a[3]), out);
  return r < 0 ? neg_errno() : 0;
}

}  // namespace

void add_stat_syscalls(SyscallTable& t) {
  t[79] = sys_newfstatat;
  t[80] = sys_fstat;
  t[291] = sys_statx;
}

}  // namespace strata::vm::rv64

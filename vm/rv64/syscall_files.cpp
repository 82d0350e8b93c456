// File-descriptor syscalls: open/close, read/write and their vector and positioned forms, lseek,
// dup/dup3/fcntl, pipe2, getdents64, ioctl. Every guest fd goes through the FdTable; every
// buffer is checked (GUEST) before the host touches it. With several guest threads, read, readv,
// write, writev and F_SETLKW park the thread rather than block the host (blocked_call.hpp).
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "vm/rv64/blocked_call.hpp"
#include "vm/rv64/syscall_context.hpp"
#include "vm/rv64/syscall_io.hpp"
#include "vm/rv64/syscall_open_flags.hpp"

namespace strata::vm::rv64 {

namespace {

// Linux's MAX_RW_COUNT: one read or write moves at most this many bytes.
constexpr uint64_t kMaxRw = 0x7ffff000;

int64_t result(ssize_t r) {
  return r < 0 ? neg_errno() : r;
}

// A blocking write to a pipe or socket while other threads may run (writes_in_pieces): pieces of
// at most PIPE_BUF while the fd takes them, parking in between. As Linux, the call returns when
// everything is written (a write of at most PIPE_BUF is one piece, so stays atomic), or with the
// count so far when an error (EPIPE) stops it after some bytes.
int64_t write_in_pieces(SysContext& c, int host, const std::vector<iovec>& iov) {
  uint64_t total = 0;
  for (const iovec& v : iov) total += v.iov_len;
  total = std::min(total, kMaxRw);
  BlockedCall& call = blocked_call(c);
  while (call.done < total) {
    if (fd_would_block(host, POLLOUT)) {
      call.fds = {pollfd{host, POLLOUT, 0}};
      park(c, -1);
      return 0;
    }
    const std::vector<iovec> piece =
        iov_slice(iov, call.done, std::min(total - call.done, kPipeBuf));
    const int64_t r = guest_write(
        c, [&] { return ::writev(host, piece.data(), static_cast<int>(piece.size())); });
    if (r < 0) return call.done > 0 ? static_cast<int64_t>(call.done) : r;
    call.done += static_cast<uint64_t>(r);
  }
  return static_cast<int64_t>(call.done);
}

int64_t sys_openat(SysContext& c, const SyscallArgs& a) {
  int dir;
  std::string path;
  if (int64_t e = c.resolve_at(a[0], a[1], &dir, &path)) return e;
  // Host descriptors are always close-on-exec; the guest's flag lives in its fd table.
  const int host = ::openat(dir, path.c_str(), host_open_flags(a[2]) | O_CLOEXEC,
                            static_cast<mode_t>(a[3] & 07777));
  if (host < 0) return neg_errno();
  return install_fd(c, host, (a[2] & kGuestOCloexec) != 0);
}

int64_t sys_close(SysContext& c, const SyscallArgs& a) {
  return c.fds.close(arg_int(a[0]));
}

int64_t sys_read(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  // GUEST: read no more than the writable bytes at buf (Linux stops at the first bad page too).
  const uint64_t want = a[2] < kMaxRw ? a[2] : kMaxRw;
  const uint64_t n = c.usable(a[1], want, true);
  if (want > 0 && n == 0) return -EFAULT;
  if (n > 0 && park_until_ready(c, host, POLLIN)) return 0;
  const ssize_t r = ::read(host, c.mem.host(a[1], n), n);
  if (r > 0) c.wrote(a[1], static_cast<uint64_t>(r));
  return result(r);
}

int64_t sys_write(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  const uint64_t want = a[2] < kMaxRw ? a[2] : kMaxRw;
  const uint64_t n = c.usable(a[1], want, false);
  if (want > 0 && n == 0) return -EFAULT;
  // A retry of a piecewise write goes on with it even when the other threads have ended.
  if (n > 0 && (retried_call(c) || writes_in_pieces(c, host)))
    return write_in_pieces(c, host, {iovec{c.mem.host(a[1], n), n}});
  if (n > 0 && park_until_ready(c, host, POLLOUT)) return 0;
  return guest_write(c, [&] { return ::write(host, c.mem.host(a[1], n), n); });
}

int64_t sys_pread64(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  const uint64_t want = a[2] < kMaxRw ? a[2] : kMaxRw;
  const uint64_t n = c.usable(a[1], want, true);
  if (want > 0 && n == 0) return -EFAULT;
  const ssize_t r = ::pread(host, c.mem.host(a[1], n), n, static_cast<off_t>(a[3]));
  if (r > 0) c.wrote(a[1], static_cast<uint64_t>(r));
  return result(r);
}

int64_t sys_pwrite64(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  const uint64_t want = a[2] < kMaxRw ? a[2] : kMaxRw;
  const uint64_t n = c.usable(a[1], want, false);
  if (want > 0 && n == 0) return -EFAULT;
  return guest_write(
      c, [&] { return ::pwrite(host, c.mem.host(a[1], n), n, static_cast<off_t>(a[3])); });
}

int64_t sys_readv(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  std::vector<iovec> iov;
  if (int64_t e = import_iov(c, a[1], a[2], true, &iov)) return e;
  if (park_until_ready(c, host, POLLIN)) return 0;
  const ssize_t r = ::readv(host, iov.data(), static_cast<int>(iov.size()));
  wrote_iov(c, iov, r);
  return result(r);
}

int64_t sys_writev(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  std::vector<iovec> iov;
  if (int64_t e = import_iov(c, a[1], a[2], false, &iov)) return e;
  if (retried_call(c) || writes_in_pieces(c, host)) return write_in_pieces(c, host, iov);
  if (park_until_ready(c, host, POLLOUT)) return 0;
  return guest_write(c, [&] { return ::writev(host, iov.data(), static_cast<int>(iov.size())); });
}

int64_t sys_preadv(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  std::vector<iovec> iov;
  if (int64_t e = import_iov(c, a[1], a[2], true, &iov)) return e;
  const ssize_t r =
      ::preadv(host, iov.data(), static_cast<int>(iov.size()), static_cast<off_t>(a[3]));
  wrote_iov(c, iov, r);
  return result(r);
}

int64_t sys_pwritev(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  std::vector<iovec> iov;
  if (int64_t e = import_iov(c, a[1], a[2], false, &iov)) return e;
  return guest_write(c, [&] {
    return ::pwritev(host, iov.data(), static_cast<int>(iov.size()), static_cast<off_t>(a[3]));
  });
}

int64_t sys_lseek(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  const off_t r = ::lseek(host, static_cast<off_t>(a[1]), static_cast<int>(arg_int(a[2])));
  return r < 0 ? neg_errno() : r;
}

int64_t dup_to_lowest(SysContext& c, int64_t fd, int min_fd, bool cloexec) {
  const int host = c.fds.host(fd);
  if (host < 0) return -EBADF;
  if (min_fd < 0 || min_fd >= FdTable::kMaxFds) return -EINVAL;
  const int copy = ::fcntl(host, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return neg_errno();
  return install_fd(c, copy, cloexec, min_fd);
}

int64_t sys_dup(SysContext& c, const SyscallArgs& a) {
  return dup_to_lowest(c, arg_int(a[0]), 0, false);
}

int64_t sys_dup3(SysContext& c, const SyscallArgs& a) {
  const int64_t oldfd = arg_int(a[0]), newfd = arg_int(a[1]);
  if ((a[2] & ~kGuestOCloexec) != 0) return -EINVAL;
  const int host = c.fds.host(oldfd);
  if (host < 0) return -EBADF;
  if (oldfd == newfd) return -EINVAL;
  if (newfd < 0 || newfd >= FdTable::kMaxFds) return -EBADF;
  const int copy = ::fcntl(host, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return neg_errno();
  return c.fds.put(static_cast<int>(newfd), GuestFd{copy, (a[2] & kGuestOCloexec) != 0, true});
}

int64_t sys_fcntl(SysContext& c, const SyscallArgs& a) {
  const int64_t fd = arg_int(a[0]);
  const GuestFd* e = c.fds.get(fd);
  if (!e) return -EBADF;
  const int host = e->host;
  switch (arg_int(a[1])) {
    case 0:  // F_DUPFD
      return dup_to_lowest(c, fd, static_cast<int>(arg_int(a[2])), false);
    case 1030:  // F_DUPFD_CLOEXEC
      return dup_to_lowest(c, fd, static_cast<int>(arg_int(a[2])), true);
    case 1:  // F_GETFD
      return e->cloexec ? 1 : 0;
    case 2:  // F_SETFD
      c.fds.set_cloexec(static_cast<int>(fd), (a[2] & 1) != 0);
      return 0;
    case 3: {  // F_GETFL
      const int r = ::fcntl(host, F_GETFL);
      return r < 0 ? neg_errno() : static_cast<int64_t>(guest_open_flags(r));
    }
    case 4: {  // F_SETFL
      const int r = ::fcntl(host, F_SETFL, host_open_flags(a[2]));
      return r < 0 ? neg_errno() : 0;
    }
    case 5:
    case 6:
    case 7:  // F_GETLK, F_SETLK, F_SETLKW
    case 36:
    case 37:
    case 38: {  // F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW
      // struct flock is {i16 type, i16 whence, i64 start, i64 len, i32 pid} on both sides.
      struct flock fl;
      static_assert(sizeof(fl) == 32);
      if (!c.copy_in(a[2], &fl, sizeof fl)) return -EFAULT;
      const int cmd = static_cast<int>(arg_int(a[1]));
      if ((cmd == F_SETLKW || cmd == F_OFD_SETLKW) && can_park(c)) {
        // Another process holds the lock: try again later rather than block every thread.
        if (::fcntl(host, cmd == F_SETLKW ? F_SETLK : F_OFD_SETLK, &fl) == 0) return 0;
        if (errno != EAGAIN && errno != EACCES) return neg_errno();
        blocked_call(c).fds.clear();
        park(c, monotonic_ns() + kLockRecheckNs);
        return 0;
      }
      if (::fcntl(host, cmd, &fl) < 0) return neg_errno();
      if (!c.copy_out(a[2], &fl, sizeof fl)) return -EFAULT;
      return 0;
    }
    case 1031:
    case 1032: {  // F_SETPIPE_SZ, F_GETPIPE_SZ
      const int r = ::fcntl(host, static_cast<int>(arg_int(a[1])), static_cast<int>(a[2]));
      return r < 0 ? neg_errno() : r;
    }
    default: return -EINVAL;
  }
}

int64_t sys_pipe2(SysContext& c, const SyscallArgs& a) {
  if ((a[1] & ~(kGuestOCloexec | kGuestONonblock | kGuestODirect)) != 0) return -EINVAL;
  if (!c.buffer(a[0], 8, true)) return -EFAULT;
  int host[2];
  if (::pipe2(host, host_open_flags(a[1]) | O_CLOEXEC) < 0) return neg_errno();
  const bool cloexec = (a[1] & kGuestOCloexec) != 0;
  const int64_t r = install_fd(c, host[0], cloexec);
  if (r < 0) {
    ::close(host[1]);
    return r;
  }
  const int64_t w = install_fd(c, host[1], cloexec);
  if (w < 0) {
    c.fds.close(r);
    return w;
  }
  const int32_t out[2] = {static_cast<int32_t>(r), static_cast<int32_t>(w)};
  c.copy_out(a[0], out, sizeof out);
  return 0;
}

int64_t sys_getdents64(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  // struct linux_dirent64 has one layout on every architecture: the host fills the guest buffer.
  const uint64_t want = a[2] < kMaxRw ? a[2] : kMaxRw;
  if (want < 24) return -EINVAL;  // smaller than one struct linux_dirent64
  uint8_t* p = c.buffer(a[1], want, true);
  if (!p) return -EFAULT;
  const long r = ::syscall(SYS_getdents64, host, p, want);
  return r < 0 ? neg_errno() : r;
}

int64_t sys_ioctl(SysContext& c, const SyscallArgs& a) {
  const int64_t fd = arg_int(a[0]);
  const int host = c.fds.host(fd);
  if (host < 0) return -EBADF;
  const uint32_t request = static_cast<uint32_t>(a[1]);
  // The kernel's struct termios (not glibc's): 4 x u32 flags, c_line, c_cc[19]; generic and
  // x86-64 agree. struct winsize is 4 x u16.
  constexpr uint64_t kTermiosSize = 36, kWinsizeSize = 8;
  uint64_t size = 0;
  bool out = false;
  switch (request) {
    case 0x5401: size = kTermiosSize, out = true; break;  // TCGETS
    case 0x5402:
    case 0x5403:
    case 0x5404: size = kTermiosSize; break;                                // TCSETS, W, F
    case 0x5413: size = kWinsizeSize, out = true; break;                    // TIOCGWINSZ
    case 0x5414: size = kWinsizeSize; break;                                // TIOCSWINSZ
    case 0x541B: size = 4, out = true; break;                               // FIONREAD
    case 0x5421: size = 4; break;                                           // FIONBIO
    case 0x5451: c.fds.set_cloexec(static_cast<int>(fd), true); return 0;   // FIOCLEX
    case 0x5450: c.fds.set_cloexec(static_cast<int>(fd), false); return 0;  // FIONCLEX
    default:
      c.note_once(fmt::format(
          "strata: rv64: ioctl request {:#x} is not supported, returning ENOTTY", request));
      return -ENOTTY;
  }
  alignas(8) uint8_t buf[64] = {};
  if (!out && !c.copy_in(a[2], buf, size)) return -EFAULT;
  if (out && !c.buffer(a[2], size, true)) return -EFAULT;
  if (::ioctl(host, request, buf) < 0) return neg_errno();
  if (out) c.copy_out(a[2], buf, size);
  return 0;
}

}  // namespace

void add_file_syscalls(SyscallTable& t) {
  t[23] = sys_dup;
  t[24] = sys_dup3;
  t[25] = sys_fcntl;
  t[29] = sys_ioctl;
  t[56] = sys_openat;
  t[57] = sys_close;
  t[59] = sys_pipe2;
  t[61] = sys_getdents64;
  t[62] = sys_lseek;
  t[63] = sys_read;
  t[64] = sys_write;
  t[65] = sys_readv;
  t[66] = sys_writev;
  t[67] = sys_pread64;
  t[68] = sys_pwrite64;
  t[69] = sys_preadv;
  t[70] = sys_pwritev;
}

}  // namespace strata::vm::rv64

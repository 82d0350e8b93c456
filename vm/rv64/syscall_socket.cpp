// The socket syscalls: host sockets behind the guest's fd table. Every struct they take has the
// same layout on riscv64 and x86-64 (sockaddr_in/in6/un, msghdr, iovec, cmsghdr, linger,
// timeval, ucred), and so do the SOCK_*, MSG_*, SOL_* and SO_* numbers (both use the generic
// ones), so values pass through; what differs is that fds and pointers are the guest's.
// Addresses are copied in and out with Linux's length rules (an unknown family passes as bytes).
// SCM_RIGHTS messages carry guest fds: sendmsg translates them to host fds, recvmsg installs the
// received host fds in the guest table. A send to a closed peer gives EPIPE and SIGPIPE unless
// MSG_NOSIGNAL, as writes do (the host call always has MSG_NOSIGNAL: the host never sees it).
// With several guest threads, accept, connect, recv* and send* park rather than block the host
// (blocked_call.hpp), recv/recvfrom with MSG_WAITALL included. The exceptions: recvmsg with
// MSG_WAITALL may wait on the host for the rest once some bytes came, and a blocked connect of
// an AF_UNIX socket whose listener's backlog is full is retried every kLockRecheckNs.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "vm/rv64/blocked_call.hpp"
#include "vm/rv64/syscall_context.hpp"
#include "vm/rv64/syscall_io.hpp"

namespace strata::vm::rv64 {

namespace {

constexpr int64_t kSockaddrMax = sizeof(sockaddr_storage);  // Linux's bound on addrlen
// The largest control buffer sendmsg takes (Linux's optmem_max is of this order: ENOBUFS past
// it) and the largest option value, both copied through host memory.
constexpr uint64_t kControlMax = 64 * 1024;
constexpr int64_t kOptionMax = 64 * 1024;
constexpr uint64_t kMaxRw = 0x7ffff000;  // Linux's MAX_RW_COUNT

// Guest msghdr: {u64 name, u32 namelen, u64 iov, u64 iovlen, u64 control, u64 controllen,
// i32 flags}, naturally aligned, as the host's.
static_assert(sizeof(msghdr) == 56 && offsetof(msghdr, msg_flags) == 48);
static_assert(sizeof(cmsghdr) == 16);

int64_t result(ssize_t r) {
  return r < 0 ? neg_errno() : r;
}

// A guest sockaddr argument (addr, addrlen) copied into `out`: 0, -EINVAL (addrlen negative or
// past sockaddr_storage, as Linux), -EFAULT.
int64_t import_sockaddr(SysContext& c, uint64_t addr, uint64_t len_arg, sockaddr_storage* out,
                        socklen_t* len) {
  // GUEST: addrlen bounds the copy into sockaddr_storage.
  const int64_t n = arg_int(len_arg);
  if (n < 0 || n > kSockaddrMax) return -EINVAL;
  std::memset(out, 0, sizeof *out);
  if (n > 0 && !c.copy_in(addr, out, static_cast<uint64_t>(n))) return -EFAULT;
  *len = static_cast<socklen_t>(n);
  return 0;
}

// A guest (sockaddr *, socklen_t *) pair the kernel writes an address to. begin() checks both
// before the host call, so that end() cannot fail after it (an accepted connection is never
// lost to a bad pointer).
struct AddrOut {
  uint64_t addr = 0;
  uint64_t len_addr = 0;
  int32_t room = 0;
  sockaddr_storage host{};
  socklen_t host_len = sizeof(sockaddr_storage);

  int64_t begin(SysContext& c, uint64_t a, uint64_t l) {
    addr = a, len_addr = l;
    if (!c.copy_in(len_addr, &room, 4) || !c.buffer(len_addr, 4, true)) return -EFAULT;
    // GUEST: the room bounds what is checked here and written by end().
    if (room < 0) return -EINVAL;
    const uint64_t n = std::min<uint64_t>(static_cast<uint64_t>(room), kSockaddrMax);
    if (n > 0 && !c.buffer(addr, n, true)) return -EFAULT;
    return 0;
  }
  // Linux's move_addr_to_user: the address truncated to the guest's room, the full length.
  void end(SysContext& c) {
    const uint64_t n = std::min<uint64_t>({static_cast<uint64_t>(room), host_len, kSockaddrMax});
    if (n > 0) c.copy_out(addr, &host, n);
    const int32_t len = static_cast<int32_t>(host_len);
    c.copy_out(len_addr, &len, 4);
  }
};

// SOCK_CLOEXEC lives in the guest's fd table; the host socket is always close-on-exec.
int host_type(uint64_t type) {
  return static_cast<int>(type) | SOCK_CLOEXEC;
}

int64_t sys_socket(SysContext& c, const SyscallArgs& a) {
  const int host = ::socket(static_cast<int>(a[0]), host_type(a[1]), static_cast<int>(a[2]));
  if (host < 0) return neg_errno();
  return install_fd(c, host, (a[1] & SOCK_CLOEXEC) != 0);
}

int64_t sys_socketpair(SysContext& c, const SyscallArgs& a) {
  if (!c.buffer(a[3], 8, true)) return -EFAULT;
  int host[2];
  if (::socketpair(static_cast<int>(a[0]), host_type(a[1]), static_cast<int>(a[2]), host) < 0)
    return neg_errno();
  const bool cloexec = (a[1] & SOCK_CLOEXEC) != 0;
  const int64_t first = install_fd(c, host[0], cloexec);
  if (first < 0) {
    ::close(host[1]);
    return first;
  }
  const int64_t second = install_fd(c, host[1], cloexec);
  if (second < 0) {
    c.fds.close(first);
    return second;
  }
  const int32_t out[2] = {static_cast<int32_t>(first), static_cast<int32_t>(second)};
  c.copy_out(a[3], out, sizeof out);
  return 0;
}

int64_t sys_bind(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  sockaddr_storage sa;
  socklen_t len;
  if (int64_t e = import_sockaddr(c, a[1], a[2], &sa, &len)) return e;
  return result(::bind(host, reinterpret_cast<sockaddr*>(&sa), len));
}

int64_t sys_listen(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  return result(::listen(host, static_cast<int>(arg_int(a[1]))));
}

// The error a connect that went on in the background ended with.
int64_t pending_connect_error(int host) {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(host, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return neg_errno();
  return -static_cast<int64_t>(err);
}

// A blocking connect while other threads may run: the host connect runs non-blocking and the
// thread parks until the socket is writable (connected or failed). BlockedCall::done says what
// the retry does: 0 read the result, 1 try again (an AF_UNIX listener's backlog was full).
int64_t parked_connect(SysContext& c, int host, const sockaddr_storage& sa, socklen_t len) {
  BlockedCall* retry = retried_call(c);
  if (retry && retry->done == 0) return pending_connect_error(host);
  const int fl = ::fcntl(host, F_GETFL);
  if (fl < 0) return neg_errno();
  ::fcntl(host, F_SETFL, fl | O_NONBLOCK);
  const int r = ::connect(host, reinterpret_cast<const sockaddr*>(&sa), len);
  const int err = errno;
  ::fcntl(host, F_SETFL, fl);
  if (r == 0) return 0;
  if (err != EINPROGRESS && err != EAGAIN) return -static_cast<int64_t>(err);
  BlockedCall& b = blocked_call(c);
  if (err == EINPROGRESS) {
    b.done = 0;
    b.fds = {pollfd{host, POLLOUT, 0}};
    park(c, -1);
  } else {
    b.done = 1;
    b.fds.clear();
    park(c, monotonic_ns() + kLockRecheckNs);
  }
  return 0;
}

int64_t sys_connect(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  sockaddr_storage sa;
  socklen_t len;
  if (int64_t e = import_sockaddr(c, a[1], a[2], &sa, &len)) return e;
  if (retried_call(c) || (can_park(c) && blocking_fd(host)))
    return parked_connect(c, host, sa, len);
  return result(::connect(host, reinterpret_cast<sockaddr*>(&sa), len));
}

int64_t accept_common(SysContext& c, uint64_t fd, uint64_t addr, uint64_t len_addr,
                      uint64_t flags) {
  if ((flags & ~static_cast<uint64_t>(SOCK_CLOEXEC | SOCK_NONBLOCK)) != 0) return -EINVAL;
  const int host = c.fds.host(arg_int(fd));
  if (host < 0) return -EBADF;
  // As Linux, a full fd table fails before a connection is taken off the queue (installing it
  // afterwards would have to drop it).
  if (c.fds.lowest_free() < 0) return -EMFILE;
  AddrOut out;
  if (addr != 0)
    if (int64_t e = out.begin(c, addr, len_addr)) return e;
  if (park_until_ready(c, host, POLLIN)) return 0;
  const int accepted = ::accept4(host, addr ? reinterpret_cast<sockaddr*>(&out.host) : nullptr,
                                 addr ? &out.host_len : nullptr,
                                 static_cast<int>(flags & SOCK_NONBLOCK) | SOCK_CLOEXEC);
  if (accepted < 0) return neg_errno();
  const int64_t guest = install_fd(c, accepted, (flags & SOCK_CLOEXEC) != 0);
  if (guest >= 0 && addr != 0) out.end(c);
  return guest;
}

int64_t sys_accept(SysContext& c, const SyscallArgs& a) {
  return accept_common(c, a[0], a[1], a[2], 0);
}

int64_t sys_accept4(SysContext& c, const SyscallArgs& a) {
  return accept_common(c, a[0], a[1], a[2], a[3]);
}

int64_t sockname(SysContext& c, const SyscallArgs& a, bool peer) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  AddrOut out;
  if (int64_t e = out.begin(c, a[1], a[2])) return e;
  const int r = peer ? ::getpeername(host, reinterpret_cast<sockaddr*>(&out.host), &out.host_len)
                     : ::getsockname(host, reinterpret_cast<sockaddr*>(&out.host), &out.host_len);
  if (r < 0) return neg_errno();
  out.end(c);
  return 0;
}

int64_t sys_getsockname(SysContext& c, const SyscallArgs& a) {
  return sockname(c, a, false);
}

int64_t sys_getpeername(SysContext& c, const SyscallArgs& a) {
  return sockname(c, a, true);
}

// A send of `total` bytes; `send(from, host_flags)` sends the bytes from offset `from` (a host
// call's result, errno set). With several guest threads and a blocking socket, the host call
// never waits (MSG_DONTWAIT) and the thread parks while the socket is full, keeping the count
// sent so far, so a stream send still returns only when everything went (or an error stopped
// it), as Linux's does. EPIPE raises the guest's SIGPIPE unless MSG_NOSIGNAL.
template <typename F>
int64_t guest_send(SysContext& c, int host, uint64_t flags, uint64_t total, F&& send) {
  const int host_flags = static_cast<int>(flags) | MSG_NOSIGNAL;
  int64_t r;
  // A retry stays on the parked path (keeping the count sent) even when the other threads have
  // ended meanwhile.
  if ((flags & MSG_DONTWAIT) == 0 && (retried_call(c) || writes_in_pieces(c, host))) {
    BlockedCall& call = blocked_call(c);
    for (;;) {
      const ssize_t n = send(call.done, host_flags | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        call.fds = {pollfd{host, POLLOUT, 0}};
        park(c, -1);
        return 0;
      }
      if (n < 0) {
        r = call.done > 0 ? static_cast<int64_t>(call.done) : neg_errno();
        break;
      }
      call.done += static_cast<uint64_t>(n);
      if (n == 0 || call.done >= total) {
        r = static_cast<int64_t>(call.done);
        break;
      }
    }
  } else {
    r = result(send(0, host_flags));
  }
  if (r == -EPIPE && (flags & MSG_NOSIGNAL) == 0) send_signal(c, SIGPIPE);
  return r;
}

int64_t sys_sendto(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  // GUEST: len bounds the buffer checked and sent.
  const uint64_t n = std::min(a[2], kMaxRw);
  uint8_t* buf = c.buffer(a[1], n, false);
  if (n > 0 && !buf) return -EFAULT;
  sockaddr_storage sa;
  socklen_t len = 0;
  if (a[4] != 0)
    if (int64_t e = import_sockaddr(c, a[4], a[5], &sa, &len)) return e;
  const sockaddr* to = a[4] != 0 ? reinterpret_cast<const sockaddr*>(&sa) : nullptr;
  const uint64_t flags = static_cast<uint32_t>(a[3]);
  return guest_send(c, host, flags, n, [&](uint64_t from, int f) {
    return ::sendto(host, buf + from, n - from, f, to, len);
  });
}

// recv with MSG_WAITALL while other threads may run: the host calls never wait (MSG_DONTWAIT)
// and the thread parks until more comes, keeping the count so far; as Linux, it returns when
// `want` bytes came, or fewer at end of stream or an error (the count so far, if any).
int64_t recv_all_parked(SysContext& c, int host, uint8_t* buf, uint64_t want, int flags) {
  BlockedCall& call = blocked_call(c);
  while (call.done < want) {
    const ssize_t n = ::recv(host, buf + call.done, want - call.done, flags | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      call.fds = {pollfd{host, POLLIN, 0}};
      park(c, -1);
      return 0;
    }
    if (n < 0) return call.done > 0 ? static_cast<int64_t>(call.done) : neg_errno();
    if (n == 0) break;
    call.done += static_cast<uint64_t>(n);
  }
  return static_cast<int64_t>(call.done);
}

int64_t sys_recvfrom(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  // GUEST: len bounds the buffer checked and received into.
  const uint64_t want = std::min(a[2], kMaxRw);
  uint8_t* buf = c.buffer(a[1], want, true);
  if (want > 0 && !buf) return -EFAULT;
  AddrOut out;
  if (a[4] != 0)
    if (int64_t e = out.begin(c, a[4], a[5])) return e;
  const int flags = static_cast<int>(a[3]);
  // A retry stays on the parked path even when the other threads have ended meanwhile.
  if ((flags & MSG_WAITALL) && (flags & MSG_DONTWAIT) == 0 && a[4] == 0 &&
      (retried_call(c) || (can_park(c) && blocking_fd(host)))) {
    const int64_t r = recv_all_parked(c, host, buf, want, flags);
    if (r > 0) c.wrote(a[1], static_cast<uint64_t>(r));
    return r;
  }
  if ((flags & MSG_DONTWAIT) == 0 && park_until_ready(c, host, POLLIN)) return 0;
  const ssize_t r =
      ::recvfrom(host, buf, want, flags, a[4] ? reinterpret_cast<sockaddr*>(&out.host) : nullptr,
                 a[4] ? &out.host_len : nullptr);
  if (r < 0) return neg_errno();
  if (r > 0) c.wrote(a[1], std::min(static_cast<uint64_t>(r), want));
  if (a[4] != 0) out.end(c);
  return r;
}

// Walks the control messages of a control buffer: f(cmsghdr&, data, data length) for each;
// -EINVAL when one's length does not fit the buffer (Linux's CMSG_OK).
template <typename F>
int64_t for_each_cmsg(std::vector<uint8_t>& control, F&& f) {
  size_t at = 0;
  // GUEST: every cmsg_len is checked against what is left of the buffer.
  while (control.size() - at >= sizeof(cmsghdr)) {
    cmsghdr h;
    std::memcpy(&h, control.data() + at, sizeof h);
    if (h.cmsg_len < sizeof(cmsghdr) || h.cmsg_len > control.size() - at) return -EINVAL;
    if (int64_t e = f(h, control.data() + at + sizeof h, h.cmsg_len - sizeof h)) return e;
    at += CMSG_ALIGN(h.cmsg_len);
    if (at > control.size()) break;
  }
  return 0;
}

bool is_rights(const cmsghdr& h) {
  return h.cmsg_level == SOL_SOCKET && h.cmsg_type == SCM_RIGHTS;
}

// The guest msghdr at `addr` with its iovecs (writable for a receive) and control buffer read
// in; the host's name and control point into `name` and `control`.
int64_t import_msghdr(SysContext& c, uint64_t addr, bool receive, msghdr* m,
                      std::vector<iovec>* iov, sockaddr_storage* name,
                      std::vector<uint8_t>* control) {
  if (!c.copy_in(addr, m, sizeof *m)) return -EFAULT;
  const uint64_t guest_name = reinterpret_cast<uint64_t>(m->msg_name);
  const uint64_t guest_iov = reinterpret_cast<uint64_t>(m->msg_iov);
  const uint64_t guest_control = reinterpret_cast<uint64_t>(m->msg_control);
  if (int64_t e = import_iov(c, guest_iov, m->msg_iovlen, receive, iov)) return e;
  if (receive) {
    // recvmsg writes at most sizeof(sockaddr_storage) of the name; Linux checks the room later.
    if (static_cast<int32_t>(m->msg_namelen) < 0) return -EINVAL;
    const uint64_t room = std::min<uint64_t>(m->msg_namelen, kSockaddrMax);
    if (guest_name != 0 && room > 0 && !c.buffer(guest_name, room, true)) return -EFAULT;
    m->msg_namelen = guest_name != 0 ? static_cast<socklen_t>(room) : 0;
    // GUEST: msg_controllen bounds the control buffer checked and written.
    const uint64_t ctl = std::min<uint64_t>(m->msg_controllen, kControlMax);
    if (ctl > 0 && !c.buffer(guest_control, ctl, true)) return -EFAULT;
    control->assign(ctl, 0);
  } else {
    if (guest_name != 0 && m->msg_namelen > 0) {
      socklen_t len;
      if (int64_t e = import_sockaddr(c, guest_name, m->msg_namelen, name, &len)) return e;
    }
    // GUEST: msg_controllen bounds the control bytes copied in.
    if (m->msg_controllen > kControlMax) return -ENOBUFS;
    control->assign(m->msg_controllen, 0);
    if (!control->empty() && !c.copy_in(guest_control, control->data(), control->size()))
      return -EFAULT;
  }
  m->msg_name = guest_name != 0 ? name : nullptr;
  m->msg_iov = iov->data();
  m->msg_iovlen = iov->size();
  m->msg_control = control->empty() ? nullptr : control->data();
  m->msg_controllen = control->size();
  return 0;
}

int64_t sys_sendmsg(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  msghdr m;
  std::vector<iovec> iov;
  sockaddr_storage name;
  std::vector<uint8_t> control;
  if (int64_t e = import_msghdr(c, a[1], false, &m, &iov, &name, &control)) return e;
  // SCM_RIGHTS carries guest fds: the host sends the host fds behind them.
  const int64_t bad = for_each_cmsg(control, [&](cmsghdr& h, uint8_t* data, size_t len) {
    if (!is_rights(h)) return int64_t{0};
    for (size_t i = 0; i + 4 <= len; i += 4) {
      int32_t fd;
      std::memcpy(&fd, data + i, 4);
      const int host_fd = c.fds.host(fd);
      if (host_fd < 0) return int64_t{-EBADF};
      std::memcpy(data + i, &host_fd, 4);
    }
    return int64_t{0};
  });
  if (bad) return bad;
  uint64_t total = 0;
  for (const iovec& v : iov) total += v.iov_len;
  total = std::min(total, kMaxRw);
  const uint64_t flags = static_cast<uint32_t>(a[2]);
  return guest_send(c, host, flags, total, [&](uint64_t from, int f) {
    msghdr piece = m;
    std::vector<iovec> rest = iov_slice(iov, from, total - from);
    piece.msg_iov = rest.data();
    piece.msg_iovlen = rest.size();
    if (from > 0) {  // the control message went with the first bytes
      piece.msg_control = nullptr;
      piece.msg_controllen = 0;
    }
    return ::sendmsg(host, &piece, f);
  });
}

int64_t sys_recvmsg(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  msghdr m;
  std::vector<iovec> iov;
  sockaddr_storage name{};
  std::vector<uint8_t> control;
  if (int64_t e = import_msghdr(c, a[1], true, &m, &iov, &name, &control)) return e;
  msghdr guest;
  c.copy_in(a[1], &guest, sizeof guest);  // checked by import_msghdr
  if (!c.buffer(a[1], sizeof guest, true)) return -EFAULT;
  const int flags = static_cast<int>(a[2]);
  if ((flags & MSG_DONTWAIT) == 0 && park_until_ready(c, host, POLLIN)) return 0;
  // The received fds are host fds: close-on-exec there, the guest's flag in its table.
  const ssize_t r = ::recvmsg(host, &m, flags | MSG_CMSG_CLOEXEC);
  if (r < 0) return neg_errno();
  wrote_iov(c, iov, r);
  control.resize(m.msg_controllen);
  const bool cloexec = (flags & MSG_CMSG_CLOEXEC) != 0;
  // The host echoes MSG_CMSG_CLOEXEC in msg_flags; Linux does so only when the guest asked.
  int out_flags = (m.msg_flags & ~MSG_CMSG_CLOEXEC) | (flags & MSG_CMSG_CLOEXEC);
  for_each_cmsg(control, [&](cmsghdr& h, uint8_t* data, size_t len) {
    if (!is_rights(h)) return int64_t{0};
    for (size_t i = 0; i + 4 <= len; i += 4) {
      int32_t host_fd;
      std::memcpy(&host_fd, data + i, 4);
      int32_t fd = static_cast<int32_t>(install_fd(c, host_fd, cloexec));
      if (fd < 0) {  // the table is full: Linux stops passing fds and says MSG_CTRUNC
        out_flags |= MSG_CTRUNC;
        fd = -1;
      }
      std::memcpy(data + i, &fd, 4);
    }
    return int64_t{0};
  });
  const uint64_t guest_name = reinterpret_cast<uint64_t>(guest.msg_name);
  if (guest_name != 0 && m.msg_namelen > 0)
    c.copy_out(guest_name, &name, std::min<uint64_t>(m.msg_namelen, guest.msg_namelen));
  if (!control.empty())
    c.copy_out(reinterpret_cast<uint64_t>(guest.msg_control), control.data(), control.size());
  guest.msg_namelen = guest_name != 0 ? m.msg_namelen : 0;
  guest.msg_controllen = control.size();
  guest.msg_flags = out_flags;
  c.copy_out(a[1], &guest, sizeof guest);
  return r;
}

// Options whose value holds a pointer (a BPF program): the host would follow a guest address in
// its own memory, so they are refused.
bool option_has_pointer(int level, int name) {
  return level == SOL_SOCKET && (name == SO_ATTACH_FILTER || name == SO_ATTACH_REUSEPORT_CBPF);
}

int64_t sys_setsockopt(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  const int level = static_cast<int>(a[1]), name = static_cast<int>(a[2]);
  // GUEST: optlen bounds the value copied in.
  const int64_t len = arg_int(a[4]);
  if (len < 0) return -EINVAL;
  if (option_has_pointer(level, name)) {
    c.note_once(fmt::format(
        "strata: rv64: setsockopt option {} (a BPF filter) is not supported, returning EINVAL",
        name));
    return -EINVAL;
  }
  if (len > kOptionMax) return -EINVAL;
  std::vector<uint8_t> value(static_cast<size_t>(len));
  if (len > 0 && !c.copy_in(a[3], value.data(), value.size())) return -EFAULT;
  return result(::setsockopt(host, level, name, value.data(), static_cast<socklen_t>(len)));
}

int64_t sys_getsockopt(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  int32_t room;
  if (!c.copy_in(a[4], &room, 4) || !c.buffer(a[4], 4, true)) return -EFAULT;
  // GUEST: optlen bounds the value checked and written.
  if (room < 0) return -EINVAL;
  const uint64_t n = std::min<uint64_t>(static_cast<uint64_t>(room), kOptionMax);
  if (n > 0 && !c.buffer(a[3], n, true)) return -EFAULT;
  std::vector<uint8_t> value(n);
  socklen_t len = static_cast<socklen_t>(n);
  if (::getsockopt(host, static_cast<int>(a[1]), static_cast<int>(a[2]), value.data(), &len) < 0)
    return neg_errno();
  if (len > 0) c.copy_out(a[3], value.data(), std::min<uint64_t>(len, n));
  const int32_t out = static_cast<int32_t>(len);
  c.copy_out(a[4], &out, 4);
  return 0;
}

int64_t sys_shutdown(SysContext& c, const SyscallArgs& a) {
  const int host = c.fds.host(arg_int(a[0]));
  if (host < 0) return -EBADF;
  return result(::shutdown(host, static_cast<int>(arg_int(a[1]))));
}

}  // namespace

void add_socket_syscalls(SyscallTable& t) {
  t[198] = sys_socket;
  t[199] = sys_socketpair;
  t[200] = sys_bind;
  t[201] = sys_listen;
  t[202] = sys_accept;
  t[203] = sys_connect;
  t[204] = sys_getsockname;
  t[205] = sys_getpeername;
  t[206] = sys_sendto;
  t[207] = sys_recvfrom;
  t[208] = sys_setsockopt;
  t[209] = sys_getsockopt;
  t[210] = sys_shutdown;
  t[211] = sys_sendmsg;
  t[212] = sys_recvmsg;
  t[242] = sys_accept4;
}

}  // namespace strata::vm::rv64

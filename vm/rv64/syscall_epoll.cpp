// epoll: a host epoll instance behind a guest fd; the fds added are the guest's, translated to
// the host fds behind them. struct epoll_event differs: riscv64's is {u32 events, u32 pad,
// u64 data} (16 bytes, natural alignment), x86-64's is packed (12 bytes), so events are copied
// field by field both ways. `data` is the guest's own value and comes back unchanged. The
// signal-mask argument of epoll_pwait/epoll_pwait2 is checked and otherwise ignored, as ppoll's
// (syscall_poll.cpp): no signal can arrive while the call waits. With several guest threads the
// host wait does not block: when nothing is ready the thread parks on the epoll fd itself (it
// polls readable when an event is ready) until the deadline, measured from the first attempt.
#include <poll.h>
#include <sys/epoll.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "vm/rv64/blocked_call.hpp"
#include "vm/rv64/syscall_context.hpp"
#include "vm/rv64/syscall_io.hpp"

namespace strata::vm::rv64 {

namespace {

constexpr uint64_t kGuestEventSize = 16;
// Linux's EP_MAX_EVENTS for the guest's 16-byte events.
constexpr int64_t kMaxEvents = INT32_MAX / kGuestEventSize;
// The most events one host wait collects; a larger maxevents gets them over several calls, which
// Linux allows (a wait returns at most maxevents, and what stays ready is reported next time).
constexpr int kHostBatch = 1024;
constexpr int64_t kNsPerMs = 1'000'000;
constexpr int64_t kNsPerSec = 1'000'000'000;

struct GuestEvent {
  uint32_t events;
  uint32_t pad;
  uint64_t data;
};
static_assert(sizeof(GuestEvent) == kGuestEventSize);

int64_t sys_epoll_create1(SysContext& c, const SyscallArgs& a) {
  if ((a[0] & ~static_cast<uint64_t>(EPOLL_CLOEXEC)) != 0) return -EINVAL;
  const int host = ::epoll_create1(EPOLL_CLOEXEC);
  if (host < 0) return neg_errno();
  return install_fd(c, host, (a[0] & EPOLL_CLOEXEC) != 0);
}

int64_t sys_epoll_ctl(SysContext& c, const SyscallArgs& a) {
  const int op = static_cast<int>(arg_int(a[1]));
  epoll_event host_event{};
  // EPOLL_CTL_DEL ignores the event (old kernels wanted a readable one; Linux 2.6.9+ does not).
  if (op != EPOLL_CTL_DEL) {
    GuestEvent e;
    if (!c.copy_in(a[3], &e, sizeof e)) return -EFAULT;
    host_event.events = e.events;
    host_event.data.u64 = e.data;
  }
  const int epfd = c.fds.host(arg_int(a[0]));
  const int fd = c.fds.host(arg_int(a[2]));
  if (epfd < 0 || fd < 0) return -EBADF;
  // The same guest fd twice is epfd == fd for Linux's EINVAL; the host fds differ only if the
  // table maps two guest fds to one host fd, which it never does.
  return ::epoll_ctl(epfd, op, fd, &host_event) < 0 ? neg_errno() : 0;
}

// The common part of epoll_pwait and epoll_pwait2: `timeout_ns` -1 waits forever.
int64_t epoll_wait_guest(SysContext& c, const SyscallArgs& a, int64_t timeout_ns) {
  const int64_t max = arg_int(a[2]);
  // GUEST: maxevents bounds the event buffer checked and written.
  if (max <= 0 || max > kMaxEvents) return -EINVAL;
  if (!c.buffer(a[1], static_cast<uint64_t>(max) * kGuestEventSize, true)) return -EFAULT;
  const int epfd = c.fds.host(arg_int(a[0]));
  if (epfd < 0) return -EBADF;
  if (a[4] != 0 && a[5] != 8) return -EINVAL;  // sigsetsize
  std::vector<epoll_event> host(static_cast<size_t>(std::min<int64_t>(max, kHostBatch)));
  const bool parks = can_park(c);
  int64_t deadline = -1;
  if (timeout_ns >= 0) {
    BlockedCall& call = blocked_call(c);
    deadline = timeout_ns > INT64_MAX - call.start_ns ? -1 : call.start_ns + timeout_ns;
  }
  // The host wait in ms, rounded up so that it never returns before the guest's deadline.
  int wait_ms = -1;
  if (parks) {
    wait_ms = 0;
  } else if (deadline >= 0) {
    const int64_t left = std::max<int64_t>(0, deadline - monotonic_ns());
    wait_ms = static_cast<int>(std::min<int64_t>((left + kNsPerMs - 1) / kNsPerMs, INT32_MAX));
  }
  const int r = ::epoll_wait(epfd, host.data(), static_cast<int>(host.size()), wait_ms);
  if (r < 0) return neg_errno();
  if (r == 0 && parks && (deadline < 0 || deadline > monotonic_ns())) {
    BlockedCall& call = blocked_call(c);
    call.fds = {pollfd{epfd, POLLIN, 0}};
    park(c, deadline);
    return 0;
  }
  std::vector<GuestEvent> out(static_cast<size_t>(r));
  for (int i = 0; i < r; ++i) out[i] = GuestEvent{host[i].events, 0, host[i].data.u64};
  if (r > 0) c.copy_out(a[1], out.data(), out.size() * sizeof(GuestEvent));
  return r;
}

int64_t sys_epoll_pwait(SysContext& c, const SyscallArgs& a) {
  const int64_t ms = arg_int(a[3]);
  return epoll_wait_guest(c, a, ms < 0 ? -1 : ms * kNsPerMs);
}

int64_t sys_epoll_pwait2(SysContext& c, const SyscallArgs& a) {
  int64_t ns = -1;
  if (a[3] != 0) {
    timespec t;
    if (!c.copy_in(a[3], &t, sizeof t)) return -EFAULT;
    if (t.tv_sec < 0 || t.tv_nsec < 0 || t.tv_nsec >= kNsPerSec) return -EINVAL;
    ns = t.tv_sec >= INT64_MAX / kNsPerSec - 1 ? INT64_MAX : t.tv_sec * kNsPerSec + t.tv_nsec;
  }
  return epoll_wait_guest(c, a, ns);
}

}  // namespace

void add_epoll_syscalls(SyscallTable& t) {
  t[20] = sys_epoll_create1;
  t[21] = sys_epoll_ctl;
  t[22] = sys_epoll_pwait;
  t[441] = sys_epoll_pwait2;
}

}  // namespace strata::vm::rv64

// ppoll and pselect6. struct pollfd ({i32 fd, i16 events, i16 revents}) and the POLL* bits are
// the same on RISC-V and the host; the fds are the guest's, translated one by one. pselect6's
// fd_sets (bitmaps of u64 words) are turned into one host ppoll, so host fd numbers never meet
// FD_SETSIZE. The signal mask arguments are ignored: no signal can arrive while the call blocks
// (handlers run only for signals the process sends itself, delivered as its syscalls return).
// With several guest threads the host poll does not wait: when nothing is ready the thread parks
// on the fds until its deadline (blocked_call.hpp), measured from the first attempt.
#include <poll.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <vector>

#include "vm/rv64/blocked_call.hpp"
#include "vm/rv64/syscall_context.hpp"

namespace strata::vm::rv64 {

namespace {

constexpr int64_t kNsPerSec = 1'000'000'000;

int64_t timespec_ns(const timespec& t) {
  return t.tv_sec >= INT64_MAX / kNsPerSec - 1 ? INT64_MAX : t.tv_sec * kNsPerSec + t.tv_nsec;
}

// When a poll with a guest timeout (`timeout_ns`, -1: none) ends: measured from its first
// attempt, so a retried call does not start again. CLOCK_MONOTONIC; -1: never.
int64_t poll_deadline(BlockedCall& b, int64_t timeout_ns) {
  if (timeout_ns < 0 || timeout_ns > INT64_MAX - b.start_ns) return -1;
  return b.start_ns + timeout_ns;
}

// How long the host poll may wait: not at all when the thread may park instead; the rest of the
// guest's timeout otherwise (null: forever).
const timespec* host_timeout(bool parks, int64_t deadline, timespec* buf) {
  if (deadline < 0 && !parks) return nullptr;
  const int64_t left = parks ? 0 : std::max<int64_t>(0, deadline - monotonic_ns());
  *buf = timespec{left / kNsPerSec, left % kNsPerSec};
  return buf;
}

// Nothing was ready: parks the thread on `polled` unless the timeout is over. True when parked.
bool park_poll(SysContext& c, BlockedCall& b, const std::vector<pollfd>& polled, int64_t deadline) {
  if (deadline >= 0 && deadline <= monotonic_ns()) return false;
  b.fds.clear();
  for (const pollfd& p : polled)
    if (p.fd >= 0) b.fds.push_back(pollfd{p.fd, p.events, 0});
  park(c, deadline);
  return true;
}

int64_t sys_ppoll(SysContext& c, const SyscallArgs& a) {
  const uint64_t count = a[1];
  // GUEST: count is bounded by the fd limit, as Linux bounds it by RLIMIT_NOFILE.
  if (count > static_cast<uint64_t>(FdTable::kMaxFds)) return -EINVAL;
  std::vector<pollfd> fds(count);
  if (count > 0 && !c.copy_in(a[0], fds.data(), count * sizeof(pollfd))) return -EFAULT;
  if (count > 0 && !c.buffer(a[0], count * sizeof(pollfd), true)) return -EFAULT;
  timespec timeout;
  if (a[2] != 0) {
    if (!c.copy_in(a[2], &timeout, sizeof timeout)) return -EFAULT;
    if (timeout.tv_sec < 0 || timeout.tv_nsec < 0 || timeout.tv_nsec >= 1000000000) return -EINVAL;
  }
  if (a[3] != 0 && a[4] != 8) return -EINVAL;  // sigsetsize
  // A negative fd is skipped (revents 0), a closed one reports POLLNVAL, as on Linux.
  std::vector<pollfd> host(count);
  int64_t invalid = 0;
  for (uint64_t i = 0; i < count; ++i) {
    host[i] = fds[i];
    host[i].revents = 0;
    if (fds[i].fd < 0) continue;
    host[i].fd = c.fds.host(fds[i].fd);
    if (host[i].fd < 0) {
      host[i].fd = -1;
      ++invalid;
    }
  }
  // A closed fd is an event already: then the call does not wait.
  const timespec zero{};
  const bool parks = can_park(c);
  BlockedCall* call = parks || a[2] != 0 ? &blocked_call(c) : nullptr;
  const int64_t deadline = call ? poll_deadline(*call, a[2] ? timespec_ns(timeout) : -1) : -1;
  timespec left;
  int r = ::ppoll(host.data(), count, invalid > 0 ? &zero : host_timeout(parks, deadline, &left),
                  nullptr);
  if (r < 0) return neg_errno();
  if (r == 0 && invalid == 0 && parks && park_poll(c, *call, host, deadline)) return 0;
  for (uint64_t i = 0; i < count; ++i) {
    fds[i].revents = host[i].revents;
    if (fds[i].fd >= 0 && host[i].fd < 0) {
      fds[i].revents = POLLNVAL;
      ++r;
    }
  }
  if (count > 0) c.copy_out(a[0], fds.data(), count * sizeof(pollfd));
  return r;
}

int64_t sys_pselect6(SysContext& c, const SyscallArgs& a) {
  const int64_t nfds = arg_int(a[0]);
  // GUEST: nfds bounds the bitmaps read and written.
  if (nfds < 0 || nfds > FdTable::kMaxFds) return -EINVAL;
  const uint64_t words = (static_cast<uint64_t>(nfds) + 63) / 64;
  std::array<std::vector<uint64_t>, 3> sets;  // read, write, except
  for (int k = 0; k < 3; ++k) {
    sets[k].assign(words, 0);
    if (a[1 + k] == 0) continue;
    if (!c.copy_in(a[1 + k], sets[k].data(), words * 8)) return -EFAULT;
    if (!c.buffer(a[1 + k], words * 8, true)) return -EFAULT;
  }
  timespec timeout{};
  if (a[4] != 0) {
    if (!c.copy_in(a[4], &timeout, sizeof timeout)) return -EFAULT;
    if (timeout.tv_sec < 0 || timeout.tv_nsec < 0 || timeout.tv_nsec >= 1000000000) return -EINVAL;
    if (!c.buffer(a[4], sizeof timeout, true)) return -EFAULT;
  }
  constexpr short kEvents[3] = {POLLIN, POLLOUT, POLLPRI};
  // What select counts as ready, per set (Linux's POLLIN_SET, POLLOUT_SET, POLLEX_SET).
  constexpr short kReady[3] = {POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR,
                               POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR, POLLPRI};
  std::vector<pollfd> polled;
  std::vector<int> guest_fd;
  for (int64_t fd = 0; fd < nfds; ++fd) {
    short events = 0;
    for (int k = 0; k < 3; ++k)
      if ((sets[k][fd / 64] >> (fd % 64)) & 1) events |= kEvents[k];
    if (events == 0) continue;
    const int host = c.fds.host(fd);
    if (host < 0) return -EBADF;
    polled.push_back(pollfd{host, events, 0});
    guest_fd.push_back(static_cast<int>(fd));
  }
  BlockedCall& call = blocked_call(c);
  const bool parks = can_park(c);
  const int64_t deadline = poll_deadline(call, a[4] ? timespec_ns(timeout) : -1);
  timespec wait;
  const int r =
      ::ppoll(polled.data(), polled.size(), host_timeout(parks, deadline, &wait), nullptr);
  if (r < 0) return neg_errno();
  if (r == 0 && parks && park_poll(c, call, polled, deadline)) return 0;
  int64_t count = 0;
  for (auto& set : sets) std::fill(set.begin(), set.end(), 0);
  for (size_t i = 0; i < polled.size(); ++i) {
    const int fd = guest_fd[i];
    for (int k = 0; k < 3; ++k) {
      if ((polled[i].events & kEvents[k]) && (polled[i].revents & kReady[k])) {
        sets[k][fd / 64] |= uint64_t{1} << (fd % 64);
        ++count;
      }
    }
  }
  for (int k = 0; k < 3; ++k)
    if (a[1 + k] != 0) c.copy_out(a[1 + k], sets[k].data(), words * 8);
  if (a[4] != 0) {
    // Linux leaves the time not slept in the timeout (one too far to count stays as it was).
    const int64_t left = deadline < 0 ? 0 : std::max<int64_t>(0, deadline - monotonic_ns());
    const timespec rest = deadline < 0 ? timeout : timespec{left / kNsPerSec, left % kNsPerSec};
    c.copy_out(a[4], &rest, sizeof rest);
  }
  return count;
}

}  // namespace

void add_poll_syscalls(SyscallTable& t) {
  t[72] = sys_pselect6;
  t[73] = sys_ppoll;
}

}  // namespace strata::vm::rv64

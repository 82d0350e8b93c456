// ppoll and pselect6. struct pollfd ({i32 fd, i16 events, i16 revents}) and the POLL* bits are
// the same on RISC-V and the host; the fds are the guest's, translated one by one. pselect6's
// fd_sets (bitmaps of u64 words) are turned into one host ppoll, so host fd numbers never meet
// FD_SETSIZE. The signal mask arguments are ignored: with one thread, no signal can arrive
// while the call blocks (handlers run only for signals the process sends itself).
#include <poll.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <vector>

#include "vm/rv64/syscall_context.hpp"

namespace strata::vm::rv64 {

namespace {

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
  int r = ::ppoll(host.data(), count, invalid > 0 ? &zero : (a[2] ? &timeout : nullptr), nullptr);
  if (r < 0) return neg_errno();
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

int64_t timespec_ns(const timespec& t) {
  return t.tv_sec * 1000000000 + t.tv_nsec;
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
  timespec start;
  ::clock_gettime(CLOCK_MONOTONIC, &start);
  const int r = ::ppoll(polled.data(), polled.size(), a[4] ? &timeout : nullptr, nullptr);
  if (r < 0) return neg_errno();
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
    // Linux leaves the time not slept in the timeout.
    timespec now;
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t left = timespec_ns(timeout) - (timespec_ns(now) - timespec_ns(start));
    if (left < 0) left = 0;
    const timespec rest{left / 1000000000, left % 1000000000};
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

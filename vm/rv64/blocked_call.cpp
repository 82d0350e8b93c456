// Parking a guest thread in a syscall that would block, and waking it (blocked_call.hpp).
#include "vm/rv64/blocked_call.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "vm/rv64/syscall_context.hpp"

namespace strata::vm::rv64 {

namespace {

constexpr size_t kNoThread = SIZE_MAX;

bool same_call(const BlockedCall& b, uint64_t pc, uint64_t nr, const SysContext& c) {
  if (b.pc != pc || b.nr != nr) return false;
  for (unsigned i = 0; i < 6; ++i)
    if (b.args[i] != c.mem.x(10 + i)) return false;
  return true;
}

// Does a child of `w` have a change to report (or is there none left to wait for)? The retried
// call then returns at once, with the change or the error.
bool child_ready(const BlockedCall::Child& w) {
  siginfo_t si;
  std::memset(&si, 0, sizeof si);
  const int r = ::waitid(static_cast<idtype_t>(w.idtype), static_cast<id_t>(w.id), &si,
                         w.options | WNOHANG | WNOWAIT);
  return r < 0 || si.si_pid != 0;
}

void wake(GuestThread& t) {
  t.waiting = false;
  t.parked = false;
  t.deadline_ns = -1;
}

timespec to_timespec(int64_t ns) {
  return timespec{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
}

}  // namespace

bool can_park(const SysContext& c) {
  return c.threads.list.size() > 1;
}

BlockedCall* retried_call(SysContext& c) {
  std::optional<BlockedCall>& b = c.threads.running().call;
  if (!b || !same_call(*b, c.mem.state(state::kPc), c.mem.x(17), c)) return nullptr;
  return &*b;
}

BlockedCall& blocked_call(SysContext& c) {
  if (BlockedCall* b = retried_call(c)) {
    b->retry = true;
    return *b;
  }
  std::optional<BlockedCall>& b = c.threads.running().call;
  b.emplace();
  b->pc = c.mem.state(state::kPc);
  b->nr = c.mem.x(17);
  for (unsigned i = 0; i < 6; ++i) b->args[i] = c.mem.x(10 + i);
  b->start_ns = monotonic_ns();
  return *b;
}

void park(SysContext& c, int64_t wake_ns) {
  ThreadTable& tt = c.threads;
  GuestThread& t = tt.running();
  t.waiting = true;
  t.parked = true;
  t.deadline_ns = wake_ns;
  t.wait_seq = tt.next_wait_seq++;
  tt.leave = ThreadTable::Leave::Park;
}

bool fd_would_block(int host, short events) {
  pollfd p{host, events, 0};
  return ::poll(&p, 1, 0) == 0;
}

bool blocking_fd(int host) {
  const int fl = ::fcntl(host, F_GETFL);
  return fl >= 0 && (fl & O_NONBLOCK) == 0;
}

bool park_until_ready(SysContext& c, int host, short events) {
  // Files, directories and block devices always poll ready: they never park. An O_NONBLOCK fd
  // is not ready either, but its call says EAGAIN itself.
  if (!can_park(c) || !fd_would_block(host, events) || !blocking_fd(host)) return false;
  BlockedCall& b = blocked_call(c);
  b.fds = {pollfd{host, events, 0}};
  park(c, -1);
  return true;
}

bool writes_in_pieces(const SysContext& c, int host) {
  if (!can_park(c)) return false;
  struct stat st;
  return ::fstat(host, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) &&
         blocking_fd(host);
}

bool park_for_child(SysContext& c, int idtype, int id, int options) {
  if (!can_park(c)) return false;
  const BlockedCall::Child w{idtype, id, options};
  // A change to report, no child, or bad options: the call itself returns at once.
  if (child_ready(w)) return false;
  BlockedCall& b = blocked_call(c);
  b.fds.clear();
  b.child = w;
  park(c, -1);
  return true;
}

bool park_for_wait4(SysContext& c, int64_t pid, int options) {
  // GUEST: pid is any int; an id the host refuses makes the probe fail, and then the call
  // itself reports the error without parking.
  const int idtype = pid > 0 ? P_PID : pid == -1 ? P_ALL : P_PGID;
  const int id = static_cast<int>(pid > 0 ? pid : pid == -1 ? 0 : -pid);
  return park_for_child(c, idtype, id, options | WEXITED);
}

void wake_parked(SysContext& c, int64_t sleep_ns) {
  ThreadTable& tt = c.threads;
  int64_t now = monotonic_ns();
  expire_waits(c, now);
  std::vector<pollfd> polled;
  std::vector<size_t> owner;  // the thread of each pollfd; kNoThread for a child's pidfd
  bool runnable = false, child_waits = false, recheck = false;
  for (size_t i = 0; i < tt.list.size(); ++i) {
    GuestThread& t = tt.list[i];
    if (!t.waiting) {
      runnable = true;
      continue;
    }
    if (!t.parked || !t.call) continue;
    if (t.call->child) {
      if (child_ready(*t.call->child)) {
        wake(t);
        runnable = true;
        continue;
      }
      child_waits = true;
      // A pidfd says when a child exits, not when it stops or continues.
      if (t.call->child->options & (WSTOPPED | WCONTINUED)) recheck = true;
    }
    for (const pollfd& p : t.call->fds) {
      polled.push_back(pollfd{p.fd, p.events, 0});
      owner.push_back(i);
    }
  }
  int64_t timeout = 0;
  if (!runnable && sleep_ns > 0) {
    timeout = sleep_ns;
    const int64_t deadline = earliest_deadline(c);
    if (deadline >= 0) timeout = std::min(timeout, std::max<int64_t>(0, deadline - now));
  }
  std::vector<int> pidfds;
  if (timeout > 0 && child_waits) {
    for (int pid : c.children) {
      const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
      if (fd < 0) {
        recheck = true;
        continue;
      }
      pidfds.push_back(fd);
      polled.push_back(pollfd{fd, POLLIN, 0});
      owner.push_back(kNoThread);
    }
  }
  if (recheck) timeout = std::min(timeout, kChildRecheckNs);
  if (polled.empty() && timeout == 0) return;
  const timespec ts = to_timespec(timeout);
  // EINTR (a host signal) leaves every revents 0: the caller looks at its stop request.
  if (::ppoll(polled.data(), polled.size(), &ts, nullptr) > 0) {
    for (size_t k = 0; k < polled.size(); ++k)
      if (polled[k].revents != 0 && owner[k] != kNoThread) wake(tt.list[owner[k]]);
  }
  for (int fd : pidfds) ::close(fd);
  if (child_waits && timeout > 0) {
    for (GuestThread& t : tt.list)
      if (t.waiting && t.parked && t.call && t.call->child && child_ready(*t.call->child)) wake(t);
  }
  now = monotonic_ns();
  expire_waits(c, now);
}

}  // namespace strata::vm::rv64

// Blocking syscalls with several guest threads. Every guest thread runs on the one host thread
// of the CPU loop (guest_threads.hpp), so a host call that blocks (a read of an empty pipe, a
// sleep, a wait for a child) would stop them all. While another guest thread exists, a handler
// that would block parks the running thread instead: the thread records what it waits for (host
// fds and events, a deadline, a child) in a BlockedCall and the CPU switches. When that holds,
// the thread runs its ecall again; the handler finds the same BlockedCall (same pc, number and
// arguments) and goes on from it: a timeout still counts from the first attempt, a pipe write
// keeps the bytes it moved. A completed call drops its BlockedCall (Process::syscall).
// With one guest thread, handlers block the host as they always did: no probe, no extra call.
//
// What ends a parked wait (wake_parked): any revents of its fds (ready, hung up, error, closed);
// its deadline (a timeout, a sleep, the retry interval of a lock); for a child wait,
// waitid(WNOHANG|WNOWAIT) seeing a change it asks for. While other threads run, the runner
// checks at every slice end without sleeping (preempt). When every thread waits, it sleeps in
// one ppoll on all parked fds plus a pidfd per child of the guest (readable when that child
// exits), until the earliest deadline. The pidfds live only around that sleep, so child waits
// cost nothing while threads run; a stop or continue (which a pidfd does not signal) or a
// failed pidfd_open bounds the sleep by kChildRecheckNs instead, a polling interval.
//
// Limits: the readiness probe and the call are two host calls, so a pipe shared with another
// host process (a forked child) can be drained between them; the read then blocks the host
// until data comes, as every read did before. A guest O_NONBLOCK fd is never parked (its call
// says EAGAIN). A parked F_SETLKW retries F_SETLK every kLockRecheckNs and never reports
// EDEADLK. A signal does not interrupt a parked call (process.hpp: nor a blocking one). On fds,
// read, readv, write, writev, the socket calls (syscall_socket.cpp) and epoll_pwait park: the
// positioned forms fail with ESPIPE on pipes, sockets and ttys, and files never block. A retry
// of a parked call stays on its parked path even when the other threads ended meanwhile (a write
// in pieces must not send its first pieces again). Internal to vm/rv64.
#pragma once

#include <poll.h>

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace strata::vm::rv64 {

struct SysContext;

inline constexpr int64_t kChildRecheckNs = 10'000'000;
inline constexpr int64_t kLockRecheckNs = 10'000'000;

struct BlockedCall {
  uint64_t pc = 0;  // of the ecall
  uint64_t nr = 0;
  std::array<uint64_t, 6> args{};
  bool retry = false;        // false on the first attempt
  int64_t start_ns = 0;      // CLOCK_MONOTONIC at the first attempt
  int64_t deadline_ns = -1;  // the call's own timeout (CLOCK_MONOTONIC); -1: none
  uint64_t done = 0;         // bytes a pipe write has moved
  std::vector<pollfd> fds;   // while parked: host fds and the events it waits for
  struct Child {
    int idtype = 0;  // waitid's P_ALL, P_PID, P_PGID
    int id = 0;
    int options = 0;  // waitid's WEXITED, WSTOPPED, WCONTINUED, __WALL...
  };
  std::optional<Child> child;  // while parked: the children it waits for
};

// May the running thread park (another guest thread exists)?
bool can_park(const SysContext& c);
// The running thread's BlockedCall for the syscall being served (the state page holds its pc, a7
// and arguments) when this is a retry of it, else null.
BlockedCall* retried_call(SysContext& c);
// retried_call(), or a fresh record started now.
BlockedCall& blocked_call(SysContext& c);
// Parks the running thread on its blocked_call()'s fds and child until `wake_ns` (-1: none);
// the handler returns at once and its value is ignored.
void park(SysContext& c, int64_t wake_ns);

// Would a host call on `host` wait for `events` now? False when ready (any revents).
bool fd_would_block(int host, short events);
// Is host fd `host` in blocking mode (no O_NONBLOCK)?
bool blocking_fd(int host);
// For a handler about to read (POLLIN) or write (POLLOUT) host fd `host`: parks the running
// thread and says true when the call would block and another thread could run. False for one
// thread, a fd that never blocks (regular file, directory, block device), an O_NONBLOCK one, a
// ready one.
bool park_until_ready(SysContext& c, int host, short events);
// Should writes to `host` go in pieces? Yes for a blocking pipe or socket with several threads:
// a piece of at most kPipeBuf fits whenever poll says POLLOUT, so no piece blocks the host, and
// the thread parks between pieces.
bool writes_in_pieces(const SysContext& c, int host);
inline constexpr uint64_t kPipeBuf = 4096;
// wait4/waitid without WNOHANG: parks the running thread and says true when none of the children
// `idtype`/`id` has a change that `options` (waitid's) asks for, and another thread could run.
bool park_for_child(SysContext& c, int idtype, int id, int options);
// The same for wait4's pid (> 0: that child, -1: any, 0: the caller's process group, < -1: group
// -pid) and options (WEXITED implied).
bool park_for_wait4(SysContext& c, int64_t pid, int options);

// Wakes the parked threads whose wait is over and ends timed-out futex waits. With `sleep_ns` >
// 0 and no thread able to run, first sleeps until one could (at most sleep_ns; a host signal
// cuts it short).
void wake_parked(SysContext& c, int64_t sleep_ns);

}  // namespace strata::vm::rv64

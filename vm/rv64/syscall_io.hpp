// What the fd syscalls of different areas share (syscall_files.cpp, syscall_socket.cpp,
// syscall_epoll.cpp): guest iovecs made host ones, the EPIPE/SIGPIPE rule of writes, and
// installing a host fd in the guest's table. Internal to vm/rv64.
#pragma once

#include <pthread.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#include <cerrno>
#include <cstdint>
#include <vector>

#include "vm/rv64/syscall_context.hpp"

namespace strata::vm::rv64 {

// Linux's UIO_MAXIOV: the most iovecs one call takes.
inline constexpr int kMaxIov = 1024;

// Runs a host write with SIGPIPE blocked on this thread, so that a guest writing to a closed pipe
// cannot kill the host; the guest gets EPIPE and its own SIGPIPE, as Linux gives it.
template <typename F>
int64_t guest_write(SysContext& c, F&& write) {
  sigset_t pipe_only, old;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  const ssize_t r = write();
  const int err = errno;
  if (r < 0 && err == EPIPE && !sigismember(&old, SIGPIPE)) {
    // Consume the SIGPIPE our write raised before unblocking it.
    const timespec zero{};
    while (sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (r >= 0) return r;
  if (err == EPIPE) send_signal(c, SIGPIPE);
  return -static_cast<int64_t>(err);
}

// Guest iovecs ({u64 base, u64 len}, as on x86-64) at `addr` -> host iovecs; 0 or -errno
// (EINVAL: too many or a total past INT64_MAX; EFAULT: the array or a buffer is not mapped, or
// not writable when `write`).
int64_t import_iov(SysContext& c, uint64_t addr, uint64_t count, bool write,
                   std::vector<iovec>* out);
// SysContext::wrote() for the first `n` bytes a vectored read stored.
void wrote_iov(SysContext& c, const std::vector<iovec>& iov, ssize_t n);
// The bytes [from, from + n) of an iovec list, as an iovec list.
std::vector<iovec> iov_slice(const std::vector<iovec>& iov, uint64_t from, uint64_t n);
// A new guest fd (lowest free >= min_fd) for a host fd we now own; closes it when the table is
// full (-EMFILE).
int64_t install_fd(SysContext& c, int host, bool cloexec, int min_fd = 0);

}  // namespace strata::vm::rv64

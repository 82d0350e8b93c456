// Owned file descriptors and checked ioctl calls: the two primitives every KVM wrapper uses.
// An ioctl failure becomes an Error that names the request ("KVM_CREATE_VM failed: ...") so a
// caller never has to map errno itself.
#pragma once

#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

#include <sys/ioctl.h>

#include "isa/error.hpp"

namespace strata::hwvm {

// A move-only file descriptor, closed on destruction. -1 means "none".
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  void reset();

 private:
  int fd_ = -1;
};

// ioctl(fd, request, arg) with EINTR retried; returns the ioctl's non-negative result, or an
// error "<what> failed: <strerror>". KVM_RUN does not go through here: its EINTR is an exit.
template <typename Arg>
[[nodiscard]] Result<int> checked_ioctl(const Fd& fd, unsigned long request, Arg arg,
                                        std::string_view what) {
  int r;
  do {
    r = ::ioctl(fd.get(), request, arg);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return fail("{} failed: {}", what, std::strerror(errno));
  return r;
}

}  // namespace strata::hwvm

// OutStream::flush for this test binary while the VM library that owns it is not linked here.
// Weak, so the real definition wins as soon as a linked library provides one.
#include <unistd.h>
#include <cerrno>

#include "vm/outstream.hpp"

namespace strata::vm {

__attribute__((weak)) bool OutStream::flush() {
  size_t done = 0;
  while (done < buf_.size()) {
    ssize_t n = ::write(fd_, buf_.data() + done, buf_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      buf_.clear();
      return false;
    }
    done += static_cast<size_t>(n);
  }
  buf_.clear();
  return true;
}

}  // namespace strata::vm

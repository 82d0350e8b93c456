// OutStream::flush: write(2) until the buffer is empty, retrying on EINTR and partial writes.
#include "vm/outstream.hpp"

#include <cerrno>

#include <unistd.h>

namespace strata::vm {

bool OutStream::flush() {
  size_t done = 0;
  bool ok = true;
  while (done < buf_.size()) {
    ssize_t n = ::write(fd_, buf_.data() + done, buf_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      // EPIPE (the reader went away; SIGPIPE is ignored by the host), EBADF, ENOSPC...: the
      // output is lost, the program keeps running.
      ok = false;
      break;
    }
    done += static_cast<size_t>(n);
  }
  buf_.clear();
  return ok;
}

}  // namespace strata::vm

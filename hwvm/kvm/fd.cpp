#include "hwvm/kvm/fd.hpp"

#include <unistd.h>

namespace strata::hwvm {

void Fd::reset() {
  // close() is not retried on EINTR: on Linux the descriptor is released either way.
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace strata::hwvm

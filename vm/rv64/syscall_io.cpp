#include "vm/rv64/syscall_io.hpp"

#include <unistd.h>

#include <algorithm>

namespace strata::vm::rv64 {

int64_t import_iov(SysContext& c, uint64_t addr, uint64_t count, bool write,
                   std::vector<iovec>* out) {
  // GUEST: count and every base/len are untrusted.
  if (count > kMaxIov) return -EINVAL;
  std::vector<uint64_t> raw(count * 2);
  if (!c.copy_in(addr, raw.data(), count * 16)) return -EFAULT;
  uint64_t total = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t base = raw[2 * i], len = raw[2 * i + 1];
    if (len > static_cast<uint64_t>(INT64_MAX) - total) return -EINVAL;
    total += len;
    uint8_t* p = c.buffer(base, len, write);
    if (len > 0 && !p) return -EFAULT;
    out->push_back(iovec{p, len});
  }
  return 0;
}

void wrote_iov(SysContext& c, const std::vector<iovec>& iov, ssize_t n) {
  const uint8_t* base = c.mem.linear().data();
  for (const iovec& v : iov) {
    if (n <= 0) return;
    const uint64_t len = std::min<uint64_t>(v.iov_len, static_cast<uint64_t>(n));
    if (len > 0)
      c.wrote(static_cast<uint64_t>(static_cast<const uint8_t*>(v.iov_base) - base) + kGuestOrigin,
              len);
    n -= static_cast<ssize_t>(len);
  }
}

std::vector<iovec> iov_slice(const std::vector<iovec>& iov, uint64_t from, uint64_t n) {
  std::vector<iovec> out;
  for (const iovec& v : iov) {
    if (n == 0) break;
    if (from >= v.iov_len) {
      from -= v.iov_len;
      continue;
    }
    const uint64_t len = std::min<uint64_t>(v.iov_len - from, n);
    out.push_back(iovec{static_cast<uint8_t*>(v.iov_base) + from, len});
    from = 0;
    n -= len;
  }
  return out;
}

int64_t install_fd(SysContext& c, int host, bool cloexec, int min_fd) {
  const int fd = c.fds.add(GuestFd{host, cloexec, true}, min_fd);
  if (fd < 0) ::close(host);
  return fd;
}

}  // namespace strata::vm::rv64

// vfork's memory hand-back (syscall_context.hpp: release_vfork, await_vfork).
//
// A guest process is a host fork, so a vfork child (clone with CLONE_VM|CLONE_VFORK, as glibc's
// vfork and posix_spawn make it) runs in a copy of its parent's memory. Linux shares that
// memory, and programs rely on it: glibc's posix_spawn child writes its exec error into the
// parent's memory before it exits. So the child sends back, when it execs or ends, every page
// it could have changed: the resident pages of its private writable mappings (pages never
// touched since they were mapped are not resident, and equal in both). The parent, suspended
// until the channel closes as Linux suspends it, writes the pages that differ from its own.
// What the child mapped or unmapped stays its own: only pages writable in both count.
//
// The channel is a host socket pair (send with MSG_NOSIGNAL: a parent that died must not kill
// the child with SIGPIPE). Records are the page's guest address (8 bytes) and its 4 KiB.
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "vm/rv64/syscall_context.hpp"

namespace strata::vm::rv64 {

namespace {

bool send_all(int fd, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (n != 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// False at the end of the channel (a cut-off record included).
bool read_all(int fd, void* data, size_t n) {
  auto* p = static_cast<uint8_t*>(data);
  while (n != 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

bool private_page(const SysContext& c, uint64_t addr) {
  bool shared = false;
  c.vmas.for_each_in(addr, addr + kPageSize,
                     [&](uint64_t, uint64_t, const Vma& v) { shared |= v.share != 0; });
  return !shared;
}

}  // namespace

void release_vfork(SysContext& c) {
  if (c.vfork_fd < 0) return;
  const int fd = c.vfork_fd;
  c.vfork_fd = -1;
  uint8_t* const base = c.mem.linear().data();
  std::vector<unsigned char> resident;
  bool ok = true;
  c.vmas.for_each_in(kGuestMinAddr, c.mem.top(), [&](uint64_t s, uint64_t e, const Vma& v) {
    if (!ok || v.share != 0 || (v.perms & kPermWrite) == 0 || s < kGuestOrigin) return;
    const size_t pages = (e - s) / kPageSize;
    resident.assign(pages, 1);
    // Unknown residency (the host refused): every page goes.
    if (::mincore(base + (s - kGuestOrigin), e - s, resident.data()) != 0)
      resident.assign(pages, 1);
    for (size_t i = 0; i < pages && ok; ++i) {
      const uint64_t addr = s + i * kPageSize;
      if ((resident[i] & 1) == 0 || (c.mem.perms_at(addr) & kPermWrite) == 0) continue;
      // Writable guest pages are host-readable (guest_memory.hpp), whatever their code state.
      ok =
          send_all(fd, &addr, sizeof addr) && send_all(fd, base + (addr - kGuestOrigin), kPageSize);
    }
  });
  ::close(fd);
}

void await_vfork(SysContext& c, int fd) {
  std::vector<uint8_t> page(kPageSize);
  uint64_t addr = 0;
  while (read_all(fd, &addr, sizeof addr) && read_all(fd, page.data(), kPageSize)) {
    // GUEST: the address comes from the child, a guest too.
    if (addr % kPageSize != 0 || !c.mem.in_range(addr, kPageSize) ||
        (c.mem.perms_at(addr) & kPermWrite) == 0 || !private_page(c, addr))
      continue;
    const uint8_t* mine = c.mem.linear().data() + (addr - kGuestOrigin);
    if (std::memcmp(mine, page.data(), kPageSize) == 0) continue;
    c.mem.write(addr, page.data(), kPageSize);
    c.wrote(addr, kPageSize);
  }
  ::close(fd);
}

}  // namespace strata::vm::rv64

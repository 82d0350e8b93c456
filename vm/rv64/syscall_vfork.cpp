// vfork's memory hand-back (syscall_context.hpp: release_vfork, await_vfork).
//
// A guest process is a host fork, so a vfork child (clone with CLONE_VM|CLONE_VFORK, as glibc's
// vfork and posix_spawn make it) runs in a copy of its parent's memory. Linux shares that
// memory, and programs rely on it: glibc's posix_spawn child writes its exec error into the
// parent's memory before it exits. So the child sends back, when it execs or ends, the pages of
// its private writable mappings that it wrote: after the fork every page is shared copy-on-write
// with the parent, and a page the child wrote is its own copy, which /proc/self/pagemap marks
// exclusively mapped (swapped-out pages go too, unknown as they are). Without pagemap, every
// resident page goes (mincore), which costs time with a large heap but is as right. The parent,
// suspended until the channel closes as Linux suspends it, writes the pages that differ from its
// own. What the child mapped or unmapped stays its own: only pages writable in both count.
//
// The channel is a host socket pair (send with MSG_NOSIGNAL: a parent that died must not kill
// the child with SIGPIPE). Records are the page's guest address (8 bytes) and its 4 KiB.
#include <fcntl.h>
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

// pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst).
constexpr uint64_t kPmPresent = uint64_t{1} << 63, kPmSwapped = uint64_t{1} << 62,
                   kPmExclusive = uint64_t{1} << 56;

// Marks in `out` the pages of host [p, p + pages * 4 KiB) the child may have written.
void written_pages(int pagemap, const uint8_t* p, size_t pages, std::vector<unsigned char>* out) {
  out->assign(pages, 1);
  std::vector<uint64_t> entries(pages);
  const auto bytes = static_cast<ssize_t>(pages * sizeof(uint64_t));
  const auto at = static_cast<off_t>(reinterpret_cast<uintptr_t>(p) / kPageSize * 8);
  if (pagemap >= 0 && ::pread(pagemap, entries.data(), static_cast<size_t>(bytes), at) == bytes) {
    for (size_t i = 0; i < pages; ++i)
      (*out)[i] =
          (entries[i] & kPmSwapped) || ((entries[i] & kPmPresent) && (entries[i] & kPmExclusive));
    return;
  }
  // Unknown residency (the host refused): every page goes.
  if (::mincore(const_cast<uint8_t*>(p), pages * kPageSize, out->data()) != 0)
    out->assign(pages, 1);
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
  const int pagemap = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  std::vector<unsigned char> written;
  bool ok = true;
  c.vmas.for_each_in(kGuestMinAddr, c.mem.top(), [&](uint64_t s, uint64_t e, const Vma& v) {
    if (!ok || v.share != 0 || (v.perms & kPermWrite) == 0 || s < kGuestOrigin) return;
    const size_t pages = (e - s) / kPageSize;
    written_pages(pagemap, base + (s - kGuestOrigin), pages, &written);
    for (size_t i = 0; i < pages && ok; ++i) {
      const uint64_t addr = s + i * kPageSize;
      if ((written[i] & 1) == 0 || (c.mem.perms_at(addr) & kPermWrite) == 0) continue;
      // Writable guest pages are host-readable (guest_memory.hpp), whatever their code state.
      ok =
          send_all(fd, &addr, sizeof addr) && send_all(fd, base + (addr - kGuestOrigin), kPageSize);
    }
  });
  if (pagemap >= 0) ::close(pagemap);
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

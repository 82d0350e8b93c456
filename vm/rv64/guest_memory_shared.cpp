// GuestMemory's shared mappings (guest_memory.hpp): host file pages over the linear memory.
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

#include "vm/rv64/guest_memory.hpp"

namespace strata::vm::rv64 {

int GuestMemory::fresh_prot(bool writable) const {
  // Under host protection the page table's protection is applied right after; the caller then
  // sets the range's new permissions. Without it, pages are open.
  if (protect_) return PROT_NONE;
  return writable ? PROT_READ | PROT_WRITE : PROT_READ;
}

int GuestMemory::map_shared(uint64_t addr, uint64_t len, int fd, uint64_t offset, bool writable) {
  if (!can_share() || !in_range(addr, len)) return EINVAL;
  void* want = host_page(addr);
  void* p = ::mmap(want, len, fresh_prot(writable), MAP_SHARED | MAP_FIXED, fd,
                   static_cast<off_t>(offset));
  if (p == want) {
    if (protect_) apply_host_protection(addr / kPageSize, (addr + len) / kPageSize);
    return 0;
  }
  const int err = p == MAP_FAILED ? errno : EINVAL;
  // A failed MAP_FIXED may have unmapped the range: the linear memory may not keep a hole.
  unshare(addr, len);
  return err;
}

int GuestMemory::unshare(uint64_t addr, uint64_t len) {
  if (!can_share() || !in_range(addr, len)) return EINVAL;
  void* want = host_page(addr);
  void* p = ::mmap(want, len, fresh_prot(true),
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
  if (p != want) return errno;
  if (protect_) apply_host_protection(addr / kPageSize, (addr + len) / kPageSize);
  return 0;
}

int GuestMemory::remap_shared(uint64_t old_addr, uint64_t old_len, uint64_t new_addr,
                              uint64_t new_len) {
  if (!can_share() || !in_range(old_addr, old_len) || !in_range(new_addr, new_len)) return EINVAL;
  if (new_addr == old_addr && new_len <= old_len) return EINVAL;
  uint8_t* from = host_page(old_addr);
  // The host moves only what lies in one of its mappings; pages protected apart (code pages,
  // say) split it. One protection joins the pieces again; the table's is applied afterwards.
  if (protect_ && old_len != 0) ::mprotect(from, old_len, PROT_NONE);
  int err = 0;
  if (new_addr == old_addr) {
    // The host grows a mapping in place only into a hole: make one where the guest has none.
    uint8_t* tail = from + old_len;
    if (::munmap(tail, new_len - old_len) != 0) {
      err = errno;
    } else if (::mremap(from, old_len, new_len, 0) == MAP_FAILED) {
      err = errno;
      unshare(old_addr + old_len, new_len - old_len);
    }
  } else {
    // MREMAP_FIXED replaces what was at the destination (the linear memory's own pages).
    void* to = host_page(new_addr);
    if (::mremap(from, old_len, new_len, MREMAP_MAYMOVE | MREMAP_FIXED, to) != to)
      err = errno;
    else if (old_len != 0)
      err = unshare(old_addr, old_len);  // moving left a hole behind; duplicating did not
  }
  if (protect_) {
    apply_host_protection(old_addr / kPageSize, (old_addr + old_len) / kPageSize);
    apply_host_protection(new_addr / kPageSize, (new_addr + new_len) / kPageSize);
  }
  return err;
}

uint64_t GuestMemory::backed(uint64_t addr, uint64_t n) const {
  if (!can_share() || n == 0 || !in_range(addr, n)) return 0;
  // process_vm_readv reads through the same page tables but answers EFAULT instead of raising
  // SIGBUS: one byte of each page tells.
  const pid_t self = ::getpid();
  for (uint64_t page = addr & ~(kPageSize - 1); page < addr + n; page += kPageSize) {
    const uint64_t at = page < addr ? addr : page;
    uint8_t byte;
    iovec local{&byte, 1}, remote{host_page(at), 1};
    if (::process_vm_readv(self, &local, 1, &remote, 1, 0) != 1) {
      // Without the call (an old kernel, a seccomp filter), no page can be told apart.
      if (errno == ENOSYS || errno == EPERM) return n;
      return at - addr;
    }
  }
  return n;
}

int GuestMemory::sync(uint64_t addr, uint64_t len, int flags) {
  if (!can_share() || !in_range(addr, len)) return 0;
  return ::msync(host_page(addr), len, flags) == 0 ? 0 : errno;
}

int GuestMemory::advise(uint64_t addr, uint64_t len, int advice) {
  if (!can_share() || !in_range(addr, len)) return 0;
  return ::madvise(host_page(addr), len, advice) == 0 ? 0 : errno;
}

}  // namespace strata::vm::rv64

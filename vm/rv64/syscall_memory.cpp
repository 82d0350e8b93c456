// Memory syscalls: brk, mmap, munmap, mremap, mprotect, msync, madvise, riscv_flush_icache.
//
// Mappings live in SysContext::vmas and their permissions in GuestMemory's page table. Memory
// that becomes unmapped is zeroed at once (zero_pages hands whole host pages back), so every new
// anonymous mapping and every regrown brk reads zeros, as on Linux.
#include <unistd.h>

#include <cstring>

#include "vm/rv64/syscall_context.hpp"

namespace strata::vm::rv64 {

namespace {

constexpr uint64_t kProtMask = 7;  // PROT_READ | PROT_WRITE | PROT_EXEC
constexpr uint64_t kMapShared = 0x01, kMapPrivate = 0x02, kMapSharedValidate = 0x03,
                   kMapFixed = 0x10, kMapAnonymous = 0x20, kMapFixedNoreplace = 0x100000;
constexpr uint64_t kMremapMaymove = 1, kMremapFixed = 2;
constexpr uint64_t kMadvDontneed = 4, kMadvFree = 8, kMadvRemove = 9;

void unmap(SysContext& c, uint64_t start, uint64_t end) {
  if (c.vmas.remove(start, end)) c.code_changed(start, end - start);
  c.zero_pages(start, end - start);
  c.mem.set_perms(start, end - start, 0);
}

void map(SysContext& c, uint64_t start, uint64_t end, uint32_t perms, bool anon) {
  c.vmas.insert(start, end, perms, anon);
  c.mem.set_perms(start, end - start, perms);
}

// True when [start, start + len) is page aligned, non-empty and inside the mappable space.
bool placeable(const SysContext& c, uint64_t start, uint64_t len) {
  return start % kPageSize == 0 && len > 0 && c.mem.in_range(start, len);
}

int64_t sys_brk(SysContext& c, const SyscallArgs& a) {
  const uint64_t want = a[0];
  // Linux answers a failed (or query) brk with the current break.
  if (want < c.layout.brk_start || want > c.layout.brk_max) return static_cast<int64_t>(c.brk);
  uint64_t old_end, new_end;
  if (!page_up(c.brk, &old_end) || !page_up(want, &new_end)) return static_cast<int64_t>(c.brk);
  if (new_end > old_end) {
    if (c.vmas.overlaps(old_end, new_end)) return static_cast<int64_t>(c.brk);
    c.zero_pages(old_end, new_end - old_end);
    map(c, old_end, new_end, kPermRead | kPermWrite, true);
  } else if (new_end < old_end) {
    unmap(c, new_end, old_end);
  }
  c.brk = want;
  return static_cast<int64_t>(want);
}

// Fills a new file-backed mapping from the file (what ld.so needs to load libraries). Bytes past
// the end of the file read as zero.
int64_t fill_from_file(SysContext& c, int host, uint64_t addr, uint64_t len, uint64_t offset) {
  uint8_t* p = c.mem.host(addr, len);
  uint64_t done = 0;
  while (done < len) {
    const ssize_t n = ::pread(host, p + done, len - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return neg_errno();
    }
    if (n == 0) break;
    done += static_cast<uint64_t>(n);
  }
  return 0;
}

int64_t sys_mmap(SysContext& c, const SyscallArgs& a) {
  const uint64_t hint = a[0], prot = a[2], flags = a[3], offset = a[5];
  const int64_t fd = arg_int(a[4]);
  uint64_t len;
  // GUEST: every argument is untrusted; lengths are rounded without overflow.
  if (a[1] == 0 || !page_up(a[1], &len)) return -EINVAL;
  if ((prot & ~kProtMask) != 0 || offset % kPageSize != 0) return -EINVAL;
  const uint64_t type = flags & 3;
  if (type != kMapShared && type != kMapPrivate && type != kMapSharedValidate) return -EINVAL;
  const bool anon = (flags & kMapAnonymous) != 0;
  int host = -1;
  if (!anon) {
    host = c.fds.host(fd);
    if (host < 0) return -EBADF;
    if (type != kMapPrivate && (prot & 2)) {
      // The copy would never reach the file: refuse rather than lose the guest's writes.
      c.note_once("strata: rv64: writable MAP_SHARED file mappings are not supported (ENODEV)");
      return -ENODEV;
    }
  }
  uint64_t addr;
  if (flags & (kMapFixed | kMapFixedNoreplace)) {
    if (hint % kPageSize != 0) return -EINVAL;
    if (hint < kGuestMinAddr) return -EPERM;
    if (!placeable(c, hint, len)) return -ENOMEM;
    if ((flags & kMapFixedNoreplace) && !(flags & kMapFixed) && c.vmas.overlaps(hint, hint + len))
      return -EEXIST;
    addr = hint;
    if (c.vmas.overlaps(addr, addr + len)) unmap(c, addr, addr + len);
  } else if (hint != 0 && placeable(c, page_down(hint), len) &&
             !c.vmas.overlaps(page_down(hint), page_down(hint) + len)) {
    addr = page_down(hint);
  } else {
    auto found = c.vmas.find_free(len, c.layout.mmap_floor, c.layout.mmap_ceiling);
    if (!found) return -ENOMEM;
    addr = *found;
  }
  c.zero_pages(addr, len);
  if (!anon) {
    if (int64_t e = fill_from_file(c, host, addr, len, offset)) {
      c.zero_pages(addr, len);
      return e;
    }
  }
  map(c, addr, addr + len, perms_from_prot(prot), anon);
  return static_cast<int64_t>(addr);
}

int64_t sys_munmap(SysContext& c, const SyscallArgs& a) {
  uint64_t len;
  if (a[0] % kPageSize != 0 || a[1] == 0 || !page_up(a[1], &len)) return -EINVAL;
  if (!c.mem.in_range(a[0], len)) return -EINVAL;
  unmap(c, a[0], a[0] + len);
  return 0;
}

int64_t sys_mprotect(SysContext& c, const SyscallArgs& a) {
  uint64_t len;
  if (a[0] % kPageSize != 0 || !page_up(a[1], &len) || (a[2] & ~kProtMask) != 0) return -EINVAL;
  if (len == 0) return 0;
  if (!c.mem.in_range(a[0], len) || !c.vmas.covered(a[0], a[0] + len)) return -ENOMEM;
  const uint32_t perms = perms_from_prot(a[2]);
  c.vmas.set_perms(a[0], a[0] + len, perms);
  c.mem.set_perms(a[0], len, perms);
  c.code_changed(a[0], len);
  return 0;
}

int64_t sys_mremap(SysContext& c, const SyscallArgs& a) {
  const uint64_t old_addr = a[0], flags = a[3], new_hint = a[4];
  uint64_t old_len, new_len;
  if (old_addr % kPageSize != 0 || !page_up(a[1], &old_len) || a[2] == 0 ||
      !page_up(a[2], &new_len))
    return -EINVAL;
  if ((flags & ~(kMremapMaymove | kMremapFixed)) != 0) return -EINVAL;
  if ((flags & kMremapFixed) && !(flags & kMremapMaymove)) return -EINVAL;
  // Duplicating a mapping (old_len 0) only makes sense for shared memory: not supported.
  if (old_len == 0) return -EINVAL;
  if (!c.mem.in_range(old_addr, old_len)) return -EFAULT;
  const auto vma = c.vmas.find(old_addr);
  // Linux requires the old range to lie in one mapping.
  if (!vma || vma->second.end < old_addr + old_len) return -EFAULT;
  const uint32_t perms = vma->second.perms;
  const bool anon = vma->second.anon;

  if (!(flags & kMremapFixed)) {
    if (new_len <= old_len) {
      if (new_len < old_len) unmap(c, old_addr + new_len, old_addr + old_len);
      return static_cast<int64_t>(old_addr);
    }
    const uint64_t grow_end = old_addr + new_len;
    if (c.mem.in_range(old_addr, new_len) && !c.vmas.overlaps(old_addr + old_len, grow_end)) {
      c.zero_pages(old_addr + old_len, new_len - old_len);
      map(c, old_addr + old_len, grow_end, perms, anon);
      return static_cast<int64_t>(old_addr);
    }
    if (!(flags & kMremapMaymove)) return -ENOMEM;
  }

  uint64_t dest;
  if (flags & kMremapFixed) {
    if (!placeable(c, new_hint, new_len)) return -EINVAL;
    // The ranges may not overlap.
    if (new_hint < old_addr + old_len && old_addr < new_hint + new_len) return -EINVAL;
    unmap(c, new_hint, new_hint + new_len);
    dest = new_hint;
  } else {
    auto found = c.vmas.find_free(new_len, c.layout.mmap_floor, c.layout.mmap_ceiling);
    if (!found) return -ENOMEM;
    dest = *found;
  }
  const uint64_t keep = old_len < new_len ? old_len : new_len;
  c.zero_pages(dest, new_len);
  std::memcpy(c.mem.host(dest, keep), c.mem.host(old_addr, keep), keep);
  map(c, dest, dest + new_len, perms, anon);
  unmap(c, old_addr, old_addr + old_len);
  return static_cast<int64_t>(dest);
}

int64_t sys_madvise(SysContext& c, const SyscallArgs& a) {
  uint64_t len;
  if (a[0] % kPageSize != 0 || !page_up(a[1], &len)) return -EINVAL;
  if (len == 0) return 0;
  if (!c.mem.in_range(a[0], len)) return -ENOMEM;
  if (!c.vmas.covered(a[0], a[0] + len)) return -ENOMEM;
  if (a[2] == kMadvDontneed || a[2] == kMadvFree || a[2] == kMadvRemove) {
    // Private anonymous pages read back as zeros afterwards (MADV_FREE may do so too). A private
    // file mapping would re-read the file; the file is not kept, so those pages keep their bytes.
    c.vmas.for_each_in(a[0], a[0] + len, [&](uint64_t s, uint64_t e, const Vma& v) {
      if (!v.anon) return;
      c.zero_pages(s, e - s);
      if (v.perms & kPermExec) c.code_changed(s, e - s);
    });
  }
  return 0;
}

int64_t sys_msync(SysContext& c, const SyscallArgs& a) {
  constexpr uint64_t kMsAsync = 1, kMsInvalidate = 2, kMsSync = 4;
  uint64_t len;
  if (a[0] % kPageSize != 0 || !page_up(a[1], &len)) return -EINVAL;
  if ((a[2] & ~(kMsAsync | kMsInvalidate | kMsSync)) != 0) return -EINVAL;
  if ((a[2] & kMsAsync) && (a[2] & kMsSync)) return -EINVAL;
  if (len == 0) return 0;
  if (!c.mem.in_range(a[0], len) || !c.vmas.covered(a[0], a[0] + len)) return -ENOMEM;
  // Every mapping is private (writable shared file mappings are refused): nothing to write back.
  return 0;
}

int64_t sys_riscv_flush_icache(SysContext& c, const SyscallArgs&) {
  c.code_changed(kGuestMinAddr, c.mem.top() - kGuestMinAddr);
  return 0;
}

}  // namespace

void add_memory_syscalls(SyscallTable& t) {
  t[214] = sys_brk;
  t[215] = sys_munmap;
  t[216] = sys_mremap;
  t[222] = sys_mmap;
  t[226] = sys_mprotect;
  t[227] = sys_msync;
  t[233] = sys_madvise;
  t[259] = sys_riscv_flush_icache;
}

}  // namespace strata::vm::rv64

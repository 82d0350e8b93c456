// Memory syscalls: brk, mmap, munmap, mremap, mprotect, msync, madvise, riscv_flush_icache.
//
// Mappings live in SysContext::vmas and their permissions in GuestMemory's page table. Memory
// that becomes unmapped is zeroed at once (zero_pages hands whole host pages back), so every new
// anonymous mapping and every regrown brk reads zeros, as on Linux.
//
// Private file mappings are copies of the file. MAP_SHARED ones are the host file's own pages
// mapped over the guest's (GuestMemory::map_shared), so they share exactly as on Linux: with
// other mappings, with the file, across fork; shared anonymous memory is a memfd's pages. That
// needs a mapped linear memory (the runner's); on any other, shared mappings are copies too and
// writable shared file mappings are refused.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "vm/rv64/syscall_context.hpp"

namespace strata::vm::rv64 {

namespace {

constexpr uint64_t kProtMask = 7;  // PROT_READ | PROT_WRITE | PROT_EXEC
constexpr uint64_t kMapShared = 0x01, kMapPrivate = 0x02, kMapSharedValidate = 0x03,
                   kMapFixed = 0x10, kMapAnonymous = 0x20, kMapFixedNoreplace = 0x100000;
constexpr uint64_t kMremapMaymove = 1, kMremapFixed = 2;
constexpr uint64_t kMadvDontneed = 4, kMadvFree = 8, kMadvRemove = 9;

// Shared pieces of [start, end) become private anonymous memory again: 0 or -errno (the host
// is out of mappings), and then nothing changed.
int64_t unshare(SysContext& c, uint64_t start, uint64_t end) {
  int err = 0;
  c.vmas.for_each_in(start, end, [&](uint64_t s, uint64_t e, const Vma& v) {
    if (v.share != 0 && err == 0) err = c.mem.unshare(s, e - s);
  });
  return -static_cast<int64_t>(err);
}

// 0 or -errno (see unshare); the range is then unmapped and zero.
int64_t unmap(SysContext& c, uint64_t start, uint64_t end) {
  if (int64_t e = unshare(c, start, end)) return e;
  if (c.vmas.remove(start, end)) c.code_changed(start, end - start);
  c.zero_pages(start, end - start);
  c.mem.set_perms(start, end - start, 0);
  return 0;
}

void map(SysContext& c, uint64_t start, uint64_t end, const Vma& attrs) {
  c.vmas.insert(start, end, attrs);
  c.mem.set_perms(start, end - start, attrs.perms);
}
void map(SysContext& c, uint64_t start, uint64_t end, uint32_t perms, bool anon) {
  Vma v;
  v.perms = perms;
  v.anon = anon;
  map(c, start, end, v);
}

// Each MAP_SHARED mapping gets its own id (Vma::share).
uint32_t new_share_id() {
  static std::atomic<uint32_t> next{0};
  uint32_t id = next.fetch_add(1, std::memory_order_relaxed) + 1;
  if (id == 0) id = next.fetch_add(1, std::memory_order_relaxed) + 1;
  return id;
}

// What backs a new MAP_SHARED mapping on the host: the guest's file, or for shared anonymous
// memory a memfd of the mapping's size (what Linux's shmem is). 0 or -errno.
struct SharedSource {
  int fd = -1;
  bool own = false;  // a memfd of ours, closed once mapped (the mapping keeps it)
  bool write_denied = false;
  ~SharedSource() {
    if (own) ::close(fd);
  }
};
int64_t shared_source(int host, uint64_t len, uint64_t prot, SharedSource* out) {
  if (host < 0) {
    out->fd = ::memfd_create("strata-shared-anon", MFD_CLOEXEC);
    if (out->fd < 0) return neg_errno();
    out->own = true;
    if (::ftruncate(out->fd, static_cast<off_t>(len)) != 0) return neg_errno();
    return 0;
  }
  const int fl = ::fcntl(host, F_GETFL);
  struct stat st;
  if (fl < 0 || ::fstat(host, &st) != 0) return neg_errno();
  // Checked here, before a MAP_FIXED replaces anything: pipes, sockets and directories have no
  // pages to map.
  if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) return -ENODEV;
  // As Linux: a shared mapping needs a readable file, and a writable one a file open for writing
  // (also later, for mprotect); append-only files cannot be mapped writable either.
  if ((fl & O_ACCMODE) == O_WRONLY) return -EACCES;
  out->write_denied = (fl & O_ACCMODE) != O_RDWR || (fl & O_APPEND) != 0;
  if ((prot & 2) && out->write_denied) return -EACCES;
  out->fd = host;
  return 0;
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
  const bool shared = type != kMapPrivate && c.mem.can_share();
  int host = -1;
  if (!anon) {
    host = c.fds.host(fd);
    if (host < 0) return -EBADF;
    if (type != kMapPrivate && !shared && (prot & 2)) {
      // A copy would never reach the file: refuse rather than lose the guest's writes.
      c.note_once(
          "strata: rv64: writable MAP_SHARED file mappings need a mapped guest memory (ENODEV)");
      return -ENODEV;
    }
  }
  SharedSource source;
  if (shared) {
    if (int64_t e = shared_source(host, len, prot, &source)) return e;
  }
  uint64_t addr;
  if (flags & (kMapFixed | kMapFixedNoreplace)) {
    if (hint % kPageSize != 0) return -EINVAL;
    if (hint < kGuestMinAddr) return -EPERM;
    if (!placeable(c, hint, len)) return -ENOMEM;
    if ((flags & kMapFixedNoreplace) && !(flags & kMapFixed) && c.vmas.overlaps(hint, hint + len))
      return -EEXIST;
    addr = hint;
    if (c.vmas.overlaps(addr, addr + len)) {
      if (int64_t e = unmap(c, addr, addr + len)) return e;
    }
  } else if (hint != 0 && placeable(c, page_down(hint), len) &&
             !c.vmas.overlaps(page_down(hint), page_down(hint) + len)) {
    addr = page_down(hint);
  } else {
    auto found = c.vmas.find_free(len, c.layout.mmap_floor, c.layout.mmap_ceiling);
    if (!found) return -ENOMEM;
    addr = *found;
  }
  if (shared) {
    if (int e = c.mem.map_shared(addr, len, source.fd, anon ? 0 : offset, !source.write_denied))
      return -e;
    Vma v;
    v.perms = perms_from_prot(prot);
    v.anon = anon;
    v.share = new_share_id();
    v.write_denied = source.write_denied;
    map(c, addr, addr + len, v);
    return static_cast<int64_t>(addr);
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
  return unmap(c, a[0], a[0] + len);
}

int64_t sys_mprotect(SysContext& c, const SyscallArgs& a) {
  uint64_t len;
  if (a[0] % kPageSize != 0 || !page_up(a[1], &len) || (a[2] & ~kProtMask) != 0) return -EINVAL;
  if (len == 0) return 0;
  if (!c.mem.in_range(a[0], len) || !c.vmas.covered(a[0], a[0] + len)) return -ENOMEM;
  const uint32_t perms = perms_from_prot(a[2]);
  if (perms & kPermWrite) {
    bool denied = false;
    c.vmas.for_each_in(a[0], a[0] + len,
                       [&](uint64_t, uint64_t, const Vma& v) { denied |= v.write_denied; });
    if (denied) return -EACCES;
  }
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
  if (!c.mem.in_range(old_addr, old_len)) return -EFAULT;
  const auto vma = c.vmas.find(old_addr);
  // Linux requires the old range to lie in one mapping.
  if (!vma || vma->second.end < old_addr + old_len) return -EFAULT;
  const Vma attrs = vma->second;
  const bool shared = attrs.share != 0;
  // Duplicating a mapping (old_len 0) only makes sense for shared memory, and only elsewhere.
  if (old_len == 0 && !shared) return -EINVAL;
  if (old_len == 0 && !(flags & kMremapMaymove)) return -ENOMEM;

  if (!(flags & kMremapFixed) && old_len != 0) {
    if (new_len <= old_len) {
      if (new_len < old_len) {
        if (int64_t e = unmap(c, old_addr + new_len, old_addr + old_len)) return e;
      }
      return static_cast<int64_t>(old_addr);
    }
    const uint64_t grow_end = old_addr + new_len;
    if (c.mem.in_range(old_addr, new_len) && !c.vmas.overlaps(old_addr + old_len, grow_end)) {
      // A shared mapping grows with more of its file (past its end: SIGBUS on access, as on
      // Linux); a private one with zeros.
      bool grown = true;
      if (shared)
        grown = c.mem.remap_shared(old_addr, old_len, old_addr, new_len) == 0;
      else
        c.zero_pages(old_addr + old_len, new_len - old_len);
      if (grown) {
        map(c, old_addr + old_len, grow_end, attrs);
        return static_cast<int64_t>(old_addr);
      }
    }
    if (!(flags & kMremapMaymove)) return -ENOMEM;
  }

  uint64_t dest;
  if (flags & kMremapFixed) {
    if (!placeable(c, new_hint, new_len)) return -EINVAL;
    // The ranges may not overlap.
    if (new_hint < old_addr + old_len && old_addr < new_hint + new_len) return -EINVAL;
    if (int64_t e = unmap(c, new_hint, new_hint + new_len)) return e;
    dest = new_hint;
  } else {
    auto found = c.vmas.find_free(new_len, c.layout.mmap_floor, c.layout.mmap_ceiling);
    if (!found) return -ENOMEM;
    dest = *found;
  }
  if (shared) {
    // The host moves the pages themselves: they stay the file's (or the memfd's).
    if (int e = c.mem.remap_shared(old_addr, old_len, dest, new_len)) return -e;
    map(c, dest, dest + new_len, attrs);
    // A moved-from range is private anonymous memory already: forget it.
    if (old_len != 0 && c.vmas.remove(old_addr, old_addr + old_len))
      c.code_changed(old_addr, old_len);
    c.mem.set_perms(old_addr, old_len, 0);
    return static_cast<int64_t>(dest);
  }
  const uint64_t keep = old_len < new_len ? old_len : new_len;
  c.zero_pages(dest, new_len);
  std::memcpy(c.mem.host(dest, keep), c.mem.host(old_addr, keep), keep);
  map(c, dest, dest + new_len, attrs);
  return unmap(c, old_addr, old_addr + old_len) == 0 ? static_cast<int64_t>(dest) : -ENOMEM;
}

int64_t sys_madvise(SysContext& c, const SyscallArgs& a) {
  uint64_t len;
  if (a[0] % kPageSize != 0 || !page_up(a[1], &len)) return -EINVAL;
  if (len == 0) return 0;
  if (!c.mem.in_range(a[0], len)) return -ENOMEM;
  if (!c.vmas.covered(a[0], a[0] + len)) return -ENOMEM;
  int err = 0;
  if (a[2] == kMadvDontneed || a[2] == kMadvFree || a[2] == kMadvRemove) {
    // Private anonymous pages read back as zeros afterwards (MADV_FREE may do so too). A private
    // file mapping would re-read the file; the file is not kept, so those pages keep their bytes.
    // Shared pages are the file's: dropping them changes nothing the guest sees, except that
    // MADV_REMOVE frees the file's backing (a hole reads as zeros).
    c.vmas.for_each_in(a[0], a[0] + len, [&](uint64_t s, uint64_t e, const Vma& v) {
      if (v.share != 0) {
        if (a[2] == kMadvRemove && err == 0) err = c.mem.advise(s, e - s, MADV_REMOVE);
      } else if (v.anon) {
        c.zero_pages(s, e - s);
      } else {
        return;
      }
      if (v.perms & kPermExec) c.code_changed(s, e - s);
    });
  }
  return -static_cast<int64_t>(err);
}

int64_t sys_msync(SysContext& c, const SyscallArgs& a) {
  constexpr uint64_t kMsAsync = 1, kMsInvalidate = 2, kMsSync = 4;
  uint64_t len;
  if (a[0] % kPageSize != 0 || !page_up(a[1], &len)) return -EINVAL;
  if ((a[2] & ~(kMsAsync | kMsInvalidate | kMsSync)) != 0) return -EINVAL;
  if ((a[2] & kMsAsync) && (a[2] & kMsSync)) return -EINVAL;
  if (len == 0) return 0;
  if (!c.mem.in_range(a[0], len) || !c.vmas.covered(a[0], a[0] + len)) return -ENOMEM;
  // Private pages have nothing to write back; the host does it for shared ones.
  return -static_cast<int64_t>(c.mem.sync(a[0], len, static_cast<int>(a[2])));
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

// GuestMemory: the RV64 guest address space seen through the SVI linear memory that holds it
// (vm/rv64/guest_layout.hpp), plus a page-permission table for the loader, mmap/mprotect and
// instruction fetch. Every access is bounds-checked against the linear memory and never
// overflows; guest addresses are untrusted.
//
// Host protection. SVI bounds checks keep the guest inside its space but know nothing of its
// pages. With enable_host_protection() (a linear memory from init_mapped(): page-aligned) every
// guest page's permissions become the host protection of the host page behind it: unmapped
// pages PROT_NONE, read-only and execute-only pages PROT_READ, writable pages read-write. A
// translated block that touches a page the guest may not is then a host fault on guest memory,
// which the runner (jit/rv64/guest_fault.hpp) turns into the guest's SIGSEGV, at no cost to the
// accesses that are allowed. The state page always stays read-write.
//
// The Linux personality, the loader and a debugger act like the kernel: they may touch any page.
// They do it inside a KernelAccess scope; host()/read()/write() then open the host pages they
// touch (read-write) and the scope's end restores the guest's protections.
//
// Code pages. A guest page the guest may write and that holds translated code (protect_code())
// is host read-only, as QEMU's user mode does it: a guest store into it faults on the host, and
// the fault handler calls resolve_code_write(), which gives the page its write access back and
// records it as written, so the store is retried and the runner drops the page's translations
// (take_written_code()) when the running unit returns. The kernel side writes through the
// non-const host()/write(), which record the code pages they open the same way. A page stays
// recorded as code until it is written: a page whose translations went away otherwise (fence.i,
// munmap) costs one more fault at most.
//
// Shared mappings (guest_memory_shared.cpp). On a mapped linear memory, a guest range may be
// backed by the host pages of a file (MAP_SHARED over the linear memory's own pages), so guest
// stores reach the page cache and every other mapping of the file sees them, across fork too.
// unshare() puts private anonymous pages back. Protections stay the page table's: the caller
// sets the range's permissions after mapping it, and they are applied as for any other page.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "vm/memory.hpp"
#include "vm/rv64/elf_loader.hpp"
#include "vm/rv64/guest_layout.hpp"

namespace strata::vm::rv64 {

class GuestMemory {
 public:
  // `mem` must already have its final size (top() = kGuestOrigin + mem.size()); it is never
  // grown afterwards, so host pointers into it stay valid for the run.
  explicit GuestMemory(LinearMemory& mem)
      : mem_(mem),
        perms_((mem.size() + kGuestOrigin + kPageSize - 1) / kPageSize, 0),
        code_(perms_.size(), kNoCode) {}

  LinearMemory& linear() { return mem_; }
  const LinearMemory& linear() const { return mem_; }
  uint64_t top() const { return kGuestOrigin + mem_.size(); }

  // True when [addr, addr + n) is inside the guest space (not the state page's alias).
  bool in_range(uint64_t addr, uint64_t n) const {
    return addr >= kGuestMinAddr && addr <= top() && top() - addr >= n;
  }
  // Host pointer to guest [addr, addr + n), or nullptr when out of range. Under host protection,
  // only pages the guest may access are accessible through it, unless a KernelAccess is open.
  // The non-const form is for writing: it records the code pages it opens as written.
  uint8_t* host(uint64_t addr, uint64_t n) {
    if (!in_range(addr, n)) return nullptr;
    if (code_pages_ != 0) release_code(addr, n);
    // Null also when the host cannot make the range writable (a read-only file's shared pages).
    if (kernel_depth_ > 0 && protect_ && !open_for_kernel(addr, n)) return nullptr;
    return mem_.data() + (addr - kGuestOrigin);
  }
  const uint8_t* host(uint64_t addr, uint64_t n) const {
    if (!in_range(addr, n)) return nullptr;
    if (kernel_depth_ > 0 && protect_) open_for_kernel(addr, n);
    return mem_.data() + (addr - kGuestOrigin);
  }
  bool read(uint64_t addr, void* out, uint64_t n) const {
    const uint8_t* p = host(addr, n);
    if (!p) return false;
    if (n) std::memcpy(out, p, n);
    return true;
  }
  bool write(uint64_t addr, const void* in, uint64_t n) {
    uint8_t* p = host(addr, n);
    if (!p) return false;
    if (n) std::memcpy(p, in, n);
    return true;
  }
  // A NUL-terminated guest string of at most `max` bytes; false if unterminated or unmapped.
  bool read_cstring(uint64_t addr, std::string* out, uint64_t max = 4096) const {
    out->clear();
    for (uint64_t i = 0; i < max; ++i) {
      uint8_t c;
      if (!read(addr + i, &c, 1) || !is_mapped(addr + i)) return false;
      if (c == 0) return true;
      out->push_back(static_cast<char>(c));
    }
    return false;
  }

  // Page permissions (kPermRead/Write/Exec of elf_loader.hpp; 0 = unmapped), per 4 KiB page.
  void set_perms(uint64_t addr, uint64_t len, uint32_t perms) {
    if (len == 0) return;
    const uint64_t first = addr / kPageSize;
    const uint64_t last = (addr + len - 1) / kPageSize;
    for (uint64_t p = first; p <= last && p < perms_.size(); ++p)
      perms_[p] = static_cast<uint8_t>(perms);
    if (!protect_) return;
    if (kernel_depth_ > 0)
      changed_.emplace_back(first, last + 1);  // applied when the KernelAccess ends
    else
      apply_host_protection(first, last + 1);
  }
  uint32_t perms_at(uint64_t addr) const {
    const uint64_t p = addr / kPageSize;
    return p < perms_.size() ? perms_[p] : 0;
  }
  bool is_mapped(uint64_t addr) const { return perms_at(addr) != 0; }

  // Turns host protection on (see the top of this file). False when the linear memory is not a
  // page-aligned mapping of its own or the host refuses.
  bool enable_host_protection();
  bool host_protected() const { return protect_; }

  // Shared mappings (see the top of this file): each returns 0 or a host errno, and every guest
  // range is page aligned and in range. can_share(): the linear memory is a mapping of its own.
  bool can_share() const { return mem_.mapped(); }
  // Maps `len` bytes of host file `fd` from `offset` over [addr, addr + len), MAP_SHARED; the
  // host may map it writable only when `writable`. On failure the range is private anonymous
  // memory again (its old contents lost, as Linux loses them for a failed MAP_FIXED).
  int map_shared(uint64_t addr, uint64_t len, int fd, uint64_t offset, bool writable);
  // Private anonymous zero pages over [addr, addr + len) again.
  int unshare(uint64_t addr, uint64_t len);
  // Moves (or, with old_len 0, duplicates) the shared mapping at [old_addr, old_addr + old_len)
  // to [new_addr, new_addr + new_len), which may not overlap it; a moved-from range becomes
  // private anonymous memory. new_addr == old_addr grows the mapping in place instead (the
  // pages after it must be free guest memory).
  int remap_shared(uint64_t old_addr, uint64_t old_len, uint64_t new_addr, uint64_t new_len);
  // How many bytes from `addr` (at most n) of a shared range have pages behind them: a shared
  // file page past the end of its file faults (SIGBUS) on any access, so the kernel side asks
  // before it touches a shared range, and answers EFAULT as Linux does. Never faults.
  uint64_t backed(uint64_t addr, uint64_t n) const;
  // msync(2) of the host pages behind [addr, addr + len).
  int sync(uint64_t addr, uint64_t len, int flags);
  // madvise(2) of the host pages behind [addr, addr + len) (MADV_REMOVE on a shared range).
  int advise(uint64_t addr, uint64_t len, int advice);

  // The guest pages of [addr, addr + len) hold translated code: the guest-writable ones become
  // host read-only until written (see the top of this file).
  void protect_code(uint64_t addr, uint64_t len);
  // The fault handler's question for a host fault at `linear_offset` of the linear memory of
  // `self` (a GuestMemory): is it a store into a protected code page? If so the page is made
  // writable and recorded, and the store may be retried. Async-signal-safe: no allocation, no
  // lock, one mprotect.
  static bool resolve_code_write(void* self, uint64_t linear_offset);
  // Code pages written since the last call: calls f(page address) for each and forgets them.
  bool has_written_code() const { return written_count_ != 0; }
  // The word has_written_code() tests, for generated code that checks it (a chained exit).
  const volatile size_t* written_code_word() const { return &written_count_; }
  template <typename F>
  void take_written_code(F&& f) {
    while (written_count_ != 0) {
      written_count_ = written_count_ - 1;
      const uint32_t page = written_[written_count_];
      code_[page] = kNoCode;
      --code_pages_;
      f(uint64_t{page} * kPageSize);
    }
  }
  struct CodeWriteStats {
    uint64_t stores = 0;         // guest stores that faulted on a code page
    uint64_t kernel_writes = 0;  // code pages opened for writing by the kernel side
    uint64_t unprotected = 0;    // code pages the host would not write-protect (stores unseen)
  };
  CodeWriteStats code_write_stats() const {
    return {store_faults_, kernel_code_writes_, unprotected_code_pages_};
  }

  // While one exists, host()/read()/write() may touch any page of the space.
  class KernelAccess {
   public:
    explicit KernelAccess(const GuestMemory& m) : m_(m) { ++m_.kernel_depth_; }
    ~KernelAccess() {
      if (--m_.kernel_depth_ == 0) m_.close_for_kernel();
    }
    KernelAccess(const KernelAccess&) = delete;
    KernelAccess& operator=(const KernelAccess&) = delete;

   private:
    const GuestMemory& m_;
  };

  // The CPU state page (guest_layout.hpp `state::`).
  uint64_t state(uint32_t off) const {
    uint64_t v;
    std::memcpy(&v, mem_.data() + off, 8);
    return v;
  }
  void set_state(uint32_t off, uint64_t v) { std::memcpy(mem_.data() + off, &v, 8); }
  uint64_t x(unsigned i) const { return state(x_offset(i)); }
  void set_x(unsigned i, uint64_t v) {
    if (i != 0) set_state(x_offset(i), v);
  }

 private:
  uint8_t* host_page(uint64_t addr) const {
    return const_cast<uint8_t*>(mem_.data()) + (addr - kGuestOrigin);
  }
  // The host protection a fresh mapping of guest pages gets before the table's is applied.
  int fresh_prot(bool writable) const;
  // Host protection of guest pages [first, last) from the table.
  bool apply_host_protection(uint64_t first, uint64_t last) const;
  // Makes [addr, addr + n) read-write for the kernel side; false when the host made it only
  // readable.
  bool open_for_kernel(uint64_t addr, uint64_t n) const;
  void close_for_kernel() const;
  // Records the protected code pages of [addr, addr + n) as written and makes them writable.
  void release_code(uint64_t addr, uint64_t n);
  // Host protection of guest page `page`, from its permissions and its code state.
  int host_prot_of(uint64_t page) const;
  // Marks protected code page `page` written (the handler and release_code share it).
  void mark_written(uint64_t page);

  enum : uint8_t { kNoCode = 0, kCodeProtected = 1, kCodeWritten = 2 };

  LinearMemory& mem_;
  std::vector<uint8_t> perms_;
  // Per guest page: kNoCode, kCodeProtected or kCodeWritten (waiting for take_written_code()).
  std::vector<uint8_t> code_;
  // The kCodeWritten pages. Sized to code_pages_ by protect_code(), so the fault handler never
  // grows it: a page enters it once per protection.
  std::vector<uint32_t> written_;
  volatile size_t written_count_ = 0;
  size_t code_pages_ = 0;  // pages kCodeProtected or kCodeWritten
  volatile uint64_t store_faults_ = 0;
  uint64_t kernel_code_writes_ = 0;
  uint64_t unprotected_code_pages_ = 0;
  bool protect_ = false;
  mutable int kernel_depth_ = 0;
  // Guest page ranges [first, last) opened read-write, and re-permitted, inside a KernelAccess.
  mutable std::vector<std::pair<uint64_t, uint64_t>> opened_, changed_;
};

}  // namespace strata::vm::rv64

// GuestMemory's host protection (guest_memory.hpp).
#include "vm/rv64/guest_memory.hpp"

#include <sys/mman.h>

#include <algorithm>

namespace strata::vm::rv64 {

namespace {

constexpr uint64_t kStatePage = kGuestOrigin / kPageSize;

}  // namespace

int GuestMemory::host_prot_of(uint64_t page) const {
  const uint32_t perms = perms_[page];
  // A protected code page faults on a store, so that its translations can be dropped.
  if (perms & kPermWrite) return code_[page] == kCodeProtected ? PROT_READ : PROT_READ | PROT_WRITE;
  // Execute-only pages stay host-readable: instruction fetch reads them.
  if (perms != 0) return PROT_READ;
  return PROT_NONE;
}

bool GuestMemory::enable_host_protection() {
  if (!mem_.mapped()) return false;
  protect_ = true;
  return apply_host_protection(0, perms_.size());
}

bool GuestMemory::apply_host_protection(uint64_t first, uint64_t last) const {
  // Guest pages below the origin are not in the linear memory; the state page (the one at the
  // origin) is the runtime's and stays read-write.
  const uint64_t pages = perms_.size();
  if (first <= kStatePage) first = kStatePage + 1;
  if (last > pages) last = pages;
  bool ok = true;
  while (first < last) {
    // One mprotect per run of pages with the same protection.
    const int prot = host_prot_of(first);
    uint64_t end = first + 1;
    while (end < last && host_prot_of(end) == prot) ++end;
    const uint64_t lo = first * kPageSize - kGuestOrigin;
    uint64_t hi = end * kPageSize - kGuestOrigin;
    if (hi > mem_.size()) hi = mem_.size();
    if (lo < hi && ::mprotect(const_cast<uint8_t*>(mem_.data()) + lo, hi - lo, prot) != 0)
      ok = false;
    first = end;
  }
  return ok;
}

bool GuestMemory::open_for_kernel(uint64_t addr, uint64_t n) const {
  if (n == 0) return true;
  const uint64_t first = addr / kPageSize;
  const uint64_t last = (addr + n - 1) / kPageSize + 1;
  // A path or buffer is often read piecewise: the range opened last usually covers it already.
  if (!opened_.empty() && opened_.back().first <= first && last <= opened_.back().second)
    return true;
  bool writable = true;
  for (uint64_t p = first; p < last && writable; ++p)
    writable = (perms_[p] & kPermWrite) != 0 && code_[p] != kCodeProtected;
  if (writable) return true;  // already read-write on the host
  const uint64_t lo = first * kPageSize - kGuestOrigin;
  uint64_t hi = last * kPageSize - kGuestOrigin;
  if (hi > mem_.size()) hi = mem_.size();
  auto* p = const_cast<uint8_t*>(mem_.data()) + lo;
  if (::mprotect(p, hi - lo, PROT_READ | PROT_WRITE) == 0) {
    opened_.emplace_back(first, last);
    return true;
  }
  // The host will not make a shared mapping of a file not open for writing writable: readable
  // is all the kernel side gets there (restored at the end, never taken as opened).
  ::mprotect(p, hi - lo, PROT_READ);
  changed_.emplace_back(first, last);
  return false;
}

void GuestMemory::close_for_kernel() const {
  for (const auto& [first, last] : opened_) apply_host_protection(first, last);
  for (const auto& [first, last] : changed_) apply_host_protection(first, last);
  opened_.clear();
  changed_.clear();
}

void GuestMemory::protect_code(uint64_t addr, uint64_t len) {
  if (!protect_ || len == 0) return;
  const uint64_t first = addr / kPageSize;
  const uint64_t last = std::min<uint64_t>((addr + len - 1) / kPageSize + 1, perms_.size());
  for (uint64_t p = first; p < last; ++p) {
    // Pages the guest cannot write need nothing: a store there is the guest's fault anyway.
    if (p <= kStatePage || code_[p] != kNoCode || (perms_[p] & kPermWrite) == 0) continue;
    ++code_pages_;
    // Grown here, never in the fault handler.
    if (written_.size() < code_pages_) written_.resize(std::max<size_t>(64, 2 * code_pages_));
    code_[p] = kCodeProtected;
    if (kernel_depth_ > 0) {
      changed_.emplace_back(p, p + 1);  // applied when the KernelAccess ends
    } else if (!apply_host_protection(p, p + 1)) {
      // The host refused (ENOMEM: too many mappings). Stores into this page go unseen: say so.
      code_[p] = kNoCode;
      --code_pages_;
      ++unprotected_code_pages_;
    }
  }
}

void GuestMemory::mark_written(uint64_t page) {
  code_[page] = kCodeWritten;
  written_[written_count_] = static_cast<uint32_t>(page);
  written_count_ = written_count_ + 1;
  ::mprotect(mem_.data() + (page * kPageSize - kGuestOrigin), kPageSize, host_prot_of(page));
}

bool GuestMemory::resolve_code_write(void* self, uint64_t linear_offset) {
  auto* m = static_cast<GuestMemory*>(self);
  const uint64_t page = (linear_offset + kGuestOrigin) / kPageSize;
  // A protected code page is host-readable, so its fault is a store. One the guest may not
  // write (mprotect'ed read-only since) is the guest's fault.
  if (page >= m->perms_.size() || m->code_[page] != kCodeProtected ||
      (m->perms_[page] & kPermWrite) == 0)
    return false;
  m->mark_written(page);
  m->store_faults_ = m->store_faults_ + 1;
  return true;
}

void GuestMemory::release_code(uint64_t addr, uint64_t n) {
  if (n == 0) return;
  const uint64_t last = std::min<uint64_t>((addr + n - 1) / kPageSize + 1, perms_.size());
  for (uint64_t p = addr / kPageSize; p < last; ++p) {
    if (code_[p] != kCodeProtected) continue;
    mark_written(p);
    ++kernel_code_writes_;
  }
}

}  // namespace strata::vm::rv64

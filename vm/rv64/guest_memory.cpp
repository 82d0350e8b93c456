// GuestMemory's host protection (guest_memory.hpp).
#include "vm/rv64/guest_memory.hpp"

#include <sys/mman.h>

namespace strata::vm::rv64 {

namespace {

int host_prot(uint32_t perms) {
  if (perms & kPermWrite) return PROT_READ | PROT_WRITE;
  // Execute-only pages stay host-readable: instruction fetch reads them.
  if (perms != 0) return PROT_READ;
  return PROT_NONE;
}

}  // namespace

bool GuestMemory::enable_host_protection() {
  if (!mem_.mapped()) return false;
  protect_ = true;
  return apply_host_protection(0, perms_.size());
}

bool GuestMemory::apply_host_protection(uint64_t first, uint64_t last) const {
  // Guest pages below the origin are not in the linear memory; the state page (the one at the
  // origin) is the runtime's and stays read-write.
  constexpr uint64_t kStatePage = kGuestOrigin / kPageSize;
  const uint64_t pages = perms_.size();
  if (first <= kStatePage) first = kStatePage + 1;
  if (last > pages) last = pages;
  bool ok = true;
  while (first < last) {
    // One mprotect per run of pages with the same protection.
    const int prot = host_prot(perms_[first]);
    uint64_t end = first + 1;
    while (end < last && host_prot(perms_[end]) == prot) ++end;
    const uint64_t lo = first * kPageSize - kGuestOrigin;
    uint64_t hi = end * kPageSize - kGuestOrigin;
    if (hi > mem_.size()) hi = mem_.size();
    if (lo < hi && ::mprotect(const_cast<uint8_t*>(mem_.data()) + lo, hi - lo, prot) != 0)
      ok = false;
    first = end;
  }
  return ok;
}

void GuestMemory::open_for_kernel(uint64_t addr, uint64_t n) const {
  if (n == 0) return;
  const uint64_t first = addr / kPageSize;
  const uint64_t last = (addr + n - 1) / kPageSize + 1;
  // A path or buffer is often read piecewise: the range opened last usually covers it already.
  if (!opened_.empty() && opened_.back().first <= first && last <= opened_.back().second) return;
  bool writable = true;
  for (uint64_t p = first; p < last && writable; ++p) writable = (perms_[p] & kPermWrite) != 0;
  if (writable) return;  // already read-write on the host
  const uint64_t lo = first * kPageSize - kGuestOrigin;
  uint64_t hi = last * kPageSize - kGuestOrigin;
  if (hi > mem_.size()) hi = mem_.size();
  ::mprotect(const_cast<uint8_t*>(mem_.data()) + lo, hi - lo, PROT_READ | PROT_WRITE);
  opened_.emplace_back(first, last);
}

void GuestMemory::close_for_kernel() const {
  for (const auto& [first, last] : opened_) apply_host_protection(first, last);
  for (const auto& [first, last] : changed_) apply_host_protection(first, last);
  opened_.clear();
  changed_.clear();
}

}  // namespace strata::vm::rv64

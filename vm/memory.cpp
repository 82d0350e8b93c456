// LinearMemory storage: plain malloc memory (it never holds GC references).
#include "vm/memory.hpp"

#include <sys/mman.h>

#include <cstdlib>

namespace strata::vm {

namespace {
// Rounds up to a whole number of pages; false on overflow.
bool round_pages(uint64_t bytes, uint64_t* out) {
  uint64_t r = bytes + (LinearMemory::kPageSize - 1);
  if (r < bytes) return false;
  *out = r & ~(LinearMemory::kPageSize - 1);
  return true;
}
}  // namespace

LinearMemory::~LinearMemory() {
  release();
}

void LinearMemory::release() {
  if (storage_ == Storage::Heap) std::free(data_);
  if (storage_ == Storage::Mapped && data_) ::munmap(data_, size_ + guard_);
  storage_ = Storage::Heap;
  guard_ = 0;
  data_ = nullptr;
  size_ = 0;
  cap_ = 0;
}

bool LinearMemory::init(uint64_t initial, uint64_t cap) {
  release();
  data_ = nullptr;
  size_ = 0;
  cap_ = cap;
  uint64_t bytes;
  if (!round_pages(initial, &bytes) || bytes > cap) return false;
  if (bytes == 0) return true;
  data_ = static_cast<uint8_t*>(std::calloc(1, bytes));
  if (!data_) return false;
  size_ = bytes;
  return true;
}

bool LinearMemory::bind_external(uint8_t* data, uint64_t size) {
  release();
  if (!data && size != 0) return false;
  storage_ = Storage::External;
  data_ = data;
  size_ = size;
  cap_ = size;
  return true;
}

bool LinearMemory::init_mapped(uint64_t size, uint64_t guard, bool huge_pages) {
  release();
  if (size == 0 || size % kPageSize != 0 || guard % kPageSize != 0 || size + guard < size)
    return false;
  void* p = ::mmap(nullptr, size + guard, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return false;
  auto* bytes = static_cast<uint8_t*>(p);
  // Huge pages where the host allows them (a hint, no error if refused): a guest touching tens
  // of MiB took a 4 KiB host page fault per page, and its random accesses a TLB miss per page
  // (RV64 hash, a 32 MiB table: 24 k -> 5 k faults, 0.28 -> 0.24 s). The page protections the
  // RV64 runner sets split them where needed.
  if (huge_pages) ::madvise(p, size, MADV_HUGEPAGE);
  if (guard != 0 && ::mprotect(bytes + size, guard, PROT_NONE) != 0) {
    ::munmap(p, size + guard);
    return false;
  }
  storage_ = Storage::Mapped;
  data_ = bytes;
  size_ = size;
  cap_ = size;
  guard_ = guard;
  return true;
}

int64_t LinearMemory::grow(uint64_t delta) {
  uint64_t add;
  // GUEST: delta is guest-controlled; every step is overflow-checked against the cap.
  if (!round_pages(delta, &add) || add > cap_ || size_ > cap_ - add) return -1;
  const uint64_t old = size_;
  if (add == 0) return static_cast<int64_t>(old);
  // Someone else's storage, or a mapping whose parts may be protected, cannot move or grow.
  if (storage_ != Storage::Heap) return -1;
  if (old + add > static_cast<uint64_t>(INT64_MAX)) return -1;
  auto* p = static_cast<uint8_t*>(std::realloc(data_, old + add));
  if (!p) return -1;
  std::memset(p + old, 0, add);
  data_ = p;
  size_ = old + add;
  return static_cast<int64_t>(old);
}

}  // namespace strata::vm

// Linear memory: a module instance's private, bounds-checked byte array.
//
// Invariants: size() <= cap(); size() is a multiple of kPageSize (external storage: any size);
// bytes in [0, size()) are initialised (zero unless written). The storage may move when the
// memory grows, so holders of data() re-read it after anything that can grow the memory (mgrow,
// a host call). size() never decreases once the instance's code has run (bind_external and
// init_mapped are set-up steps): the baseline tier drops bounds checks it proves against the
// size at compile time (jit/baseline/known_bounds.hpp).
// Linear memory never holds references to GC objects (it is not scanned).
//
// External storage (bind_external): the memory may instead be a window onto storage it does not
// own, such as guest RAM bound to a device model. Such a memory has a fixed size (cap() ==
// size()), never grows and never frees the storage, which must outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace strata::vm {

class LinearMemory {
 public:
  static constexpr uint64_t kPageSize = 64 * 1024;

  LinearMemory() = default;
  LinearMemory(const LinearMemory&) = delete;
  LinearMemory& operator=(const LinearMemory&) = delete;
  ~LinearMemory();

  // Sets the cap and allocates `initial` bytes rounded up to kPageSize. False if the rounded
  // initial size exceeds the cap or the allocation fails.
  [[nodiscard]] bool init(uint64_t initial, uint64_t cap);

  uint64_t size() const { return size_; }
  uint64_t cap() const { return cap_; }
  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }

  // True when [addr, addr + n) lies inside the memory; never overflows.
  bool in_bounds(uint64_t addr, uint64_t n) const { return addr <= size_ && size_ - addr >= n; }

  // Releases any owned storage and makes [data, data + size) the memory. False (and the memory
  // left empty) when data is null with a non-zero size.
  [[nodiscard]] bool bind_external(uint8_t* data, uint64_t size);
  bool external() const { return storage_ == Storage::External; }

  // Owned, fixed-size storage from its own host mapping (mmap, MAP_NORESERVE): page-aligned, so
  // its owner may change the host protection of parts of it (an RV64 guest's address space maps
  // guest page permissions onto host ones), and only touched pages use host memory. Like
  // external storage it never grows. False on a size that is not a multiple of kPageSize or when
  // the host refuses the mapping.
  //
  // `guard` bytes (whole pages) of the same mapping follow the memory, PROT_NONE for as long as
  // it lives: any access there is a host fault. A runner that catches host faults on its memory
  // as the guest's (jit/rv64/guest_fault.hpp, over size() + guard()) lets compiled code check
  // only that an access starts inside the memory when its offset and length stay within the
  // guard (the LLVM tier's OptRequest::guard_bytes): accesses through one address then share one
  // check.
  //
  // `huge_pages` asks the host for transparent huge pages (madvise MADV_HUGEPAGE, a hint): fewer
  // faults and TLB misses for a memory touched all over and often, but each first touch of 2 MiB
  // zeroes all of it, which on a virtual machine whose free memory went back to the hypervisor
  // costs milliseconds. Without it the host's default applies.
  [[nodiscard]] bool init_mapped(uint64_t size, uint64_t guard = 0, bool huge_pages = true);
  bool mapped() const { return storage_ == Storage::Mapped; }
  uint64_t guard() const { return guard_; }

  // Grows by `delta` bytes rounded up to kPageSize. Returns the old size, or -1 when the new
  // size would pass the cap or the host refuses the memory (then nothing changes).
  int64_t grow(uint64_t delta);

  // Field offsets for compiled code, which reads data_ and size_ directly (jit/baseline).
  static constexpr size_t data_offset() { return offsetof(LinearMemory, data_); }
  static constexpr size_t size_offset() { return offsetof(LinearMemory, size_); }

  // Bounds-checked copies for hosts and natives; false (and nothing copied) when out of bounds.
  bool read(uint64_t addr, void* out, uint64_t n) const {
    if (!in_bounds(addr, n)) return false;
    if (n) std::memcpy(out, data_ + addr, n);
    return true;
  }
  bool write(uint64_t addr, const void* in, uint64_t n) {
    if (!in_bounds(addr, n)) return false;
    if (n) std::memcpy(data_ + addr, in, n);
    return true;
  }

 private:
  uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
  uint64_t cap_ = 0;
  uint64_t guard_ = 0;  // PROT_NONE bytes after a mapped memory, part of its mapping
  // Heap: calloc'd, grows with realloc. External: not ours, never grown or freed. Mapped: our
  // own mmap, never grown, munmap'd.
  enum class Storage : uint8_t { Heap, External, Mapped };
  Storage storage_ = Storage::Heap;
  void release();
};

}  // namespace strata::vm

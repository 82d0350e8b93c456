// Executable memory with W^X: one memfd mapped twice, once read+write and once read+execute.
//
// Why a dual mapping rather than RW->RX mprotect per chunk: installing a function is then a
// memcpy through the RW view and nothing else — no mprotect syscall, no TLB shootdown across the
// threads of the process, no window where a page is writable while another thread executes it.
// The translation budget is a few µs per block, and one mprotect plus its shootdown costs about
// that much by itself. At no moment is any mapping both writable and executable; the RW view's
// address is known only to the cache (and to code that patches jumps through it).
//
// The backing file comes from memfd_create(2) with MFD_EXEC, so nothing touches the file system;
// the kernel must allow executable memfds (vm.memfd_noexec 0, the default, or 1; not 2).
//
// Contract: the two views alias byte for byte: rx()[i] is rw()[i]. x86 keeps instruction fetch
// coherent with stores, so a byte written through rw() is what an executor fetches at rx() (see
// code_cache.hpp for the cross-modifying-code rule when memory is reused).
#pragma once

#include <cstddef>
#include <cstdint>

#include "isa/error.hpp"

namespace strata::jit {

class ExecMemory {
 public:
  // Maps `size` bytes (rounded up to the page size) twice. `name` shows in /proc/self/maps as
  // "/memfd:<name> (deleted)".
  static Result<ExecMemory> create(size_t size, const char* name = "strata-jit");

  ExecMemory() = default;
  ExecMemory(ExecMemory&& o) noexcept { *this = static_cast<ExecMemory&&>(o); }
  ExecMemory& operator=(ExecMemory&& o) noexcept;
  ExecMemory(const ExecMemory&) = delete;
  ExecMemory& operator=(const ExecMemory&) = delete;
  ~ExecMemory() { release(); }

  std::byte* rw() const { return rw_; }
  const std::byte* rx() const { return rx_; }
  size_t size() const { return size_; }

  // The writable alias of an executable address inside this memory (`p` must be in range).
  std::byte* rw_alias(const void* p) const {
    return rw_ + (static_cast<const std::byte*>(p) - rx_);
  }
  bool contains_rx(const void* p) const {
    auto* b = static_cast<const std::byte*>(p);
    return b >= rx_ && b < rx_ + size_;
  }

  static size_t page_size();

  // Enters [offset, offset + len) of both views into the page tables now, one call per view,
  // instead of a page fault at the first write of each page and another at its first run. A
  // hint: a kernel that refuses (before Linux 5.14) leaves the pages to their faults.
  void prefault(size_t offset, size_t len) const;

  // After fork(2), in the parent and in the child: the views are a MAP_SHARED memfd, so both
  // processes would write code into the same pages. Replaces the memfd by a private copy (the
  // pages holding data only), mapped at the same two addresses, so no pointer into the code
  // changes. Both processes must call it before writing code again.
  Result<void> privatize_after_fork();

 private:
  void release();

  std::byte* rw_ = nullptr;
  std::byte* rx_ = nullptr;
  size_t size_ = 0;
  int fd_ = -1;
};

}  // namespace strata::jit

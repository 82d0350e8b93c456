#include "jit/exec_memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace strata::jit {

namespace {
#ifdef MFD_EXEC
constexpr unsigned kMfdExec = MFD_EXEC;
#else
constexpr unsigned kMfdExec = 0x0010U;  // <linux/memfd.h> of Linux 6.3
#endif
}  // namespace

size_t ExecMemory::page_size() {
  static const size_t kPage = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return kPage;
}

void ExecMemory::prefault(size_t offset, size_t len) const {
  if (offset >= size_ || len == 0) return;
  // Whole pages (madvise takes nothing else): those the range touches.
  const size_t page = page_size();
  const size_t end = std::min(offset + len, size_);
  offset = offset / page * page;
  len = std::min((end + page - 1) / page * page, size_) - offset;
  (void)madvise(rw_ + offset, len, MADV_POPULATE_WRITE);
  (void)madvise(rx_ + offset, len, MADV_POPULATE_READ);
}

Result<ExecMemory> ExecMemory::create(size_t size, const char* name) {
  if (size == 0) return fail("jit: executable memory of 0 bytes requested");
  const size_t page = page_size();
  size = (size + page - 1) / page * page;

  ExecMemory m;
  // Ask for an executable memfd explicitly: with vm.memfd_noexec = 1 an unmarked memfd is sealed
  // non-executable. Kernels before 6.3 do not know the flag and say EINVAL: they allow exec anyway.
  m.fd_ = memfd_create(name, MFD_CLOEXEC | kMfdExec);
  if (m.fd_ < 0 && errno == EINVAL) m.fd_ = memfd_create(name, MFD_CLOEXEC);
  if (m.fd_ < 0) return fail("jit: memfd_create failed: {}", std::strerror(errno));
  if (ftruncate(m.fd_, static_cast<off_t>(size)) != 0) {
    return fail("jit: cannot size the code memory to {} bytes: {}", size, std::strerror(errno));
  }
  void* rw = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, m.fd_, 0);
  if (rw == MAP_FAILED) {
    return fail("jit: cannot map {} bytes of code memory RW: {}", size, std::strerror(errno));
  }
  m.rw_ = static_cast<std::byte*>(rw);
  m.size_ = size;  // from here on release() unmaps rw_
  void* rx = mmap(nullptr, size, PROT_READ | PROT_EXEC, MAP_SHARED, m.fd_, 0);
  if (rx == MAP_FAILED) {
    return fail("jit: cannot map code memory RX (vm.memfd_noexec = 2, or an exec policy?): {}",
                std::strerror(errno));
  }
  m.rx_ = static_cast<std::byte*>(rx);
  // The descriptor stays open (close-on-exec): privatize_after_fork() finds the file's data
  // extents through it.
  return m;
}

Result<void> ExecMemory::privatize_after_fork() {
  if (rw_ == nullptr) return {};
  int fd = memfd_create("strata-jit", MFD_CLOEXEC | kMfdExec);
  if (fd < 0 && errno == EINVAL) fd = memfd_create("strata-jit", MFD_CLOEXEC);
  if (fd < 0) return fail("jit: memfd_create failed after fork: {}", std::strerror(errno));
  const auto fail_with = [&](const char* what) -> Result<void> {
    const int e = errno;
    close(fd);
    return fail("jit: cannot privatize the code memory after fork ({}): {}", what,
                std::strerror(e));
  };
  if (ftruncate(fd, static_cast<off_t>(size_)) != 0) return fail_with("ftruncate");
  // Only the extents holding data: the never-written rest of the arena stays a hole (reading it
  // through the mapping would allocate it).
  const off_t end = static_cast<off_t>(size_);
  for (off_t at = 0; at < end;) {
    const off_t data = lseek(fd_, at, SEEK_DATA);
    if (data < 0) break;  // ENXIO: no data past `at`
    off_t hole = lseek(fd_, data, SEEK_HOLE);
    if (hole < 0 || hole > end) hole = end;
    for (off_t off = data; off < hole;) {
      const ssize_t n = pwrite(fd, rw_ + off, static_cast<size_t>(hole - off), off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return fail_with("copy");
      off += n;
    }
    at = hole;
  }
  if (mmap(rw_, size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
    return fail_with("map RW");
  if (mmap(rx_, size_, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
    return fail_with("map RX");
  close(fd_);
  fd_ = fd;
  return {};
}

ExecMemory& ExecMemory::operator=(ExecMemory&& o) noexcept {
  if (this != &o) {
    release();
    rw_ = o.rw_;
    rx_ = o.rx_;
    size_ = o.size_;
    fd_ = o.fd_;
    o.rw_ = nullptr;
    o.rx_ = nullptr;
    o.size_ = 0;
    o.fd_ = -1;
  }
  return *this;
}

void ExecMemory::release() {
  if (rw_ != nullptr) munmap(rw_, size_);
  if (rx_ != nullptr) munmap(rx_, size_);
  if (fd_ >= 0) close(fd_);
  rw_ = nullptr;
  rx_ = nullptr;
  size_ = 0;
  fd_ = -1;
}

}  // namespace strata::jit

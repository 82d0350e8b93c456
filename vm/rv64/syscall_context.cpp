// SysContext helpers: checked guest buffers and paths, diagnostics, page zeroing.
#include "vm/rv64/syscall_context.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace strata::vm::rv64 {

void SysContext::diag(std::string_view line) const {
  std::string s(line);
  s.push_back('\n');
  const char* p = s.data();
  size_t left = s.size();
  while (left > 0) {
    const ssize_t n = ::write(opts.diag_fd, p, left);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

void SysContext::note_once(const std::string& line) {
  if (notes.insert(line).second) diag(line);
}

void SysContext::code_changed(uint64_t addr, uint64_t len) const {
  if (code_change && *code_change && len > 0) (*code_change)(addr, len);
}

void SysContext::wrote(uint64_t addr, uint64_t n) const {
  if (n == 0) return;
  const uint64_t first = page_down(addr);
  for (uint64_t p = first; p < addr + n && p >= first; p += kPageSize) {
    if (mem.perms_at(p) & kPermExec) {
      code_changed(addr, n);
      return;
    }
  }
}

uint64_t SysContext::usable(uint64_t addr, uint64_t n, bool write) const {
  uint64_t done = 0;
  while (done < n) {
    const uint64_t at = addr + done;
    if (at < addr || !mem.in_range(at, 1)) break;
    const uint32_t p = mem.perms_at(at);
    if (p == 0 || (write && !(p & kPermWrite))) break;
    const uint64_t in_page = kPageSize - (at % kPageSize);
    done += in_page < n - done ? in_page : n - done;
  }
  // A shared file mapping may reach past the end of its file: those pages are not usable.
  uint64_t shared_from = done;
  vmas.for_each_in(addr, addr + done, [&](uint64_t s, uint64_t, const Vma& v) {
    if (v.share != 0 && s - addr < shared_from) shared_from = s - addr;
  });
  if (shared_from < done) done = shared_from + mem.backed(addr + shared_from, done - shared_from);
  return done;
}

uint8_t* SysContext::buffer(uint64_t addr, uint64_t n, bool write) {
  if (n == 0) return mem.host(addr, 0);
  if (usable(addr, n, write) != n) return nullptr;
  return mem.host(addr, n);
}

bool SysContext::copy_in(uint64_t addr, void* out, uint64_t n) {
  const uint8_t* p = buffer(addr, n, false);
  if (!p) return false;
  if (n) std::memcpy(out, p, n);
  return true;
}

bool SysContext::copy_out(uint64_t addr, const void* in, uint64_t n) {
  uint8_t* p = buffer(addr, n, true);
  if (!p) return false;
  if (n) std::memcpy(p, in, n);
  return true;
}

int SysContext::read_path(uint64_t addr, std::string* out) const {
  out->clear();
  constexpr uint64_t kPathMax = 4096;  // including the NUL, as Linux's PATH_MAX
  for (uint64_t i = 0; i < kPathMax; ++i) {
    if (usable(addr + i, 1, false) != 1 || addr + i < addr) return -EFAULT;
    const char c = static_cast<char>(*mem.host(addr + i, 1));
    if (c == 0) return 0;
    out->push_back(c);
  }
  return -ENAMETOOLONG;
}

std::string SysContext::host_path(const std::string& guest) const {
  if (guest == "/proc/self/exe") return exe_path;
  // The guest's own fd numbers, never the host's.
  constexpr std::string_view kFdDir = "/proc/self/fd/";
  if (guest.size() > kFdDir.size() && guest.compare(0, kFdDir.size(), kFdDir) == 0) {
    const std::string num = guest.substr(kFdDir.size());
    if (num.size() <= 9 && num.find_first_not_of("0123456789") == std::string::npos)
      return std::string(kFdDir) + std::to_string(fds.host(std::stoll(num)));
  }
  if (!opts.sysroot.empty() && !guest.empty() && guest[0] == '/') {
    std::string candidate = opts.sysroot + guest;
    struct stat st;
    if (::lstat(candidate.c_str(), &st) == 0) return candidate;
  }
  return guest;
}

int SysContext::host_dirfd(uint64_t guest) const {
  const int64_t fd = arg_int(guest);
  if (fd == AT_FDCWD) return AT_FDCWD;
  const int host = fds.host(fd);
  return host >= 0 ? host : -EBADF;
}

int64_t SysContext::resolve_at(uint64_t dirfd, uint64_t path_addr, int* dir,
                               std::string* path) const {
  std::string guest;
  if (int e = read_path(path_addr, &guest)) return e;
  *dir = host_dirfd(dirfd);
  if (*dir == -EBADF) {
    if (guest.empty() || guest[0] != '/') return -EBADF;
    *dir = AT_FDCWD;
  }
  *path = host_path(guest);
  return 0;
}

void SysContext::zero_pages(uint64_t addr, uint64_t len) {
  uint8_t* p = mem.host(addr, len);
  if (!p || len == 0) return;
  // The linear memory need not be host-page aligned: clear the edges by hand and hand whole
  // host pages back (MADV_DONTNEED on private anonymous memory reads back as zeros).
  const uintptr_t host_page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t begin = reinterpret_cast<uintptr_t>(p);
  const uintptr_t end = begin + len;
  const uintptr_t inner_begin = (begin + host_page - 1) & ~(host_page - 1);
  const uintptr_t inner_end = end & ~(host_page - 1);
  // Storage the memory does not own may be shared (MADV_DONTNEED would not zero it).
  if (mem.linear().external() || inner_begin >= inner_end ||
      ::madvise(reinterpret_cast<void*>(inner_begin), inner_end - inner_begin, MADV_DONTNEED) !=
          0) {
    std::memset(p, 0, len);
    return;
  }
  std::memset(p, 0, inner_begin - begin);
  std::memset(reinterpret_cast<void*>(inner_end), 0, end - inner_end);
}

}  // namespace strata::vm::rv64

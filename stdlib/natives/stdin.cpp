#include "stdlib/natives/stdin.hpp"

#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <new>

namespace strata::stdlib {
namespace {

struct StdinBuffer {
  std::mutex mu;
  std::string buf;  // bytes read from fd 0 and not yet consumed, from `pos`
  size_t pos = 0;
  bool eof = false;
};

StdinBuffer& stdin_buffer() {
  static StdinBuffer b;
  return b;
}

// Reads one more chunk into b.buf; false at end of input or on a read error.
bool fill(StdinBuffer& b) {
  if (b.eof) return false;
  if (b.pos > 0) {
    b.buf.erase(0, b.pos);
    b.pos = 0;
  }
  char chunk[4096];
  for (;;) {
    ssize_t n = ::read(0, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      b.eof = true;
      return false;
    }
    b.buf.append(chunk, static_cast<size_t>(n));
    return true;
  }
}

}  // namespace

bool stdin_read_line(std::string& line, bool* oom) {
  *oom = false;
  StdinBuffer& b = stdin_buffer();
  std::lock_guard lock(b.mu);
  line.clear();
  try {
    for (;;) {
      size_t nl = b.buf.find('\n', b.pos);
      if (nl != std::string::npos) {
        line.append(b.buf, b.pos, nl - b.pos);
        b.pos = nl + 1;
        return true;
      }
      line.append(b.buf, b.pos, std::string::npos);
      b.pos = b.buf.size();
      if (!fill(b)) return !line.empty();
    }
  } catch (const std::bad_alloc&) {
    *oom = true;
    return false;
  }
}

ssize_t stdin_read(char* dst, size_t n) {
  StdinBuffer& b = stdin_buffer();
  std::lock_guard lock(b.mu);
  if (b.pos < b.buf.size()) {
    size_t k = std::min(n, b.buf.size() - b.pos);
    std::memcpy(dst, b.buf.data() + b.pos, k);
    b.pos += k;
    return static_cast<ssize_t>(k);
  }
  for (;;) {
    ssize_t r = ::read(0, dst, n);
    if (r < 0 && errno == EINTR) continue;
    return r < 0 ? -errno : r;
  }
}

}  // namespace strata::stdlib

#include "tools/strata/file_bytes.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace strata::cli {

namespace {

struct Fd {
  int fd;
  ~Fd() { ::close(fd); }
};

}  // namespace

Result<std::string> read_file(const std::string& path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return fail("{}: cannot open: {}", path, std::strerror(errno));
  struct stat sb {};
  if (::fstat(f.fd, &sb) != 0) return fail("{}: cannot stat: {}", path, std::strerror(errno));
  if (S_ISDIR(sb.st_mode)) return fail("{}: is a directory", path);
  // One byte more than the size, so the read that finds the end needs no growth.
  std::string bytes(S_ISREG(sb.st_mode) ? static_cast<std::size_t>(sb.st_size) + 1 : 4096, '\0');
  std::size_t have = 0;
  for (;;) {
    if (have == bytes.size()) bytes.resize(bytes.size() * 2);
    const ssize_t n = ::read(f.fd, bytes.data() + have, bytes.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("{}: read error: {}", path, std::strerror(errno));
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
  }
  bytes.resize(have);
  return bytes;
}

}  // namespace strata::cli

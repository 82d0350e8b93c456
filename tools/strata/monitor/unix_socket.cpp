#include "tools/strata/monitor/unix_socket.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace strata::monitor {

namespace {

Result<sockaddr_un> address_of(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof a.sun_path)
    return fail("unix:{}: the path is longer than a socket address holds ({} bytes)", path,
                sizeof a.sun_path - 1);
  std::memcpy(a.sun_path, path.data(), path.size());
  return a;
}

// connect() to `a` on a new socket: the fd, or -errno.
int try_connect(const sockaddr_un& a) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    const int e = errno;
    ::close(fd);
    return -e;
  }
  return fd;
}

}  // namespace

Result<std::string> unix_socket_path(std::string_view spec) {
  if (!spec.starts_with("unix:")) return fail("'{}' is not unix:PATH", spec);
  if (spec.size() == 5) return fail("'{}' has no path after unix:", spec);
  return std::string(spec.substr(5));
}

Result<int> listen_unix(const std::string& path) {
  const sockaddr_un a = STRATA_TRY(address_of(path));
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      return fail("unix:{}: a file that is not a socket is there (remove it or pick another path)",
                  path);
    // Only a socket nobody listens on may be replaced: two monitors on one path would hide one.
    if (const int fd = try_connect(a); fd >= 0) {
      ::close(fd);
      return fail("unix:{}: another monitor is listening there", path);
    }
    ::unlink(path.c_str());
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail("unix:{}: socket: {}", path, std::strerror(errno));
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 4) != 0) {
    const int e = errno;
    ::close(fd);
    return fail("unix:{}: cannot listen there: {}", path, std::strerror(e));
  }
  return fd;
}

Result<int> connect_unix(const std::string& path) {
  const sockaddr_un a = STRATA_TRY(address_of(path));
  const int fd = try_connect(a);
  if (fd >= 0) return fd;
  const int e = -fd;
  if (struct stat st{}; ::stat(path.c_str(), &st) == 0 && !S_ISSOCK(st.st_mode))
    return fail("unix:{}: not a socket (strata boot --monitor unix:PATH makes one)", path);
  if (e == ENOENT)
    return fail("unix:{}: no such socket (is `strata boot --monitor unix:{}` running?)", path,
                path);
  if (e == ECONNREFUSED)
    return fail("unix:{}: nobody is listening there (the guest's strata has ended?)", path);
  return fail("unix:{}: cannot connect: {}", path, std::strerror(e));
}

}  // namespace strata::monitor

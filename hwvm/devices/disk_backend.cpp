// RawDisk: a raw image file through pread/pwrite/fdatasync.
#include "hwvm/devices/disk_backend.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace strata::hwvm {

namespace {

std::string serial_from_path(const std::string& path) {
  auto slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.size() > 20) name.resize(20);
  return name;
}

}  // namespace

Result<std::unique_ptr<RawDisk>> RawDisk::open(const std::string& path, bool read_only) {
  int fd = ::open(path.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
  if (fd < 0)
    return fail("disk image {}: cannot open{}: {}", path, read_only ? "" : " for writing",
                std::strerror(errno));
  struct stat st {};
  std::uint64_t size = 0;
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return fail("disk image {}: {}", path, std::strerror(e));
  }
  // A block device reports its size through the ioctl, not st_size.
  if (S_ISREG(st.st_mode)) {
    size = static_cast<std::uint64_t>(st.st_size);
  } else if (!S_ISBLK(st.st_mode) || ::ioctl(fd, BLKGETSIZE64, &size) != 0) {
    ::close(fd);
    return fail("disk image {}: not a regular file or block device", path);
  }
  // Two monitors writing one image corrupt it (as QEMU, lock it): writers exclusively, readers
  // shared. The lock goes with the descriptor.
  if (::flock(fd, (read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
    int e = errno;
    ::close(fd);
    return fail("disk image {}: {}", path,
                e == EWOULDBLOCK ? "in use by another process" : std::strerror(e));
  }
  if (size % 512 != 0) {
    ::close(fd);
    return fail("disk image {}: size {} is not a whole number of 512-byte sectors", path, size);
  }
  return std::unique_ptr<RawDisk>(new RawDisk(fd, size, read_only, serial_from_path(path)));
}

RawDisk::~RawDisk() {
  if (fd_ >= 0) ::close(fd_);
}

int RawDisk::read(std::uint64_t offset, std::span<std::uint8_t> out) {
  if (!inside(offset, out.size())) return -EINVAL;
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n =
        ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (n == 0) return -EIO;  // the file shrank under us
    done += static_cast<std::size_t>(n);
  }
  return 0;
}

int RawDisk::write(std::uint64_t offset, std::span<const std::uint8_t> in) {
  if (read_only_) return -EROFS;
  if (!inside(offset, in.size())) return -EINVAL;
  std::size_t done = 0;
  while (done < in.size()) {
    ssize_t n =
        ::pwrite(fd_, in.data() + done, in.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (n == 0) return -EIO;
    done += static_cast<std::size_t>(n);
  }
  return 0;
}

int RawDisk::flush() {
  if (read_only_) return 0;
  return ::fdatasync(fd_) == 0 ? 0 : -errno;
}

}  // namespace strata::hwvm

// Disk backends: the storage behind a block device model (virtio-blk). The model reaches one
// through the "hw" natives disk_read/disk_write/disk_flush (hwvm/devices/svi_device.hpp), which
// check the guest-RAM side; a backend checks the disk side (offset and length inside size()).
//
// DiskBackend is an interface so the adapter needs no file code; RawDisk is a raw image file
// (every byte of the file is a byte of the disk, as QEMU's format=raw), used with pread/pwrite.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "isa/error.hpp"

namespace strata::hwvm {

class DiskBackend {
 public:
  virtual ~DiskBackend() = default;
  // Size in bytes (fixed for the backend's lifetime).
  [[nodiscard]] virtual std::uint64_t size() const = 0;
  [[nodiscard]] virtual bool read_only() const = 0;
  // Up to 20 bytes identifying the disk (virtio-blk GET_ID); shorter ones are zero-padded.
  [[nodiscard]] virtual std::string_view serial() const = 0;
  // Each returns 0, or a negative errno: -EINVAL when [offset, offset + bytes) is not inside
  // the disk, -EROFS for a write to a read-only disk, else what the host said (-EIO, ...).
  [[nodiscard]] virtual int read(std::uint64_t offset, std::span<std::uint8_t> out) = 0;
  [[nodiscard]] virtual int write(std::uint64_t offset, std::span<const std::uint8_t> in) = 0;
  [[nodiscard]] virtual int flush() = 0;
};

class RawDisk final : public DiskBackend {
 public:
  // Opens `path` (read-write unless `read_only`). The serial is the file's name, cut to 20
  // bytes. The file is locked (flock: exclusive for read-write, shared for read-only).
  // Errors: missing or unreadable file, not a regular file or block device, locked by another
  // open (`in use by another process`), a size that is not a whole number of 512-byte sectors.
  [[nodiscard]] static Result<std::unique_ptr<RawDisk>> open(const std::string& path,
                                                             bool read_only);
  ~RawDisk() override;
  RawDisk(const RawDisk&) = delete;
  RawDisk& operator=(const RawDisk&) = delete;

  [[nodiscard]] std::uint64_t size() const override { return size_; }
  [[nodiscard]] bool read_only() const override { return read_only_; }
  [[nodiscard]] std::string_view serial() const override { return serial_; }
  [[nodiscard]] int read(std::uint64_t offset, std::span<std::uint8_t> out) override;
  [[nodiscard]] int write(std::uint64_t offset, std::span<const std::uint8_t> in) override;
  [[nodiscard]] int flush() override;

 private:
  RawDisk(int fd, std::uint64_t size, bool read_only, std::string serial)
      : fd_(fd), size_(size), read_only_(read_only), serial_(std::move(serial)) {}
  [[nodiscard]] bool inside(std::uint64_t offset, std::uint64_t n) const {
    return offset <= size_ && size_ - offset >= n;
  }

  int fd_ = -1;
  std::uint64_t size_ = 0;
  bool read_only_ = false;
  std::string serial_;
};

}  // namespace strata::hwvm

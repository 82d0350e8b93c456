// The KVM system file descriptor (/dev/kvm): API version check, capability queries, and the
// factory of VMs. Every failure is a sentence a user can act on.
#pragma once

#include <cstddef>
#include <string_view>

#include "hwvm/kvm/fd.hpp"
#include "hwvm/kvm/host.hpp"
#include "isa/error.hpp"

namespace strata::hwvm {

class Vm;

inline constexpr std::string_view kKvmDevice = "/dev/kvm";
inline constexpr int kKvmApiVersion = 12;  // KVM_API_VERSION; has not changed since 2007

// Pure: the error for open(path) failing with `err` (an errno value) on a host of `kind`.
[[nodiscard]] Error open_error(std::string_view path, int err, HostVirt kind);

// Pure: the error for a KVM_GET_API_VERSION answer other than 12.
[[nodiscard]] Error api_version_error(std::string_view path, int version);

class Kvm {
 public:
  // Opens `path` (read-write, close-on-exec), checks the API version and reads the size of
  // the per-VCPU kvm_run mapping.
  [[nodiscard]] static Result<Kvm> open(std::string_view path = kKvmDevice);

  [[nodiscard]] int api_version() const { return api_version_; }
  [[nodiscard]] std::size_t vcpu_mmap_size() const { return vcpu_mmap_size_; }
  [[nodiscard]] const Fd& fd() const { return fd_; }

  // KVM_CHECK_EXTENSION: 0 when absent, a positive capability-specific value when present.
  [[nodiscard]] Result<int> check_extension(long cap) const;
  // An error naming the capability ("KVM_CAP_PIT2 is not supported by /dev/kvm ...") if absent.
  [[nodiscard]] Result<void> require(long cap) const;
  // All of kRequiredCapabilities.
  [[nodiscard]] Result<void> require_x86_monitor_caps() const;

  // KVM_CREATE_VM with the default machine type.
  [[nodiscard]] Result<Vm> create_vm() const;

 private:
  Kvm(Fd fd, int version, std::size_t mmap_size)
      : fd_(std::move(fd)), api_version_(version), vcpu_mmap_size_(mmap_size) {}

  Fd fd_;
  int api_version_ = 0;
  std::size_t vcpu_mmap_size_ = 0;
};

}  // namespace strata::hwvm

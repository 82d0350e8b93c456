#include "hwvm/kvm/system.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <linux/kvm.h>

#include "hwvm/kvm/caps.hpp"
#include "hwvm/kvm/vm.hpp"

namespace strata::hwvm {

Error open_error(std::string_view path, int err, HostVirt kind) {
  switch (err) {
    case ENOENT:
      return Error{fmt::format(
          "{} does not exist: is the kvm module loaded? (modprobe kvm_intel, kvm_amd or "
          "kvm_pvm; this host has {})",
          path, host_virt_name(kind))};
    case EACCES:
    case EPERM:
      return Error{fmt::format(
          "{}: permission denied: add yourself to group kvm (sudo usermod -aG kvm $USER, then "
          "log in again) or check the device's mode",
          path)};
    case ENXIO:
    case ENODEV:
      return Error{
          fmt::format("{} exists but no KVM driver is behind it: load kvm_intel, kvm_amd "
                      "or kvm_pvm ({})",
                      path, std::strerror(err))};
    default: return Error{fmt::format("cannot open {}: {}", path, std::strerror(err))};
  }
}

Error api_version_error(std::string_view path, int version) {
  return Error{fmt::format("{} speaks KVM API version {}; Strata needs version {}", path, version,
                           kKvmApiVersion)};
}

Result<Kvm> Kvm::open(std::string_view path) {
  std::string p(path);
  Fd fd(::open(p.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid()) {
    int err = errno;
    return tl::unexpected(open_error(path, err, detect_host()));
  }
  auto answer = checked_ioctl(fd, KVM_GET_API_VERSION, 0, "KVM_GET_API_VERSION");
  if (!answer) return fail("{} is not a KVM device: {}", path, answer.error().message);
  int version = *answer;
  if (version != kKvmApiVersion) return tl::unexpected(api_version_error(path, version));
  int size = STRATA_TRY(checked_ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE"));
  if (static_cast<std::size_t>(size) < sizeof(kvm_run)) {
    return fail("{}: KVM_GET_VCPU_MMAP_SIZE is {}, smaller than struct kvm_run ({})", path, size,
                sizeof(kvm_run));
  }
  return Kvm(std::move(fd), version, static_cast<std::size_t>(size));
}

Result<int> Kvm::check_extension(long cap) const {
  return checked_ioctl(fd_, KVM_CHECK_EXTENSION, cap, "KVM_CHECK_EXTENSION");
}

Result<void> Kvm::require(long cap) const {
  int value = STRATA_TRY(check_extension(cap));
  if (value <= 0) {
    return fail("{} is not supported by this kernel's KVM ({}); Strata's KVM monitor needs it",
                capability_name(cap), host_virt_name(detect_host()));
  }
  return {};
}

Result<void> Kvm::require_x86_monitor_caps() const {
  for (long cap : kRequiredCapabilities) STRATA_TRY(require(cap));
  return {};
}

Result<Vm> Kvm::create_vm() const {
  // KVM_CREATE_VM may fail with EINTR while the kernel sets up the MMU; checked_ioctl retries.
  int vm_fd = STRATA_TRY(checked_ioctl(fd_, KVM_CREATE_VM, 0, "KVM_CREATE_VM"));
  return Vm(Fd(vm_fd), vcpu_mmap_size_);
}

}  // namespace strata::hwvm

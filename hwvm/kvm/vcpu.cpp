#include "hwvm/kvm/vcpu.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

#include <sys/ioctl.h>
#include <sys/mman.h>

namespace strata::hwvm {

Vcpu::Vcpu(Vcpu&& other) noexcept
    : fd_(std::move(other.fd_)),
      run_(std::exchange(other.run_, nullptr)),
      map_size_(std::exchange(other.map_size_, 0)) {}

Vcpu& Vcpu::operator=(Vcpu&& other) noexcept {
  if (this != &other) {
    unmap();
    fd_ = std::move(other.fd_);
    run_ = std::exchange(other.run_, nullptr);
    map_size_ = std::exchange(other.map_size_, 0);
  }
  return *this;
}

Vcpu::~Vcpu() {
  unmap();
}

void Vcpu::unmap() {
  if (run_ != nullptr) ::munmap(run_, map_size_);
  run_ = nullptr;
}

Result<Exit> Vcpu::run() {
  int r = ::ioctl(fd_.get(), KVM_RUN, 0);
  if (r < 0) {
    // EINTR: a signal (or immediate_exit) stopped the run before the guest exited; KVM leaves
    // exit_reason stale, so report it as Intr explicitly.
    if (errno == EINTR || errno == EAGAIN) return Exit{exit::Intr{}};
    return fail("KVM_RUN failed: {}", std::strerror(errno));
  }
  return decode_exit(*run_, map_size_);
}

Result<kvm_regs> Vcpu::get_regs() const {
  kvm_regs regs{};
  STRATA_TRY(checked_ioctl(fd_, KVM_GET_REGS, &regs, "KVM_GET_REGS"));
  return regs;
}

Result<void> Vcpu::set_regs(const kvm_regs& regs) {
  STRATA_TRY(checked_ioctl(fd_, KVM_SET_REGS, &regs, "KVM_SET_REGS"));
  return {};
}

Result<kvm_sregs> Vcpu::get_sregs() const {
  kvm_sregs sregs{};
  STRATA_TRY(checked_ioctl(fd_, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS"));
  return sregs;
}

Result<void> Vcpu::set_sregs(const kvm_sregs& sregs) {
  STRATA_TRY(checked_ioctl(fd_, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS"));
  return {};
}

Result<void> Vcpu::set_guest_debug(const kvm_guest_debug& debug) {
  STRATA_TRY(checked_ioctl(fd_, KVM_SET_GUEST_DEBUG, &debug, "KVM_SET_GUEST_DEBUG"));
  return {};
}

Result<std::uint32_t> Vcpu::get_mp_state() const {
  kvm_mp_state state{};
  STRATA_TRY(checked_ioctl(fd_, KVM_GET_MP_STATE, &state, "KVM_GET_MP_STATE"));
  return state.mp_state;
}

Result<kvm_lapic_state> Vcpu::get_lapic() const {
  kvm_lapic_state lapic{};
  STRATA_TRY(checked_ioctl(fd_, KVM_GET_LAPIC, &lapic, "KVM_GET_LAPIC"));
  return lapic;
}

Result<void> Vcpu::set_lapic(const kvm_lapic_state& lapic) {
  STRATA_TRY(checked_ioctl(fd_, KVM_SET_LAPIC, &lapic, "KVM_SET_LAPIC"));
  return {};
}

std::span<std::uint8_t> Vcpu::writable(std::span<const std::uint8_t> bytes) {
  auto* base = reinterpret_cast<std::uint8_t*>(run_);
  auto begin = reinterpret_cast<std::uintptr_t>(bytes.data());
  auto lo = reinterpret_cast<std::uintptr_t>(base);
  // Inside [lo, lo + map_size_) without overflow: compare offsets, not end pointers.
  if (run_ == nullptr || begin < lo || begin - lo > map_size_ ||
      bytes.size() > map_size_ - (begin - lo)) {
    return {};
  }
  return {base + (begin - lo), bytes.size()};
}

Result<void> Vcpu::answer_mmio_read(std::span<const std::uint8_t> value) {
  if (run_->exit_reason != KVM_EXIT_MMIO || run_->mmio.is_write) {
    return fail("answer_mmio_read: the last exit was not an MMIO read");
  }
  // GUEST: len is the guest's access width, checked against kvm_run's 8-byte buffer.
  if (value.size() != run_->mmio.len || value.size() > sizeof(run_->mmio.data)) {
    return fail("answer_mmio_read: {} bytes for a {}-byte read", value.size(), run_->mmio.len);
  }
  std::memcpy(run_->mmio.data, value.data(), value.size());
  return {};
}

}  // namespace strata::hwvm

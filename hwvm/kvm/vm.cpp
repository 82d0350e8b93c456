#include "hwvm/kvm/vm.hpp"

#include <sys/mman.h>

#include <linux/kvm.h>

#include "hwvm/kvm/vcpu.hpp"

namespace strata::hwvm {

Result<int> Vm::check_extension(long cap) const {
  return checked_ioctl(fd_, KVM_CHECK_EXTENSION, cap, "KVM_CHECK_EXTENSION (VM)");
}

Result<void> Vm::set_user_memory_region(std::uint32_t slot, std::uint64_t gpa, std::uint64_t size,
                                        void* hva, std::uint32_t flags) {
  kvm_userspace_memory_region region{};
  region.slot = slot;
  region.flags = flags;
  region.guest_phys_addr = gpa;
  region.memory_size = size;
  region.userspace_addr = reinterpret_cast<std::uint64_t>(hva);
  auto r = checked_ioctl(fd_, KVM_SET_USER_MEMORY_REGION, &region, "KVM_SET_USER_MEMORY_REGION");
  if (!r) {
    return fail("slot {} (guest 0x{:x}..0x{:x}): {}", slot, gpa, gpa + size, r.error().message);
  }
  return {};
}

Result<void> Vm::set_tss_addr(std::uint64_t addr) {
  STRATA_TRY(
      checked_ioctl(fd_, KVM_SET_TSS_ADDR, static_cast<unsigned long>(addr), "KVM_SET_TSS_ADDR"));
  return {};
}

Result<void> Vm::set_identity_map_addr(std::uint64_t addr) {
  STRATA_TRY(checked_ioctl(fd_, KVM_SET_IDENTITY_MAP_ADDR, &addr, "KVM_SET_IDENTITY_MAP_ADDR"));
  return {};
}

Result<void> Vm::irq_line(std::uint32_t gsi, bool level) {
  kvm_irq_level line{};
  line.irq = gsi;
  line.level = level ? 1 : 0;
  STRATA_TRY(checked_ioctl(fd_, KVM_IRQ_LINE, &line, "KVM_IRQ_LINE"));
  return {};
}

Result<void> Vm::create_irqchip() {
  STRATA_TRY(checked_ioctl(fd_, KVM_CREATE_IRQCHIP, 0, "KVM_CREATE_IRQCHIP"));
  return {};
}

Result<void> Vm::create_pit2(std::uint32_t flags) {
  kvm_pit_config config{};
  config.flags = flags;
  STRATA_TRY(checked_ioctl(fd_, KVM_CREATE_PIT2, &config, "KVM_CREATE_PIT2"));
  return {};
}

Result<Vcpu> Vm::create_vcpu(std::uint32_t id) {
  int vcpu_fd = STRATA_TRY(
      checked_ioctl(fd_, KVM_CREATE_VCPU, static_cast<unsigned long>(id), "KVM_CREATE_VCPU"));
  Fd fd(vcpu_fd);
  void* map = ::mmap(nullptr, vcpu_mmap_size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (map == MAP_FAILED) {
    return fail("mmap of VCPU {}'s kvm_run ({} bytes) failed: {}", id, vcpu_mmap_size_,
                std::strerror(errno));
  }
  return Vcpu(std::move(fd), static_cast<kvm_run*>(map), vcpu_mmap_size_);
}

}  // namespace strata::hwvm

// A KVM virtual machine file descriptor: memory slots, VM-wide x86 set-up (TSS address,
// in-kernel irqchip and PIT) and the factory of VCPUs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hwvm/kvm/fd.hpp"
#include "isa/error.hpp"

namespace strata::hwvm {

class Vcpu;

// The TSS address both kvmtool and Firecracker use: three pages just below the BIOS area at
// the top of 4 GiB, inside the MMIO hole where no RAM is.
inline constexpr std::uint64_t kTssAddress = 0xfffbd000;
// The one-page identity-map table KVM needs for real-mode guests on Intel without unrestricted
// guest: the page just below the TSS, as QEMU places it (inside the hole, never RAM).
inline constexpr std::uint64_t kIdentityMapAddress = 0xfffbc000;

class Vm {
 public:
  Vm(Fd fd, std::size_t vcpu_mmap_size) : fd_(std::move(fd)), vcpu_mmap_size_(vcpu_mmap_size) {}

  [[nodiscard]] const Fd& fd() const { return fd_; }

  // KVM_CHECK_EXTENSION on the VM fd (some answers, e.g. KVM_CAP_NR_MEMSLOTS, are per VM).
  [[nodiscard]] Result<int> check_extension(long cap) const;

  // KVM_SET_USER_MEMORY_REGION: maps `size` bytes at host address `hva` to guest physical
  // `gpa` in slot `slot`. Size 0 deletes the slot. `flags`: KVM_MEM_LOG_DIRTY_PAGES,
  // KVM_MEM_READONLY.
  [[nodiscard]] Result<void> set_user_memory_region(std::uint32_t slot, std::uint64_t gpa,
                                                    std::uint64_t size, void* hva,
                                                    std::uint32_t flags = 0);

  [[nodiscard]] Result<void> set_tss_addr(std::uint64_t addr = kTssAddress);
  // KVM_SET_IDENTITY_MAP_ADDR; must come before the first VCPU.
  [[nodiscard]] Result<void> set_identity_map_addr(std::uint64_t addr = kIdentityMapAddress);
  // In-kernel PIC + IOAPIC + LAPIC; must come before the first VCPU.
  [[nodiscard]] Result<void> create_irqchip();
  // In-kernel i8254 PIT; `flags` = KVM_PIT_SPEAKER_DUMMY handles port 0x61 in the kernel too.
  [[nodiscard]] Result<void> create_pit2(std::uint32_t flags);
  // KVM_IRQ_LINE: drives input `gsi` of the in-kernel irqchip (PIC pins 0-15 and IOAPIC pins
  // 0-23 alike, KVM's default routing) to `level`. Needs create_irqchip().
  [[nodiscard]] Result<void> irq_line(std::uint32_t gsi, bool level);

  // KVM_CREATE_VCPU and the mmap of its kvm_run area.
  [[nodiscard]] Result<Vcpu> create_vcpu(std::uint32_t id);

 private:
  Fd fd_;
  std::size_t vcpu_mmap_size_ = 0;
};

}  // namespace strata::hwvm

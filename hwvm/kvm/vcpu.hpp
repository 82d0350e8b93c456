// A KVM virtual CPU: its fd and the mmapped kvm_run area KVM_RUN reports through.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <linux/kvm.h>

#include "hwvm/kvm/exit.hpp"
#include "hwvm/kvm/fd.hpp"
#include "isa/error.hpp"

namespace strata::hwvm {

class Vcpu {
 public:
  // Takes ownership of `fd` and of the `map_size`-byte mapping at `run` (made by Vm).
  Vcpu(Fd fd, kvm_run* run, std::size_t map_size)
      : fd_(std::move(fd)), run_(run), map_size_(map_size) {}
  Vcpu(Vcpu&& other) noexcept;
  Vcpu& operator=(Vcpu&& other) noexcept;
  Vcpu(const Vcpu&) = delete;
  Vcpu& operator=(const Vcpu&) = delete;
  ~Vcpu();

  // KVM_RUN until the next exit, decoded. An interrupting signal is the exit Intr, not an
  // error; an error is KVM refusing to run at all (bad register state, no memory...).
  [[nodiscard]] Result<Exit> run();

  [[nodiscard]] Result<kvm_regs> get_regs() const;
  [[nodiscard]] Result<void> set_regs(const kvm_regs& regs);
  [[nodiscard]] Result<kvm_sregs> get_sregs() const;
  [[nodiscard]] Result<void> set_sregs(const kvm_sregs& sregs);
  // KVM_SET_GUEST_DEBUG: single-stepping and hardware breakpoints (debugreg[0..3], dr7).
  [[nodiscard]] Result<void> set_guest_debug(const kvm_guest_debug& debug);
  // KVM_GET_MP_STATE: KVM_MP_STATE_RUNNABLE, KVM_MP_STATE_HALTED (in-kernel irqchip), ...
  [[nodiscard]] Result<std::uint32_t> get_mp_state() const;
  // KVM_GET_LAPIC / KVM_SET_LAPIC (in-kernel irqchip): the local APIC's register page.
  [[nodiscard]] Result<kvm_lapic_state> get_lapic() const;
  [[nodiscard]] Result<void> set_lapic(const kvm_lapic_state& lapic);

  // The kvm_run area (for immediate_exit, request_interrupt_window, and MMIO read answers).
  [[nodiscard]] kvm_run& run_area() { return *run_; }
  [[nodiscard]] std::size_t map_size() const { return map_size_; }
  // The VCPU fd, for per-VCPU ioctls wrapped elsewhere (KVM_SET_CPUID2, KVM_SET_MSRS).
  [[nodiscard]] const Fd& fd() const { return fd_; }

  // The writable view of bytes decode_exit handed out (Io::data of an `in` exit), so the
  // monitor can answer; an empty span if `bytes` does not lie inside this VCPU's mapping.
  [[nodiscard]] std::span<std::uint8_t> writable(std::span<const std::uint8_t> bytes);

  // Answers the MMIO read exit just decoded: `value` (little-endian, exactly the exit's len
  // bytes) goes to kvm_run.mmio.data, which the guest's load sees after the next KVM_RUN.
  [[nodiscard]] Result<void> answer_mmio_read(std::span<const std::uint8_t> value);

 private:
  void unmap();

  Fd fd_;
  kvm_run* run_ = nullptr;
  std::size_t map_size_ = 0;
};

}  // namespace strata::hwvm

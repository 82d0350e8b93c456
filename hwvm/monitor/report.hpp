// Text the monitor prints about a guest: register dumps for faults, exit statistics.
// Pure functions of their inputs, so they are tested without /dev/kvm.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <linux/kvm.h>

namespace strata::hwvm {

// Several lines, each ending in '\n': general registers, rip/rflags, segments, control
// registers and EFER, e.g. "  rip=0000000000000005 rflags=0000000000000002\n".
[[nodiscard]] std::string format_registers(const kvm_regs& regs, const kvm_sregs& sregs);

// Exits by reason, as counted by the run loop.
struct ExitStats {
  std::map<std::string, std::uint64_t> by_reason;  // "io", "mmio", "hlt", "intr", ...
  std::uint64_t unclaimed = 0;                     // port/MMIO accesses no device claimed
  std::uint64_t irq_changes = 0;    // device IRQ line changes (injected with the irqchip)
  std::uint64_t device_faults = 0;  // device models reset after a trap
  double seconds = 0;
};

// "exits: 12345 in 0.123 s (100365/s)\n  io 12340\n  hlt 1\n..." — one line per reason.
[[nodiscard]] std::string format_stats(const ExitStats& stats);

}  // namespace strata::hwvm

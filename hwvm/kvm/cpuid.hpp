// The CPUID table and boot MSRs a monitor gives its VCPU, as kvmtool and Firecracker do:
// start from KVM_GET_SUPPORTED_CPUID and patch the leaves a guest must see consistently.
//
// The topology is one thread per core and one core per package: VCPU i is package i, APIC id i
// (the MADT's Processor Local APIC entries say the same).
//
// Patched leaves (pure: patch_cpuid works on a plain vector, testable without /dev/kvm):
//   0x1        EBX[31:24] initial APIC id = the VCPU index, EBX[23:16] logical count = 1,
//              EDX bit 28 HTT clear, ECX bit 31 "hypervisor" set, ECX bit 24 TSC-deadline
//              kept only if KVM has it: as given, never forced on (KVM_GET_SUPPORTED_CPUID
//              leaves it clear even where KVM_CAP_TSC_DEADLINE_TIMER is present; QEMU and
//              Firecracker set it themselves in that case)
//   0x4        every subleaf: EAX[31:26] cores per package - 1 = 0 and EAX[25:14] threads
//              sharing the cache - 1 = 0
//   0xb, 0x1f  x2APIC id (EDX) = the VCPU index on every subleaf; subleaf 0 the SMT level and
//              subleaf 1 the core level, each with shift 0 and 1 processor; higher subleaves
//              "invalid level" (EAX = EBX = 0, ECX = the subleaf)
//   0x6        EAX keeps only ARAT (bit 2: the LAPIC timer runs in every C-state, true of
//              KVM's); ECX bit 0 APERF/MPERF and bit 3 EPB cleared (no such MSRs for the guest)
//   0xa        cleared: no architectural PMU for the guest
//   0x40000000 "KVMKVMKVM\0\0\0" signature with max leaf 0x40000001 (added when absent), and
//              0x40000001 the KVM paravirt feature bits KVM reported (kept as given)
// Leaves the host reports and nobody patches pass through unchanged.
#pragma once

#include <cstdint>
#include <vector>

#include <linux/kvm.h>

#include "hwvm/kvm/system.hpp"
#include "hwvm/kvm/vcpu.hpp"
#include "isa/error.hpp"

namespace strata::hwvm {

// KVM_GET_SUPPORTED_CPUID, growing the buffer on E2BIG; errors in plain language.
[[nodiscard]] Result<std::vector<kvm_cpuid_entry2>> supported_cpuid(const Kvm& kvm);

// The table for VCPU `index` (0-based) of a machine with `cpus` VCPUs.
[[nodiscard]] std::vector<kvm_cpuid_entry2> patch_cpuid(std::vector<kvm_cpuid_entry2> entries,
                                                        std::uint32_t index, std::uint32_t cpus);

// KVM_SET_CPUID2 on `vcpu`.
[[nodiscard]] Result<void> set_cpuid(Vcpu& vcpu, const std::vector<kvm_cpuid_entry2>& entries);

struct MsrValue {
  std::uint32_t index = 0;
  std::uint64_t value = 0;
};

// The MSRs a 64-bit Linux entry expects reset the way firmware leaves them: SYSENTER_CS/ESP/EIP,
// STAR, LSTAR, CSTAR, SFMASK, KERNEL_GS_BASE = 0, TSC = 0, IA32_MISC_ENABLE with fast strings
// (bit 0) on, MTRR_DEF_TYPE write-back with MTRRs enabled (0x806).
[[nodiscard]] std::vector<MsrValue> boot_msrs();

// KVM_SET_MSRS; an error names the first MSR KVM did not take.
[[nodiscard]] Result<void> set_msrs(Vcpu& vcpu, const std::vector<MsrValue>& msrs);

}  // namespace strata::hwvm

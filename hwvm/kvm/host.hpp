// What kind of KVM this host has. On the project's machines /dev/kvm is the kvm_pvm module
// (PVM: no VMX/SVM; guest kernel code runs in KVM's instruction emulator, about 1 µs per
// instruction), so tests and error messages say which kind they ran on.
#pragma once

#include <string>
#include <string_view>

namespace strata::hwvm {

enum class HostVirt {
  kHardware,  // the CPU advertises vmx or svm: kvm_intel / kvm_amd
  kPvm,       // /sys/module/kvm_pvm is loaded and the CPU has no vmx/svm
  kNone,      // neither: /dev/kvm, if present, cannot run guests at hardware speed
};

// Pure: classify from the facts. `cpuinfo` is the text of /proc/cpuinfo; only whole words
// "vmx"/"svm" on its "flags" lines count.
[[nodiscard]] HostVirt classify_host(bool kvm_pvm_loaded, std::string_view cpuinfo);

// Reads /sys/module/kvm_pvm and /proc/cpuinfo.
[[nodiscard]] HostVirt detect_host();

// True when the CPU flags in `cpuinfo` include vmx or svm.
[[nodiscard]] bool cpu_has_hardware_virt(std::string_view cpuinfo);

// A paragraph for users: what this host's KVM is and what to expect of it.
[[nodiscard]] std::string explain_host(HostVirt kind);

[[nodiscard]] std::string_view host_virt_name(HostVirt kind);

}  // namespace strata::hwvm

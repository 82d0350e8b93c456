#include "hwvm/kvm/host.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace strata::hwvm {

namespace {

bool has_word(std::string_view line, std::string_view word) {
  std::size_t pos = 0;
  while ((pos = line.find(word, pos)) != std::string_view::npos) {
    bool starts = pos == 0 || line[pos - 1] == ' ' || line[pos - 1] == '\t';
    std::size_t end = pos + word.size();
    bool ends = end == line.size() || line[end] == ' ' || line[end] == '\t' || line[end] == '\n';
    if (starts && ends) return true;
    pos = end;
  }
  return false;
}

}  // namespace

bool cpu_has_hardware_virt(std::string_view cpuinfo) {
  std::size_t start = 0;
  while (start < cpuinfo.size()) {
    std::size_t nl = cpuinfo.find('\n', start);
    if (nl == std::string_view::npos) nl = cpuinfo.size();
    std::string_view line = cpuinfo.substr(start, nl - start);
    start = nl + 1;
    if (!line.starts_with("flags")) continue;
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view flags = line.substr(colon + 1);
    if (has_word(flags, "vmx") || has_word(flags, "svm")) return true;
  }
  return false;
}

HostVirt classify_host(bool kvm_pvm_loaded, std::string_view cpuinfo) {
  // Hardware support wins: a host may have kvm_pvm loaded next to kvm_intel.
  if (cpu_has_hardware_virt(cpuinfo)) return HostVirt::kHardware;
  if (kvm_pvm_loaded) return HostVirt::kPvm;
  return HostVirt::kNone;
}

HostVirt detect_host() {
  std::error_code ec;
  bool pvm = std::filesystem::exists("/sys/module/kvm_pvm", ec);
  std::ifstream in("/proc/cpuinfo");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return classify_host(pvm, text);
}

std::string_view host_virt_name(HostVirt kind) {
  switch (kind) {
    case HostVirt::kHardware: return "hardware virtualization (vmx/svm)";
    case HostVirt::kPvm: return "kvm_pvm (no vmx/svm)";
    case HostVirt::kNone: return "no hardware virtualization";
  }
  return "?";
}

std::string explain_host(HostVirt kind) {
  switch (kind) {
    case HostVirt::kHardware:
      return "KVM here uses hardware virtualization (vmx/svm): guests run at native speed.";
    case HostVirt::kPvm:
      return "KVM here is the kvm_pvm module (PVM) on a CPU without vmx/svm: the KVM API works, "
             "but guest kernel-mode code runs in KVM's instruction emulator, about 1 us per "
             "instruction, and instructions it cannot emulate (xrstor, popcnt, cmpxchg16b, "
             "long-mode int3, fwait) end the run with KVM_EXIT_INTERNAL_ERROR. Small guests "
             "work; a stock Linux kernel does not boot in reasonable time. Boot full Linux "
             "through the RISC-V system backend instead.";
    case HostVirt::kNone:
      return "This CPU advertises no vmx/svm and no kvm_pvm module is loaded: KVM cannot run "
             "guests here.";
  }
  return {};
}

}  // namespace strata::hwvm

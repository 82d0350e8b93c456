#include "hwvm/kvm/cpuid.hpp"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>

namespace strata::hwvm {
namespace {

// Bits of the patched leaves (Intel SDM vol. 2A, CPUID; AMD APM vol. 3, appendix E).
constexpr std::uint32_t kLeaf1EdxHtt = 1u << 28;
constexpr std::uint32_t kLeaf1EcxHypervisor = 1u << 31;
constexpr std::uint32_t kLeaf6EaxArat = 1u << 2;
constexpr std::uint32_t kLeaf6EcxAperfMperf = 1u << 0;
constexpr std::uint32_t kLeaf6EcxEpb = 1u << 3;
constexpr std::uint32_t kTopologySmt = 1;  // leaf 0xb/0x1f ECX[15:8] level type
constexpr std::uint32_t kTopologyCore = 2;

constexpr std::uint32_t kKvmSignatureLeaf = 0x40000000;
constexpr std::uint32_t kKvmFeaturesLeaf = 0x40000001;
// "KVMKVMKVM\0\0\0" as EBX, ECX, EDX.
constexpr std::uint32_t kKvmSignatureEbx = 0x4b4d564b;  // "KVMK"
constexpr std::uint32_t kKvmSignatureEcx = 0x564b4d56;  // "VMKV"
constexpr std::uint32_t kKvmSignatureEdx = 0x0000004d;  // "M\0\0\0"

// KVM_GET_SUPPORTED_CPUID answers E2BIG until the buffer holds every entry; no host reports
// anywhere near this many.
constexpr std::uint32_t kMaxCpuidEntries = 4096;

// MSR indices (Intel SDM vol. 4).
constexpr std::uint32_t kMsrTsc = 0x10;
constexpr std::uint32_t kMsrSysenterCs = 0x174;
constexpr std::uint32_t kMsrSysenterEsp = 0x175;
constexpr std::uint32_t kMsrSysenterEip = 0x176;
constexpr std::uint32_t kMsrMiscEnable = 0x1a0;
constexpr std::uint32_t kMsrMtrrDefType = 0x2ff;
constexpr std::uint32_t kMsrStar = 0xc0000081;
constexpr std::uint32_t kMsrLstar = 0xc0000082;
constexpr std::uint32_t kMsrCstar = 0xc0000083;
constexpr std::uint32_t kMsrSfmask = 0xc0000084;
constexpr std::uint32_t kMsrKernelGsBase = 0xc0000102;

constexpr std::uint64_t kMiscEnableFastStrings = 1;
constexpr std::uint64_t kMtrrDefTypeEnabledWriteBack = (1u << 11) | 6;

const char* msr_name(std::uint32_t index) {
  switch (index) {
    case kMsrTsc: return "IA32_TSC";
    case kMsrSysenterCs: return "IA32_SYSENTER_CS";
    case kMsrSysenterEsp: return "IA32_SYSENTER_ESP";
    case kMsrSysenterEip: return "IA32_SYSENTER_EIP";
    case kMsrMiscEnable: return "IA32_MISC_ENABLE";
    case kMsrMtrrDefType: return "IA32_MTRR_DEF_TYPE";
    case kMsrStar: return "STAR";
    case kMsrLstar: return "LSTAR";
    case kMsrCstar: return "CSTAR";
    case kMsrSfmask: return "SFMASK";
    case kMsrKernelGsBase: return "KERNEL_GS_BASE";
    default: return "MSR";
  }
}

void patch_topology_leaf(kvm_cpuid_entry2& e, std::uint32_t index) {
  e.edx = index;
  e.eax = 0;  // shift to the next level's id: 0, one processor per level
  if (e.index == 0) {
    e.ebx = 1;
    e.ecx = (kTopologySmt << 8) | e.index;
  } else if (e.index == 1) {
    e.ebx = 1;
    e.ecx = (kTopologyCore << 8) | e.index;
  } else {
    e.ebx = 0;
    e.ecx = e.index;  // level type 0: invalid, the enumeration ends
  }
}

// <asm/kvm.h> declares the entries of kvm_cpuid2 and kvm_msrs with __DECLARE_FLEX_ARRAY, whose
// expansion holds an empty struct: 0 bytes in C, 1 in C++. Seen from C++ both structs are
// 12/16 bytes instead of 8, so the ioctl numbers built from their sizes name no KVM ioctl
// (EINVAL) and `entries` sits 4 bytes past where KVM reads it. The layout is spelled out here.
struct ListHeader {
  std::uint32_t count;  // nent, nmsrs
  std::uint32_t padding;
};
static_assert(sizeof(ListHeader) == 8);
constexpr unsigned long kKvmGetSupportedCpuid = _IOWR(KVMIO, 0x05, ListHeader);
constexpr unsigned long kKvmSetCpuid2 = _IOW(KVMIO, 0x90, ListHeader);
constexpr unsigned long kKvmSetMsrs = _IOW(KVMIO, 0x89, ListHeader);

// A header and `n` entries, laid out as the kernel reads them, in 8-byte-aligned storage.
template <typename Entry>
class IoctlList {
 public:
  explicit IoctlList(std::size_t n) : words_(1 + (n * sizeof(Entry) + 7) / 8, 0) {
    set_count(static_cast<std::uint32_t>(n));
  }
  [[nodiscard]] void* data() { return words_.data(); }
  [[nodiscard]] std::uint32_t count() const {
    ListHeader h;
    std::memcpy(&h, words_.data(), sizeof h);
    return h.count;
  }
  void set_count(std::uint32_t n) {
    ListHeader h{n, 0};
    std::memcpy(words_.data(), &h, sizeof h);
  }
  void put(std::size_t i, const Entry& e) { std::memcpy(slot(i), &e, sizeof e); }
  [[nodiscard]] Entry get(std::size_t i) const {
    Entry e;
    std::memcpy(&e, slot(i), sizeof e);
    return e;
  }

 private:
  std::uint8_t* slot(std::size_t i) const {
    auto* base = reinterpret_cast<const std::uint8_t*>(words_.data()) + sizeof(ListHeader);
    return const_cast<std::uint8_t*>(base) + i * sizeof(Entry);
  }
  std::vector<std::uint64_t> words_;
};

}  // namespace

Result<std::vector<kvm_cpuid_entry2>> supported_cpuid(const Kvm& kvm) {
  for (std::uint32_t n = 64; n <= kMaxCpuidEntries; n *= 2) {
    IoctlList<kvm_cpuid_entry2> list(n);
    int r;
    do {
      r = ::ioctl(kvm.fd().get(), kKvmGetSupportedCpuid, list.data());
    } while (r < 0 && errno == EINTR);
    if (r < 0 && errno == E2BIG) continue;
    if (r < 0) return fail("KVM_GET_SUPPORTED_CPUID failed: {}", std::strerror(errno));
    std::uint32_t got = std::min<std::uint32_t>(list.count(), n);
    std::vector<kvm_cpuid_entry2> entries;
    entries.reserve(got);
    for (std::uint32_t i = 0; i < got; ++i) entries.push_back(list.get(i));
    return entries;
  }
  return fail("KVM_GET_SUPPORTED_CPUID reports more than {} entries", kMaxCpuidEntries);
}

std::vector<kvm_cpuid_entry2> patch_cpuid(std::vector<kvm_cpuid_entry2> entries,
                                          std::uint32_t index, std::uint32_t cpus) {
  (void)cpus;  // every VCPU is its own package: the count shows only in the MADT
  bool has_signature = false;
  bool has_features = false;
  for (kvm_cpuid_entry2& e : entries) {
    switch (e.function) {
      case 0x1:
        e.ebx = (e.ebx & 0x0000ffff) | (index << 24) | (1u << 16);
        e.edx &= ~kLeaf1EdxHtt;
        e.ecx |= kLeaf1EcxHypervisor;
        break;
      case 0x4: e.eax &= 0x00003fff; break;
      case 0x6:
        e.eax &= kLeaf6EaxArat;
        e.ecx &= ~(kLeaf6EcxAperfMperf | kLeaf6EcxEpb);
        break;
      case 0xa: e.eax = e.ebx = e.ecx = e.edx = 0; break;
      case 0xb:
      case 0x1f: patch_topology_leaf(e, index); break;
      case kKvmSignatureLeaf: has_signature = true; break;
      case kKvmFeaturesLeaf: has_features = true; break;
      default: break;
    }
  }
  if (!has_signature) {
    kvm_cpuid_entry2 e{};
    e.function = kKvmSignatureLeaf;
    entries.push_back(e);
  }
  for (kvm_cpuid_entry2& e : entries) {
    if (e.function != kKvmSignatureLeaf) continue;
    e.eax = has_features ? kKvmFeaturesLeaf : kKvmSignatureLeaf;
    e.ebx = kKvmSignatureEbx;
    e.ecx = kKvmSignatureEcx;
    e.edx = kKvmSignatureEdx;
  }
  return entries;
}

Result<void> set_cpuid(Vcpu& vcpu, const std::vector<kvm_cpuid_entry2>& entries) {
  IoctlList<kvm_cpuid_entry2> list(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) list.put(i, entries[i]);
  STRATA_TRY(checked_ioctl(vcpu.fd(), kKvmSetCpuid2, list.data(), "KVM_SET_CPUID2"));
  return {};
}

std::vector<MsrValue> boot_msrs() {
  return {
      {kMsrSysenterCs, 0},
      {kMsrSysenterEsp, 0},
      {kMsrSysenterEip, 0},
      {kMsrStar, 0},
      {kMsrCstar, 0},
      {kMsrKernelGsBase, 0},
      {kMsrSfmask, 0},
      {kMsrLstar, 0},
      {kMsrTsc, 0},
      {kMsrMiscEnable, kMiscEnableFastStrings},
      {kMsrMtrrDefType, kMtrrDefTypeEnabledWriteBack},
  };
}

Result<void> set_msrs(Vcpu& vcpu, const std::vector<MsrValue>& msrs) {
  if (msrs.empty()) return {};
  IoctlList<kvm_msr_entry> list(msrs.size());
  for (std::size_t i = 0; i < msrs.size(); ++i) {
    kvm_msr_entry e{};
    e.index = msrs[i].index;
    e.data = msrs[i].value;
    list.put(i, e);
  }
  // KVM_SET_MSRS returns how many entries it took, stopping at the first it refuses.
  int taken = STRATA_TRY(checked_ioctl(vcpu.fd(), kKvmSetMsrs, list.data(), "KVM_SET_MSRS"));
  if (static_cast<std::size_t>(taken) < msrs.size()) {
    const MsrValue& m = msrs[static_cast<std::size_t>(taken)];
    return fail("KVM_SET_MSRS refused {} (0x{:x}) = 0x{:x}; {} of {} MSRs were set",
                msr_name(m.index), m.index, m.value, taken, msrs.size());
  }
  return {};
}

}  // namespace strata::hwvm

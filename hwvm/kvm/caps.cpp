#include "hwvm/kvm/caps.hpp"

#include <fmt/format.h>

namespace strata::hwvm {

namespace {

struct CapName {
  long cap;
  std::string_view name;
};

#define STRATA_CAP(c) \
  CapName {           \
    c, #c             \
  }
constexpr CapName kCapNames[] = {
    STRATA_CAP(KVM_CAP_IRQCHIP),
    STRATA_CAP(KVM_CAP_HLT),
    STRATA_CAP(KVM_CAP_USER_MEMORY),
    STRATA_CAP(KVM_CAP_SET_TSS_ADDR),
    STRATA_CAP(KVM_CAP_EXT_CPUID),
    STRATA_CAP(KVM_CAP_NR_VCPUS),
    STRATA_CAP(KVM_CAP_NR_MEMSLOTS),
    STRATA_CAP(KVM_CAP_PIT),
    STRATA_CAP(KVM_CAP_PIT2),
    STRATA_CAP(KVM_CAP_PIT_STATE2),
    STRATA_CAP(KVM_CAP_MP_STATE),
    STRATA_CAP(KVM_CAP_IRQ_ROUTING),
    STRATA_CAP(KVM_CAP_IRQFD),
    STRATA_CAP(KVM_CAP_IOEVENTFD),
    STRATA_CAP(KVM_CAP_SET_IDENTITY_MAP_ADDR),
    STRATA_CAP(KVM_CAP_ADJUST_CLOCK),
    STRATA_CAP(KVM_CAP_VCPU_EVENTS),
    STRATA_CAP(KVM_CAP_XSAVE),
    STRATA_CAP(KVM_CAP_XCRS),
    STRATA_CAP(KVM_CAP_TSC_CONTROL),
    STRATA_CAP(KVM_CAP_MAX_VCPUS),
    STRATA_CAP(KVM_CAP_IMMEDIATE_EXIT),
    STRATA_CAP(KVM_CAP_SET_GUEST_DEBUG),
    STRATA_CAP(KVM_CAP_COALESCED_MMIO),
    STRATA_CAP(KVM_CAP_SYNC_MMU),
    STRATA_CAP(KVM_CAP_INTERNAL_ERROR_DATA),
    STRATA_CAP(KVM_CAP_X2APIC_API),
    STRATA_CAP(KVM_CAP_SPLIT_IRQCHIP),
    STRATA_CAP(KVM_CAP_NESTED_STATE),
    STRATA_CAP(KVM_CAP_PMU_CAPABILITY),
    STRATA_CAP(KVM_CAP_DIRTY_LOG_RING),
    STRATA_CAP(KVM_CAP_XSAVE2),
    STRATA_CAP(KVM_CAP_SYSTEM_EVENT_DATA),
    STRATA_CAP(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2),
};
#undef STRATA_CAP

}  // namespace

std::string_view capability_name(long cap) {
  for (const CapName& c : kCapNames) {
    if (c.cap == cap) return c.name;
  }
  thread_local std::string buffer;
  buffer = fmt::format("KVM_CAP_{}", cap);
  return buffer;
}

}  // namespace strata::hwvm

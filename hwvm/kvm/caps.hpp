// KVM capability numbers with their names, so an error can say "KVM_CAP_IRQCHIP" rather than 0.
#pragma once

#include <string_view>

#include <linux/kvm.h>

namespace strata::hwvm {

// The KVM_CAP_* name of `cap`, or "KVM_CAP_<number>" text for one this table does not list
// (returned through a thread-local buffer; copy it before the next call on this thread).
[[nodiscard]] std::string_view capability_name(long cap);

// The capabilities the x86 monitor needs before it creates a VM.
inline constexpr long kRequiredCapabilities[] = {
    KVM_CAP_USER_MEMORY, KVM_CAP_SET_TSS_ADDR, KVM_CAP_EXT_CPUID,
    KVM_CAP_IRQCHIP,     KVM_CAP_PIT2,         KVM_CAP_IMMEDIATE_EXIT,
};

}  // namespace strata::hwvm

// patch_cpuid on hand-built tables, and the CPUID/MSR ioctls on the real /dev/kvm (skipped,
// with the reason, where it is unusable). On kvm_pvm hosts the guest sees the host's leaves 1
// and 7 whatever KVM_SET_CPUID2 says (docs: shared notes pvm.md), so no test here asserts
// guest-visible CPUID values: only what KVM accepts.
#include "hwvm/kvm/cpuid.hpp"

#include <algorithm>
#include <cstring>

#include <gtest/gtest.h>

#include "hwvm/kvm/vm.hpp"

namespace strata::hwvm {
namespace {

kvm_cpuid_entry2 entry(std::uint32_t function, std::uint32_t index, std::uint32_t eax,
                       std::uint32_t ebx, std::uint32_t ecx, std::uint32_t edx) {
  kvm_cpuid_entry2 e{};
  e.function = function;
  e.index = index;
  e.eax = eax;
  e.ebx = ebx;
  e.ecx = ecx;
  e.edx = edx;
  return e;
}

const kvm_cpuid_entry2* find(const std::vector<kvm_cpuid_entry2>& t, std::uint32_t function,
                             std::uint32_t index = 0) {
  auto it = std::find_if(t.begin(), t.end(), [&](const kvm_cpuid_entry2& e) {
    return e.function == function && e.index == index;
  });
  return it == t.end() ? nullptr : &*it;
}

// A table shaped like a host's: every field nonzero, so a cleared bit shows.
std::vector<kvm_cpuid_entry2> host_table() {
  return {
      entry(0x0, 0, 0x1f, 0x756e6547, 0x6c65746e, 0x49656e69),        // "GenuineIntel"
      entry(0x1, 0, 0x000906ea, 0x0f100800, 0x7ffafbff, 0xbfebfbff),  // APIC id 15, HTT
      entry(0x4, 0, 0x1c004121, 0x01c0003f, 0x3f, 0),
      entry(0x4, 1, 0x1c004122, 0x01c0003f, 0x3f, 0),
      entry(0x6, 0, 0x000027f7, 0x2, 0x9, 0),
      entry(0x7, 0, 0, 0x029c6fbf, 0x40000000, 0xbc000400),
      entry(0xa, 0, 0x07300404, 0, 0, 0x603),
      entry(0xb, 0, 0x1, 0x2, 0x100, 0xf),
      entry(0xb, 1, 0x4, 0xc, 0x201, 0xf),
      entry(0xb, 2, 0x0, 0x0, 0x2, 0xf),
      entry(0x1f, 0, 0x1, 0x2, 0x100, 0xf),
      entry(0x40000001, 0, 0x01007afb, 0, 0, 0),
      entry(0x80000001, 0, 0, 0, 0x121, 0x2c100800),
  };
}

TEST(Cpuid, Leaf1ApicIdHypervisorAndOneLogicalProcessor) {
  auto t = patch_cpuid(host_table(), 3, 4);
  const kvm_cpuid_entry2* l1 = find(t, 0x1);
  ASSERT_NE(l1, nullptr);
  EXPECT_EQ(l1->ebx >> 24, 3u);                   // initial APIC id
  EXPECT_EQ((l1->ebx >> 16) & 0xff, 1u);          // logical processors per package
  EXPECT_EQ(l1->ebx & 0xffff, 0x0800u);           // CLFLUSH size and brand index kept
  EXPECT_TRUE(l1->ecx & (1u << 31));              // hypervisor
  EXPECT_FALSE(l1->edx & (1u << 28));             // HTT
  EXPECT_EQ(l1->ecx & ~(1u << 31), 0x7ffafbffu);  // everything else as given (TSC-deadline too)
  EXPECT_EQ(l1->eax, 0x000906eau);
}

TEST(Cpuid, TscDeadlineIsNeverForcedOn) {
  auto table = host_table();
  table[1].ecx &= ~(1u << 24);
  auto t = patch_cpuid(table, 0, 1);
  EXPECT_FALSE(find(t, 0x1)->ecx & (1u << 24));
}

TEST(Cpuid, ApicIdFollowsTheVcpuIndex) {
  for (std::uint32_t i : {0u, 1u, 7u, 254u}) {
    auto t = patch_cpuid(host_table(), i, 255);
    EXPECT_EQ(find(t, 0x1)->ebx >> 24, i);
    EXPECT_EQ(find(t, 0xb, 0)->edx, i);
    EXPECT_EQ(find(t, 0xb, 1)->edx, i);
    EXPECT_EQ(find(t, 0xb, 2)->edx, i);
    EXPECT_EQ(find(t, 0x1f, 0)->edx, i);
  }
}

TEST(Cpuid, Leaf4OneCorePerPackageOnEverySubleaf) {
  auto t = patch_cpuid(host_table(), 0, 2);
  for (std::uint32_t sub : {0u, 1u}) {
    const kvm_cpuid_entry2* e = find(t, 0x4, sub);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->eax >> 26, 0u);
    EXPECT_EQ((e->eax >> 14) & 0xfff, 0u);
    EXPECT_EQ(e->eax & 0x3fff, (sub == 0 ? 0x1c004121u : 0x1c004122u) & 0x3fff);
    EXPECT_EQ(e->ebx, 0x01c0003fu);  // cache geometry kept
  }
}

TEST(Cpuid, TopologyLeavesSayOneThreadOneCore) {
  auto t = patch_cpuid(host_table(), 5, 8);
  const kvm_cpuid_entry2* smt = find(t, 0xb, 0);
  const kvm_cpuid_entry2* core = find(t, 0xb, 1);
  const kvm_cpuid_entry2* end = find(t, 0xb, 2);
  EXPECT_EQ(smt->eax, 0u);
  EXPECT_EQ(smt->ebx, 1u);
  EXPECT_EQ(smt->ecx, 0x100u);  // level 0, type SMT
  EXPECT_EQ(core->eax, 0u);
  EXPECT_EQ(core->ebx, 1u);
  EXPECT_EQ(core->ecx, 0x201u);  // level 1, type core
  EXPECT_EQ(end->ebx, 0u);
  EXPECT_EQ(end->ecx, 2u);  // type 0: no more levels
}

TEST(Cpuid, PowerAndPmuLeaves) {
  auto t = patch_cpuid(host_table(), 0, 1);
  const kvm_cpuid_entry2* l6 = find(t, 0x6);
  EXPECT_EQ(l6->eax, 0x4u);  // ARAT only: no turbo, no thermal sensor
  EXPECT_EQ(l6->ecx, 0x0u);  // APERF/MPERF (bit 0) and EPB (bit 3) cleared
  const kvm_cpuid_entry2* la = find(t, 0xa);
  EXPECT_EQ(la->eax | la->ebx | la->ecx | la->edx, 0u);
}

TEST(Cpuid, KvmSignatureLeaf) {
  auto t = patch_cpuid(host_table(), 0, 1);
  const kvm_cpuid_entry2* sig = find(t, 0x40000000);
  ASSERT_NE(sig, nullptr) << "added when absent";
  EXPECT_EQ(sig->eax, 0x40000001u);
  char name[13] = {};
  std::memcpy(name, &sig->ebx, 4);
  std::memcpy(name + 4, &sig->ecx, 4);
  std::memcpy(name + 8, &sig->edx, 4);
  EXPECT_EQ(std::memcmp(name, "KVMKVMKVM\0\0\0", 12), 0);
  EXPECT_EQ(find(t, 0x40000001)->eax, 0x01007afbu);  // paravirt features as KVM gave them
}

TEST(Cpuid, SignatureLeafPatchedInPlaceWhenPresent) {
  auto table = host_table();
  table.push_back(entry(0x40000000, 0, 0x40000010, 1, 2, 3));
  auto t = patch_cpuid(table, 0, 1);
  EXPECT_EQ(std::count_if(t.begin(), t.end(),
                          [](const kvm_cpuid_entry2& e) { return e.function == 0x40000000; }),
            1);
  EXPECT_EQ(find(t, 0x40000000)->eax, 0x40000001u);
  EXPECT_EQ(t.size(), table.size());
}

TEST(Cpuid, UnknownLeavesPassThrough) {
  auto table = host_table();
  auto t = patch_cpuid(table, 2, 4);
  for (std::uint32_t f : {0x0u, 0x7u, 0x80000001u}) {
    const kvm_cpuid_entry2* before = find(table, f);
    const kvm_cpuid_entry2* after = find(t, f);
    ASSERT_NE(after, nullptr);
    EXPECT_EQ(std::memcmp(before, after, sizeof *before), 0) << std::hex << f;
  }
}

TEST(Cpuid, BootMsrs) {
  auto msrs = boot_msrs();
  auto value = [&](std::uint32_t index) -> std::int64_t {
    for (const MsrValue& m : msrs)
      if (m.index == index) return static_cast<std::int64_t>(m.value);
    return -1;
  };
  EXPECT_EQ(value(0x174), 0);       // SYSENTER_CS
  EXPECT_EQ(value(0x175), 0);       // SYSENTER_ESP
  EXPECT_EQ(value(0x176), 0);       // SYSENTER_EIP
  EXPECT_EQ(value(0xc0000081), 0);  // STAR
  EXPECT_EQ(value(0xc0000082), 0);  // LSTAR
  EXPECT_EQ(value(0xc0000083), 0);  // CSTAR
  EXPECT_EQ(value(0xc0000084), 0);  // SFMASK
  EXPECT_EQ(value(0xc0000102), 0);  // KERNEL_GS_BASE
  EXPECT_EQ(value(0x10), 0);        // TSC
  EXPECT_EQ(value(0x1a0), 1);       // MISC_ENABLE: fast strings
  EXPECT_EQ(value(0x2ff), 0x806);   // MTRR_DEF_TYPE: enabled, write-back
  EXPECT_EQ(msrs.size(), 11u);
}

// The real /dev/kvm, or the reason it cannot be used here.
struct KvmVcpu {
  Kvm kvm;
  Vm vm;
  Vcpu vcpu;
};

Result<KvmVcpu> open_vcpu() {
  Kvm kvm = STRATA_TRY(Kvm::open());
  Vm vm = STRATA_TRY(kvm.create_vm());
  STRATA_TRY(vm.create_irqchip());  // the LAPIC some CPUID bits and MSRs depend on
  Vcpu vcpu = STRATA_TRY(vm.create_vcpu(0));
  return KvmVcpu{std::move(kvm), std::move(vm), std::move(vcpu)};
}

TEST(CpuidKvm, SupportedCpuidHasTheBasicLeaves) {
  auto kvm = Kvm::open();
  if (!kvm) GTEST_SKIP() << "KVM unusable here: " << kvm.error().message;
  auto t = supported_cpuid(*kvm);
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_NE(find(*t, 0x0), nullptr);
  EXPECT_GE(find(*t, 0x0)->eax, 1u);  // max basic leaf
  EXPECT_NE(find(*t, 0x1), nullptr);
}

TEST(CpuidKvm, PatchedTableAndBootMsrsAreAccepted) {
  auto m = open_vcpu();
  if (!m) GTEST_SKIP() << "KVM unusable here: " << m.error().message;
  auto t = supported_cpuid(m->kvm);
  ASSERT_TRUE(t) << t.error().message;
  auto set = set_cpuid(m->vcpu, patch_cpuid(*t, 0, 1));
  ASSERT_TRUE(set) << set.error().message;
  auto msrs = set_msrs(m->vcpu, boot_msrs());
  ASSERT_TRUE(msrs) << msrs.error().message;
}

TEST(CpuidKvm, RefusedMsrIsNamed) {
  auto m = open_vcpu();
  if (!m) GTEST_SKIP() << "KVM unusable here: " << m.error().message;
  // 0xdeadbeef is no MSR: KVM stops there, after taking the one before it.
  auto r = set_msrs(m->vcpu, {{0xc0000081, 0}, {0xdeadbeef, 1}});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("0xdeadbeef"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("1 of 2"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace strata::hwvm

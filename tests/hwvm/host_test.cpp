// Host detection and the plain-language KVM errors: pure functions, no /dev/kvm needed.
#include <cerrno>

#include <gtest/gtest.h>

#include "hwvm/kvm/caps.hpp"
#include "hwvm/kvm/host.hpp"
#include "hwvm/kvm/system.hpp"

namespace strata::hwvm {
namespace {

constexpr const char* kIntelCpuinfo =
    "processor\t: 0\nvendor_id\t: GenuineIntel\n"
    "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic vmx smx est\n\n";
constexpr const char* kAmdCpuinfo = "processor\t: 0\nflags\t\t: fpu svm lahf_lm\n";
constexpr const char* kPlainCpuinfo =
    "processor\t: 0\nmodel name\t: vmx-like name svm\n"  // not a flags line: ignored
    "flags\t\t: fpu vme de pse tsc msr pae vmxnot xsvm hypervisor\n";

TEST(HostVirt, Classify) {
  EXPECT_TRUE(cpu_has_hardware_virt(kIntelCpuinfo));
  EXPECT_TRUE(cpu_has_hardware_virt(kAmdCpuinfo));
  EXPECT_FALSE(cpu_has_hardware_virt(kPlainCpuinfo));  // whole words on flags lines only
  EXPECT_EQ(classify_host(false, kIntelCpuinfo), HostVirt::kHardware);
  EXPECT_EQ(classify_host(true, kIntelCpuinfo), HostVirt::kHardware);
  EXPECT_EQ(classify_host(true, kPlainCpuinfo), HostVirt::kPvm);
  EXPECT_EQ(classify_host(false, kPlainCpuinfo), HostVirt::kNone);
  EXPECT_EQ(classify_host(false, ""), HostVirt::kNone);
}

TEST(HostVirt, ExplainPvm) {
  std::string text = explain_host(HostVirt::kPvm);
  EXPECT_NE(text.find("kvm_pvm"), std::string::npos);
  EXPECT_NE(text.find("emulator"), std::string::npos);
  EXPECT_NE(text.find("KVM_EXIT_INTERNAL_ERROR"), std::string::npos);
  EXPECT_FALSE(explain_host(HostVirt::kHardware).empty());
  EXPECT_FALSE(explain_host(HostVirt::kNone).empty());
}

TEST(HostVirt, DetectOnThisHostIsConsistent) {
  // Whatever this machine is, detect_host() must agree with the facts it reads.
  HostVirt h = detect_host();
  std::cout << "this host: " << host_virt_name(h) << "\n";
  EXPECT_FALSE(host_virt_name(h).empty());
}

TEST(KvmErrors, OpenErrorsSayWhatToDo) {
  EXPECT_EQ(open_error("/dev/kvm", ENOENT, HostVirt::kPvm).message,
            "/dev/kvm does not exist: is the kvm module loaded? (modprobe kvm_intel, kvm_amd or "
            "kvm_pvm; this host has kvm_pvm (no vmx/svm))");
  std::string perm = open_error("/dev/kvm", EACCES, HostVirt::kHardware).message;
  EXPECT_NE(perm.find("permission denied"), std::string::npos);
  EXPECT_NE(perm.find("add yourself to group kvm"), std::string::npos);
  EXPECT_EQ(open_error("/dev/kvm", EPERM, HostVirt::kHardware).message, perm);
  EXPECT_NE(open_error("/dev/kvm", ENXIO, HostVirt::kNone).message.find("no KVM driver"),
            std::string::npos);
  EXPECT_NE(open_error("/dev/kvm", EBUSY, HostVirt::kNone).message.find("cannot open /dev/kvm"),
            std::string::npos);
}

TEST(KvmErrors, ApiVersion) {
  EXPECT_EQ(api_version_error("/dev/kvm", 11).message,
            "/dev/kvm speaks KVM API version 11; Strata needs version 12");
}

TEST(KvmErrors, OpenMissingDevice) {
  auto kvm = Kvm::open("/nonexistent/kvm");
  ASSERT_FALSE(kvm);
  EXPECT_TRUE(
      kvm.error().message.starts_with("/nonexistent/kvm does not exist: is the kvm module loaded?"))
      << kvm.error().message;
}

TEST(KvmCaps, Names) {
  EXPECT_EQ(capability_name(KVM_CAP_IRQCHIP), "KVM_CAP_IRQCHIP");
  EXPECT_EQ(capability_name(KVM_CAP_PIT2), "KVM_CAP_PIT2");
  EXPECT_EQ(capability_name(KVM_CAP_TSC_CONTROL), "KVM_CAP_TSC_CONTROL");
  EXPECT_EQ(capability_name(99999), "KVM_CAP_99999");
}

}  // namespace
}  // namespace strata::hwvm

// Debian's own kernel reads our ACPI tables: the guest of tools/mkguest/mkguest boots in
// qemu-system-x86_64 -M microvm,acpi=off (QEMU builds no tables of its own then), with
// build_acpi's bytes loaded at 0xe0000 where Linux's RSDP scan finds them. It must find the
// virtio-blk device through the DSDT's LNRO0005 entry (the kernel has no virtio_mmio.device=
// support), COM1 through PNP0501, and power off by writing kAcpiPowerOffWrite to the FADT's
// sleep control port, where an isa-debug-exit device turns the write into QEMU's exit status.
// This is QEMU's machine under TCG, not ours: it checks the tables and the guest image, not
// the monitor. Skipped, with the reason, without qemu-system-x86 or the guest's packages.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hwvm/x86/acpi.hpp"
#include "tests/support/subprocess.hpp"

namespace strata::hwvm::x86 {
namespace {

namespace fs = std::filesystem;

constexpr const char* kQemu = "/usr/bin/qemu-system-x86_64";

// Where microvm (ioapic2=off) puts the first virtio-mmio device: transport 7 of 24 at
// 0xfeb00000 + 7 * 512, GSI 5 + 7. QEMU says so on the command line it appends for kernels
// that do support it, which the test checks, so a QEMU that moves it fails with that reason.
constexpr std::uint64_t kMicrovmVirtioBase = 0xfeb00e00;
constexpr std::uint32_t kMicrovmVirtioGsi = 12;
constexpr const char* kMicrovmVirtioArg = "virtio_mmio.device=512@0xfeb00e00:12";

bool installed(const std::string& package) {
  auto r = test::run_process({"/usr/bin/dpkg-query", "-W", "-f=${Status}", package});
  return r.exit_code == 0 && r.out.find("install ok installed") != std::string::npos;
}

// The blobs as one image starting at kAcpiRsdpAddress (they are laid out upwards from it).
std::vector<std::uint8_t> flat_image(const AcpiTables& t) {
  const AcpiBlob& last = t.blobs.back();
  std::vector<std::uint8_t> image(last.gpa + last.bytes.size() - kAcpiRsdpAddress, 0);
  for (const AcpiBlob& b : t.blobs) {
    std::copy(b.bytes.begin(), b.bytes.end(),
              image.begin() + static_cast<std::ptrdiff_t>(b.gpa - kAcpiRsdpAddress));
  }
  return image;
}

TEST(AcpiLinux, DebianKernelFindsTheDevicesAndPowersOff) {
  if (::access(kQemu, X_OK) != 0) {
    GTEST_SKIP() << kQemu << " missing (Debian package qemu-system-x86; tools/setup.sh)";
  }
  for (const char* p : {"linux-image-amd64", "busybox-static", "cpio", "e2fsprogs"}) {
    if (!installed(p)) GTEST_SKIP() << "Debian package " << p << " missing (tools/setup.sh)";
  }
  char tmpl[] = "/tmp/strata-acpi-linux-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  auto build = test::run_process(
      {"/bin/bash", test::source_path("tools/mkguest/mkguest"), "--out", dir}, "", 120);
  ASSERT_EQ(build.exit_code, 0) << build.err;

  AcpiConfig config;
  config.cpus = 1;
  config.virtio_mmio = {{kMicrovmVirtioBase, 0x200, kMicrovmVirtioGsi}};
  auto tables = build_acpi(config);
  ASSERT_TRUE(tables) << tables.error().message;
  auto image = flat_image(*tables);
  std::ofstream(dir + "/acpi.bin", std::ios::binary)
      .write(reinterpret_cast<const char*>(image.data()),
             static_cast<std::streamsize>(image.size()));

  // tsc_early_khz: under TCG there is neither kvm-clock nor a CPUID TSC frequency, and a
  // hardware-reduced guest does not calibrate against the PIT (on KVM, kvm-clock gives it).
  const std::string cmdline =
      "console=ttyS0 panic=-1 tsc_early_khz=2000000 strata.cmd=\""
      "cat /sys/bus/acpi/devices/LNRO0005:00/path; "
      "mount -t ext4 -o ro /dev/vda /mnt && cat /mnt/hello.txt\"";
  auto run = test::run_process(
      {kQemu,
       "-M",
       "microvm,acpi=off,ioapic2=off",
       "-cpu",
       "max",
       "-m",
       "256",
       "-nographic",
       "-no-reboot",
       "-kernel",
       dir + "/vmlinuz",
       "-initrd",
       dir + "/initramfs.cpio.gz",
       "-append",
       cmdline,
       "-device",
       "loader,file=" + dir + "/acpi.bin,addr=" + std::to_string(kAcpiRsdpAddress) +
           ",force-raw=on",
       "-device",
       "isa-debug-exit,iobase=" + std::to_string(kAcpiSleepControlPort) + ",iosize=1",
       "-drive",
       "id=disk,file=" + dir + "/disk.ext4,format=raw,if=none,readonly=on",
       "-device",
       "virtio-blk-device,drive=disk"},
      "", 240);
  fs::remove_all(dir);
  const std::string& out = run.out;
  ASSERT_NE(out.find(kMicrovmVirtioArg), std::string::npos)
      << "QEMU no longer puts the first virtio-mmio device where this test describes it\n"
      << out;
  EXPECT_NE(out.find("ACPI: RSDP 0x00000000000E0000 000024 (v02 STRATA)"), std::string::npos)
      << out;
  EXPECT_NE(out.find("ACPI: FACP"), std::string::npos);
  EXPECT_NE(out.find("ACPI: DSDT"), std::string::npos);
  EXPECT_NE(out.find("ttyS0 at I/O 0x3f8"), std::string::npos) << "COM1 via PNP0501\n" << out;
  EXPECT_NE(out.find("strata-guest: ready"), std::string::npos) << out;
  EXPECT_NE(out.find("\\_SB_.VR00"), std::string::npos) << out;
  EXPECT_NE(out.find("[vda]"), std::string::npos) << "virtio-blk via LNRO0005\n" << out;
  EXPECT_NE(out.find("hello from the strata guest disk"), std::string::npos) << out;
  EXPECT_NE(out.find("strata-guest: exit 0"), std::string::npos) << out;
  // isa-debug-exit: QEMU exits with (value << 1) | 1 for the byte written to its port.
  EXPECT_EQ(run.exit_code, (kAcpiPowerOffWrite << 1) | 1) << out << run.err;
}

}  // namespace
}  // namespace strata::hwvm::x86

// tools/mkguest/mkguest --arch riscv64 builds the riscv64 guest from trixie's packages (the
// tools/mkguest/fetch-riscv64 cache) into a temporary directory; the artefacts are compared
// with those packages and inspected with cpio, modinfo, e2fsck and debugfs. Skipped, with the
// reason, where the packages or the host tools are missing.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/subprocess.hpp"
#include "tests/tools/riscv_guest.hpp"

namespace strata {
namespace {

namespace fs = std::filesystem;
using test::run_process;

constexpr std::uint16_t kElfMachineRiscv = 243;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// A 64-bit little-endian ELF file for RISC-V (e_ident class 2, data 1; e_machine at 18).
bool is_riscv64_elf(const std::string& bytes) {
  return bytes.size() > 20 &&
         bytes.starts_with(
             "\x7f"
             "ELF") &&
         bytes[4] == 2 && bytes[5] == 1 &&
         static_cast<std::uint8_t>(bytes[18]) + 256 * static_cast<std::uint8_t>(bytes[19]) ==
             kElfMachineRiscv;
}

class MkguestRiscv64 : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = test::riscv_guest_unavailable(); !why.empty()) GTEST_SKIP() << why;
    packages_ = trimmed(
        run_process({"/bin/bash", test::source_path("tools/mkguest/fetch-riscv64"), "--root"}).out);
    char tmpl[] = "/tmp/strata-mkguest-rv-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  void build() {
    auto r = test::build_riscv_guest(dir_);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    version_ = trimmed(read_file(path("kernel-version")));
    moddir_ = packages_ + "/usr/lib/modules/" + version_;
    if (!fs::exists(moddir_)) moddir_ = packages_ + "/lib/modules/" + version_;
  }

  void check_kernel();
  void check_initramfs();
  void check_modules();
  void check_disk();
  void check_rerun();

  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  static std::string sh(const std::string& script, int* status = nullptr) {
    auto r = run_process({"/bin/sh", "-c", script}, "", 60);
    if (status) *status = r.exit_code;
    return r.out + r.err;
  }
  std::string archive_member(const std::string& member) {
    return sh("gzip -dc '" + path("initramfs.cpio.gz") + "' | cpio --quiet -i --to-stdout '" +
              member + "'");
  }

  std::string packages_;  // the fetch-riscv64 tree the guest is built from
  std::string dir_;
  std::string version_;
  std::string moddir_;
};

TEST_F(MkguestRiscv64, BuildsKernelInitramfsAndDiskFromTrixiePackages) {
  ASSERT_NO_FATAL_FAILURE(build());
  {
    SCOPED_TRACE("vmlinux");
    check_kernel();
  }
  {
    SCOPED_TRACE("initramfs.cpio.gz");
    check_initramfs();
  }
  {
    SCOPED_TRACE("modules");
    check_modules();
  }
  {
    SCOPED_TRACE("disk.ext4");
    check_disk();
  }
  {
    SCOPED_TRACE("rerun");
    check_rerun();
  }
}

void MkguestRiscv64::check_kernel() {
  ASSERT_TRUE(version_.starts_with("6.12.")) << version_;
  ASSERT_TRUE(version_.ends_with("-riscv64")) << version_;
  std::string kernel = read_file(path("vmlinux"));
  ASSERT_GT(kernel.size(), 0x40u);
  EXPECT_EQ(kernel, read_file(packages_ + "/boot/vmlinux-" + version_));
  // The RISC-V Image header: "MZ" (a PE header for EFI stubs), magic2 "RSC\x05" at 0x38.
  EXPECT_EQ(kernel.substr(0, 2), "MZ");
  EXPECT_EQ(kernel.substr(0x38, 4), std::string("RSC\x05", 4));
}

void MkguestRiscv64::check_initramfs() {
  std::string list = sh("gzip -dc '" + path("initramfs.cpio.gz") + "' | cpio --quiet -itv");
  auto has = [&](const std::string& entry) { return list.find(" " + entry + "\n") != list.npos; };
  EXPECT_TRUE(has("init")) << list;
  EXPECT_TRUE(has("bin/busybox"));
  EXPECT_NE(list.find("bin/sh -> /bin/busybox"), list.npos);
  EXPECT_NE(list.find("sbin/poweroff -> /bin/busybox"), list.npos);
  EXPECT_NE(list.find("sbin/insmod -> /bin/busybox"), list.npos);
  EXPECT_TRUE(has("etc/strata-modules"));
  EXPECT_TRUE(has("etc/strata-cmdline.sh"));
  EXPECT_TRUE(has("lib/modules/" + version_ + "/modules.dep"));
  for (const std::string& l : lines(list)) {
    EXPECT_NE(l[0], 'c') << l;
    EXPECT_NE(l[0], 'b') << l;
    EXPECT_NE(l.find(" root "), l.npos) << l;
    if (l.ends_with(" init")) {
      EXPECT_EQ(l.substr(0, 10), "-rwxr-xr-x");
    }
  }

  // The same /init and parser as the x86 guest; busybox is trixie's riscv64 busybox-static.
  EXPECT_EQ(archive_member("init"), read_file(test::source_path("tools/mkguest/init")));
  EXPECT_EQ(archive_member("etc/strata-cmdline.sh"),
            read_file(test::source_path("tools/mkguest/cmdline.sh")));
  std::string busybox = archive_member("bin/busybox");
  EXPECT_TRUE(is_riscv64_elf(busybox));
  std::string packaged = read_file(packages_ + "/usr/bin/busybox");
  if (packaged.empty()) packaged = read_file(packages_ + "/bin/busybox");
  EXPECT_EQ(busybox, packaged);
}

void MkguestRiscv64::check_modules() {
  auto order = lines(archive_member("etc/strata-modules"));
  ASSERT_FALSE(order.empty());
  std::map<std::string, std::size_t> position;  // "kernel/.../name.ko" -> load position
  for (std::size_t i = 0; i < order.size(); ++i) {
    ASSERT_TRUE(order[i].starts_with(version_ + "/kernel/")) << order[i];
    ASSERT_TRUE(order[i].ends_with(".ko")) << order[i] << ": shipped uncompressed";
    position[order[i].substr(version_.size() + 1)] = i;
  }
  for (const char* m : {"drivers/virtio/virtio_mmio.ko", "drivers/block/virtio_blk.ko",
                        "fs/ext4/ext4.ko", "crypto/crc32c_generic.ko"}) {
    EXPECT_TRUE(position.contains(std::string("kernel/") + m)) << m;
  }

  // Against the package's own modules.dep: every dependency loads first; nothing is shipped
  // that the kernel has built in (modules.builtin).
  std::string builtin = "\n" + read_file(moddir_ + "/modules.builtin");
  ASSERT_GT(builtin.size(), 1u) << moddir_;
  for (const std::string& l : lines(read_file(moddir_ + "/modules.dep"))) {
    std::istringstream words(l);
    std::string module;
    words >> module;
    module.pop_back();  // the ':'
    auto strip_xz = [](std::string s) {
      return s.ends_with(".xz") ? s.substr(0, s.size() - 3) : s;
    };
    auto it = position.find(strip_xz(module));
    if (it == position.end()) continue;
    for (std::string dep; words >> dep;) {
      auto d = position.find(strip_xz(dep));
      ASSERT_NE(d, position.end()) << module << " needs " << dep << ", which is not shipped";
      EXPECT_LT(d->second, it->second) << dep << " loads after " << module;
    }
  }
  for (const auto& [module, pos] : position) {
    EXPECT_EQ(builtin.find("\n" + module + "\n"), builtin.npos)
        << module << " is built into the kernel";
    std::string bytes = archive_member("lib/modules/" + version_ + "/" + module);
    EXPECT_TRUE(is_riscv64_elf(bytes)) << module;
  }

  std::string modinfo = test::find_on_path("modinfo");
  if (modinfo.empty() && ::access("/sbin/modinfo", X_OK) == 0) modinfo = "/sbin/modinfo";
  if (modinfo.empty()) {
    std::cout << "modinfo (Debian package kmod) not installed: vermagic not checked\n";
    return;
  }
  std::string vermagic = sh("gzip -dc '" + path("initramfs.cpio.gz") +
                            "' | cpio --quiet -i --to-stdout 'lib/modules/" + version_ +
                            "/kernel/drivers/virtio/virtio_mmio.ko' > '" + path("m.ko") + "' && '" +
                            modinfo + "' -F vermagic '" + path("m.ko") + "'");
  EXPECT_TRUE(vermagic.starts_with(version_ + " ")) << vermagic;
}

void MkguestRiscv64::check_disk() {
  int status = -1;
  std::string fsck = sh("e2fsck -fn '" + path("disk.ext4") + "'", &status);
  EXPECT_EQ(status, 0) << fsck;
  EXPECT_EQ(sh("debugfs -R 'cat /hello.txt' '" + path("disk.ext4") + "' 2>/dev/null"),
            "hello from the strata guest disk\n");
}

void MkguestRiscv64::check_rerun() {
  std::string before = read_file(path("initramfs.cpio.gz"));
  auto again = test::build_riscv_guest(dir_);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(read_file(path("initramfs.cpio.gz")), before);
}

TEST_F(MkguestRiscv64, ErrorsNameWhatIsMissing) {
  const std::string mkguest = test::source_path("tools/mkguest/mkguest");
  auto r = run_process({"/bin/bash", mkguest, "--arch", "riscv64", "--out", path("x"),
                        "--kernel-version", "0.0-none"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("vmlinux-0.0-none"), r.err.npos) << r.err;
  r = run_process({"/bin/bash", mkguest, "--arch", "riscv64", "--out", path("x"), "--modules",
                   "no_such_module"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("module no_such_module"), r.err.npos) << r.err;
  r = run_process({"/bin/bash", mkguest, "--arch", "mips"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown --arch 'mips' (expected x86_64 or riscv64)"), r.err.npos) << r.err;
  EXPECT_FALSE(fs::exists(path("x/initramfs.cpio.gz")));
}

// Where the cache is empty, mkguest says where it looked and what fetches it.
TEST(MkguestRiscv64Cache, MissingPackagesAreNamed) {
  for (const char* tool : {"cpio", "gzip", "mkfs.ext4"}) {
    if (test::find_on_path(tool).empty()) GTEST_SKIP() << tool << " not found (tools/setup.sh)";
  }
  char tmpl[] = "/tmp/strata-rvcache-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string cache = tmpl;
  auto r = run_process({"/usr/bin/env", "STRATA_RISCV64_CACHE=" + cache, "/bin/bash",
                        test::source_path("tools/mkguest/mkguest"), "--arch", "riscv64", "--out",
                        cache + "/out"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no riscv64 guest packages in " + cache), r.err.npos) << r.err;
  EXPECT_NE(r.err.find("tools/setup.sh"), r.err.npos) << r.err;
  EXPECT_FALSE(fs::exists(cache + "/out"));
  fs::remove_all(cache);
}

}  // namespace
}  // namespace strata

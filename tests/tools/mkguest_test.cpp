// tools/mkguest/mkguest builds the default x86 guest into a temporary directory; the artefacts
// are inspected with the tools a person would use (cpio, modinfo, e2fsck, debugfs) and the
// guest's own command-line parser runs under the same busybox the guest gets. Skipped, with
// the reason, where the Debian packages it builds from are missing.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/subprocess.hpp"

namespace strata {
namespace {

namespace fs = std::filesystem;
using test::run_process;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool package_installed(const std::string& name) {
  auto r = run_process({"/usr/bin/dpkg-query", "-W", "-f=${Status}", name});
  return r.exit_code == 0 && r.out.find("install ok installed") != std::string::npos;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// One build per test process (CTest runs each test in its own): the checks of the artefacts
// are steps of one test, so the suite runs mkguest twice in all (the second run checks that a
// rebuild is reproducible), a few seconds.
class Mkguest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* p : {"linux-image-amd64", "busybox-static", "cpio", "e2fsprogs"}) {
      if (!package_installed(p)) {
        GTEST_SKIP() << "Debian package " << p << " is not installed (tools/setup.sh)";
      }
    }
    char tmpl[] = "/tmp/strata-mkguest-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  void build() {
    auto r = run_process({"/bin/bash", mkguest(), "--out", dir_}, "", 120);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    version_ = read_file(fs::path(dir_) / "kernel-version");
    while (!version_.empty() && version_.back() == '\n') version_.pop_back();
  }

  void check_kernel();
  void check_initramfs();
  void check_modules();
  void check_init();
  void check_disk();
  void check_rerun();

  static std::string mkguest() { return test::source_path("tools/mkguest/mkguest"); }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  // Runs a shell script; its stdout and stderr.
  static std::string sh(const std::string& script, int* status = nullptr) {
    auto r = run_process({"/bin/sh", "-c", script}, "", 60);
    if (status) *status = r.exit_code;
    return r.out + r.err;
  }
  std::string archive_member(const std::string& member) {
    return sh("gzip -dc '" + path("initramfs.cpio.gz") + "' | cpio --quiet -i --to-stdout '" +
              member + "'");
  }

  std::string dir_;
  std::string version_;
};

TEST_F(Mkguest, BuildsKernelInitramfsAndDisk) {
  ASSERT_NO_FATAL_FAILURE(build());
  {
    SCOPED_TRACE("vmlinuz");
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
    SCOPED_TRACE("/init");
    check_init();
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

void Mkguest::check_kernel() {
  ASSERT_FALSE(version_.empty());
  std::string kernel = read_file(path("vmlinuz"));
  ASSERT_FALSE(kernel.empty());
  EXPECT_EQ(kernel, read_file("/boot/vmlinuz-" + version_));
  EXPECT_EQ(kernel.substr(0x202, 4), "HdrS") << "a bzImage (boot protocol header magic)";
}

void Mkguest::check_initramfs() {
  std::string list = sh("gzip -dc '" + path("initramfs.cpio.gz") + "' | cpio --quiet -itv");
  auto has = [&](const std::string& entry) { return list.find(" " + entry + "\n") != list.npos; };
  EXPECT_TRUE(has("init")) << list;
  EXPECT_TRUE(has("bin/busybox"));
  EXPECT_NE(list.find("bin/sh -> /bin/busybox"), list.npos);
  EXPECT_NE(list.find("sbin/poweroff -> /bin/busybox"), list.npos);
  EXPECT_TRUE(has("etc/strata-modules"));
  EXPECT_TRUE(has("etc/strata-cmdline.sh"));
  std::string mods = "lib/modules/" + version_ + "/kernel/";
  for (const char* m :
       {"drivers/virtio/virtio_mmio.ko", "drivers/virtio/virtio.ko",
        "drivers/virtio/virtio_ring.ko", "drivers/block/virtio_blk.ko", "fs/ext4/ext4.ko",
        "fs/jbd2/jbd2.ko", "fs/mbcache.ko", "lib/crc16.ko", "crypto/crc32c_generic.ko"}) {
    EXPECT_TRUE(has(mods + m)) << m;
  }
  EXPECT_TRUE(has("lib/modules/" + version_ + "/modules.dep"));
  // No device nodes: /dev is devtmpfs at boot. Everything owned by root; /init executable.
  for (const std::string& l : lines(list)) {
    EXPECT_NE(l[0], 'c') << l;
    EXPECT_NE(l[0], 'b') << l;
    EXPECT_NE(l.find(" root "), l.npos) << l;
    if (l.ends_with(" init")) {
      EXPECT_EQ(l.substr(0, 10), "-rwxr-xr-x");
    }
  }
}

void Mkguest::check_modules() {
  auto order = lines(archive_member("etc/strata-modules"));
  auto pos = [&](const std::string& name) {
    for (std::size_t i = 0; i < order.size(); ++i)
      if (order[i].ends_with("/" + name)) return static_cast<long>(i);
    return -1L;
  };
  ASSERT_GE(pos("virtio_mmio.ko"), 0) << archive_member("etc/strata-modules");
  EXPECT_LT(pos("virtio_ring.ko"), pos("virtio.ko"));
  EXPECT_LT(pos("virtio.ko"), pos("virtio_mmio.ko"));
  EXPECT_LT(pos("virtio.ko"), pos("virtio_blk.ko"));
  EXPECT_LT(pos("jbd2.ko"), pos("ext4.ko"));
  EXPECT_LT(pos("crc16.ko"), pos("ext4.ko"));
  EXPECT_LT(pos("crc32c_generic.ko"), pos("ext4.ko"));
  for (const std::string& m : order) EXPECT_TRUE(m.starts_with(version_ + "/kernel/")) << m;

  if (::access("/usr/sbin/modinfo", X_OK) != 0 && ::access("/sbin/modinfo", X_OK) != 0) {
    std::cout << "modinfo (Debian package kmod) not installed: vermagic not checked\n";
    return;
  }
  std::string vermagic = sh("gzip -dc '" + path("initramfs.cpio.gz") +
                            "' | cpio --quiet -i --to-stdout 'lib/modules/" + version_ +
                            "/kernel/drivers/virtio/virtio_mmio.ko' > '" + path("m.ko") +
                            "' && modinfo -F vermagic '" + path("m.ko") + "'");
  EXPECT_TRUE(vermagic.starts_with(version_ + " ")) << vermagic;
}

void Mkguest::check_init() {
  std::string init = archive_member("init");
  EXPECT_TRUE(init.starts_with("#!/bin/busybox sh\n"));
  EXPECT_NE(init.find("mount -t devtmpfs devtmpfs /dev"), init.npos);
  EXPECT_NE(init.find("mount -t proc proc /proc"), init.npos);
  EXPECT_NE(init.find("mount -t sysfs sysfs /sys"), init.npos);
  EXPECT_NE(init.find("echo \"strata-guest: ready\""), init.npos);
  EXPECT_NE(init.find("poweroff -f"), init.npos);
  int status = -1;
  std::string syntax =
      sh("busybox sh -n '" + test::source_path("tools/mkguest/init") + "'", &status);
  EXPECT_EQ(status, 0) << syntax;
}

// The parser /init sources, run by the busybox the guest gets.
TEST(MkguestInit, CommandComesFromTheKernelCommandLine) {
  if (::access("/bin/busybox", X_OK) != 0) {
    GTEST_SKIP() << "/bin/busybox missing (Debian package busybox-static; tools/setup.sh)";
  }
  char tmpl[] = "/tmp/strata-cmdline-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string parser = test::source_path("tools/mkguest/cmdline.sh");
  auto command = [&](const std::string& cmdline) {
    std::ofstream(dir + "/cmdline") << cmdline << "\n";
    return run_process({"/bin/busybox", "sh", "-c",
                        ". '" + parser + "'; strata_command '" + dir + "/cmdline'"})
        .out;
  };
  EXPECT_EQ(command("console=ttyS0 strata.cmd=\"echo hi; ls /\" panic=1"), "echo hi; ls /\n");
  EXPECT_EQ(command("strata.cmd=uname quiet"), "uname\n");
  EXPECT_EQ(command("strata.cmd=\"echo 'a b'\""), "echo 'a b'\n");
  EXPECT_EQ(command("console=ttyS0 panic=1"), "");
  EXPECT_EQ(command("xstrata.cmd=no"), "");
  fs::remove_all(dir);
}

void Mkguest::check_disk() {
  int status = -1;
  std::string fsck = sh("e2fsck -fn '" + path("disk.ext4") + "'", &status);
  EXPECT_EQ(status, 0) << fsck;
  std::string ls = sh("debugfs -R 'ls -l /' '" + path("disk.ext4") + "'");
  EXPECT_NE(ls.find("hello.txt"), ls.npos) << ls;
  EXPECT_NE(ls.find("data"), ls.npos) << ls;
  EXPECT_EQ(sh("debugfs -R 'cat /hello.txt' '" + path("disk.ext4") + "' 2>/dev/null"),
            "hello from the strata guest disk\n");
  std::string numbers =
      sh("debugfs -R 'cat /data/numbers.txt' '" + path("disk.ext4") + "' 2>/dev/null | tail -n 1");
  EXPECT_EQ(numbers, "20000\n");
}

void Mkguest::check_rerun() {
  std::string before = read_file(path("initramfs.cpio.gz"));
  auto again = run_process({"/bin/bash", mkguest(), "--out", dir_}, "", 120);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(read_file(path("initramfs.cpio.gz")), before);
}

TEST_F(Mkguest, ErrorsNameWhatIsMissing) {
  auto r =
      run_process({"/bin/bash", mkguest(), "--out", path("x"), "--kernel-version", "0.0-none"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("linux-image-0.0-none"), r.err.npos) << r.err;
  r = run_process({"/bin/bash", mkguest(), "--out", path("x"), "--modules", "no_such_module"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("module no_such_module"), r.err.npos) << r.err;
  r = run_process({"/bin/bash", mkguest(), "--bogus"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown argument '--bogus'"), r.err.npos) << r.err;
  EXPECT_FALSE(fs::exists(path("x/initramfs.cpio.gz")));
}

}  // namespace
}  // namespace strata

// The riscv64 guest of tools/mkguest/mkguest for the tests that build and boot it: what it
// needs (trixie's packages in the tools/mkguest/fetch-riscv64 cache, and the host tools mkguest
// runs), and a build into a directory. A test skips with the reason when something is missing.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <string>

#include "tests/support/subprocess.hpp"

namespace strata::test {

// The absolute path of `name` found on $PATH, or "" when it is not there.
inline std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// Why the riscv64 guest cannot be built here, or "" when it can.
inline std::string riscv_guest_unavailable() {
  struct Tool {
    const char* name;
    const char* package;
  };
  for (Tool t : {Tool{"cpio", "cpio"}, Tool{"mkfs.ext4", "e2fsprogs"}, Tool{"debugfs", "e2fsprogs"},
                 Tool{"xz", "xz-utils"}, Tool{"qemu-riscv64", "qemu-user"}}) {
    if (find_on_path(t.name).empty()) {
      return std::string(t.name) + " not found (Debian package " + t.package +
             "; tools/setup.sh installs it)";
    }
  }
  auto root = run_process({"/bin/bash", source_path("tools/mkguest/fetch-riscv64"), "--root"});
  if (root.exit_code != 0) return root.err.empty() ? "fetch-riscv64 --root failed" : root.err;
  return "";
}

// Runs tools/mkguest/mkguest --arch riscv64 into `dir`.
inline ProcessResult build_riscv_guest(const std::string& dir) {
  return run_process(
      {"/bin/bash", source_path("tools/mkguest/mkguest"), "--arch", "riscv64", "--out", dir}, "",
      180);
}

}  // namespace strata::test

// Test payloads for `strata boot --flat`: GNU as/ld turn assembly text into a flat binary.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/subprocess.hpp"

namespace strata::test {

// `name` found on PATH (run_process does not search it), or "" when it is not installed.
inline std::string find_tool(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (std::size_t start = 0; start <= dirs.size();) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::filesystem::path p = std::filesystem::path(dirs.substr(start, end - start)) / name;
    if (!p.parent_path().empty() && ::access(p.c_str(), X_OK) == 0) return p.string();
    start = end + 1;
  }
  return "";
}

struct FlatBinary {
  std::string path;   // the binary, when error is empty
  std::string error;  // "as failed: ..." / "ld failed: ..."
};

struct FlatLink {
  unsigned link_address = 0;         // where the payload's first byte is (flat: 0x10000)
  std::vector<std::string> defsyms;  // `--defsym` arguments ("CASE=3")
  bool x86_64 = false;               // a 64-bit object (elf_x86_64) instead of a 32-bit one
};

// Assembles `source` and links it as a raw binary. Files go to `dir` as `stem`.S/.o/.bin.
inline FlatBinary assemble_flat(const std::string& as, const std::string& ld,
                                const std::filesystem::path& dir, const std::string& stem,
                                const std::string& source, const FlatLink& link = {}) {
  const std::string src = (dir / (stem + ".S")).string();
  const std::string obj = (dir / (stem + ".o")).string();
  const std::string bin = (dir / (stem + ".bin")).string();
  std::ofstream(src) << source;
  std::vector<std::string> as_args = {as, link.x86_64 ? "--64" : "--32", "-o", obj};
  for (const std::string& d : link.defsyms) {
    as_args.push_back("--defsym");
    as_args.push_back(d);
  }
  as_args.push_back(src);
  auto a = run_process(as_args);
  if (a.exit_code != 0) return {"", "as failed: " + a.err};
  char text[32];
  std::snprintf(text, sizeof text, "-Ttext=%#x", link.link_address);
  auto l = run_process({ld, "-m", link.x86_64 ? "elf_x86_64" : "elf_i386", text, "--oformat=binary",
                        "-o", bin, obj});
  if (l.exit_code != 0) return {"", "ld failed: " + l.err};
  return {bin, ""};
}

}  // namespace strata::test

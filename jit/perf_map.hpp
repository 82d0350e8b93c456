// STRATA_PERF_MAP=1, a developer aid: every function a JIT tier installs is appended to
// /tmp/perf-<pid>.map, the file `perf report` and `perf annotate` read to name code in anonymous
// executable memory. One line per function: "<start> <size> <name>.<tier>" (hex start and
// size), e.g. "7f3a2c001040 3e0 rv64_105f2.llvm" for the LLVM code of the RV64 unit at guest pc
// 0x105f2. Header-only: libstrata_opt.so links no strata library and writes its own lines.
//
// The file is opened per line with O_APPEND, under the pid of the moment, so a forked guest's
// child writes its own map and both tiers (and both sides of the dlopen) interleave whole lines.
// Nothing is ever removed: an address reused after a unit is dropped gets a second line, and
// perf takes the last one that covers it.
//
// STRATA_CODE_DUMP=DIR, with the map: each function's code as installed, in DIR/<start>.bin (the
// map line's hex start). perf cannot annotate code in anonymous or memfd memory; with the bytes,
// `objdump -D -b binary -mi386:x86-64 --adjust-vma=0x<start> DIR/<start>.bin` puts the raw
// sample addresses of `perf script -F ip` on instructions (docs/RISCV_SYSTEM.md, "Where the
// translated code's time goes"). A reused address's file is overwritten, as its line is
// superseded.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace strata::jit {

// The map file perf looks for for the process `pid`.
inline std::string perf_map_path(pid_t pid) {
  return "/tmp/perf-" + std::to_string(pid) + ".map";
}

// Appends one line to `path`. False when the file cannot be written (the caller's code runs on:
// a missing line only costs a name in a profile).
inline bool perf_map_append(const std::string& path, const void* code, size_t size,
                            std::string_view name, std::string_view tier) noexcept {
  char line[320];
  const int n = std::snprintf(line, sizeof line, "%jx %zx %.*s.%.*s\n",
                              static_cast<uintmax_t>(reinterpret_cast<uintptr_t>(code)), size,
                              static_cast<int>(std::min<size_t>(name.size(), 256)), name.data(),
                              static_cast<int>(std::min<size_t>(tier.size(), 32)), tier.data());
  if (n <= 0) return false;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const bool whole = ::write(fd, line, static_cast<size_t>(n)) == n;
  ::close(fd);
  return whole;
}

// Whether STRATA_PERF_MAP asks for the map (set and neither empty nor "0"); read once.
inline bool perf_map_enabled() noexcept {
  static const bool on = [] {
    const char* v = std::getenv("STRATA_PERF_MAP");
    return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
  }();
  return on;
}

// Writes `size` bytes at `code` to `dir`/<hex code>.bin. False when the file cannot be written.
inline bool code_dump_write(const std::string& dir, const void* code, size_t size) noexcept {
  char name[64];
  std::snprintf(name, sizeof name, "/%jx.bin",
                static_cast<uintmax_t>(reinterpret_cast<uintptr_t>(code)));
  const std::string path = dir + name;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const auto* p = static_cast<const char*>(code);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, p + done, size - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return done == size;
}

// STRATA_CODE_DUMP's directory (empty: no dump); read once.
inline const std::string& code_dump_dir() {
  static const std::string dir = [] {
    const char* v = std::getenv("STRATA_CODE_DUMP");
    return std::string(v != nullptr ? v : "");
  }();
  return dir;
}

// A tier's hook after installing `size` bytes of code for the function `name`.
inline void perf_map_note(const void* code, size_t size, std::string_view name,
                          std::string_view tier) noexcept {
  if (!perf_map_enabled() || code == nullptr || size == 0) return;
  perf_map_append(perf_map_path(::getpid()), code, size, name, tier);
  if (!code_dump_dir().empty()) code_dump_write(code_dump_dir(), code, size);
}

}  // namespace strata::jit

// Tiny hand-encoded x86-64 functions for the cache tests, and a /proc/self/maps reader.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace strata::jit::testing {

// `mov eax, imm32; ret` — a function returning `v`: 6 bytes.
inline std::array<std::byte, 6> const_fn(uint32_t v) {
  return {std::byte{0xB8},
          std::byte(v & 0xFF),
          std::byte((v >> 8) & 0xFF),
          std::byte((v >> 16) & 0xFF),
          std::byte((v >> 24) & 0xFF),
          std::byte{0xC3}};
}

using ConstFn = uint32_t();

struct Mapping {
  uintptr_t lo = 0, hi = 0;
  std::string perms;  // "r-xp", "rw-s", ...
  std::string path;
};

inline std::vector<Mapping> read_maps() {
  std::vector<Mapping> out;
  std::ifstream in("/proc/self/maps");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string range, perms, offset, dev, inode, path;
    ls >> range >> perms >> offset >> dev >> inode;
    std::getline(ls, path);
    const size_t dash = range.find('-');
    Mapping m;
    m.lo = std::stoull(range.substr(0, dash), nullptr, 16);
    m.hi = std::stoull(range.substr(dash + 1), nullptr, 16);
    m.perms = perms;
    m.path = path.substr(std::min(path.find_first_not_of(' '), path.size()));
    out.push_back(m);
  }
  return out;
}

// The mappings overlapping [p, p + size).
inline std::vector<Mapping> maps_overlapping(const void* p, size_t size) {
  const auto lo = reinterpret_cast<uintptr_t>(p);
  std::vector<Mapping> out;
  for (const Mapping& m : read_maps()) {
    if (m.lo < lo + size && lo < m.hi) out.push_back(m);
  }
  return out;
}

inline bool writable_and_executable(const Mapping& m) {
  return m.perms.size() >= 3 && m.perms[1] == 'w' && m.perms[2] == 'x';
}

}  // namespace strata::jit::testing

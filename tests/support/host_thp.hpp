// What the host's transparent-huge-page settings say about a mapping of this process, for tests
// of the memories that ask for huge pages (or do not).
#pragma once

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

namespace strata::test {

// Whether the mapping holding `p` is THP-eligible in /proc/self/smaps (nullopt: no such line).
inline std::optional<bool> thp_eligible(const void* p) {
  const auto start = reinterpret_cast<std::uintptr_t>(p);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool in_mapping = false;
  std::optional<bool> eligible;
  while (std::getline(smaps, line)) {
    std::uintptr_t lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2 &&
        line.find(' ') != std::string::npos && line.find('-') < line.find(' ')) {
      in_mapping = lo <= start && start < hi;
      continue;
    }
    if (in_mapping && line.rfind("THPeligible:", 0) == 0)
      eligible = line.find('1') != std::string::npos;
  }
  return eligible;
}

// Only the host's `madvise` THP mode shows a mapping's request (`always` makes every mapping
// eligible and `never` none). `mode` gets the setting's text for a skip message.
inline bool host_thp_mode_is_madvise(std::string* mode) {
  std::ifstream mode_file("/sys/kernel/mm/transparent_hugepage/enabled");
  std::getline(mode_file, *mode);
  return mode->find("[madvise]") != std::string::npos;
}

}  // namespace strata::test

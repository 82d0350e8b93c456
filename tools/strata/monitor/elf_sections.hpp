// The section headers of an untrusted ELF64 little-endian file, for the monitor's readers of
// what is not loaded (the symbol table, the unwind tables). Every offset and size comes from the
// file and is checked; a header whose range lies outside the file has empty bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "isa/error.hpp"

namespace strata::monitor::elf {

inline constexpr uint32_t kShtSymtab = 2;

// Reads a little-endian T at `off`; false when it does not fit inside `b`.
template <typename T>
bool get(std::string_view b, uint64_t off, T* out) {
  // GUEST: offsets come from the file; the subtraction form cannot overflow.
  if (off > b.size() || b.size() - off < sizeof(T)) return false;
  std::memcpy(out, b.data() + off, sizeof(T));
  return true;
}

struct Section {
  std::string_view name;  // empty when the name is out of the string table
  uint32_t type = 0;
  uint32_t link = 0;
  uint64_t addr = 0;
  uint64_t entsize = 0;
  uint64_t offset = 0, size = 0;  // as the header says
  std::string_view bytes;  // [offset, offset + size), or empty when that is not inside the file
};

// The whole file, or an error naming it.
[[nodiscard]] Result<std::string> read_file(const std::string& path);

// An error unless `b` starts with the header of a little-endian ELF64 file.
[[nodiscard]] Result<void> check_header(std::string_view b);

// Every section header that lies inside the file (none when the table itself does not).
[[nodiscard]] std::vector<Section> sections(std::string_view b);

// The first section named `name`.
[[nodiscard]] std::optional<Section> find(std::string_view b, std::string_view name);

}  // namespace strata::monitor::elf

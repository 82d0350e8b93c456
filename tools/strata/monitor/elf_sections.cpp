#include "tools/strata/monitor/elf_sections.hpp"

#include <fstream>
#include <iterator>

namespace strata::monitor::elf {

namespace {
constexpr size_t kShdrSize = 64;

std::string_view range(std::string_view b, uint64_t off, uint64_t size) {
  if (off > b.size() || b.size() - off < size) return {};
  return b.substr(off, size);
}
}  // namespace

Result<std::string> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return fail("{}: cannot open", path);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

Result<void> check_header(std::string_view b) {
  if (b.size() < 64 ||
      b.substr(0, 4) != std::string_view("\x7f"
                                         "ELF",
                                         4) ||
      b[4] != 2 || b[5] != 1)
    return fail("not a little-endian ELF64 file");
  return {};
}

std::vector<Section> sections(std::string_view b) {
  std::vector<Section> out;
  uint64_t shoff = 0;
  uint16_t shentsize = 0, shnum = 0, shstrndx = 0;
  if (!get(b, 0x28, &shoff) || !get(b, 0x3a, &shentsize) || !get(b, 0x3c, &shnum) ||
      !get(b, 0x3e, &shstrndx) || shentsize < kShdrSize)
    return out;
  std::string_view names;
  uint64_t stroff = 0, strsize = 0;
  const uint64_t strsh = shoff + uint64_t{shstrndx} * shentsize;
  if (shstrndx < shnum && get(b, strsh + 0x18, &stroff) && get(b, strsh + 0x20, &strsize))
    names = range(b, stroff, strsize);
  for (uint16_t i = 0; i < shnum; ++i) {
    const uint64_t sh = shoff + uint64_t{i} * shentsize;
    uint32_t name = 0;
    Section s;
    if (!get(b, sh, &name) || !get(b, sh + 4, &s.type) || !get(b, sh + 0x10, &s.addr) ||
        !get(b, sh + 0x18, &s.offset) || !get(b, sh + 0x20, &s.size) ||
        !get(b, sh + 0x28, &s.link) || !get(b, sh + 0x38, &s.entsize))
      break;  // the table runs past the end of the file
    if (name < names.size()) {
      const std::string_view rest = names.substr(name);
      s.name = rest.substr(0, rest.find('\0'));
    }
    s.bytes = range(b, s.offset, s.size);
    out.push_back(s);
  }
  return out;
}

std::optional<Section> find(std::string_view b, std::string_view name) {
  for (const Section& s : sections(b))
    if (s.name == name) return s;
  return std::nullopt;
}

}  // namespace strata::monitor::elf

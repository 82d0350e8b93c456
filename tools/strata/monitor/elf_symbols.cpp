#include "tools/strata/monitor/elf_symbols.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

namespace strata::monitor {

namespace {

constexpr uint32_t kShtSymtab = 2;
constexpr uint8_t kSttObject = 1;
constexpr uint8_t kSttFunc = 2;
constexpr uint16_t kShnUndef = 0;
constexpr size_t kShdrSize = 64;
constexpr size_t kSymSize = 24;

template <typename T>
bool get(std::string_view b, uint64_t off, T* out) {
  // GUEST: offsets come from the file; the subtraction form cannot overflow.
  if (off > b.size() || b.size() - off < sizeof(T)) return false;
  std::memcpy(out, b.data() + off, sizeof(T));
  return true;
}

}  // namespace

Result<SymbolTable> SymbolTable::load(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return fail("{}: cannot open", path);
  const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto t = parse(bytes);
  if (!t) return fail("{}: {}", path, t.error().message);
  return t;
}

Result<SymbolTable> SymbolTable::parse(std::string_view b) {
  if (b.size() < 64 ||
      b.substr(0, 4) !=
          "\x7f"
          "ELF" ||
      b[4] != 2 || b[5] != 1)
    return fail("not a little-endian ELF64 file");
  uint64_t shoff = 0;
  uint16_t shentsize = 0, shnum = 0;
  get(b, 0x28, &shoff);
  get(b, 0x3a, &shentsize);
  get(b, 0x3c, &shnum);
  SymbolTable t;
  if (shentsize < kShdrSize) return t;
  for (uint16_t i = 0; i < shnum; ++i) {
    const uint64_t sh = shoff + uint64_t{i} * shentsize;
    uint32_t type = 0, link = 0;
    uint64_t off = 0, size = 0, entsize = 0;
    if (!get(b, sh + 4, &type) || type != kShtSymtab) continue;
    if (!get(b, sh + 0x18, &off) || !get(b, sh + 0x20, &size) || !get(b, sh + 0x28, &link) ||
        !get(b, sh + 0x38, &entsize) || entsize < kSymSize)
      continue;
    const uint64_t strsh = shoff + uint64_t{link} * shentsize;
    uint64_t stroff = 0, strsize = 0;
    if (link >= shnum || !get(b, strsh + 0x18, &stroff) || !get(b, strsh + 0x20, &strsize) ||
        stroff > b.size() || b.size() - stroff < strsize)
      continue;
    const std::string_view strtab = b.substr(stroff, strsize);
    for (uint64_t k = 0; k + 1 <= size / entsize; ++k) {
      const uint64_t s = off + k * entsize;
      uint32_t name = 0;
      uint8_t info = 0;
      uint16_t shndx = 0;
      uint64_t value = 0, ssize = 0;
      if (!get(b, s, &name) || !get(b, s + 4, &info) || !get(b, s + 6, &shndx) ||
          !get(b, s + 8, &value) || !get(b, s + 16, &ssize))
        break;
      const uint8_t kind = info & 0xf;
      if ((kind != kSttFunc && kind != kSttObject) || shndx == kShnUndef || name >= strtab.size())
        continue;
      const std::string_view rest = strtab.substr(name);
      const std::string_view nm = rest.substr(0, rest.find('\0'));
      if (nm.empty()) continue;
      t.syms_.push_back(Symbol{std::string(nm), value, ssize, kind == kSttFunc});
    }
  }
  std::stable_sort(t.syms_.begin(), t.syms_.end(),
                   [](const Symbol& x, const Symbol& y) { return x.addr < y.addr; });
  return t;
}

std::optional<uint64_t> SymbolTable::address_of(std::string_view name) const {
  // A global function wins over a same-named local object (static libc objects repeat names).
  const Symbol* best = nullptr;
  for (const Symbol& s : syms_)
    if (s.name == name && (best == nullptr || (s.is_func && !best->is_func))) best = &s;
  if (best == nullptr) return std::nullopt;
  return best->addr;
}

std::string SymbolTable::describe(uint64_t addr) const {
  auto it = std::upper_bound(syms_.begin(), syms_.end(), addr,
                             [](uint64_t a, const Symbol& s) { return a < s.addr; });
  // Several symbols may cover addr (aliases, nested objects): the nearest start that covers it.
  while (it != syms_.begin()) {
    --it;
    if (addr == it->addr || addr - it->addr < it->size) {
      if (addr == it->addr) return it->name;
      return it->name + "+0x" + fmt::format("{:x}", addr - it->addr);
    }
    if (addr - it->addr > (uint64_t{1} << 20)) break;
  }
  return {};
}

}  // namespace strata::monitor

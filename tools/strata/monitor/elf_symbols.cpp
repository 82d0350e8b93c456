#include "tools/strata/monitor/elf_symbols.hpp"

#include <algorithm>

#include "tools/strata/monitor/elf_sections.hpp"

namespace strata::monitor {

namespace {

constexpr uint8_t kSttObject = 1;
constexpr uint8_t kSttFunc = 2;
constexpr uint16_t kShnUndef = 0;
constexpr size_t kSymSize = 24;

}  // namespace

Result<SymbolTable> SymbolTable::load(const std::string& path) {
  auto bytes = STRATA_TRY(elf::read_file(path));
  auto t = parse(bytes);
  if (!t) return fail("{}: {}", path, t.error().message);
  return t;
}

Result<SymbolTable> SymbolTable::parse(std::string_view b) {
  STRATA_TRY(elf::check_header(b));
  SymbolTable t;
  const std::vector<elf::Section> secs = elf::sections(b);
  for (const elf::Section& sec : secs) {
    if (sec.type != elf::kShtSymtab || sec.entsize < kSymSize || sec.link >= secs.size()) continue;
    // A string table outside the file names nothing: its symbols are skipped below.
    const std::string_view strtab = secs[sec.link].bytes;
    // Symbols are read one by one up to the end of the file, so a truncated table still gives
    // the symbols before the cut.
    for (uint64_t k = 0; k + 1 <= sec.size / sec.entsize; ++k) {
      const uint64_t s = sec.offset + k * sec.entsize;
      uint32_t name = 0;
      uint8_t info = 0;
      uint16_t shndx = 0;
      uint64_t value = 0, ssize = 0;
      if (!elf::get(b, s, &name) || !elf::get(b, s + 4, &info) || !elf::get(b, s + 6, &shndx) ||
          !elf::get(b, s + 8, &value) || !elf::get(b, s + 16, &ssize))
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

SymbolTable SymbolTable::from(std::vector<Symbol> syms) {
  SymbolTable t;
  t.syms_ = std::move(syms);
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

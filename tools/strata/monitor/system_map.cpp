#include "tools/strata/monitor/system_map.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

#include "tools/strata/monitor/elf_sections.hpp"

namespace strata::monitor {

namespace {

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// nm's type letters: text (code) and data; absolute, undefined and debug symbols name no
// place in the kernel's memory worth stopping at.
bool is_code(char t) {
  return t == 'T' || t == 't' || t == 'W' || t == 'w';
}
bool is_data(char t) {
  return t == 'D' || t == 'd' || t == 'B' || t == 'b' || t == 'R' || t == 'r' || t == 'V' ||
         t == 'v' || t == 'G' || t == 'g' || t == 'S' || t == 's';
}

}  // namespace

Result<SymbolTable> parse_system_map(std::string_view text) {
  std::vector<Symbol> syms;
  size_t line_no = 0;
  bool nonzero = false;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    const std::vector<std::string_view> f = fields(line);
    if (f.empty()) continue;
    uint64_t addr = 0;
    auto [p, ec] = std::from_chars(f[0].data(), f[0].data() + f[0].size(), addr, 16);
    const bool module_column = f.size() == 4 && f[3].starts_with("[") && f[3].ends_with("]");
    if (ec != std::errc() || p != f[0].data() + f[0].size() || f[1].size() != 1 ||
        (f.size() != 3 && !module_column))
      return fail("line {}: '{}' is not 'ADDRESS TYPE NAME' (System.map or /proc/kallsyms)",
                  line_no, line.substr(0, std::min<size_t>(line.size(), 60)));
    const char type = f[1][0];
    if (!is_code(type) && !is_data(type)) continue;
    nonzero = nonzero || addr != 0;
    syms.push_back(Symbol{std::string(f[2]), addr, 0, is_code(type)});
  }
  if (syms.empty()) return fail("no code or data symbols in the map");
  if (!nonzero)
    return fail("every address in the map is 0 (/proc/kallsyms read without privilege?)");
  std::sort(syms.begin(), syms.end(),
            [](const Symbol& x, const Symbol& y) { return x.addr < y.addr; });
  // Each symbol reaches the next higher address; the last one covers only its own.
  for (size_t i = 0; i < syms.size(); ++i) {
    size_t j = i + 1;
    while (j < syms.size() && syms[j].addr == syms[i].addr) ++j;
    if (j < syms.size()) syms[i].size = syms[j].addr - syms[i].addr;
  }
  return SymbolTable::from(std::move(syms));
}

Result<SymbolTable> load_kernel_symbols(const std::string& path) {
  const std::string bytes = STRATA_TRY(elf::read_file(path));
  if (bytes.starts_with("\x7f"
                        "ELF")) {
    auto t = SymbolTable::parse(bytes);
    if (!t) return fail("{}: {}", path, t.error().message);
    return t;
  }
  auto t = parse_system_map(bytes);
  if (!t) return fail("{}: {}", path, t.error().message);
  return t;
}

}  // namespace strata::monitor

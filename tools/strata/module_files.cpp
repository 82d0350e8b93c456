#include "tools/strata/module_files.hpp"

#include <filesystem>

#include "assembler/assembler.hpp"
#include "isa/sbc_format.hpp"
#include "stdlib/stdlib.hpp"

namespace strata::cli {

namespace fs = std::filesystem;

static bool is_sasm(std::string_view path) {
  return path.ends_with(".sasm");
}

Result<isa::Module> load_module_file(const std::string& path) {
  std::string bytes = STRATA_TRY(read_file(path));
  if (is_sasm(path)) return as::assemble(bytes, path);
  auto m = isa::read_sbc(bytes);
  if (!m) return fail("{}: {}", path, m.error().message);
  return m;
}

Result<isa::Module> resolve_module(std::string_view name, std::string_view importer_path) {
  fs::path dir = fs::path(importer_path).parent_path();
  for (const char* ext : {".sasm", ".sbc"}) {
    fs::path candidate = dir / (std::string(name) + ext);
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return load_module_file(candidate.string());
  }
  if (auto text = stdlib::sasm_source(name))
    return as::assemble(*text, fmt::format("<stdlib>/{}.sasm", name));
  return fail("no module '{}' (looked for {}.sasm and {}.sbc in '{}', and in the stdlib)", name,
              name, name, dir.empty() ? "." : dir.string());
}

}  // namespace strata::cli

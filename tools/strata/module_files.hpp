// Reading modules from files for the CLI: `.sasm` is assembled in memory, anything else is read
// as `.sbc`. Imports of SVI modules resolve next to the importing file, then in the stdlib.
#pragma once

#include <string>
#include <string_view>

#include "isa/error.hpp"
#include "isa/module.hpp"
#include "tools/strata/file_bytes.hpp"

namespace strata::cli {

Result<isa::Module> load_module_file(const std::string& path);
// The resolver the VM calls for an import of a module that is not a native module.
Result<isa::Module> resolve_module(std::string_view name, std::string_view importer_path);

}  // namespace strata::cli

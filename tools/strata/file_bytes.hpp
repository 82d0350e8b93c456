// A whole file into one string, for the CLI's inputs (modules, kernels, initrds, firmware).
#pragma once

#include <string>

#include "isa/error.hpp"

namespace strata::cli {

// The file's bytes, read straight into the string's own buffer: a regular file's size is known
// up front, so a 31 MB kernel is one allocation and one copy from the page cache (a string
// stream grew and copied it three times). Files whose size the kernel does not report (pipes,
// /proc) are read to their end all the same.
Result<std::string> read_file(const std::string& path);

}  // namespace strata::cli

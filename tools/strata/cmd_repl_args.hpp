// The command line shared by `strata run PROGRAM.elf` and `strata repl run PROGRAM.elf`:
// options (--jit, --stats, --sysroot, --gdb tcp:HOST:PORT), then the program and its arguments.
#pragma once

#include <string>
#include <string_view>

#include "jit/rv64/runner.hpp"
#include "tools/strata/cli.hpp"

namespace strata::cli {

struct Rv64Args {
  jit::rv64::RunOptions run;
  std::string gdb;  // --gdb SPEC, or empty
};

// Fills *out from `args`. Returns 0, or the exit code after printing a usage error.
int parse_rv64_args(Args args, std::string_view usage, Rv64Args* out);

}  // namespace strata::cli

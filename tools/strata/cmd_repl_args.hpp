// The command lines of the monitor. RV64 (shared by `strata run PROGRAM.elf` and `strata repl
// run PROGRAM.elf`): options (--jit, --stats, --sysroot, --gdb tcp:HOST:PORT), then the program
// and its arguments. SVI (`strata repl run PROG.sasm|PROG.sbc`): the limits of `strata run`
// (--fuel, --mem-cap, --heap-cap, --max-depth) and --jit, then the program and its arguments.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "jit/rv64/runner.hpp"
#include "tools/strata/cli.hpp"
#include "vm/limits.hpp"

namespace strata::cli {

struct Rv64Args {
  jit::rv64::RunOptions run;
  std::string gdb;      // --gdb SPEC, or empty
  std::string monitor;  // --monitor unix:PATH (strata run only), or empty
};

// Fills *out from `args`. Returns 0, or the exit code after printing a usage error.
int parse_rv64_args(Args args, std::string_view usage, Rv64Args* out);

struct SviArgs {
  vm::Limits limits;
  std::string jit;  // the --jit=MODE given (the debugger interprets everything), or empty
  std::string path;
  std::vector<std::string> program_args;
};

// As parse_rv64_args, for an SVI program.
int parse_svi_args(Args args, std::string_view usage, SviArgs* out);

}  // namespace strata::cli

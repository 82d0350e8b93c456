// The monitor's commands: `strata repl run PROGRAM.elf` (the REPL over a stopped guest) and the
// --gdb session of `strata run PROGRAM.elf`. docs/REPL.md describes both.
#pragma once

#include "jit/rv64/runner.hpp"
#include "tools/strata/cli.hpp"
#include "tools/strata/cmd_repl_args.hpp"

namespace strata::cli {

// `strata repl run [OPTIONS] PROGRAM [ARGS...]`. Returns 0 after quit or end of input, or a
// usage/load exit code.
int cmd_repl(Args args);

// Runs the program of `a` under a gdb session on `a.gdb` (waiting for gdb before the first
// instruction), then on to its end if gdb detaches. Killed by gdb: the guest dies of SIGKILL.
Result<jit::rv64::GuestExit> run_rv64_with_gdb(const Rv64Args& a);

// Runs the program of `a` to its end with a monitor socket at `a.monitor` (strata repl attach).
// A SIGINT, SIGTERM or SIGHUP ends it as if the guest had died of that signal.
Result<jit::rv64::GuestExit> run_rv64_with_monitor(const Rv64Args& a);

}  // namespace strata::cli

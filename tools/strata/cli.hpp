// The strata command line: one binary, one subcommand per job. Each subcommand is a function
// taking its own arguments (after the subcommand name) and returning the process exit code.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace strata::cli {

// Exit codes of strata itself (a program run by `strata run` exits with its own code).
inline constexpr int kExitUsage = 2;  // bad command line
inline constexpr int kExitLoad = 1;   // unreadable file, assembly, verification or link error
inline constexpr int kExitTrap = 70;  // the program trapped (EX_SOFTWARE)

using Args = std::span<const std::string>;

int cmd_run(Args args);
int cmd_asm(Args args);
int cmd_disasm(Args args);
int cmd_verify(Args args);
int cmd_boot(Args args);

// True when args has -h or --help before any positional argument; prints `usage` then.
bool wants_help(Args args, std::string_view usage);
// The first positional argument of `run`/`repl run` (the program), skipping the values of the
// options that take one; null if there is none.
const std::string* program_arg(Args args);
// Prints "strata: <message>" and the usage hint to stderr; returns kExitUsage.
int usage_error(std::string_view message, std::string_view usage);

}  // namespace strata::cli

// strata run for RISC-V programs: an RV64 Linux ELF executable run by jit/rv64's runner.
#pragma once

#include <string>
#include <string_view>

#include "tools/strata/cli.hpp"

namespace strata::cli {

// True when the file at `path` starts with the ELF magic (false if it cannot be read).
bool is_elf_file(const std::string& path);

// `strata run [OPTIONS] PROGRAM [ARGS...]` for an ELF PROGRAM; `usage` is strata run's text.
// Returns the guest's exit status; a guest killed by a signal kills this process by the same
// signal (so a parent shell sees the same death as natively) and does not return.
int cmd_run_rv64(Args args, std::string_view usage);

}  // namespace strata::cli

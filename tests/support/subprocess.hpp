// Runs a command for integration tests and captures what it did.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace strata::test {

struct ProcessResult {
  int exit_code = -1;  // exit status, or 128 + signal number if killed by a signal
  std::string out;
  std::string err;
};

// Runs argv[0] with argv (no shell), feeding `input` on stdin; kills it after timeout_s.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input = "",
                          int timeout_s = 120);

// Waits up to timeout_ms for child `pid` to end: its raw wait status, or nullopt after killing
// it (SIGKILL) and reaping it when it did not end in time.
std::optional<int> wait_or_kill(pid_t pid, int timeout_ms);

// Path of the built strata binary (build/strata).
std::string strata_binary();
// Path inside the source tree.
std::string source_path(const std::string& relative);

}  // namespace strata::test

// Runs a command and keeps its raw wait status, so that death by a signal (WIFSIGNALED,
// WTERMSIG) stays distinct from an exit code such as 134 (tests/support/subprocess.hpp folds
// the two together as 128 + signal).
#pragma once

#include <string>
#include <vector>

namespace strata::test {

struct RawResult {
  int status = 0;          // as from waitpid
  bool timed_out = false;  // killed (SIGKILL) after the timeout
  bool exec_failed = false;
  std::string out, err;
};

// Runs argv (no shell) in a new process group with `input` on stdin and core dumps disabled;
// kills the whole group after timeout_s seconds.
RawResult run_raw(const std::vector<std::string>& argv, const std::string& input, int timeout_s);

// "exit 3", "signal 6 (Aborted)", "timeout", "exec failed".
std::string describe_status(const RawResult& r);

}  // namespace strata::test

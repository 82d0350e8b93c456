// Drives `strata repl run PROG` through a pipe the way a person at a terminal stops a guest
// that never ends: `continue`, then Ctrl-C (SIGINT) while it runs, then more commands. Shared
// by the REPL tests of every backend.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "tests/support/subprocess.hpp"

namespace strata::test {

struct InterruptedRepl {
  bool exited = false;  // false: it did not end within the time limit and was killed
  int exit_code = -1;
  std::string out;  // stdout and stderr together, in order
};

// Starts `strata repl run PROG`, sends "continue", sends SIGINT after `run_ms`, then `after`
// (commands, ending with "quit\n"), and waits up to `timeout_s` for the REPL to end.
inline InterruptedRepl interrupt_running_repl(const std::string& prog, int run_ms,
                                              const std::string& after, int timeout_s) {
  InterruptedRepl r;
  const std::string out_path = prog + ".repl.out";
  int in[2];
  if (pipe(in) != 0) return r;
  const pid_t pid = fork();
  if (pid == 0) {
    const int o = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(in[0], 0);
    dup2(o, 1);
    dup2(o, 2);
    close(in[1]);
    const std::string bin = strata_binary();
    execl(bin.c_str(), bin.c_str(), "repl", "run", prog.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(in[0]);
  auto say = [&](const std::string& s) {
    return write(in[1], s.data(), s.size()) == static_cast<ssize_t>(s.size());
  };
  say("continue\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(run_ms));
  kill(pid, SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  say(after);
  close(in[1]);
  int status = 0;
  for (int i = 0; i < timeout_s * 10 && waitpid(pid, &status, WNOHANG) != pid; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (!WIFEXITED(status)) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  std::ifstream f(out_path);
  r.out.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  std::remove(out_path.c_str());
  r.exited = WIFEXITED(status);
  r.exit_code = r.exited ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace strata::test

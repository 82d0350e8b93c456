#include "tools/strata/cmd_run_rv64.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>

#include <fmt/format.h>

#include "jit/rv64/runner.hpp"
#include "tools/strata/cmd_repl.hpp"

namespace strata::cli {

namespace {

// Dies of `sig` as the guest did: default action, no core file of strata itself, the signal
// unblocked. Returns only if the signal does not kill (then 128 + sig, the shell's convention).
int die_of(int sig) {
  std::fflush(stdout);
  std::fflush(stderr);
  // Raising a stop signal would suspend strata rather than end it.
  if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) return 128 + sig;
  std::signal(sig, SIG_DFL);
  const rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  raise(sig);
  return 128 + sig;
}

}  // namespace

bool is_elf_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char magic[4] = {};
  if (!f.read(magic, sizeof magic)) return false;
  return magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
}

int cmd_run_rv64(Args args, std::string_view usage) {
  Rv64Args a;
  if (int rc = parse_rv64_args(args, usage, &a)) return rc;
  auto r = !a.gdb.empty()       ? run_rv64_with_gdb(a)
           : !a.monitor.empty() ? run_rv64_with_monitor(a)
                                : jit::rv64::run_rv64(a.run);
  std::fflush(stdout);
  if (!r) {
    fmt::print(stderr, "strata: {}\n", r.error().message);
    return kExitLoad;
  }
  if (r->kind == jit::rv64::GuestExit::Kind::Signaled) return die_of(r->status);
  return r->status & 0xff;
}

}  // namespace strata::cli

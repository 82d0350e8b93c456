#include "jit/rv64/runner.hpp"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <string_view>

#include "jit/rv64/rv64_vcpu.hpp"

namespace strata::jit::rv64 {

namespace {

void diag(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a closed diag fd loses the note, nothing more
    text.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

Result<GuestExit> run_rv64(const RunOptions& opts) {
  auto vcpu = STRATA_TRY(Rv64Vcpu::create(opts));
  // Without breakpoints or a step count the only other stops are request_stop(), which nothing
  // calls here; the loop covers one anyway rather than report a half-run guest as exited.
  Result<vm::StopReason> stop;
  do {
    stop = vcpu->run(vm::RunLimit{});
    if (!stop) return tl::unexpected(stop.error());
  } while (!stop->ended());

  if (opts.stats) {
    std::fflush(stdout);
    diag(opts.process.diag_fd, vcpu->stats());
  }
  if (stop->kind == vm::StopReason::Kind::Signaled)
    return GuestExit{GuestExit::Kind::Signaled, stop->code};
  return GuestExit{GuestExit::Kind::Exited, stop->code};
}

}  // namespace strata::jit::rv64

#include "tools/strata/monitor/monitored_run.hpp"

#include <atomic>
#include <csignal>

#include <fmt/format.h>

#include "tools/strata/monitor/repl.hpp"

namespace strata::monitor {

namespace {

std::atomic<vm::Vcpu*> g_cpu{nullptr};
std::atomic<int> g_signal{0};

extern "C" void on_monitored_run_signal(int sig) {
  g_signal.store(sig);
  if (vm::Vcpu* cpu = g_cpu.load()) cpu->request_stop();
}

// The signals that end a `strata boot` run end this one too, after the guest is stopped at a
// unit boundary (so the socket file is removed on the way out).
class StopSignals {
 public:
  explicit StopSignals(vm::Vcpu& cpu) {
    g_signal.store(0);
    g_cpu.store(&cpu);
    struct sigaction sa {};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_monitored_run_signal;
    sa.sa_flags = SA_RESTART;
    for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &sa, &old_[i]);
  }
  ~StopSignals() {
    for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &old_[i], nullptr);
    g_cpu.store(nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  static constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};
  struct sigaction old_[3]{};
};

// One client's REPL over the stopped (or ended) guest, until it detaches or leaves.
void serve_session(const MonitoredGuest& g, MonitorServer& server, const vm::StopReason* end) {
  Repl repl(g.cpu, g.syms, server.out(), server.err());
  repl.set_attached(true);
  if (g.cfi != nullptr) repl.set_call_frames(g.cfi);
  bool guest_ended = end != nullptr;
  repl.set_run_hook([&](const vm::StopReason* r) {
    if (r == nullptr) {
      server.run_started();
      return;
    }
    if (r->ended() || r->kind == vm::StopReason::Kind::Fault) guest_ended = true;
    // The client's `stop` came after the run had ended by itself (a breakpoint): the request
    // is still pending, and would cut the next `continue` short. A run with a pending stop
    // returns Stopped before executing anything (vm/vcpu.hpp), which takes the request back
    // (the step limit only bounds what a backend breaking that rule could do).
    if (server.run_ended() && r->kind != vm::StopReason::Kind::Stopped && !guest_ended)
      (void)g.cpu.run(vm::RunLimit{1});
  });
  std::FILE* out = server.out();
  fmt::print(out, "strata repl: attached to {} ({}), ", g.name, g.cpu.arch());
  if (end != nullptr) {
    fmt::print(out, "which has ended\n");
    repl.print_stop(*end);
  } else {
    fmt::print(out, "stopped at ");
    repl.print_here();
  }
  std::fflush(out);
  server.ready();
  while (auto line = server.next_line()) {
    const bool more = repl.execute(*line);
    if (g.after_command) g.after_command();
    if (!more) break;
    server.ready();
  }
  const size_t points = repl.clear_points();
  fmt::print(out, "detached{}: {}\n",
             points == 0 ? "" : fmt::format(" ({} breakpoints and watchpoints deleted)", points),
             guest_ended ? "the guest has ended" : "the guest runs on");
  std::fflush(out);
  server.end_session();
}

}  // namespace

Result<MonitoredEnd> run_monitored(const MonitoredGuest& g, MonitorServer& server) {
  StopSignals signals(g.cpu);
  for (;;) {
    if (const int sig = g_signal.load(); sig != 0)
      return MonitoredEnd{vm::StopReason{vm::StopReason::Kind::Stopped, 0, g.cpu.pc(), ""}, sig};
    const vm::StopReason r = STRATA_TRY(g.cpu.run(vm::RunLimit{}));
    const bool asked = server.take_stop_request();
    if (r.ended() || r.kind == vm::StopReason::Kind::Fault) {
      if (server.has_client()) serve_session(g, server, &r);
      return MonitoredEnd{r, 0};
    }
    if (g_signal.load() != 0) continue;
    if (server.has_client()) {
      serve_session(g, server, nullptr);
      continue;
    }
    // A client that left before its session began, or a breakpoint that outlived a session
    // (they are deleted at detach): the guest goes on.
    if (r.kind == vm::StopReason::Kind::Stopped && !asked) return MonitoredEnd{r, 0};
  }
}

}  // namespace strata::monitor

// The run loop of a guest started with `--monitor unix:PATH`: the guest runs as it would
// without the monitor, and whenever a client attaches (monitor_server.hpp) the loop stops it and
// serves that client a REPL session on this thread, the one that drives the Vcpu.
#pragma once

#include <functional>
#include <string_view>

#include "isa/error.hpp"
#include "tools/strata/monitor/eh_frame.hpp"
#include "tools/strata/monitor/elf_symbols.hpp"
#include "tools/strata/monitor/monitor_server.hpp"
#include "vm/vcpu.hpp"

namespace strata::monitor {

struct MonitoredEnd {
  // Ended, Fault, or a Stopped nobody at the monitor asked for (the caller knows who did: a
  // console's quit key...).
  vm::StopReason stop;
  int signal = 0;  // SIGINT, SIGTERM or SIGHUP ended the run (stop is then Stopped)
};

struct MonitoredGuest {
  vm::Vcpu& cpu;
  const SymbolTable& syms;
  std::string_view name;                // the guest's file, as the REPL's first line names it
  std::function<void()> after_command;  // a console flush, or empty
  const CallFrameInfo* cfi = nullptr;   // an RV64 program's unwind tables, for `bt`
};

// Runs the guest to its end, serving every client that attaches in between. SIGINT, SIGTERM and
// SIGHUP stop it (MonitoredEnd::signal) while this runs.
Result<MonitoredEnd> run_monitored(const MonitoredGuest& g, MonitorServer& server);

}  // namespace strata::monitor

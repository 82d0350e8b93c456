// `strata repl attach unix:PATH`: the REPL of a guest running in another strata process
// (`strata boot --monitor unix:PATH`), spoken over its monitor socket (attach_protocol.hpp).
// Commands come from stdin as for `strata repl` (a terminal with line editing, or plain lines);
// while a `continue` runs, `stop` (or Ctrl-C) stops the guest and other lines wait their turn.
#pragma once

#include <string>

namespace strata::monitor {

// The exit code: 0 after detaching, 1 when there is no monitor to attach to, it is busy, or it
// went away during the session.
int attach_monitor(const std::string& path);

}  // namespace strata::monitor

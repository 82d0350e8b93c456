// What `strata repl attach` and the monitor socket of `strata boot --monitor` say to each
// other (docs/REPL.md, "Attaching to a running guest").
//
// Client -> monitor: command lines, as typed. `stop` sent while a run is in progress stops it;
// every other line waits for the REPL.
// Monitor -> client, one frame at a time:
//   "O LEN\n" + LEN bytes   REPL output, for the client's stdout
//   "E LEN\n" + LEN bytes   REPL errors, for the client's stderr
//   "R\n"                   a run started: the guest runs until it stops (a `stop` works now)
//   "P\n"                   the command is done: the monitor waits for the next one
// A second client gets the one line "monitor busy\n" and is closed. Detaching (`detach`,
// `quit`, or closing the connection) ends with the monitor closing the socket.
#pragma once

#include <string_view>

namespace strata::monitor::attach {

inline constexpr std::string_view kBusy = "monitor busy";

}  // namespace strata::monitor::attach

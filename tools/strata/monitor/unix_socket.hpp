// The monitor socket's addresses ("unix:PATH"): listening for `strata boot --monitor` and
// connecting for `strata repl attach`.
#pragma once

#include <string>
#include <string_view>

#include "isa/error.hpp"

namespace strata::monitor {

// "unix:PATH" -> PATH; an error naming what is wrong with the spec.
Result<std::string> unix_socket_path(std::string_view spec);

// A listening socket at `path`. A stale socket file (nobody listening) is replaced; a socket
// someone listens on, or a file that is not a socket, is an error that says so.
Result<int> listen_unix(const std::string& path);

// A connected socket to `path`, or an error saying why (nothing there, not a socket, refused).
Result<int> connect_unix(const std::string& path);

}  // namespace strata::monitor

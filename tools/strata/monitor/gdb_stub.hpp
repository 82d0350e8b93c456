// The gdb remote stub: serves one gdb (or gdb-multiarch) connection over TCP for any vm::Vcpu.
//
// What it speaks (docs/REPL.md): qSupported (PacketSize, QStartNoAckMode,
// qXfer:features:read), a target.xml built from the vcpu's register list (x86: the architecture
// only, for gdb's built-in amd64 layout up to gs, rip being the linear pc), ?, g/G, p/P, m/M,
// c/s (and vCont c/s), Z0/z0 and Z1/z1 (software and "hardware" breakpoints are the same vcpu
// breakpoints; on KVM the debug registers), Ctrl-C while running, k, D, qAttached, thread queries
// for its one thread, T05 stop replies, W/X when the guest ends. Watchpoints (Z2..Z4) and the
// binary X packet are not offered, so gdb falls back to what is.
#pragma once

#include <cstdio>
#include <optional>
#include <string_view>

#include "isa/error.hpp"
#include "vm/vcpu.hpp"

namespace strata::monitor {

struct GdbSessionEnd {
  enum class Kind {
    Detached,    // gdb detached (D) or closed the connection: the guest may run on
    Killed,      // gdb killed the guest (k)
    GuestEnded,  // the guest exited or was killed while gdb watched
  };
  Kind kind = Kind::Detached;
  std::optional<vm::StopReason> end;  // GuestEnded: how
};

// Listens on `spec` ("tcp:HOST:PORT"), says where on `log`, accepts one connection and serves it
// until gdb detaches, kills, or disconnects. Breakpoints gdb left are removed at the end.
Result<GdbSessionEnd> serve_gdb(vm::Vcpu& cpu, std::string_view spec, std::FILE* log);

}  // namespace strata::monitor

// Trap kinds as text and the CLI's trap report.
#include "vm/trap.hpp"

#include <fmt/format.h>

namespace strata::vm {

std::string_view to_string(TrapKind k) {
  switch (k) {
    case TrapKind::Explicit: return "explicit trap";
    case TrapKind::DivideByZero: return "integer divide by zero";
    case TrapKind::MemoryOutOfBounds: return "out of bounds memory access";
    case TrapKind::IndexOutOfBounds: return "index out of bounds";
    case TrapKind::NullReference: return "null reference";
    case TrapKind::TypeMismatch: return "type mismatch";
    case TrapKind::StackOverflow: return "stack overflow";
    case TrapKind::OutOfFuel: return "out of fuel";
    case TrapKind::OutOfMemory: return "out of memory";
    case TrapKind::HostError: return "host error";
    case TrapKind::Interrupted: return "interrupted";
  }
  return "unknown trap";
}

// Marker in TraceFrame::source for the frame of a native function (it has no pc or line).
inline constexpr std::string_view kNativeSource = "<native>";

std::string format_frame(const TraceFrame& f) {
  std::string out = fmt::format("{} (", f.function);
  if (f.source == kNativeSource) {
    out += "native";
  } else if (!f.source.empty() && f.line != 0) {
    fmt::format_to(std::back_inserter(out), "{}:{}, pc {}", f.source, f.line, f.pc);
  } else if (!f.source.empty()) {
    fmt::format_to(std::back_inserter(out), "{}, pc {}", f.source, f.pc);
  } else if (f.line != 0) {
    fmt::format_to(std::back_inserter(out), "line {}, pc {}", f.line, f.pc);
  } else {
    fmt::format_to(std::back_inserter(out), "pc {}", f.pc);
  }
  out += ')';
  return out;
}

std::string format_trap(const Trap& t) {
  std::string out = fmt::format("trap: {}", to_string(t.kind));
  if (!t.message.empty()) fmt::format_to(std::back_inserter(out), ": {}", t.message);
  out += '\n';
  for (const TraceFrame& f : t.trace) out += "  at " + format_frame(f) + "\n";
  return out;
}

}  // namespace strata::vm

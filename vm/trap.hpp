// Traps: guest faults as data. A trap unwinds the SVI stack to the host with its kind, message
// and a stack trace (innermost frame first); it is never a C++ exception.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata::vm {

enum class TrapKind : uint8_t {
  Explicit,  // the `trap` instruction
  DivideByZero,
  MemoryOutOfBounds,  // linear memory access outside [0, size)
  IndexOutOfBounds,   // array or string index outside [0, len)
  NullReference,
  TypeMismatch,   // object of another kind or struct type; calli signature mismatch
  StackOverflow,  // call-depth limit
  OutOfFuel,      // fuel limit
  OutOfMemory,    // heap or memory cap
  HostError,      // a native raised an error it cannot return as a value
  Interrupted,    // the host asked the program to stop (Program::request_stop)
};

std::string_view to_string(TrapKind k);  // "out of bounds memory access", ...

struct TraceFrame {
  std::string module;
  std::string function;
  uint32_t pc = 0;     // word index of the instruction in the function
  uint32_t line = 0;   // 0 when the module has no debug line for pc
  std::string source;  // source file, may be empty
};

struct Trap {
  TrapKind kind = TrapKind::Explicit;
  std::string message;            // detail, e.g. "index 10 out of bounds for length 4"
  std::vector<TraceFrame> trace;  // innermost first
};

// "trap: <kind>: <message>\n  at fn (file:line, pc N)\n  ...\n" as the CLI prints it (": <message>"
// only when there is one; a native's own frame prints as "  at std.io.print (native)").
// Every line ends with '\n'.
std::string format_trap(const Trap& t);
// One frame as format_trap writes it after "  at ": "fib (fib.sasm:16, pc 5)".
std::string format_frame(const TraceFrame& f);

}  // namespace strata::vm

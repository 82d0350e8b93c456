// The native function interface: how SVI code calls C++ (the stdlib's natives, device
// services). A native is declared with its module, name and SVI signature; the linker resolves
// a module's imports against the registry by (module, name) and checks the signature.
//
// Contract for a native:
//   * `args` holds one Value per parameter, typed as the signature says (a ref may be null);
//     `*result` must be set when the signature has a result.
//   * Recoverable errors are values (e.g. a negative errno); only a broken contract (a null or
//     a wrong kind of object where one is required) calls cx.trap() and returns at once.
//   * A native never throws: exceptions must not cross into the interpreter or JIT frames.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "vm/outstream.hpp"
#include "vm/trap.hpp"
#include "vm/value.hpp"

namespace strata::vm {

class LinearMemory;

class NativeContext {
 public:
  virtual ~NativeContext() = default;
  // Raise a trap; the native must return right after. The message becomes Trap::message.
  virtual void trap(TrapKind kind, std::string message) = 0;
  // End the whole program with this exit code once the native returns (std.sys.exit).
  virtual void exit(int64_t code) = 0;
  // Program arguments as given after the program file on the command line.
  virtual std::span<const std::string> args() const = 0;
  virtual OutStream& out() = 0;
  virtual OutStream& err() = 0;
  // The calling module instance's linear memory, or nullptr if it has none.
  virtual LinearMemory* memory() = 0;
  // The embedder's pointer given in LoadOptions::user_data (nullptr by default): how a native
  // bound per instance (a device model's host services) finds the object it serves.
  virtual void* user_data() const { return nullptr; }
};

using NativeFn = void (*)(NativeContext& cx, const Value* args, Value* result);

struct NativeDef {
  std::string_view module;     // e.g. "std.io"
  std::string_view name;       // e.g. "print_i64"
  std::string_view signature;  // in assembler syntax, e.g. "(i64) -> void", "(ref, i64) -> ref"
  NativeFn fn;
  std::string_view doc;  // one line, shown by `strata natives` and the docs
};

}  // namespace strata::vm

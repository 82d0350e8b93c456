// The NativeContext the Program gives to natives, plus the state the interpreter reads back
// after each host call (a trap or exit the native requested).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "vm/instance.hpp"
#include "vm/native.hpp"
#include "vm/outstream.hpp"

namespace strata::vm {

class HostContext final : public NativeContext {
 public:
  enum class Pending : uint8_t { None, Trap, Exit };

  HostContext(int out_fd, int err_fd) : out_(out_fd), err_(err_fd) {}

  void trap(TrapKind kind, std::string message) override {
    // The first request wins: a native that traps and then exits still traps.
    if (pending != Pending::None) return;
    pending = Pending::Trap;
    trap_kind = kind;
    trap_message = std::move(message);
  }
  void exit(int64_t code) override {
    if (pending != Pending::None) return;
    pending = Pending::Exit;
    exit_code = code;
  }
  std::span<const std::string> args() const override { return argv; }
  OutStream& out() override { return out_; }
  OutStream& err() override { return err_; }
  LinearMemory* memory() override {
    if (!caller) return nullptr;
    const isa::Memory& m = caller->module.memory;
    return (m.initial > 0 || m.max > 0) ? &caller->memory : nullptr;
  }

  void* user_data() const override { return user_data_ptr; }

  void flush_all() {
    out_.flush();
    err_.flush();
  }

  // Written by natives (through the interface above), read and cleared by the interpreter.
  Pending pending = Pending::None;
  TrapKind trap_kind = TrapKind::HostError;
  std::string trap_message;
  int64_t exit_code = 0;
  // The instance whose code is making the host call (memory() is its memory).
  Instance* caller = nullptr;
  std::vector<std::string> argv;
  void* user_data_ptr = nullptr;  // LoadOptions::user_data

 private:
  OutStream out_;
  OutStream err_;
};

}  // namespace strata::vm

// A NativeContext for calling natives directly: it records traps and exit codes, and captures
// stdout/stderr in memory files that the test reads back.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stdlib/stdlib.hpp"
#include "vm/heap.hpp"
#include "vm/native.hpp"

namespace strata::stdlib::test {

struct TrapRecord {
  vm::TrapKind kind;
  std::string message;
};

class FakeContext : public vm::NativeContext {
 public:
  FakeContext();
  ~FakeContext() override;

  void trap(vm::TrapKind kind, std::string message) override;
  void exit(int64_t code) override { exit_code = code; }
  std::span<const std::string> args() const override { return argv; }
  vm::OutStream& out() override { return *out_; }
  vm::OutStream& err() override { return *err_; }
  vm::LinearMemory* memory() override { return nullptr; }

  // Calls std `module`.`name` with these arguments (the test fails if it does not exist).
  // Clears the previous trap first. The result slot starts as a recognisable garbage value.
  vm::Value call(std::string_view module, std::string_view name,
                 std::initializer_list<vm::Value> args);

  // Everything written to stdout / stderr so far (flushes first).
  std::string out_text();
  std::string err_text();

  std::optional<TrapRecord> trapped;  // the last trap, if the last call trapped
  int traps = 0;                      // traps raised during the last call (must stay <= 1)
  std::optional<int64_t> exit_code;
  std::vector<std::string> argv;

 private:
  int out_fd_, err_fd_;
  vm::OutStream* out_;
  vm::OutStream* err_;
};

inline constexpr uint64_t kGarbage = 0xdeadbeefcafef00dull;

// Values for arguments.
inline vm::Value I(int64_t v) {
  return vm::Value::from_i(v);
}
inline vm::Value F(double v) {
  return vm::Value::from_f(v);
}
inline vm::Value R(vm::Object* o) {
  return vm::Value::from_r(o);
}
inline vm::Value null_ref() {
  return vm::Value::from_r(nullptr);
}
vm::Value S(std::string_view text);  // a new heap string

// The bytes of a string result ("<null>" for null; "<not a string>" otherwise).
std::string text(vm::Value v);

}  // namespace strata::stdlib::test

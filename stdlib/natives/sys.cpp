// std.sys: program arguments, exit, environment.
#include <cstdlib>
#include <cstring>

#include "stdlib/natives/common.hpp"
#include "stdlib/natives/tables.hpp"

namespace strata::stdlib {
namespace {

void argc(NativeContext& cx, const Value*, Value* r) {
  *r = Value::from_i(static_cast<int64_t>(cx.args().size()));
}

void arg(NativeContext& cx, const Value* a, Value* r) {
  auto args = cx.args();
  // GUEST: any i64; out of range is "absent", not a broken contract.
  if (a[0].i < 0 || static_cast<uint64_t>(a[0].i) >= args.size()) {
    *r = Value::from_r(nullptr);
    return;
  }
  return_string(cx, "std.sys.arg", args[static_cast<size_t>(a[0].i)], r);
}

void exit(NativeContext& cx, const Value* a, Value*) {
  cx.out().flush();
  cx.err().flush();
  cx.exit(a[0].i);
}

void getenv(NativeContext& cx, const Value* a, Value* r) {
  vm::String* name = want_string(cx, "std.sys.getenv", a[0], 1);
  if (!name) return;
  *r = Value::from_r(nullptr);
  if (std::memchr(name->data, '\0', name->len)) return;  // no such variable can exist
  const char* v = std::getenv(name->data);
  if (v) return_string(cx, "std.sys.getenv", v, r);
}

constexpr vm::NativeDef kNatives[] = {
    {"std.sys", "argc", "() -> i64", guarded<argc>, "number of program arguments"},
    {"std.sys", "arg", "(i64) -> ref", guarded<arg>, "argument i, or null if out of range"},
    {"std.sys", "exit", "(i64) -> void", guarded<exit>,
     "flush output and end the program with a code"},
    {"std.sys", "getenv", "(ref) -> ref", guarded<getenv>,
     "an environment variable, or null if unset"},
};

}  // namespace

std::span<const vm::NativeDef> sys_natives() {
  return kNatives;
}

}  // namespace strata::stdlib

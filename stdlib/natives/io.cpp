// std.io: console output through the context's buffered streams, line input from stdin.
#include <string>

#include <fmt/format.h>

#include "stdlib/natives/common.hpp"
#include "stdlib/natives/numfmt.hpp"
#include "stdlib/natives/stdin.hpp"
#include "stdlib/natives/tables.hpp"

namespace strata::stdlib {
namespace {

void print_to(NativeContext& cx, vm::OutStream& out, std::string_view fn, Value s_arg,
              bool newline) {
  vm::String* s = want_string(cx, fn, s_arg, 1);
  if (!s) return;
  out.write(s->view());
  if (newline) out.put('\n');
}

void print(NativeContext& cx, const Value* a, Value*) {
  print_to(cx, cx.out(), "std.io.print", a[0], false);
}
void println(NativeContext& cx, const Value* a, Value*) {
  print_to(cx, cx.out(), "std.io.println", a[0], true);
}
void eprint(NativeContext& cx, const Value* a, Value*) {
  print_to(cx, cx.err(), "std.io.eprint", a[0], false);
}
void eprintln(NativeContext& cx, const Value* a, Value*) {
  print_to(cx, cx.err(), "std.io.eprintln", a[0], true);
}

void print_i64(NativeContext& cx, const Value* a, Value*) {
  cx.out().write(format_i64(a[0].i));
}
void println_i64(NativeContext& cx, const Value* a, Value*) {
  std::string text = format_i64(a[0].i);
  text.push_back('\n');
  cx.out().write(text);
}

void print_f64(NativeContext& cx, const Value* a, Value*) {
  if (a[1].i > kMaxPrecision) {
    cx.trap(vm::TrapKind::HostError,
            fmt::format("std.io.print_f64: precision {} exceeds {}", a[1].i, kMaxPrecision));
    return;
  }
  std::string text;
  format_f64(a[0].f, a[1].i, text);
  cx.out().write(text);
}

void print_char(NativeContext& cx, const Value* a, Value*) {
  char c = static_cast<char>(a[0].i & 0xff);
  cx.out().put(c);
}

void newline(NativeContext& cx, const Value*, Value*) {
  cx.out().put('\n');
}

void write_bytes(NativeContext& cx, const Value* a, Value*) {
  constexpr std::string_view kFn = "std.io.write_bytes";
  vm::Array* b = want_array(cx, kFn, a[0], 1, vm::ObjKind::ArrayU8);
  if (!b || !check_range(cx, kFn, b->len, a[1].i, a[2].i)) return;
  cx.out().write(
      std::string_view(static_cast<const char*>(b->data) + a[1].i, static_cast<size_t>(a[2].i)));
}

void read_line(NativeContext& cx, const Value*, Value* r) {
  // An interactive program's prompt must be visible before it waits for the answer.
  if (cx.out().line_buffered()) cx.out().flush();
  std::string line;
  bool oom = false;
  if (!stdin_read_line(line, &oom)) {
    if (oom) {
      trap_oom(cx, "std.io.read_line");
      return;
    }
    *r = Value::from_r(nullptr);
    return;
  }
  return_string(cx, "std.io.read_line", line, r);
}

void flush(NativeContext& cx, const Value*, Value*) {
  cx.out().flush();
  cx.err().flush();
}

constexpr vm::NativeDef kNatives[] = {
    {"std.io", "print", "(ref) -> void", guarded<print>, "write a string to stdout"},
    {"std.io", "println", "(ref) -> void", guarded<println>,
     "write a string and a newline to stdout"},
    {"std.io", "print_i64", "(i64) -> void", guarded<print_i64>, "write an integer in decimal"},
    {"std.io", "println_i64", "(i64) -> void", guarded<println_i64>,
     "write an integer and a newline"},
    {"std.io", "print_f64", "(f64, i64) -> void", guarded<print_f64>,
     "write a float like %.*f; prec < 0: shortest round-trip text"},
    {"std.io", "print_char", "(i64) -> void", guarded<print_char>, "write one byte"},
    {"std.io", "newline", "() -> void", guarded<newline>, "write a newline"},
    {"std.io", "eprint", "(ref) -> void", guarded<eprint>, "write a string to stderr"},
    {"std.io", "eprintln", "(ref) -> void", guarded<eprintln>,
     "write a string and a newline to stderr"},
    {"std.io", "write_bytes", "(ref, i64, i64) -> void", guarded<write_bytes>,
     "write bytes [off, off+len) of a byte array to stdout"},
    {"std.io", "read_line", "() -> ref", guarded<read_line>,
     "one line of stdin without its newline; null at end of input"},
    {"std.io", "flush", "() -> void", guarded<flush>, "flush stdout and stderr"},
};

}  // namespace

std::span<const vm::NativeDef> io_natives() {
  return kNatives;
}

}  // namespace strata::stdlib

// std.fmt: numbers to text, and `{}` templates. pad_left/pad_right are SVI code (fmt.sasm).
#include <string>

#include <fmt/format.h>

#include "stdlib/natives/common.hpp"
#include "stdlib/natives/numfmt.hpp"
#include "stdlib/natives/tables.hpp"

namespace strata::stdlib {
namespace {

void fmt_i64(NativeContext& cx, const Value* a, Value* r) {
  return_string(cx, "std.fmt.i64", format_i64(a[0].i), r);
}

void fmt_hex(NativeContext& cx, const Value* a, Value* r) {
  return_string(cx, "std.fmt.hex", format_hex(a[0].i), r);
}

}  // namespace

// Shared with std.str.from_f64, which has the same meaning.
void f64_to_string(NativeContext& cx, std::string_view fn, const Value* a, Value* r) {
  if (a[1].i > kMaxPrecision) {
    cx.trap(vm::TrapKind::HostError,
            fmt::format("{}: precision {} exceeds {}", fn, a[1].i, kMaxPrecision));
    return;
  }
  std::string text;
  format_f64(a[0].f, a[1].i, text);
  return_string(cx, fn, text, r);
}

namespace {

void fmt_f64(NativeContext& cx, const Value* a, Value* r) {
  f64_to_string(cx, "std.fmt.f64", a, r);
}

// Appends the text of one `{}` argument: a string as is, anything else by its kind.
void append_arg(std::string& out, vm::Object* o) {
  if (!o) {
    out += "null";
  } else if (o->kind == vm::ObjKind::String) {
    out += static_cast<vm::String*>(o)->view();
  } else {
    out += '<';
    std::string_view k = kind_name(o->kind);
    out += k.substr(k.find(' ') + 1);  // "an i64 array" -> "i64 array"
    out += '>';
  }
}

void format(NativeContext& cx, const Value* a, Value* r) {
  constexpr std::string_view kFn = "std.fmt.format";
  vm::String* f = want_string(cx, kFn, a[0], 1);
  if (!f) return;
  vm::Array* args = want_array(cx, kFn, a[1], 2, vm::ObjKind::ArrayRef);
  if (!args) return;
  std::string_view t = f->view();
  auto* items = static_cast<vm::Object**>(args->data);
  std::string out;
  uint64_t next = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    bool pair = i + 1 < t.size() && t[i + 1] == c;
    if (c == '{' && i + 1 < t.size() && t[i + 1] == '}') {
      if (next >= args->len) {
        cx.trap(vm::TrapKind::IndexOutOfBounds,
                fmt::format("{}: more {{}} than the {} arguments", kFn, args->len));
        return;
      }
      append_arg(out, items[next++]);
      ++i;
    } else if ((c == '{' || c == '}') && pair) {
      out += c;
      ++i;
    } else if (c == '{' || c == '}') {
      cx.trap(
          vm::TrapKind::HostError,
          fmt::format("{}: lone '{}' at byte {} (write {}{} for a literal one)", kFn, c, i, c, c));
      return;
    } else {
      out += c;
    }
  }
  return_string(cx, kFn, out, r);
}

constexpr vm::NativeDef kNatives[] = {
    {"std.fmt", "i64", "(i64) -> ref", guarded<fmt_i64>, "decimal text of an integer"},
    {"std.fmt", "hex", "(i64) -> ref", guarded<fmt_hex>,
     "lower-case hex of the 64-bit pattern, no prefix"},
    {"std.fmt", "f64", "(f64, i64) -> ref", guarded<fmt_f64>,
     "a float like %.*f; prec < 0: shortest round-trip text"},
    {"std.fmt", "format", "(ref, ref) -> ref", guarded<format>,
     "replace each {} by the next element of a ref array; {{ and }} escape"},
};

}  // namespace

std::span<const vm::NativeDef> fmt_natives() {
  return kNatives;
}

}  // namespace strata::stdlib

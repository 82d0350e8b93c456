// std.str: immutable byte strings, conversions, and a string builder (a byte array that
// append grows). repeat/join are SVI code (str.sasm).
#include <algorithm>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "stdlib/natives/common.hpp"
#include "stdlib/natives/numfmt.hpp"
#include "stdlib/natives/tables.hpp"

namespace strata::stdlib {
namespace {

using vm::ObjKind;

void concat(NativeContext& cx, const Value* a, Value* r) {
  constexpr std::string_view kFn = "std.str.concat";
  vm::String* x = want_string(cx, kFn, a[0], 1);
  if (!x) return;
  vm::String* y = want_string(cx, kFn, a[1], 2);
  if (!y) return;
  vm::String* s = vm::new_string_uninit(x->len + y->len);
  if (!s) return trap_oom(cx, kFn);
  std::memcpy(s->data, x->data, x->len);
  std::memcpy(s->data + x->len, y->data, y->len);
  *r = Value::from_r(s);
}

void slice(NativeContext& cx, const Value* a, Value* r) {
  constexpr std::string_view kFn = "std.str.slice";
  vm::String* s = want_string(cx, kFn, a[0], 1);
  if (!s) return;
  int64_t start = a[1].i, end = a[2].i;
  // GUEST: start <= end <= len, checked as the range [start, start + (end - start)).
  if (start > end) {
    cx.trap(vm::TrapKind::IndexOutOfBounds,
            fmt::format("{}: start {} is after end {}", kFn, start, end));
    return;
  }
  if (!check_range(cx, kFn, s->len, start, end - start)) return;
  return_string(cx, kFn, s->view().substr(start, end - start), r);
}

void compare(NativeContext& cx, const Value* a, Value* r) {
  constexpr std::string_view kFn = "std.str.compare";
  vm::String* x = want_string(cx, kFn, a[0], 1);
  if (!x) return;
  vm::String* y = want_string(cx, kFn, a[1], 2);
  if (!y) return;
  // string_view compares as unsigned char (char_traits<char>::compare uses memcmp).
  int c = x->view().compare(y->view());
  *r = Value::from_i(c < 0 ? -1 : c > 0 ? 1 : 0);
}

void equals(NativeContext& cx, const Value* a, Value* r) {
  constexpr std::string_view kFn = "std.str.equals";
  vm::String* x = want_string(cx, kFn, a[0], 1);
  if (!x) return;
  vm::String* y = want_string(cx, kFn, a[1], 2);
  if (!y) return;
  *r = Value::from_i(x->view() == y->view());
}

void hash(NativeContext& cx, const Value* a, Value* r) {
  vm::String* s = want_string(cx, "std.str.hash", a[0], 1);
  if (!s) return;
  *r = Value::from_i(static_cast<int64_t>(vm::string_hash(s)));
}

void from_i64(NativeContext& cx, const Value* a, Value* r) {
  return_string(cx, "std.str.from_i64", format_i64(a[0].i), r);
}

void from_f64(NativeContext& cx, const Value* a, Value* r) {
  f64_to_string(cx, "std.str.from_f64", a, r);
}

void to_i64(NativeContext& cx, const Value* a, Value* r) {
  constexpr std::string_view kFn = "std.str.to_i64";
  vm::String* s = want_string(cx, kFn, a[0], 1);
  if (!s) return;
  int64_t v;
  if (!parse_i64(s->view(), &v)) {
    cx.trap(vm::TrapKind::HostError,
            fmt::format("{}: not a decimal i64: \"{}\"", kFn, s->view().substr(0, 64)));
    return;
  }
  *r = Value::from_i(v);
}

void is_i64(NativeContext& cx, const Value* a, Value* r) {
  vm::String* s = want_string(cx, "std.str.is_i64", a[0], 1);
  if (!s) return;
  int64_t v;
  *r = Value::from_i(parse_i64(s->view(), &v));
}

void to_f64(NativeContext& cx, const Value* a, Value* r) {
  constexpr std::string_view kFn = "std.str.to_f64";
  vm::String* s = want_string(cx, kFn, a[0], 1);
  if (!s) return;
  double v;
  if (!parse_f64(s->view(), &v)) {
    cx.trap(vm::TrapKind::HostError,
            fmt::format("{}: not an f64: \"{}\"", kFn, s->view().substr(0, 64)));
    return;
  }
  *r = Value::from_f(v);
}

void is_f64(NativeContext& cx, const Value* a, Value* r) {
  vm::String* s = want_string(cx, "std.str.is_f64", a[0], 1);
  if (!s) return;
  double v;
  *r = Value::from_i(parse_f64(s->view(), &v));
}

void from_char(NativeContext& cx, const Value* a, Value* r) {
  char c = static_cast<char>(a[0].i & 0xff);
  return_string(cx, "std.str.from_char", std::string_view(&c, 1), r);
}

void find(NativeContext& cx, const Value* a, Value* r) {
  constexpr std::string_view kFn = "std.str.find";
  vm::String* hay = want_string(cx, kFn, a[0], 1);
  if (!hay) return;
  vm::String* needle = want_string(cx, kFn, a[1], 2);
  if (!needle) return;
  // GUEST: start may be anywhere in [0, len] (len finds only the empty needle).
  if (!check_range(cx, kFn, hay->len, a[2].i, 0)) return;
  size_t at = hay->view().find(needle->view(), static_cast<size_t>(a[2].i));
  *r = Value::from_i(at == std::string_view::npos ? -1 : static_cast<int64_t>(at));
}

void from_bytes(NativeContext& cx, const Value* a, Value* r) {
  constexpr std::string_view kFn = "std.str.from_bytes";
  vm::Array* b = want_array(cx, kFn, a[0], 1, ObjKind::ArrayU8);
  if (!b || !check_range(cx, kFn, b->len, a[1].i, a[2].i)) return;
  return_string(
      cx, kFn,
      std::string_view(static_cast<const char*>(b->data) + a[1].i, static_cast<size_t>(a[2].i)), r);
}

void to_bytes(NativeContext& cx, const Value* a, Value* r) {
  constexpr std::string_view kFn = "std.str.to_bytes";
  vm::String* s = want_string(cx, kFn, a[0], 1);
  if (!s) return;
  vm::Array* b = vm::new_array(ObjKind::ArrayU8, s->len);
  if (!b) return trap_oom(cx, kFn);
  if (s->len) std::memcpy(b->data, s->data, s->len);
  *r = Value::from_r(b);
}

void builder(NativeContext& cx, const Value*, Value* r) {
  vm::Array* b = vm::new_array(ObjKind::ArrayU8, 0);
  if (!b) return trap_oom(cx, "std.str.builder");
  *r = Value::from_r(b);
}

void append(NativeContext& cx, const Value* a, Value*) {
  constexpr std::string_view kFn = "std.str.append";
  vm::Array* b = want_array(cx, kFn, a[0], 1, ObjKind::ArrayU8);
  if (!b) return;
  vm::String* s = want_string(cx, kFn, a[1], 2);
  if (!s) return;
  append_bytes(cx, kFn, b, s->view());
}

void append_i64(NativeContext& cx, const Value* a, Value*) {
  constexpr std::string_view kFn = "std.str.append_i64";
  vm::Array* b = want_array(cx, kFn, a[0], 1, ObjKind::ArrayU8);
  if (!b) return;
  append_bytes(cx, kFn, b, format_i64(a[1].i));
}

void append_char(NativeContext& cx, const Value* a, Value*) {
  constexpr std::string_view kFn = "std.str.append_char";
  vm::Array* b = want_array(cx, kFn, a[0], 1, ObjKind::ArrayU8);
  if (!b) return;
  char c = static_cast<char>(a[1].i & 0xff);
  append_bytes(cx, kFn, b, std::string_view(&c, 1));
}

void build(NativeContext& cx, const Value* a, Value* r) {
  constexpr std::string_view kFn = "std.str.build";
  vm::Array* b = want_array(cx, kFn, a[0], 1, ObjKind::ArrayU8);
  if (!b) return;
  return_string(
      cx, kFn, std::string_view(static_cast<const char*>(b->data), static_cast<size_t>(b->len)), r);
}

constexpr vm::NativeDef kNatives[] = {
    {"std.str", "concat", "(ref, ref) -> ref", guarded<concat>, "a new string: a then b"},
    {"std.str", "slice", "(ref, i64, i64) -> ref", guarded<slice>,
     "bytes [start, end); traps if out of range"},
    {"std.str", "compare", "(ref, ref) -> i64", guarded<compare>, "-1, 0 or 1, bytewise"},
    {"std.str", "equals", "(ref, ref) -> i64", guarded<equals>, "1 if the same bytes"},
    {"std.str", "hash", "(ref) -> i64", guarded<hash>, "FNV-1a 64 of the bytes"},
    {"std.str", "from_i64", "(i64) -> ref", guarded<from_i64>, "decimal text"},
    {"std.str", "from_f64", "(f64, i64) -> ref", guarded<from_f64>,
     "like %.*f; prec < 0: shortest round-trip text"},
    {"std.str", "to_i64", "(ref) -> i64", guarded<to_i64>,
     "parse a decimal i64 (optional sign); traps if malformed"},
    {"std.str", "is_i64", "(ref) -> i64", guarded<is_i64>, "1 if to_i64 would succeed"},
    {"std.str", "to_f64", "(ref) -> f64", guarded<to_f64>, "parse a float; traps if malformed"},
    {"std.str", "is_f64", "(ref) -> i64", guarded<is_f64>, "1 if to_f64 would succeed"},
    {"std.str", "from_char", "(i64) -> ref", guarded<from_char>, "a one-byte string (low 8 bits)"},
    {"std.str", "find", "(ref, ref, i64) -> i64", guarded<find>,
     "index of needle in hay at or after start, or -1"},
    {"std.str", "from_bytes", "(ref, i64, i64) -> ref", guarded<from_bytes>,
     "a string of bytes [off, off+len) of a byte array"},
    {"std.str", "to_bytes", "(ref) -> ref", guarded<to_bytes>, "a byte array copy of a string"},
    {"std.str", "builder", "() -> ref", guarded<builder>, "an empty string builder (a byte array)"},
    {"std.str", "append", "(ref, ref) -> void", guarded<append>, "append a string to a builder"},
    {"std.str", "append_i64", "(ref, i64) -> void", guarded<append_i64>,
     "append an integer in decimal to a builder"},
    {"std.str", "append_char", "(ref, i64) -> void", guarded<append_char>,
     "append one byte to a builder"},
    {"std.str", "build", "(ref) -> ref", guarded<build>, "the builder's bytes as a string"},
};

}  // namespace

std::span<const vm::NativeDef> str_natives() {
  return kNatives;
}

}  // namespace strata::stdlib

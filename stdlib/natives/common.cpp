#include "stdlib/natives/common.hpp"

#include <cstring>
#include <string>

#include <fmt/format.h>

namespace strata::stdlib {

std::string_view kind_name(vm::ObjKind k) {
  switch (k) {
    case vm::ObjKind::String: return "a string";
    case vm::ObjKind::ArrayI64: return "an i64 array";
    case vm::ObjKind::ArrayF64: return "an f64 array";
    case vm::ObjKind::ArrayRef: return "a ref array";
    case vm::ObjKind::ArrayU8: return "a byte array";
    case vm::ObjKind::Record: return "a record";
    case vm::ObjKind::Map: return "a map";
    case vm::ObjKind::Function: return "a function reference";
  }
  return "an unknown object";
}

namespace {

// Null or wrong kind: trap and return false.
bool check_obj(NativeContext& cx, std::string_view fn, Value v, int argno,
               std::string_view expected, bool kind_ok) {
  if (v.r == nullptr) {
    cx.trap(vm::TrapKind::NullReference,
            fmt::format("{}: argument {} is null, expected {}", fn, argno, expected));
    return false;
  }
  if (!kind_ok) {
    cx.trap(vm::TrapKind::TypeMismatch, fmt::format("{}: argument {} is {}, expected {}", fn, argno,
                                                    kind_name(v.r->kind), expected));
    return false;
  }
  return true;
}

bool is_array(vm::ObjKind k) {
  return k == vm::ObjKind::ArrayI64 || k == vm::ObjKind::ArrayF64 || k == vm::ObjKind::ArrayRef ||
         k == vm::ObjKind::ArrayU8;
}

}  // namespace

vm::String* want_string(NativeContext& cx, std::string_view fn, Value v, int argno) {
  bool ok = check_obj(cx, fn, v, argno, "a string", v.r && v.r->kind == vm::ObjKind::String);
  return ok ? static_cast<vm::String*>(v.r) : nullptr;
}

vm::Array* want_array(NativeContext& cx, std::string_view fn, Value v, int argno,
                      vm::ObjKind kind) {
  bool ok = check_obj(cx, fn, v, argno, kind_name(kind), v.r && v.r->kind == kind);
  return ok ? static_cast<vm::Array*>(v.r) : nullptr;
}

vm::Array* want_any_array(NativeContext& cx, std::string_view fn, Value v, int argno) {
  bool ok = check_obj(cx, fn, v, argno, "an array", v.r && is_array(v.r->kind));
  return ok ? static_cast<vm::Array*>(v.r) : nullptr;
}

vm::Map* want_map(NativeContext& cx, std::string_view fn, Value v, int argno) {
  bool ok = check_obj(cx, fn, v, argno, "a map", v.r && v.r->kind == vm::ObjKind::Map);
  return ok ? vm::as_map(v.r) : nullptr;
}

bool check_range(NativeContext& cx, std::string_view fn, uint64_t len, int64_t off, int64_t n) {
  // GUEST: off and n come from the program; compare without overflow.
  if (off >= 0 && n >= 0 && static_cast<uint64_t>(off) <= len &&
      static_cast<uint64_t>(n) <= len - static_cast<uint64_t>(off))
    return true;
  cx.trap(vm::TrapKind::IndexOutOfBounds,
          fmt::format("{}: range [{}, {} + {}) out of bounds for length {}", fn, off, off, n, len));
  return false;
}

void trap_oom(NativeContext& cx, std::string_view fn) {
  cx.trap(vm::TrapKind::OutOfMemory, fmt::format("{}: out of memory", fn));
}

bool return_string(NativeContext& cx, std::string_view fn, std::string_view text, Value* result) {
  vm::String* s = vm::new_string(text);
  if (!s) {
    trap_oom(cx, fn);
    return false;
  }
  *result = Value::from_r(s);
  return true;
}

bool append_bytes(NativeContext& cx, std::string_view fn, vm::Array* bytes, std::string_view s) {
  if (s.empty()) return true;
  if (!vm::array_reserve(bytes, bytes->len + s.size())) {
    trap_oom(cx, fn);
    return false;
  }
  std::memcpy(static_cast<char*>(bytes->data) + bytes->len, s.data(), s.size());
  bytes->len += s.size();
  return true;
}

}  // namespace strata::stdlib

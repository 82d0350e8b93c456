// std.array: growth and bulk operations on the arrays that `anew.*` creates. sort_i, sort_f
// and reverse are SVI code (array.sasm) built on `swap`.
#include <cstring>

#include <fmt/format.h>

#include "stdlib/natives/common.hpp"
#include "stdlib/natives/tables.hpp"

namespace strata::stdlib {
namespace {

using vm::ObjKind;

// Appends one element (8 bytes, or the low byte for ArrayU8).
void push(NativeContext& cx, std::string_view fn, const Value* a, ObjKind kind) {
  vm::Array* arr = want_array(cx, fn, a[0], 1, kind);
  if (!arr) return;
  if (!vm::array_reserve(arr, arr->len + 1)) return trap_oom(cx, fn);
  if (kind == ObjKind::ArrayU8)
    static_cast<uint8_t*>(arr->data)[arr->len] = static_cast<uint8_t>(a[1].i);
  else
    static_cast<Value*>(arr->data)[arr->len] = a[1];
  ++arr->len;
}

// Removes the last element into *r, clearing its slot (array_reserve's invariant, and a
// popped ref must not stay reachable).
void pop(NativeContext& cx, std::string_view fn, const Value* a, Value* r, ObjKind kind) {
  vm::Array* arr = want_array(cx, fn, a[0], 1, kind);
  if (!arr) return;
  if (arr->len == 0) {
    cx.trap(vm::TrapKind::IndexOutOfBounds, fmt::format("{}: the array is empty", fn));
    return;
  }
  --arr->len;
  if (kind == ObjKind::ArrayU8) {
    auto* p = static_cast<uint8_t*>(arr->data) + arr->len;
    *r = Value::from_i(*p);
    *p = 0;
  } else {
    auto* p = static_cast<Value*>(arr->data) + arr->len;
    *r = *p;
    p->bits = 0;
  }
}

void push_i(NativeContext& cx, const Value* a, Value*) {
  push(cx, "std.array.push_i", a, ObjKind::ArrayI64);
}
void push_f(NativeContext& cx, const Value* a, Value*) {
  push(cx, "std.array.push_f", a, ObjKind::ArrayF64);
}
void push_r(NativeContext& cx, const Value* a, Value*) {
  push(cx, "std.array.push_r", a, ObjKind::ArrayRef);
}
void push_b(NativeContext& cx, const Value* a, Value*) {
  push(cx, "std.array.push_b", a, ObjKind::ArrayU8);
}
void pop_i(NativeContext& cx, const Value* a, Value* r) {
  pop(cx, "std.array.pop_i", a, r, ObjKind::ArrayI64);
}
void pop_f(NativeContext& cx, const Value* a, Value* r) {
  pop(cx, "std.array.pop_f", a, r, ObjKind::ArrayF64);
}
void pop_r(NativeContext& cx, const Value* a, Value* r) {
  pop(cx, "std.array.pop_r", a, r, ObjKind::ArrayRef);
}
void pop_b(NativeContext& cx, const Value* a, Value* r) {
  pop(cx, "std.array.pop_b", a, r, ObjKind::ArrayU8);
}

void resize(NativeContext& cx, const Value* a, Value*) {
  constexpr std::string_view kFn = "std.array.resize";
  vm::Array* arr = want_any_array(cx, kFn, a[0], 1);
  if (!arr) return;
  int64_t n = a[1].i;
  if (n < 0) {
    cx.trap(vm::TrapKind::IndexOutOfBounds, fmt::format("{}: negative length {}", kFn, n));
    return;
  }
  const uint64_t len = static_cast<uint64_t>(n);
  const size_t esize = vm::array_elem_size(arr->kind);
  if (len < arr->len) {
    // Clear the dropped tail: [len, cap) stays zero, and dropped refs become collectable.
    std::memset(static_cast<char*>(arr->data) + len * esize, 0, (arr->len - len) * esize);
  } else if (!vm::array_reserve(arr, len)) {
    return trap_oom(cx, kFn);
  }
  arr->len = len;
}

void copy(NativeContext& cx, const Value* a, Value*) {
  constexpr std::string_view kFn = "std.array.copy";
  vm::Array* dst = want_any_array(cx, kFn, a[0], 1);
  if (!dst) return;
  vm::Array* src = want_any_array(cx, kFn, a[2], 3);
  if (!src) return;
  if (dst->kind != src->kind) {
    cx.trap(vm::TrapKind::TypeMismatch, fmt::format("{}: destination is {} but source is {}", kFn,
                                                    kind_name(dst->kind), kind_name(src->kind)));
    return;
  }
  if (!check_range(cx, kFn, dst->len, a[1].i, a[4].i) ||
      !check_range(cx, kFn, src->len, a[3].i, a[4].i))
    return;
  if (a[4].i == 0) return;
  const size_t esize = vm::array_elem_size(dst->kind);
  // memmove: dst and src may be the same array with overlapping ranges.
  std::memmove(static_cast<char*>(dst->data) + a[1].i * esize,
               static_cast<const char*>(src->data) + a[3].i * esize, a[4].i * esize);
}

void swap(NativeContext& cx, const Value* a, Value*) {
  constexpr std::string_view kFn = "std.array.swap";
  vm::Array* arr = want_any_array(cx, kFn, a[0], 1);
  if (!arr) return;
  if (!check_range(cx, kFn, arr->len, a[1].i, 1) || !check_range(cx, kFn, arr->len, a[2].i, 1))
    return;
  if (arr->kind == ObjKind::ArrayU8) {
    auto* p = static_cast<uint8_t*>(arr->data);
    std::swap(p[a[1].i], p[a[2].i]);
  } else {
    auto* p = static_cast<Value*>(arr->data);
    std::swap(p[a[1].i].bits, p[a[2].i].bits);
  }
}

constexpr vm::NativeDef kNatives[] = {
    {"std.array", "push_i", "(ref, i64) -> void", guarded<push_i>, "append to an i64 array"},
    {"std.array", "push_f", "(ref, f64) -> void", guarded<push_f>, "append to an f64 array"},
    {"std.array", "push_r", "(ref, ref) -> void", guarded<push_r>, "append to a ref array"},
    {"std.array", "push_b", "(ref, i64) -> void", guarded<push_b>, "append a byte (low 8 bits)"},
    {"std.array", "pop_i", "(ref) -> i64", guarded<pop_i>,
     "remove the last element; traps when empty"},
    {"std.array", "pop_f", "(ref) -> f64", guarded<pop_f>,
     "remove the last element; traps when empty"},
    {"std.array", "pop_r", "(ref) -> ref", guarded<pop_r>,
     "remove the last element; traps when empty"},
    {"std.array", "pop_b", "(ref) -> i64", guarded<pop_b>,
     "remove the last element; traps when empty"},
    {"std.array", "resize", "(ref, i64) -> void", guarded<resize>,
     "set the length; new elements are zero/null"},
    {"std.array", "copy", "(ref, i64, ref, i64, i64) -> void", guarded<copy>,
     "copy n elements src[spos..] to dst[dpos..]; same element type; overlap allowed"},
    {"std.array", "swap", "(ref, i64, i64) -> void", guarded<swap>,
     "exchange two elements of an array of any element type"},
};

}  // namespace

std::span<const vm::NativeDef> array_natives() {
  return kNatives;
}

}  // namespace strata::stdlib

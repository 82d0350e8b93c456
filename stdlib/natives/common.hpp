// Helpers every native uses to keep the contract of vm/native.hpp: check each ref argument
// (null -> NullReference, wrong kind -> TypeMismatch, with a message naming the native and the
// argument), turn nullptr from the heap into an OutOfMemory trap, and check guest ranges.
// Each `want_*` returns nullptr after trapping; the native must then return at once.
#pragma once

#include <cstdint>
#include <new>
#include <span>
#include <string_view>

#include "vm/heap.hpp"
#include "vm/heap/map.hpp"
#include "vm/native.hpp"
#include "vm/object.hpp"

namespace strata::stdlib {

using vm::NativeContext;
using vm::Value;

// "a string", "an i64 array", ...
std::string_view kind_name(vm::ObjKind k);

// `fn` is the qualified native name ("std.str.slice"); `argno` counts from 1.
vm::String* want_string(NativeContext& cx, std::string_view fn, Value v, int argno);
vm::Array* want_array(NativeContext& cx, std::string_view fn, Value v, int argno, vm::ObjKind kind);
vm::Array* want_any_array(NativeContext& cx, std::string_view fn, Value v, int argno);
vm::Map* want_map(NativeContext& cx, std::string_view fn, Value v, int argno);

// Traps IndexOutOfBounds unless [off, off + n) lies within [0, len); false after trapping.
bool check_range(NativeContext& cx, std::string_view fn, uint64_t len, int64_t off, int64_t n);

void trap_oom(NativeContext& cx, std::string_view fn);

// *result = a new string with these bytes; false after an OutOfMemory trap.
bool return_string(NativeContext& cx, std::string_view fn, std::string_view text, Value* result);

// Appends bytes to a byte array (a string builder), growing it; false after an OOM trap.
bool append_bytes(NativeContext& cx, std::string_view fn, vm::Array* bytes, std::string_view s);

// Every table entry is `guarded<fn>`: a native must never let an exception reach interpreter or
// JIT frames, and a temporary std::string can throw std::bad_alloc on a guest-sized request.
template <vm::NativeFn F>
void guarded(NativeContext& cx, const Value* args, Value* result) noexcept {
  try {
    F(cx, args, result);
  } catch (const std::bad_alloc&) {
    cx.trap(vm::TrapKind::OutOfMemory, "out of memory in a native");
  } catch (...) {
    cx.trap(vm::TrapKind::HostError, "internal error in a native");
  }
}

// std.fmt.f64 / std.str.from_f64 (args: f64, i64 prec -> ref), defined in fmt.cpp.
void f64_to_string(NativeContext& cx, std::string_view fn, const Value* args, Value* result);

}  // namespace strata::stdlib

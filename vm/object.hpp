// Objects on the Boehm GC heap. A `ref` is a plain pointer to an Object (or null): Boehm scans
// frames, register files and object bodies conservatively, so a pointer stored anywhere scanned
// keeps its object alive. Invariants:
//   * Bodies that can hold refs (ref arrays, records, maps) are scanned memory (GC_MALLOC, or
//     for small ones the allocation cache's kind, vm/heap/alloc.cpp); bodies that cannot
//     (strings, byte/i64/f64 arrays) are GC_MALLOC_ATOMIC, so Boehm never mistakes their numbers
//     for pointers.
//   * An object is kept alive by a pointer to its start or into it, never by one just past its
//     end (small objects carry no extra byte for that).
//   * Strings are immutable; `data` is followed by a NUL byte that is not part of `len`.
//   * Every object starts with an ObjHeader; `kind` decides the layout.
#pragma once

#include <cstdint>
#include <string_view>

#include "vm/value.hpp"

namespace strata::vm {

enum class ObjKind : uint32_t {
  String = 1,
  ArrayI64,
  ArrayF64,
  ArrayRef,
  ArrayU8,  // byte buffer
  Record,
  Map,
  Function,  // function reference (fnref)
};

struct RecordType;  // vm-side struct descriptor (name, field types), one per module struct
struct FuncInfo;    // vm-side linked function

struct Object {
  ObjKind kind;
  uint32_t aux;  // kind-specific; 0 unless stated
};

struct String : Object {
  uint64_t len;
  uint64_t hash;  // 0 until computed
  char data[];    // len bytes, then '\0'
  std::string_view view() const { return {data, static_cast<size_t>(len)}; }
};

// Arrays are growable (the stdlib's push/pop/resize), so the elements live in a separate body.
struct Array : Object {
  uint64_t len;
  uint64_t cap;
  void* data;  // int64_t*, double*, Object**, or uint8_t* according to kind
};

struct Record : Object {  // aux = number of fields
  const RecordType* type;
  Value fields[];
};

struct FuncRef : Object {
  const FuncInfo* fn;
};

// Map (ObjKind::Map) is declared in vm/heap/map.hpp; only the map functions touch its layout.

}  // namespace strata::vm

// Allocation on the Boehm GC heap. All functions return nullptr when the heap (or the
// instance's heap cap) is exhausted; the caller turns that into an OutOfMemory trap.
#pragma once

#include <cstdint>
#include <string_view>

#include "vm/object.hpp"

namespace strata::vm {

// Initialises Boehm once per process (idempotent, thread-safe). Every entry point that
// allocates calls it; tests may call it explicitly.
void heap_init();
// Caps the GC heap in bytes (0 = no cap). Allocations past the cap return nullptr.
void heap_set_cap(uint64_t bytes);

String* new_string(std::string_view bytes);
// A string of `len` bytes whose contents the caller fills before publishing it.
String* new_string_uninit(uint64_t len);
uint64_t string_hash(String* s);  // FNV-1a 64, cached in s->hash (never returns 0)

// Element size in bytes of an array kind (8, or 1 for ArrayU8).
size_t array_elem_size(ObjKind kind);
// A zero-filled array of `len` elements (nulls for ArrayRef).
Array* new_array(ObjKind kind, uint64_t len);
// Ensures capacity >= cap, keeping the elements; false on OOM.
bool array_reserve(Array* a, uint64_t cap);

Record* new_record(const RecordType* type, uint32_t field_count);
FuncRef* new_funcref(const FuncInfo* fn);

}  // namespace strata::vm

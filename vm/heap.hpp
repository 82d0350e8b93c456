// Allocation on the Boehm GC heap. All functions return nullptr when the heap (or the
// instance's heap cap) is exhausted; the caller turns that into an OutOfMemory trap.
#pragma once

#include <cstdint>
#include <string_view>

#include "vm/object.hpp"

namespace strata::vm {

// Initialises Boehm once per process (idempotent, thread-safe). Allocation calls it on its slow
// paths (a thread's first small object, every large one); tests may call it explicitly.
void heap_init();
// Caps the GC heap in bytes (0 = no cap). Allocations past the cap return nullptr. The cap is
// process-wide (Boehm has one heap) and a heap that already grew past it does not shrink.
void heap_set_cap(uint64_t bytes);
// A thread not created through Boehm (std::thread) must register before it allocates or holds
// refs, and unregister before it exits. Returns false if it was already registered (the main
// thread always is) or registration failed.
bool heap_register_thread();
void heap_unregister_thread();

String* new_string(std::string_view bytes);
// A string of `len` bytes whose contents the caller fills before publishing it.
String* new_string_uninit(uint64_t len);
uint64_t string_hash(String* s);  // FNV-1a 64, cached in s->hash (never returns 0)

// Element size in bytes of an array kind (8, or 1 for ArrayU8).
size_t array_elem_size(ObjKind kind);
// A zero-filled array of `len` elements (nulls for ArrayRef); nullptr for a non-array kind.
Array* new_array(ObjKind kind, uint64_t len);
// Ensures capacity >= cap, keeping the elements; false on OOM. Elements in [len, cap) are
// zero (null): whoever shrinks `len` clears what it drops, so growing `len` within `cap` is free.
bool array_reserve(Array* a, uint64_t cap);

// Fields zero/null; `aux` holds field_count.
Record* new_record(const RecordType* type, uint32_t field_count);
FuncRef* new_funcref(const FuncInfo* fn);

}  // namespace strata::vm

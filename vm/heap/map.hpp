// The Map object (ObjKind::Map): a hash map whose keys are all strings (compared by content) or
// all i64, fixed at creation. Each value is stored with its type, so reading it back as another
// type is detected (std.map traps with TypeMismatch). keys() lists keys in insertion order.
//
// Layout (private to map.cpp): a dense entry array in insertion order (GC_MALLOC: keys and
// values may be refs) and an open-addressing index of 32-bit slots, each an entry position and
// as many bits of its hash as the position leaves free (GC_MALLOC_ATOMIC).
// Everything lives on the GC heap; a Map holds no pointer into non-GC memory.
#pragma once

#include <cstdint>

#include "vm/object.hpp"

namespace strata::vm {

enum class MapKeyKind : uint32_t { String = 0, Int = 1 };

// The type of a stored value; numbered as isa::ValType (not included, to keep the heap
// independent of the ISA library).
enum class SlotType : uint32_t { I64 = 0, F64 = 1, Ref = 2 };

struct MapEntry {
  Value key;  // String* for string maps, i64 otherwise
  Value value;
  uint64_t hash;
  SlotType type;
  uint32_t live;  // 0 once deleted (the entry stays until the next rebuild)
};

struct Map;

// nullptr on OOM.
Map* new_map(MapKeyKind kind);
// The Map behind an object of kind ObjKind::Map (the caller checks the kind), and back.
Map* as_map(Object* o);
Object* map_object(Map* m);
MapKeyKind map_key_kind(const Map* m);
uint64_t map_len(const Map* m);

// The entry for a key, or nullptr. A string key must be non-null. The pointer is valid until
// the next insertion or deletion.
const MapEntry* map_find_str(Map* m, String* key);
const MapEntry* map_find_int(Map* m, int64_t key);

// Insert or overwrite (an overwrite keeps the key's insertion position); false on OOM, with
// the map unchanged.
bool map_set_str(Map* m, String* key, SlotType type, Value v);
bool map_set_int(Map* m, int64_t key, SlotType type, Value v);

// True if the key was present.
bool map_erase_str(Map* m, String* key);
bool map_erase_int(Map* m, int64_t key);

// Keys in insertion order: an ArrayRef of the key strings or an ArrayI64; nullptr on OOM.
Array* map_keys(Map* m);

}  // namespace strata::vm

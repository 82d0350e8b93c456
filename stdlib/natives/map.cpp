// std.map: the natives over vm/heap/map.hpp. A map's key kind is fixed at creation; using a
// string-key function on an i64-key map (or reading a value as another type) traps with
// TypeMismatch, because it is a broken contract rather than an absent key.
#include <fmt/format.h>

#include "stdlib/natives/common.hpp"
#include "stdlib/natives/tables.hpp"

namespace strata::stdlib {
namespace {

using vm::MapKeyKind;
using vm::SlotType;

std::string_view slot_name(SlotType t) {
  switch (t) {
    case SlotType::I64: return "i64";
    case SlotType::F64: return "f64";
    case SlotType::Ref: return "ref";
  }
  return "?";
}

vm::Map* want_keyed(NativeContext& cx, std::string_view fn, Value v, MapKeyKind kind) {
  vm::Map* m = want_map(cx, fn, v, 1);
  if (m && vm::map_key_kind(m) != kind) {
    cx.trap(vm::TrapKind::TypeMismatch,
            fmt::format("{}: argument 1 is a map with {} keys, expected {} keys", fn,
                        kind == MapKeyKind::String ? "i64" : "string",
                        kind == MapKeyKind::String ? "string" : "i64"));
    return nullptr;
  }
  return m;
}

// Looks a key (args[1]) up; sets *m and *e (e may be null: absent). False after a trap.
bool lookup(NativeContext& cx, std::string_view fn, const Value* a, MapKeyKind kind, vm::Map** m,
            const vm::MapEntry** e) {
  *m = want_keyed(cx, fn, a[0], kind);
  if (!*m) return false;
  if (kind == MapKeyKind::Int) {
    *e = vm::map_find_int(*m, a[1].i);
    return true;
  }
  vm::String* k = want_string(cx, fn, a[1], 2);
  if (!k) return false;
  *e = vm::map_find_str(*m, k);
  return true;
}

bool type_ok(NativeContext& cx, std::string_view fn, const vm::MapEntry* e, SlotType want) {
  if (e->type == want) return true;
  cx.trap(vm::TrapKind::TypeMismatch,
          fmt::format("{}: the value stored under this key is {}, not {}", fn, slot_name(e->type),
                      slot_name(want)));
  return false;
}

template <MapKeyKind K, SlotType T>
void set(NativeContext& cx, const Value* a, std::string_view fn) {
  vm::Map* m = want_keyed(cx, fn, a[0], K);
  if (!m) return;
  bool ok;
  if constexpr (K == MapKeyKind::Int) {
    ok = vm::map_set_int(m, a[1].i, T, a[2]);
  } else {
    vm::String* k = want_string(cx, fn, a[1], 2);
    if (!k) return;
    ok = vm::map_set_str(m, k, T, a[2]);
  }
  if (!ok) trap_oom(cx, fn);
}

// get_si / get_sf / get_ii / get_if take a default (args[2]); get_sr / get_ir give null.
template <MapKeyKind K, SlotType T>
void get(NativeContext& cx, const Value* a, Value* r, std::string_view fn) {
  vm::Map* m;
  const vm::MapEntry* e;
  if (!lookup(cx, fn, a, K, &m, &e)) return;
  if (!e) {
    *r = T == SlotType::Ref ? Value::from_r(nullptr) : a[2];
    return;
  }
  if (type_ok(cx, fn, e, T)) *r = e->value;
}

template <MapKeyKind K>
void has(NativeContext& cx, const Value* a, Value* r, std::string_view fn) {
  vm::Map* m;
  const vm::MapEntry* e;
  if (lookup(cx, fn, a, K, &m, &e)) *r = Value::from_i(e != nullptr);
}

template <MapKeyKind K>
void del(NativeContext& cx, const Value* a, Value* r, std::string_view fn) {
  vm::Map* m = want_keyed(cx, fn, a[0], K);
  if (!m) return;
  if constexpr (K == MapKeyKind::Int) {
    *r = Value::from_i(vm::map_erase_int(m, a[1].i));
  } else {
    vm::String* k = want_string(cx, fn, a[1], 2);
    if (k) *r = Value::from_i(vm::map_erase_str(m, k));
  }
}

constexpr auto S = MapKeyKind::String;
constexpr auto I = MapKeyKind::Int;

// The natives proper: a thin named layer so that trap messages carry the full name.
#define STRATA_MAP_SET(name, K, T)                       \
  void name(NativeContext& cx, const Value* a, Value*) { \
    set<K, T>(cx, a, "std.map." #name);                  \
  }
#define STRATA_MAP_GET(name, K, T)                         \
  void name(NativeContext& cx, const Value* a, Value* r) { \
    get<K, T>(cx, a, r, "std.map." #name);                 \
  }
STRATA_MAP_SET(set_si, S, SlotType::I64)
STRATA_MAP_SET(set_sf, S, SlotType::F64)
STRATA_MAP_SET(set_sr, S, SlotType::Ref)
STRATA_MAP_SET(set_ii, I, SlotType::I64)
STRATA_MAP_SET(set_if, I, SlotType::F64)
STRATA_MAP_SET(set_ir, I, SlotType::Ref)
STRATA_MAP_GET(get_si, S, SlotType::I64)
STRATA_MAP_GET(get_sf, S, SlotType::F64)
STRATA_MAP_GET(get_sr, S, SlotType::Ref)
STRATA_MAP_GET(get_ii, I, SlotType::I64)
STRATA_MAP_GET(get_if, I, SlotType::F64)
STRATA_MAP_GET(get_ir, I, SlotType::Ref)
#undef STRATA_MAP_SET
#undef STRATA_MAP_GET

void has_s(NativeContext& cx, const Value* a, Value* r) {
  has<S>(cx, a, r, "std.map.has_s");
}
void has_i(NativeContext& cx, const Value* a, Value* r) {
  has<I>(cx, a, r, "std.map.has_i");
}
void del_s(NativeContext& cx, const Value* a, Value* r) {
  del<S>(cx, a, r, "std.map.del_s");
}
void del_i(NativeContext& cx, const Value* a, Value* r) {
  del<I>(cx, a, r, "std.map.del_i");
}

void new_map(NativeContext& cx, Value* r, MapKeyKind kind, std::string_view fn) {
  vm::Map* m = vm::new_map(kind);
  if (!m) return trap_oom(cx, fn);
  *r = Value::from_r(vm::map_object(m));
}
void new_str(NativeContext& cx, const Value*, Value* r) {
  new_map(cx, r, S, "std.map.new_str");
}
void new_int(NativeContext& cx, const Value*, Value* r) {
  new_map(cx, r, I, "std.map.new_int");
}

void len(NativeContext& cx, const Value* a, Value* r) {
  vm::Map* m = want_map(cx, "std.map.len", a[0], 1);
  if (m) *r = Value::from_i(static_cast<int64_t>(vm::map_len(m)));
}

void keys(NativeContext& cx, const Value* a, Value* r) {
  vm::Map* m = want_map(cx, "std.map.keys", a[0], 1);
  if (!m) return;
  vm::Array* k = vm::map_keys(m);
  if (!k) return trap_oom(cx, "std.map.keys");
  *r = Value::from_r(k);
}

constexpr vm::NativeDef kNatives[] = {
    {"std.map", "new_str", "() -> ref", guarded<new_str>, "a new map with string keys"},
    {"std.map", "new_int", "() -> ref", guarded<new_int>, "a new map with i64 keys"},
    {"std.map", "set_si", "(ref, ref, i64) -> void", guarded<set_si>, "m[k] = an i64"},
    {"std.map", "set_sf", "(ref, ref, f64) -> void", guarded<set_sf>, "m[k] = an f64"},
    {"std.map", "set_sr", "(ref, ref, ref) -> void", guarded<set_sr>, "m[k] = a ref"},
    {"std.map", "get_si", "(ref, ref, i64) -> i64", guarded<get_si>, "m[k] as i64, or the default"},
    {"std.map", "get_sf", "(ref, ref, f64) -> f64", guarded<get_sf>, "m[k] as f64, or the default"},
    {"std.map", "get_sr", "(ref, ref) -> ref", guarded<get_sr>, "m[k] as ref, or null"},
    {"std.map", "has_s", "(ref, ref) -> i64", guarded<has_s>, "1 if k is a key"},
    {"std.map", "del_s", "(ref, ref) -> i64", guarded<del_s>, "remove k; 1 if it was there"},
    {"std.map", "set_ii", "(ref, i64, i64) -> void", guarded<set_ii>, "m[k] = an i64"},
    {"std.map", "set_if", "(ref, i64, f64) -> void", guarded<set_if>, "m[k] = an f64"},
    {"std.map", "set_ir", "(ref, i64, ref) -> void", guarded<set_ir>, "m[k] = a ref"},
    {"std.map", "get_ii", "(ref, i64, i64) -> i64", guarded<get_ii>, "m[k] as i64, or the default"},
    {"std.map", "get_if", "(ref, i64, f64) -> f64", guarded<get_if>, "m[k] as f64, or the default"},
    {"std.map", "get_ir", "(ref, i64) -> ref", guarded<get_ir>, "m[k] as ref, or null"},
    {"std.map", "has_i", "(ref, i64) -> i64", guarded<has_i>, "1 if k is a key"},
    {"std.map", "del_i", "(ref, i64) -> i64", guarded<del_i>, "remove k; 1 if it was there"},
    {"std.map", "len", "(ref) -> i64", guarded<len>, "number of entries"},
    {"std.map", "keys", "(ref) -> ref", guarded<keys>,
     "the keys in insertion order: a ref array (string keys) or an i64 array"},
};

}  // namespace

std::span<const vm::NativeDef> map_natives() {
  return kNatives;
}

}  // namespace strata::stdlib

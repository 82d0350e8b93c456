// vm/heap/map.hpp: lookups by content, overwrite, delete, growth, compaction, insertion order,
// and survival of keys and values that only the map references.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "vm/heap.hpp"
#include "vm/heap/gc.hpp"
#include "vm/heap/map.hpp"

namespace strata::vm {
namespace {

String* str(const std::string& s) {
  return new_string(s);
}

TEST(HeapMap, StringKeysCompareByContent) {
  heap_init();
  Map* m = new_map(MapKeyKind::String);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(map_key_kind(m), MapKeyKind::String);
  EXPECT_EQ(map_object(m)->kind, ObjKind::Map);
  EXPECT_EQ(as_map(map_object(m)), m);
  ASSERT_TRUE(map_set_str(m, str("alpha"), SlotType::I64, Value::from_i(1)));
  const MapEntry* e = map_find_str(m, str("alpha"));  // another String object, same bytes
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->type, SlotType::I64);
  EXPECT_EQ(e->value.i, 1);
  EXPECT_EQ(map_find_str(m, str("alphA")), nullptr);
  EXPECT_EQ(map_find_str(m, str("")), nullptr);
  ASSERT_TRUE(map_set_str(m, str(""), SlotType::F64, Value::from_f(2.5)));
  EXPECT_EQ(map_find_str(m, str(""))->value.f, 2.5);
  EXPECT_EQ(map_len(m), 2u);
}

TEST(HeapMap, OverwriteKeepsPositionAndRetypes) {
  Map* m = new_map(MapKeyKind::String);
  map_set_str(m, str("a"), SlotType::I64, Value::from_i(1));
  map_set_str(m, str("b"), SlotType::I64, Value::from_i(2));
  map_set_str(m, str("a"), SlotType::Ref, Value::from_r(str("x")));
  EXPECT_EQ(map_len(m), 2u);
  EXPECT_EQ(map_find_str(m, str("a"))->type, SlotType::Ref);
  Array* k = map_keys(m);
  ASSERT_NE(k, nullptr);
  ASSERT_EQ(k->kind, ObjKind::ArrayRef);
  ASSERT_EQ(k->len, 2u);
  EXPECT_EQ(static_cast<String*>(static_cast<Object**>(k->data)[0])->view(), "a");
  EXPECT_EQ(static_cast<String*>(static_cast<Object**>(k->data)[1])->view(), "b");
}

TEST(HeapMap, IntKeysIncludingExtremes) {
  Map* m = new_map(MapKeyKind::Int);
  for (int64_t k : {int64_t{0}, int64_t{-1}, INT64_MIN, INT64_MAX, int64_t{42}})
    ASSERT_TRUE(map_set_int(m, k, SlotType::I64, Value::from_i(k ^ 7)));
  for (int64_t k : {int64_t{0}, int64_t{-1}, INT64_MIN, INT64_MAX, int64_t{42}}) {
    const MapEntry* e = map_find_int(m, k);
    ASSERT_NE(e, nullptr) << k;
    EXPECT_EQ(e->value.i, k ^ 7);
  }
  EXPECT_EQ(map_find_int(m, 1), nullptr);
  Array* k = map_keys(m);
  ASSERT_EQ(k->kind, ObjKind::ArrayI64);
  ASSERT_EQ(k->len, 5u);
  EXPECT_EQ(static_cast<int64_t*>(k->data)[2], INT64_MIN);
}

// Random inserts, overwrites and deletes checked against std::map, with insertion order.
TEST(HeapMap, MatchesAReferenceModel) {
  Map* m = new_map(MapKeyKind::Int);
  std::map<int64_t, int64_t> model;
  std::vector<int64_t> order;  // i64 keys only: invisible to the GC but holds no refs
  std::mt19937_64 rng(12345);
  for (int step = 0; step < 200000; ++step) {
    int64_t key = static_cast<int64_t>(rng() % 5000);
    if (rng() % 3 == 0) {
      bool had = model.erase(key) != 0;
      EXPECT_EQ(map_erase_int(m, key), had);
      if (had) std::erase(order, key);
    } else {
      int64_t v = static_cast<int64_t>(rng());
      if (!model.count(key)) order.push_back(key);
      model[key] = v;
      ASSERT_TRUE(map_set_int(m, key, SlotType::I64, Value::from_i(v)));
    }
  }
  ASSERT_EQ(map_len(m), model.size());
  for (auto [k, v] : model) {
    const MapEntry* e = map_find_int(m, k);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->value.i, v);
  }
  Array* keys = map_keys(m);
  ASSERT_EQ(keys->len, order.size());
  for (size_t i = 0; i < order.size(); ++i)
    ASSERT_EQ(static_cast<int64_t*>(keys->data)[i], order[i]);
}

TEST(HeapMap, DeletingEverythingThenReinserting) {
  Map* m = new_map(MapKeyKind::String);
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 1000; ++i)
      ASSERT_TRUE(map_set_str(m, str("k" + std::to_string(i)), SlotType::I64, Value::from_i(i)));
    EXPECT_EQ(map_len(m), 1000u);
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(map_erase_str(m, str("k" + std::to_string(i))));
    EXPECT_EQ(map_len(m), 0u);
    EXPECT_FALSE(map_erase_str(m, str("k0")));
  }
  EXPECT_EQ(map_keys(m)->len, 0u);
}

// 1e5 keys referenced only by the map survive a collection, as do ref values.
TEST(HeapMap, KeysAndValuesSurviveGcPressure) {
  Map* m = new_map(MapKeyKind::String);
  constexpr int kN = 100000;
  for (int i = 0; i < kN; ++i) {
    std::string k = "key-" + std::to_string(i);
    if (i % 2)
      ASSERT_TRUE(map_set_str(m, str(k), SlotType::I64, Value::from_i(i)));
    else
      ASSERT_TRUE(map_set_str(m, str(k), SlotType::Ref, Value::from_r(str("value-" + k))));
  }
  GC_gcollect();
  for (int i = 0; i < 50000; ++i) new_string(std::string(48, 'g'));  // reuse freed memory
  GC_gcollect();
  ASSERT_EQ(map_len(m), static_cast<uint64_t>(kN));
  for (int i = 0; i < kN; ++i) {
    std::string k = "key-" + std::to_string(i);
    const MapEntry* e = map_find_str(m, str(k));
    ASSERT_NE(e, nullptr) << k;
    if (i % 2) {
      ASSERT_EQ(e->value.i, i);
    } else {
      ASSERT_EQ(e->type, SlotType::Ref);
      ASSERT_EQ(static_cast<String*>(e->value.r)->view(), "value-" + k);
    }
  }
  Array* keys = map_keys(m);
  ASSERT_EQ(keys->len, static_cast<uint64_t>(kN));
  EXPECT_EQ(static_cast<String*>(static_cast<Object**>(keys->data)[kN - 1])->view(),
            "key-" + std::to_string(kN - 1));
}

TEST(HeapMap, CollidingHashesStillDistinct) {
  // Many keys with the same low bits of the int hash still resolve by full comparison.
  Map* m = new_map(MapKeyKind::Int);
  for (int64_t i = 0; i < 4096; ++i)
    ASSERT_TRUE(map_set_int(m, i << 40, SlotType::I64, Value::from_i(i)));
  for (int64_t i = 0; i < 4096; ++i) ASSERT_EQ(map_find_int(m, i << 40)->value.i, i);
}

// A string whose cached hash is forced, so tests can make keys collide on purpose: the map
// takes a string's hash from the cache (string_hash), which is what makes this possible.
String* str_with_hash(const std::string& s, uint64_t hash) {
  String* k = str(s);
  k->hash = hash;
  return k;
}

// Every key has the same hash, so the same home slot and the same tag: only the bytes decide.
TEST(HeapMap, KeysWithOneHashAreToldApartByTheirBytes) {
  constexpr uint64_t kHash = 0x0123456789abcdefull;
  Map* m = new_map(MapKeyKind::String);
  for (int i = 0; i < 300; ++i)
    ASSERT_TRUE(map_set_str(m, str_with_hash("c" + std::to_string(i), kHash), SlotType::I64,
                            Value::from_i(i)));
  EXPECT_EQ(map_len(m), 300u);
  for (int i = 0; i < 300; ++i) {
    const MapEntry* e = map_find_str(m, str_with_hash("c" + std::to_string(i), kHash));
    ASSERT_NE(e, nullptr) << i;
    EXPECT_EQ(e->value.i, i);
  }
  EXPECT_EQ(map_find_str(m, str_with_hash("c300", kHash)), nullptr);
  // Same bytes, other hash: a different hash can only mean a different key.
  EXPECT_EQ(map_find_str(m, str_with_hash("c7", kHash ^ 1)), nullptr);
  // Deleting from the middle of the chain leaves the keys behind it reachable.
  for (int i = 0; i < 300; i += 2)
    ASSERT_TRUE(map_erase_str(m, str_with_hash("c" + std::to_string(i), kHash)));
  for (int i = 0; i < 300; ++i) {
    const MapEntry* e = map_find_str(m, str_with_hash("c" + std::to_string(i), kHash));
    if (i % 2) {
      ASSERT_NE(e, nullptr) << i;
      EXPECT_EQ(e->value.i, i);
    } else {
      EXPECT_EQ(e, nullptr) << i;
    }
  }
}

// Hashes equal in their high half (the index's tag) but not in full, and the reverse.
TEST(HeapMap, HashesSharingATagOrAHomeStillDistinct) {
  Map* m = new_map(MapKeyKind::String);
  for (uint64_t i = 1; i <= 200; ++i) {
    ASSERT_TRUE(map_set_str(m, str_with_hash("t" + std::to_string(i), 0xfeedull << 32 | i),
                            SlotType::I64, Value::from_i(static_cast<int64_t>(i))));
    ASSERT_TRUE(map_set_str(m, str_with_hash("h" + std::to_string(i), i << 32 | 5), SlotType::I64,
                            Value::from_i(-static_cast<int64_t>(i))));
  }
  for (uint64_t i = 1; i <= 200; ++i) {
    EXPECT_EQ(map_find_str(m, str_with_hash("t" + std::to_string(i), 0xfeedull << 32 | i))->value.i,
              static_cast<int64_t>(i));
    EXPECT_EQ(map_find_str(m, str_with_hash("h" + std::to_string(i), i << 32 | 5))->value.i,
              -static_cast<int64_t>(i));
  }
}

TEST(HeapMap, KeysThatDifferOnlyInTheLastByteOrInLength) {
  Map* m = new_map(MapKeyKind::String);
  // Both sides of the inline comparison's limit (16 bytes) and far beyond it.
  const std::string base(40, 'x'), y15(15, 'y'), y16(16, 'y');
  const std::vector<std::string> keys = {"",
                                         "a",
                                         "b",
                                         "ab",
                                         "abc",
                                         base,
                                         base + "a",
                                         base + "b",
                                         base.substr(1) + "a",
                                         std::string(1, '\0'),
                                         std::string(2, '\0'),
                                         y15 + "a",
                                         y15 + "b",
                                         y16 + "a",
                                         y16 + "b",
                                         y16};
  for (size_t i = 0; i < keys.size(); ++i)
    ASSERT_TRUE(
        map_set_str(m, str(keys[i]), SlotType::I64, Value::from_i(static_cast<int64_t>(i))));
  EXPECT_EQ(map_len(m), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    const MapEntry* e = map_find_str(m, str(keys[i]));
    ASSERT_NE(e, nullptr) << i;
    EXPECT_EQ(e->value.i, static_cast<int64_t>(i));
  }
  EXPECT_EQ(map_find_str(m, str(base + "c")), nullptr);
  EXPECT_EQ(map_find_str(m, str("abd")), nullptr);
  EXPECT_EQ(map_find_str(m, str(y15 + "c")), nullptr);
  EXPECT_EQ(map_find_str(m, str(y16 + "c")), nullptr);
  EXPECT_EQ(map_find_str(m, str(y15)), nullptr);
  EXPECT_EQ(map_find_str(m, str(std::string(3, '\0'))), nullptr);
}

// Sizes on both sides of every growth step (and of the slots' position/tag split), for both
// key kinds: everything inserted is found with its value, nothing else is, and keys() keeps
// insertion order.
TEST(HeapMap, GrowthAcrossManySizes) {
  for (int n : {0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 255, 256, 257, 1023, 1024, 1025, 5000}) {
    Map* s = new_map(MapKeyKind::String);
    Map* i = new_map(MapKeyKind::Int);
    for (int k = 0; k < n; ++k) {
      ASSERT_TRUE(map_set_str(s, str(std::to_string(k)), SlotType::I64, Value::from_i(k * 3)));
      ASSERT_TRUE(map_set_int(i, int64_t{k} * 1000003, SlotType::I64, Value::from_i(k * 5)));
    }
    ASSERT_EQ(map_len(s), static_cast<uint64_t>(n));
    ASSERT_EQ(map_len(i), static_cast<uint64_t>(n));
    for (int k = 0; k < n; ++k) {
      const MapEntry* e = map_find_str(s, str(std::to_string(k)));
      ASSERT_NE(e, nullptr) << n << " " << k;
      EXPECT_EQ(e->value.i, k * 3);
      e = map_find_int(i, int64_t{k} * 1000003);
      ASSERT_NE(e, nullptr) << n << " " << k;
      EXPECT_EQ(e->value.i, k * 5);
    }
    for (int k = n; k < n + 50; ++k) {
      EXPECT_EQ(map_find_str(s, str(std::to_string(k))), nullptr);
      EXPECT_EQ(map_find_int(i, int64_t{k} * 1000003), nullptr);
    }
    Array* keys = map_keys(s);
    ASSERT_EQ(keys->len, static_cast<uint64_t>(n));
    for (int k = 0; k < n; ++k)
      ASSERT_EQ(static_cast<String*>(static_cast<Object**>(keys->data)[k])->view(),
                std::to_string(k));
  }
}

// One String object as the key of two maps: its hash is computed once and cached in the
// string, and both maps find it, by identity and by content.
TEST(HeapMap, AStringKeyInTwoMapsCachesItsHash) {
  String* k = str("shared");
  EXPECT_EQ(k->hash, 0u);
  Map* a = new_map(MapKeyKind::String);
  Map* b = new_map(MapKeyKind::String);
  ASSERT_TRUE(map_set_str(a, k, SlotType::I64, Value::from_i(1)));
  const uint64_t h = k->hash;
  EXPECT_NE(h, 0u);
  EXPECT_EQ(h, string_hash(str("shared")));
  ASSERT_TRUE(map_set_str(b, k, SlotType::I64, Value::from_i(2)));
  EXPECT_EQ(k->hash, h);
  EXPECT_EQ(map_find_str(a, k)->value.i, 1);
  EXPECT_EQ(map_find_str(b, k)->value.i, 2);
  EXPECT_EQ(map_find_str(a, str("shared"))->value.i, 1);
  EXPECT_EQ(map_find_str(b, str("shared"))->value.i, 2);
  ASSERT_TRUE(map_erase_str(a, k));
  EXPECT_EQ(map_find_str(a, k), nullptr);
  EXPECT_EQ(map_find_str(b, k)->value.i, 2);
}

// Deleting and reinserting colliding keys: the tombstones keep the chain walkable, a
// reinserted key goes to the end of the order, and compaction (many deletions, no growth)
// keeps every live key.
TEST(HeapMap, DeleteAndReinsertCollidingKeys) {
  constexpr uint64_t kHash = 0xabcdef0000000042ull;
  Map* m = new_map(MapKeyKind::String);
  for (const char* k : {"a", "b", "c"})
    ASSERT_TRUE(map_set_str(m, str_with_hash(k, kHash), SlotType::I64, Value::from_i(k[0])));
  ASSERT_TRUE(map_erase_str(m, str_with_hash("b", kHash)));
  EXPECT_FALSE(map_erase_str(m, str_with_hash("b", kHash)));
  EXPECT_EQ(map_find_str(m, str_with_hash("c", kHash))->value.i, 'c');
  ASSERT_TRUE(map_set_str(m, str_with_hash("b", kHash), SlotType::I64, Value::from_i(7)));
  Array* keys = map_keys(m);
  ASSERT_EQ(keys->len, 3u);
  EXPECT_EQ(static_cast<String*>(static_cast<Object**>(keys->data)[2])->view(), "b");
  EXPECT_EQ(map_find_str(m, str_with_hash("b", kHash))->value.i, 7);
  for (int round = 0; round < 50; ++round) {
    std::string k = "r" + std::to_string(round);
    ASSERT_TRUE(map_set_str(m, str_with_hash(k, kHash), SlotType::I64, Value::from_i(round)));
    ASSERT_TRUE(map_erase_str(m, str_with_hash(k, kHash)));
  }
  EXPECT_EQ(map_len(m), 3u);
  for (const char* k : {"a", "c"})
    EXPECT_EQ(map_find_str(m, str_with_hash(k, kHash))->value.i, k[0]);
  EXPECT_EQ(map_find_str(m, str_with_hash("b", kHash))->value.i, 7);
}

}  // namespace
}  // namespace strata::vm

// vm/heap/map.hpp: lookups by content, overwrite, delete, growth, compaction, insertion order,
// and survival of keys and values that only the map references.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

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

}  // namespace
}  // namespace strata::vm

#include "jit/code_index.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace strata::jit {
namespace {

CodeEntry fake_entry(uint64_t v) {
  return CodeEntry{reinterpret_cast<const void*>(uintptr_t{0x10000} + v * 16),
                   static_cast<uint32_t>(v % 1000 + 1)};
}

TEST(CodeIndex, InsertFindEraseOverwrite) {
  CodeIndex ix;
  EXPECT_FALSE(ix.find({1, 2}));
  EXPECT_FALSE(ix.insert({1, 2}, fake_entry(1)));
  EXPECT_EQ(ix.find({1, 2}).code, fake_entry(1).code);
  EXPECT_FALSE(ix.find({2, 1}));  // unit and pc are not interchangeable
  CodeEntry old = ix.insert({1, 2}, fake_entry(2));
  EXPECT_EQ(old.code, fake_entry(1).code);
  EXPECT_EQ(ix.size(), 1u);
  EXPECT_EQ(ix.erase({1, 2}).code, fake_entry(2).code);
  EXPECT_FALSE(ix.erase({1, 2}));
  EXPECT_EQ(ix.size(), 0u);
}

// Against std::map as the model, with keys from a small space so clusters form, collide and are
// torn apart by deletions (the backward-shift path), and enough of them that the table grows.
TEST(CodeIndex, AgreesWithAModelUnderRandomOperations) {
  CodeIndex ix;
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> model;
  std::mt19937_64 rng(7);
  for (int step = 0; step < 200000; ++step) {
    const CodeKey key{rng() % 4, (rng() % 3000) * 4};
    const auto mk = std::make_pair(key.unit, key.pc);
    const uint64_t v = rng() % 100000;
    switch (rng() % 3) {
      case 0: {
        CodeEntry prev = ix.insert(key, fake_entry(v));
        auto it = model.find(mk);
        ASSERT_EQ(static_cast<bool>(prev), it != model.end());
        if (prev) {
          ASSERT_EQ(prev.code, fake_entry(it->second).code);
        }
        model[mk] = v;
        break;
      }
      case 1: {
        CodeEntry gone = ix.erase(key);
        auto it = model.find(mk);
        ASSERT_EQ(static_cast<bool>(gone), it != model.end());
        if (gone) {
          ASSERT_EQ(gone.code, fake_entry(it->second).code);
          model.erase(it);
        }
        break;
      }
      default: {
        CodeEntry e = ix.find(key);
        auto it = model.find(mk);
        ASSERT_EQ(static_cast<bool>(e), it != model.end());
        if (e) {
          ASSERT_EQ(e.size, fake_entry(it->second).size);
        }
      }
    }
    ASSERT_EQ(ix.size(), model.size());
  }
  for (const auto& [k, v] : model) {
    ASSERT_EQ(ix.find({k.first, k.second}).code, fake_entry(v).code);
  }
  EXPECT_LE(ix.size() * 2, ix.slot_count());
}

TEST(CodeIndex, HashSpreadsAlignedPcs) {
  // 4096 pcs that are multiples of 4096 in one unit must not pile into few home slots.
  std::map<uint64_t, int> homes;
  for (uint64_t i = 0; i < 4096; ++i) ++homes[CodeIndex::hash({1, i << 12}) & 8191];
  int worst = 0;
  for (const auto& [h, n] : homes) worst = std::max(worst, n);
  EXPECT_GT(homes.size(), 3000u);
  EXPECT_LE(worst, 8);
}

}  // namespace
}  // namespace strata::jit

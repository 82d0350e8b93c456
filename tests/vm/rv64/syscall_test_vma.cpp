// VmaMap on its own: splitting, joining, coverage and the top-down hole search.
#include <gtest/gtest.h>

#include "vm/rv64/elf_loader.hpp"
#include "vm/rv64/syscall_vma.hpp"

namespace strata::vm::rv64 {
namespace {

constexpr uint64_t P = kPageSize;
constexpr uint32_t kRW = kPermRead | kPermWrite, kRX = kPermRead | kPermExec;

TEST(VmaMap, InsertSplitsAndReplacesOverlaps) {
  VmaMap m;
  EXPECT_FALSE(m.insert(10 * P, 20 * P, kRW, true));
  EXPECT_TRUE(m.insert(12 * P, 14 * P, kRX, false));
  ASSERT_TRUE(m.find(11 * P));
  EXPECT_EQ(m.find(11 * P)->first, 10 * P);
  EXPECT_EQ(m.find(11 * P)->second.end, 12 * P);
  EXPECT_EQ(m.find(13 * P)->second.perms, kRX);
  EXPECT_EQ(m.find(15 * P)->first, 14 * P);
  EXPECT_EQ(m.find(15 * P)->second.end, 20 * P);
  EXPECT_FALSE(m.find(20 * P));
  EXPECT_TRUE(m.covered(10 * P, 20 * P));
  EXPECT_FALSE(m.covered(9 * P, 20 * P));
}

TEST(VmaMap, RemoveSplitsAtTheEdges) {
  VmaMap m;
  m.insert(10 * P, 20 * P, kRW, true);
  EXPECT_TRUE(m.remove(12 * P, 13 * P));
  EXPECT_FALSE(m.remove(12 * P, 13 * P));
  EXPECT_FALSE(m.covered(10 * P, 20 * P));
  EXPECT_TRUE(m.covered(10 * P, 12 * P));
  EXPECT_TRUE(m.covered(13 * P, 20 * P));
  EXPECT_FALSE(m.overlaps(12 * P, 13 * P));
  EXPECT_TRUE(m.overlaps(11 * P, 13 * P));
}

TEST(VmaMap, TouchingMappingsWithEqualAttributesJoin) {
  VmaMap m;
  m.insert(10 * P, 11 * P, kRW, true);
  m.insert(11 * P, 12 * P, kRW, true);
  m.insert(12 * P, 13 * P, kRW, false);  // file-backed: stays apart
  EXPECT_EQ(m.find(10 * P)->second.end, 12 * P);
  EXPECT_EQ(m.find(12 * P)->first, 12 * P);
  m.set_perms(11 * P, 12 * P, kRX);
  EXPECT_EQ(m.find(10 * P)->second.end, 11 * P);
  m.set_perms(11 * P, 12 * P, kRW);
  EXPECT_EQ(m.find(10 * P)->second.end, 12 * P);
}

TEST(VmaMap, FindFreeSearchesTopDownInsideTheBounds) {
  VmaMap m;
  EXPECT_EQ(m.find_free(2 * P, 10 * P, 20 * P), 18 * P);
  m.insert(17 * P, 20 * P, kRW, true);
  EXPECT_EQ(m.find_free(2 * P, 10 * P, 20 * P), 15 * P);
  m.insert(12 * P, 16 * P, kRW, true);  // leaves a 1-page hole at 16
  EXPECT_EQ(m.find_free(P, 10 * P, 20 * P), 16 * P);
  EXPECT_EQ(m.find_free(2 * P, 10 * P, 20 * P), 10 * P);
  EXPECT_EQ(m.find_free(3 * P, 10 * P, 20 * P), std::nullopt);
  EXPECT_EQ(m.find_free(0, 10 * P, 20 * P), std::nullopt);
  EXPECT_EQ(m.find_free(P, 20 * P, 10 * P), std::nullopt);
  // A mapping straddling the ceiling or the floor.
  VmaMap s;
  s.insert(18 * P, 25 * P, kRW, true);
  s.insert(5 * P, 11 * P, kRW, true);
  EXPECT_EQ(s.find_free(7 * P, 10 * P, 20 * P), 11 * P);
  EXPECT_EQ(s.find_free(8 * P, 10 * P, 20 * P), std::nullopt);
}

}  // namespace
}  // namespace strata::vm::rv64

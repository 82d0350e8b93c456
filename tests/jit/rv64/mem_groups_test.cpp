// Which later loads and stores join a group's leader (jit/rv64/mem_groups.hpp): same base and
// direction within the span limit, while the base keeps its value and nothing but integer work
// and other accesses comes between.
#include "jit/rv64/mem_groups.hpp"

#include <gtest/gtest.h>

#include "tests/jit/rv64/translate_test_support.hpp"

namespace strata::jit::rv64::test {
namespace {

using isa::rv64::DecodedInsn;

constexpr uint64_t kPc = 0x1000;

// The group led by words[0] (4-byte instructions from kPc).
std::optional<MemGroup> plan(const std::vector<uint32_t>& words) {
  std::vector<DecodedInsn> after;
  for (size_t i = 1; i < words.size(); ++i) after.push_back(isa::rv64::decode(words[i]));
  return plan_mem_group(isa::rv64::decode(words[0]), kPc, after);
}

std::vector<uint64_t> followers(const MemGroup& g) {
  return {g.followers.begin(), g.followers.begin() + g.count};
}

uint64_t pc_of(size_t i) {
  return kPc + 4 * i;
}

TEST(MemGroups, AProloguesStoresOffSpAreOneGroup) {
  const auto g = plan({rv::sd(1, 2, 40), rv::sd(8, 2, 32), rv::addi(8, 2, 48), rv::sd(9, 2, 24),
                       rv::sw(18, 2, 20)});
  ASSERT_TRUE(g);
  EXPECT_EQ(g->base, 2);
  EXPECT_TRUE(g->store);
  EXPECT_EQ(g->low, 20);
  EXPECT_EQ(g->span, 28u);  // 20 .. 48
  EXPECT_EQ(followers(*g), (std::vector<uint64_t>{pc_of(1), pc_of(3), pc_of(4)}));
}

TEST(MemGroups, LoadsAndStoresAndOtherBasesStayApart) {
  // A load off the base, a store off another base: neither joins the stores' group.
  const auto g = plan({rv::sd(1, 2, 0), rv::ld(5, 2, 8), rv::sd(6, 10, 8), rv::sd(7, 2, 8)});
  ASSERT_TRUE(g);
  EXPECT_EQ(followers(*g), (std::vector<uint64_t>{pc_of(3)}));
  EXPECT_EQ(g->span, 16u);
  // A lone access leads no group.
  EXPECT_FALSE(plan({rv::ld(5, 2, 8), rv::ld(6, 10, 0), rv::addi(7, 0, 1)}));
}

TEST(MemGroups, AWriteOfTheBaseEndsTheGroup) {
  // An addi to the base: the load after it is not a member.
  EXPECT_FALSE(plan({rv::ld(5, 10, 0), rv::addi(10, 10, 8), rv::ld(6, 10, 0)}));
  // A member loading into the base is the last one.
  const auto g = plan({rv::ld(5, 10, 8), rv::ld(10, 10, 0), rv::ld(6, 10, 8)});
  ASSERT_TRUE(g);
  EXPECT_EQ(followers(*g), (std::vector<uint64_t>{pc_of(1)}));
  // A leader loading into its own base leads nothing.
  EXPECT_FALSE(plan({rv::ld(10, 10, 0), rv::ld(6, 10, 8)}));
  // Nor does an access off x0.
  EXPECT_FALSE(plan({rv::ld(5, 0, 0), rv::ld(6, 0, 8)}));
}

TEST(MemGroups, ControlFlowAndHelpersEndTheGroup) {
  EXPECT_FALSE(plan({rv::ld(5, 10, 0), rv::beq(5, 0, 8), rv::ld(6, 10, 8)}));
  EXPECT_FALSE(plan({rv::ld(5, 10, 0), rv::jal(0, 8), rv::ld(6, 10, 8)}));
  EXPECT_FALSE(plan({rv::ld(5, 10, 0), rv::csrrw(0, 0x140, 5), rv::ld(6, 10, 8)}));
  // Integer work between members is fine.
  EXPECT_TRUE(plan({rv::ld(5, 10, 0), rv::add(6, 5, 5), rv::lui(7, 0x12345), rv::ld(6, 10, 8)}));
}

TEST(MemGroups, MembersStayWithinTheSpanLimit) {
  const int far = static_cast<int>(kMaxGroupSpan);
  // 0 .. far + 8 is too wide; 0 .. far is not.
  EXPECT_FALSE(plan({rv::ld(5, 10, 0), rv::ld(6, 10, far)}));
  const auto g = plan({rv::ld(5, 10, 0), rv::ld(6, 10, far - 8), rv::ld(7, 10, far)});
  ASSERT_TRUE(g);
  EXPECT_EQ(followers(*g), (std::vector<uint64_t>{pc_of(1)}));
  EXPECT_EQ(g->span, kMaxGroupSpan);
  // Negative offsets count from the lowest; any alignment joins.
  const auto n = plan({rv::lw(5, 2, -4), rv::lbu(6, 2, -7), rv::lh(7, 2, 3)});
  ASSERT_TRUE(n);
  EXPECT_EQ(n->low, -7);
  EXPECT_EQ(n->span, 12u);
}

}  // namespace
}  // namespace strata::jit::rv64::test

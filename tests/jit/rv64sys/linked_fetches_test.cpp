// LinkedFetches: which sfence.vma addresses may change a fetch translation the hart's successor
// links stand for: the 4 KiB page of a noted pick, any address of a superpage one was fetched
// through, everything once too many superpages were noted; nothing once cleared.
#include "jit/rv64sys/linked_fetches.hpp"

#include <gtest/gtest.h>

namespace strata::jit::rv64sys {
namespace {

constexpr std::uint64_t k4K = 0x1000, k2M = 2ull << 20, k1G = 1ull << 30;

TEST(LinkedFetches, StartsCoveringNothing) {
  LinkedFetches f;
  EXPECT_FALSE(f.covers(0));
  EXPECT_FALSE(f.covers(0xffff'ffff'8000'0000ull));
}

TEST(LinkedFetches, APageCoversItselfOnly) {
  LinkedFetches f;
  f.note(0x4000'0010, k4K);
  EXPECT_TRUE(f.covers(0x4000'0000));
  EXPECT_TRUE(f.covers(0x4000'0ffe));
  EXPECT_FALSE(f.covers(0x4000'1000));
  EXPECT_FALSE(f.covers(0x3fff'f000));
  EXPECT_FALSE(f.covers(0x4000'5000));
}

TEST(LinkedFetches, ASuperpageCoversEveryAddressOfIt) {
  LinkedFetches f;
  f.note(0xffff'ffff'8020'3000ull, k2M);
  EXPECT_TRUE(f.covers(0xffff'ffff'8020'0000ull));
  EXPECT_TRUE(f.covers(0xffff'ffff'803f'f000ull));
  EXPECT_FALSE(f.covers(0xffff'ffff'8040'0000ull));
  EXPECT_FALSE(f.covers(0xffff'ffff'801f'f000ull));
  f.note(0x1'4000'0000ull, k1G);
  EXPECT_TRUE(f.covers(0x1'7fff'f000ull));
  EXPECT_FALSE(f.covers(0x1'8000'0000ull));
}

TEST(LinkedFetches, TooManySuperpagesCoverEverything) {
  LinkedFetches f;
  for (std::uint64_t i = 0; i < LinkedFetches::kMaxSuperpages; ++i) f.note(i * k2M, k2M);
  EXPECT_FALSE(f.covers(LinkedFetches::kMaxSuperpages * k2M));
  f.note(0, k2M);  // noted already: no new one
  EXPECT_FALSE(f.covers(LinkedFetches::kMaxSuperpages * k2M));
  f.note(LinkedFetches::kMaxSuperpages * k2M, k2M);
  EXPECT_TRUE(f.covers(0x7f'0000'0000ull));
}

TEST(LinkedFetches, ClearForgetsEverything) {
  LinkedFetches f;
  f.note(0x4000'0000, k4K);
  f.note(0x8000'0000, k2M);
  for (std::uint64_t i = 0; i <= LinkedFetches::kMaxSuperpages; ++i) f.note(i * k1G, k1G);
  ASSERT_TRUE(f.covers(0x1234'5000));
  f.clear();
  EXPECT_FALSE(f.covers(0x4000'0000));
  EXPECT_FALSE(f.covers(0x8000'0000));
  EXPECT_FALSE(f.covers(0x1234'5000));
  f.note(0x5000, k4K);
  EXPECT_TRUE(f.covers(0x5000));
  EXPECT_FALSE(f.covers(0x4000'0000));
}

}  // namespace
}  // namespace strata::jit::rv64sys

// Guest RAM mapping and GPA→HVA translation: bounds at every edge, and no wrap-around.
#include "hwvm/memory/guest_memory.hpp"

#include <array>
#include <cstdint>

#include <gtest/gtest.h>

namespace strata::hwvm {
namespace {

constexpr std::uint64_t kMiB = 1 << 20;

TEST(GuestMemory, TranslateInsideAndAtEdges) {
  const RamRange ranges[] = {{0x100000, 2 * kMiB}, {0, 64 * 1024}};  // unsorted on purpose
  auto mem = GuestMemory::create(ranges);
  ASSERT_TRUE(mem) << mem.error().message;
  ASSERT_EQ(mem->regions().size(), 2u);
  EXPECT_EQ(mem->regions()[0].gpa(), 0u);  // sorted by gpa
  EXPECT_EQ(mem->regions()[1].gpa(), 0x100000u);

  auto first = mem->translate(0);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, mem->regions()[0].host());
  auto last = mem->translate(0x100000 + 2 * kMiB - 1);
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, mem->regions()[1].host() + 2 * kMiB - 1);

  EXPECT_FALSE(mem->translate(64 * 1024));            // first byte of the gap
  EXPECT_FALSE(mem->translate(0x100000 + 2 * kMiB));  // one past the end
  EXPECT_TRUE(mem->slice(0x100000 + 2 * kMiB, 0));    // an empty slice at the end is fine
  EXPECT_TRUE(mem->slice(0x100000, 2 * kMiB));        // the whole region
  EXPECT_FALSE(mem->slice(0x100000, 2 * kMiB + 1));
  EXPECT_FALSE(mem->slice(64 * 1024 - 4, 8));  // straddles the end of region 0
}

TEST(GuestMemory, HostileAddressesDoNotWrap) {
  const RamRange ranges[] = {{0, kMiB}};
  auto mem = GuestMemory::create(ranges);
  ASSERT_TRUE(mem);
  EXPECT_FALSE(mem->slice(UINT64_MAX, 1));
  EXPECT_FALSE(mem->slice(UINT64_MAX, UINT64_MAX));
  EXPECT_FALSE(mem->slice(16, UINT64_MAX));       // gpa + len would wrap to 15
  EXPECT_FALSE(mem->slice(16, UINT64_MAX - 15));  // would wrap to exactly 0
  EXPECT_FALSE(mem->slice(kMiB - 1, UINT64_MAX));
  auto err = mem->slice(0x2000000, 4);
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().message, "guest-physical 0x2000000+0x4 is not guest RAM");
}

TEST(GuestMemory, TypedReadWrite) {
  const RamRange ranges[] = {{0, kMiB}};
  auto mem = GuestMemory::create(ranges);
  ASSERT_TRUE(mem);
  ASSERT_TRUE(mem->write_obj<std::uint32_t>(0x1001, 0xdeadbeef));  // unaligned is fine
  auto v = mem->read_obj<std::uint32_t>(0x1001);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, 0xdeadbeefu);
  EXPECT_EQ(mem->regions()[0].host()[0x1001], 0xef);  // little-endian in guest RAM

  const std::array<std::uint8_t, 3> bytes = {1, 2, 3};
  ASSERT_TRUE(mem->write(kMiB - 3, bytes));
  std::array<std::uint8_t, 3> back{};
  ASSERT_TRUE(mem->read(kMiB - 3, back));
  EXPECT_EQ(back, bytes);
  EXPECT_FALSE(mem->write(kMiB - 2, bytes));
  EXPECT_FALSE(mem->read_obj<std::uint64_t>(kMiB - 7));
  EXPECT_TRUE(mem->read_obj<std::uint64_t>(kMiB - 8));
}

TEST(GuestMemory, RejectsBadRanges) {
  const RamRange overlap[] = {{0, 2 * kMiB}, {kMiB, kMiB}};
  auto a = GuestMemory::create(overlap);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().message, "guest RAM ranges overlap at 0x100000");
  const RamRange unaligned[] = {{0x800, kMiB}};
  EXPECT_FALSE(GuestMemory::create(unaligned));
  const RamRange empty[] = {{0, 0}};
  EXPECT_FALSE(GuestMemory::create(empty));
  const RamRange wraps[] = {{UINT64_MAX - 0xfff, 0x2000}};
  auto w = GuestMemory::create(wraps);
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message.find("wraps"), std::string::npos);
}

TEST(GuestMemory, LargeRegionIsNotCommitted) {
  // MAP_NORESERVE: a 16 GiB guest maps instantly and costs nothing until touched.
  const RamRange ranges[] = {{0, 16ull << 30}};
  auto mem = GuestMemory::create(ranges);
  ASSERT_TRUE(mem) << mem.error().message;
  ASSERT_TRUE(mem->write_obj<std::uint8_t>((16ull << 30) - 1, 7));
}

}  // namespace
}  // namespace strata::hwvm

// The x86 RAM layout (hole below 4 GiB) and the e820 table built from it.
#include "hwvm/memory/x86_layout.hpp"

#include <gtest/gtest.h>

#include "hwvm/x86/zero_page.hpp"

namespace strata::hwvm::x86 {
namespace {

constexpr std::uint64_t kMiB = 1 << 20;
constexpr std::uint64_t kGiB = 1ull << 30;

TEST(X86Layout, SmallMachineIsOneRange) {
  auto r = ram_ranges(256 * kMiB);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0], (RamRange{0, 256 * kMiB}));
}

TEST(X86Layout, ExactlyThreeGiBStaysBelowTheHole) {
  auto r = ram_ranges(3 * kGiB);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0], (RamRange{0, kMmioHoleStart}));
}

TEST(X86Layout, LargeMachineSplitsAroundTheHole) {
  auto r = ram_ranges(8 * kGiB);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0], (RamRange{0, 3 * kGiB}));
  EXPECT_EQ((*r)[1], (RamRange{4 * kGiB, 5 * kGiB}));
}

TEST(X86Layout, RejectsBadSizes) {
  EXPECT_FALSE(ram_ranges(0));
  EXPECT_FALSE(ram_ranges(512 * 1024));       // below 1 MiB
  EXPECT_FALSE(ram_ranges(64 * kMiB + 100));  // not a page multiple
  EXPECT_FALSE(ram_ranges(kMaxRamSize + kPageSize));
  EXPECT_FALSE(ram_ranges(UINT64_MAX & ~(kPageSize - 1)));
  EXPECT_TRUE(ram_ranges(kMinRamSize));
}

TEST(E820, SmallMachine) {
  auto ram = ram_ranges(128 * kMiB);
  ASSERT_TRUE(ram);
  auto map = build_e820(*ram);
  ASSERT_TRUE(map) << map.error().message;
  ASSERT_EQ(map->size(), 3u);
  EXPECT_EQ((*map)[0].addr, 0u);
  EXPECT_EQ((*map)[0].size, 0x9fc00u);
  EXPECT_EQ((*map)[0].type, kE820Ram);
  EXPECT_EQ((*map)[1].addr, 0x9fc00u);
  EXPECT_EQ((*map)[1].size, 0x100000u - 0x9fc00u);
  EXPECT_EQ((*map)[1].type, kE820Reserved);
  EXPECT_EQ((*map)[2].addr, 0x100000u);
  EXPECT_EQ((*map)[2].size, 127 * kMiB);
  EXPECT_EQ((*map)[2].type, kE820Ram);
}

TEST(E820, LargeMachineHasRamAbove4GiBAndNoHoleEntry) {
  auto ram = ram_ranges(6 * kGiB);
  ASSERT_TRUE(ram);
  auto map = build_e820(*ram);
  ASSERT_TRUE(map);
  ASSERT_EQ(map->size(), 4u);
  EXPECT_EQ((*map)[2].addr + (*map)[2].size, kMmioHoleStart);
  EXPECT_EQ((*map)[3].addr, kMmioHoleEnd);
  EXPECT_EQ((*map)[3].size, 3 * kGiB);
  EXPECT_EQ((*map)[3].type, kE820Ram);
}

TEST(E820, ExactlyOneMiBHasNoHighEntry) {
  auto ram = ram_ranges(kMiB);
  ASSERT_TRUE(ram);
  auto map = build_e820(*ram);
  ASSERT_TRUE(map);
  EXPECT_EQ(map->size(), 2u);
}

TEST(E820, RequiresRamAtZero) {
  const RamRange high[] = {{kMiB, 16 * kMiB}};
  EXPECT_FALSE(build_e820(high));
  EXPECT_FALSE(build_e820({}));
}

}  // namespace
}  // namespace strata::hwvm::x86

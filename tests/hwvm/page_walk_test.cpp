// translate_linear on hand-built page tables in a byte array standing in for guest RAM: every
// paging mode, large pages, a missing entry and a table outside RAM.
#include "hwvm/x86/page_walk.hpp"

#include <cstring>
#include <vector>

#include <gtest/gtest.h>

namespace {

using strata::Result;
using strata::hwvm::x86::PagingState;
using strata::hwvm::x86::translate_linear;

constexpr std::uint64_t kPg = 1ull << 31;
constexpr std::uint64_t kPe = 1;
constexpr std::uint64_t kPse = 1ull << 4;
constexpr std::uint64_t kPae = 1ull << 5;
constexpr std::uint64_t kLa57 = 1ull << 12;
constexpr std::uint64_t kLma = 1ull << 10;

class Ram {
 public:
  explicit Ram(std::size_t size) : bytes_(size) {}
  void put64(std::uint64_t gpa, std::uint64_t v) { std::memcpy(&bytes_.at(gpa + 7) - 7, &v, 8); }
  void put32(std::uint64_t gpa, std::uint32_t v) { std::memcpy(&bytes_.at(gpa + 3) - 3, &v, 4); }
  strata::hwvm::x86::PhysReader reader() {
    return [this](std::uint64_t gpa, unsigned size) -> Result<std::uint64_t> {
      if (gpa + size > bytes_.size()) return strata::fail("outside");
      std::uint64_t v = 0;
      std::memcpy(&v, bytes_.data() + gpa, size);
      return v;
    };
  }

 private:
  std::vector<std::uint8_t> bytes_;
};

TEST(PageWalk, PagingOffIsIdentity) {
  Ram ram(0x1000);
  auto r = translate_linear(0x12345, PagingState{kPe, 0, 0, 0}, ram.reader());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, 0x12345u);
}

TEST(PageWalk, FourLevelsWith4KAnd2MAnd1GPages) {
  Ram ram(0x10000);
  // PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000 -> PT 0x4000.
  ram.put64(0x1000 + 8 * 1, 0x2000 | 3);                    // PML4[1]: linear bit 39
  ram.put64(0x2000 + 8 * 0, 0x3000 | 3);                    // PDPT[0]
  ram.put64(0x2000 + 8 * 3, 0xc0000000ull | 0x83);          // PDPT[3]: a 1 GiB page
  ram.put64(0x3000 + 8 * 2, 0x4000 | 3);                    // PD[2]: linear 0x400000
  ram.put64(0x3000 + 8 * 5, 0x800000ull | 0x83);            // PD[5]: a 2 MiB page at 0x800000
  ram.put64(0x4000 + 8 * 1, 0x9000ull | 3 | (1ull << 63));  // PT[1], NX set
  const PagingState st{kPg | kPe, 0x1000, kPae, kLma | 0x100};
  const std::uint64_t base = 1ull << 39;
  auto small = translate_linear(base + 0x401abc, st, ram.reader());
  ASSERT_TRUE(small) << small.error().message;
  EXPECT_EQ(*small, 0x9abcu);
  auto large = translate_linear(base + 0xa12345, st, ram.reader());
  ASSERT_TRUE(large) << large.error().message;
  EXPECT_EQ(*large, 0x812345u);
  auto huge = translate_linear(base + 0xc0001234ull, st, ram.reader());
  ASSERT_TRUE(huge) << huge.error().message;
  EXPECT_EQ(*huge, 0xc0001234u);

  auto missing = translate_linear(base + 0x402000, st, ram.reader());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message.rfind("0x8000402000 is not mapped (PTE", 0), 0u)
      << missing.error().message;
  auto no_pml4e = translate_linear(0x1000, st, ram.reader());
  ASSERT_FALSE(no_pml4e);
  EXPECT_NE(no_pml4e.error().message.find("PML4E"), std::string::npos);
}

TEST(PageWalk, TableOutsideRamIsAnError) {
  Ram ram(0x2000);
  ram.put64(0x1000, 0x7000000 | 3);  // PML4[0] -> a PDPT far outside RAM
  auto r = translate_linear(0x1234, PagingState{kPg | kPe, 0x1000, kPae, kLma}, ram.reader());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("outside guest RAM"), std::string::npos) << r.error().message;
}

TEST(PageWalk, ThirtyTwoBitWithAndWithout4MPages) {
  Ram ram(0x10000);
  ram.put32(0x1000 + 4 * 1, 0x400000 | 0x83);  // PDE[1]: a 4 MiB page (with CR4.PSE)
  ram.put32(0x1000 + 4 * 2, 0x2000 | 3);       // PDE[2] -> PT 0x2000
  ram.put32(0x2000 + 4 * 3, 0x5000 | 3);       // PTE[3]
  const PagingState pse{kPg | kPe, 0x1000, kPse, 0};
  EXPECT_EQ(*translate_linear(0x412345, pse, ram.reader()), 0x412345u);
  EXPECT_EQ(*translate_linear(0x803456, pse, ram.reader()), 0x5456u);
  EXPECT_FALSE(translate_linear(0xc00000, pse, ram.reader()));
}

TEST(PageWalk, PaeThreeLevels) {
  Ram ram(0x10000);
  ram.put64(0x1020 + 8 * 1, 0x2000 | 1);          // PDPTE[1] (CR3 is 32-byte aligned)
  ram.put64(0x2000 + 8 * 0, 0x3000 | 3);          // PD[0] -> PT
  ram.put64(0x2000 + 8 * 1, 0x600000ull | 0x83);  // PD[1]: 2 MiB page
  ram.put64(0x3000 + 8 * 4, 0x7000 | 3);
  const PagingState st{kPg | kPe, 0x1020, kPae, 0};
  EXPECT_EQ(*translate_linear(0x40004321, st, ram.reader()), 0x7321u);
  EXPECT_EQ(*translate_linear(0x40212345, st, ram.reader()), 0x612345u);
}

TEST(PageWalk, FiveLevelPagingIsRefused) {
  Ram ram(0x1000);
  auto r = translate_linear(0, PagingState{kPg | kPe, 0, kPae | kLa57, kLma}, ram.reader());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("5-level"), std::string::npos);
}

}  // namespace

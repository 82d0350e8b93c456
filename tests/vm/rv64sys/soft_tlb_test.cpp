// The software TLB: what a fill lets through inline, per kind of access and MMU index, and
// what flushes and code protection take away.
#include "vm/rv64sys/soft_tlb.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace strata::vm::rv64sys {
namespace {

constexpr uint64_t kRamPa = 0x8000'0000, kRamLinear = 0x10'0000;

struct Rig {
  std::vector<uint8_t> storage = std::vector<uint8_t>(SoftTlb::kBytes);
  SoftTlb tlb{storage, RamWindow{kRamPa, 64ull << 20, kRamLinear}};
};

Translation leaf(uint64_t pa, uint64_t flags) {
  return Translation{true, 0, pa, 4096, flags | kPteV | kPteA};
}

TEST(SoftTlb, StartsEmpty) {
  Rig r;
  EXPECT_EQ(r.tlb.lookup(MmuIndex::Supervisor, 0x1000, Access::Load, 8), SoftTlb::kNoTag);
}

TEST(SoftTlb, FillGivesEachAllowedAccessItsTag) {
  Rig r;
  WalkContext s{0, Priv::Supervisor};
  r.tlb.fill(MmuIndex::Supervisor, 0xffff'ffff'8000'1234ull,
             leaf(kRamPa + 0x5000, kPteR | kPteW | kPteD), s, false);
  const uint64_t va = 0xffff'ffff'8000'1238ull;
  EXPECT_EQ(r.tlb.lookup(MmuIndex::Supervisor, va, Access::Load, 8), kRamLinear + 0x5238);
  EXPECT_EQ(r.tlb.lookup(MmuIndex::Supervisor, va, Access::Store, 4), kRamLinear + 0x5238);
  EXPECT_EQ(r.tlb.lookup(MmuIndex::Supervisor, va, Access::Fetch, 2), SoftTlb::kNoTag) << "no X";
  EXPECT_EQ(r.tlb.lookup(MmuIndex::User, va, Access::Load, 8), SoftTlb::kNoTag)
      << "another MMU index";
}

TEST(SoftTlb, MisalignedAccessesMissSoTheSlowPathSplitsThem) {
  Rig r;
  r.tlb.fill(MmuIndex::User, 0x4000, leaf(kRamPa, kPteR | kPteU), WalkContext{0, Priv::User},
             false);
  EXPECT_NE(r.tlb.lookup(MmuIndex::User, 0x4008, Access::Load, 8), SoftTlb::kNoTag);
  EXPECT_EQ(r.tlb.lookup(MmuIndex::User, 0x4004, Access::Load, 8), SoftTlb::kNoTag);
  EXPECT_NE(r.tlb.lookup(MmuIndex::User, 0x4ffc, Access::Load, 4), SoftTlb::kNoTag);
  EXPECT_EQ(r.tlb.lookup(MmuIndex::User, 0x4fff, Access::Load, 2), SoftTlb::kNoTag)
      << "it would cross into the next page";
  EXPECT_NE(r.tlb.lookup(MmuIndex::User, 0x4fff, Access::Load, 1), SoftTlb::kNoTag);
}

TEST(SoftTlb, CleanPagesAndCodePagesWriteThroughTheSlowPath) {
  Rig r;
  WalkContext s{0, Priv::Supervisor};
  r.tlb.fill(MmuIndex::Supervisor, 0x1000, leaf(kRamPa, kPteR | kPteW), s, false);
  EXPECT_EQ(r.tlb.lookup(MmuIndex::Supervisor, 0x1000, Access::Store, 8), SoftTlb::kNoTag)
      << "D clear: the first store must walk to set it";
  EXPECT_NE(r.tlb.lookup(MmuIndex::Supervisor, 0x1000, Access::Load, 8), SoftTlb::kNoTag);
  r.tlb.fill(MmuIndex::Supervisor, 0x2000, leaf(kRamPa + 0x1000, kPteR | kPteW | kPteD), s, true);
  EXPECT_EQ(r.tlb.lookup(MmuIndex::Supervisor, 0x2000, Access::Store, 8), SoftTlb::kNoTag)
      << "the page holds translated code";
}

TEST(SoftTlb, ProtectingACodePageRemovesEveryWriteMappingOfIt) {
  Rig r;
  WalkContext s{0, Priv::Supervisor};
  const auto rw = leaf(kRamPa + 0x7000, kPteR | kPteW | kPteD);
  r.tlb.fill(MmuIndex::Supervisor, 0x1'0000, rw, s, false);  // two aliases of one frame
  r.tlb.fill(MmuIndex::SupervisorSum, 0x3'0000, rw, s, false);
  r.tlb.fill(MmuIndex::Supervisor, 0x2'0000, leaf(kRamPa + 0x8000, kPteR | kPteW | kPteD), s,
             false);
  r.tlb.protect_code_page(kRamPa + 0x7123);
  EXPECT_EQ(r.tlb.lookup(MmuIndex::Supervisor, 0x1'0000, Access::Store, 8), SoftTlb::kNoTag);
  EXPECT_EQ(r.tlb.lookup(MmuIndex::SupervisorSum, 0x3'0000, Access::Store, 8), SoftTlb::kNoTag);
  EXPECT_NE(r.tlb.lookup(MmuIndex::Supervisor, 0x1'0000, Access::Load, 8), SoftTlb::kNoTag)
      << "reads stay fast";
  EXPECT_NE(r.tlb.lookup(MmuIndex::Supervisor, 0x2'0000, Access::Store, 8), SoftTlb::kNoTag)
      << "another frame";
}

TEST(SoftTlb, DevicePagesAreNeverCached) {
  Rig r;
  r.tlb.fill(MmuIndex::Machine, 0x1000'0000, Translation{true, 0, 0x1000'0000, 4096, 0},
             WalkContext{}, false);
  EXPECT_EQ(r.tlb.lookup(MmuIndex::Machine, 0x1000'0000, Access::Load, 1), SoftTlb::kNoTag);
}

TEST(SoftTlb, MachineModeIsPhysical) {
  Rig r;
  r.tlb.fill(MmuIndex::Machine, kRamPa + 0x20'0000,
             Translation{true, 0, kRamPa + 0x20'0000, 4096, 0}, WalkContext{0, Priv::Machine},
             false);
  EXPECT_EQ(r.tlb.lookup(MmuIndex::Machine, kRamPa + 0x20'0010, Access::Store, 8),
            kRamLinear + 0x20'0010);
  EXPECT_EQ(r.tlb.lookup(MmuIndex::Machine, kRamPa + 0x20'0010, Access::Fetch, 4),
            kRamLinear + 0x20'0010);
}

TEST(SoftTlb, FlushesAndSlotReuse) {
  Rig r;
  WalkContext s{0, Priv::Supervisor};
  r.tlb.fill(MmuIndex::Supervisor, 0x5000, leaf(kRamPa, kPteR), s, false);
  r.tlb.fill(MmuIndex::User, 0x5000, leaf(kRamPa, kPteR | kPteU), WalkContext{0, Priv::User},
             false);
  r.tlb.flush_page(0x5abc);
  EXPECT_EQ(r.tlb.lookup(MmuIndex::Supervisor, 0x5000, Access::Load, 8), SoftTlb::kNoTag);
  EXPECT_EQ(r.tlb.lookup(MmuIndex::User, 0x5000, Access::Load, 8), SoftTlb::kNoTag);
  // 0x5000 and 0x105000 share slot 5: the later fill replaces the earlier.
  r.tlb.fill(MmuIndex::Supervisor, 0x5000, leaf(kRamPa, kPteR), s, false);
  r.tlb.fill(MmuIndex::Supervisor, 0x10'5000, leaf(kRamPa + 0x1000, kPteR), s, false);
  EXPECT_EQ(r.tlb.lookup(MmuIndex::Supervisor, 0x5000, Access::Load, 8), SoftTlb::kNoTag);
  EXPECT_EQ(r.tlb.lookup(MmuIndex::Supervisor, 0x10'5000, Access::Load, 8), kRamLinear + 0x1000);
  r.tlb.flush_all();
  EXPECT_EQ(r.tlb.lookup(MmuIndex::Supervisor, 0x10'5000, Access::Load, 8), SoftTlb::kNoTag);
}

// Linux flushes a huge mapping with one sfence.vma at one of its addresses: every entry the
// superpage filled goes, whichever 4 KiB page of it each caches; 4 KiB entries elsewhere stay.
TEST(SoftTlb, FlushingOneAddressOfASuperpageDropsAllItsEntries) {
  Rig r;
  WalkContext s{0, Priv::Supervisor};
  constexpr uint64_t kHuge = 0xffff'ffff'8020'0000ull;  // a 2 MiB page
  auto huge_leaf = [](uint64_t pa) {
    return Translation{true, 0, pa, 2ull << 20, kPteV | kPteA | kPteR};
  };
  r.tlb.fill(MmuIndex::Supervisor, kHuge + 0x3000, huge_leaf(kRamPa + 0x203000), s, false);
  r.tlb.fill(MmuIndex::Supervisor, kHuge + 0x1f'f000, huge_leaf(kRamPa + 0x3ff000), s, false);
  r.tlb.fill(MmuIndex::Supervisor, 0x7000, leaf(kRamPa + 0x7000, kPteR), s, false);
  r.tlb.flush_page(kHuge + 0x10'0abc);  // neither cached page, same superpage
  EXPECT_EQ(r.tlb.lookup(MmuIndex::Supervisor, kHuge + 0x3000, Access::Load, 8), SoftTlb::kNoTag);
  EXPECT_EQ(r.tlb.lookup(MmuIndex::Supervisor, kHuge + 0x1f'f000, Access::Load, 8),
            SoftTlb::kNoTag);
  EXPECT_EQ(r.tlb.lookup(MmuIndex::Supervisor, 0x7000, Access::Load, 8), kRamLinear + 0x7000);
  // A flush outside the superpage leaves its entries alone.
  r.tlb.fill(MmuIndex::Supervisor, kHuge + 0x3000, huge_leaf(kRamPa + 0x203000), s, false);
  r.tlb.flush_page(kHuge + (2ull << 20));
  EXPECT_EQ(r.tlb.lookup(MmuIndex::Supervisor, kHuge + 0x3000, Access::Load, 8),
            kRamLinear + 0x203000);
  // Refilling the slot with a 4 KiB page forgets the superpage: a later flush of the superpage
  // leaves that page's entry.
  r.tlb.fill(MmuIndex::Supervisor, 0x4000'3000, leaf(kRamPa + 0x9000, kPteR), s, false);
  r.tlb.flush_page(kHuge);
  EXPECT_EQ(r.tlb.lookup(MmuIndex::Supervisor, 0x4000'3000, Access::Load, 8), kRamLinear + 0x9000);
}

// flush_page scans for superpage entries only between the lowest and highest superpage byte
// filled since the last time none was cached: flushes around, between and inside superpages far
// apart, and a superpage filled below the old range once they all went.
TEST(SoftTlb, FlushesFindSuperpageEntriesWhereverTheSuperpagesLie) {
  Rig r;
  WalkContext s{0, Priv::Supervisor};
  constexpr uint64_t kLow = 0x4000'0000, kHigh = 0xffff'ffff'8020'0000ull, kMiB2 = 2ull << 20;
  auto huge_leaf = [](uint64_t pa) {
    return Translation{true, 0, pa, 2ull << 20, kPteV | kPteA | kPteR};
  };
  auto cached = [&](uint64_t va) {
    return r.tlb.lookup(MmuIndex::Supervisor, va, Access::Load, 8) != SoftTlb::kNoTag;
  };
  r.tlb.fill(MmuIndex::Supervisor, kLow + 0x5000, huge_leaf(kRamPa + 0x5000), s, false);
  r.tlb.fill(MmuIndex::Supervisor, kHigh + 0x3000, huge_leaf(kRamPa + 0x203000), s, false);
  r.tlb.flush_page(0x9000'0000);    // between them, in neither
  r.tlb.flush_page(kLow - 0x1000);  // below both
  r.tlb.flush_page(0x1000);         // far below
  EXPECT_TRUE(cached(kLow + 0x5000));
  EXPECT_TRUE(cached(kHigh + 0x3000));
  r.tlb.flush_page(kHigh + 0x1f'0000);  // inside the high one, another 4 KiB page
  EXPECT_TRUE(cached(kLow + 0x5000));
  EXPECT_FALSE(cached(kHigh + 0x3000));
  r.tlb.flush_page(kLow + kMiB2 - 1);  // the low one's last byte
  EXPECT_FALSE(cached(kLow + 0x5000));
  // None cached now: a superpage below the old range is found too.
  constexpr uint64_t kLower = 0x2000'0000;
  r.tlb.fill(MmuIndex::Supervisor, kLower + 0x7000, huge_leaf(kRamPa + 0x7000), s, false);
  r.tlb.flush_page(kLower + 0x10'0000);
  EXPECT_FALSE(cached(kLower + 0x7000));
}

// What the hart's loop notes for its successor links (jit/rv64sys/linked_fetches.hpp): the size
// of the page the entry a lookup hits was filled from.
TEST(SoftTlb, PageSizeIsTheFilledLeafs) {
  Rig r;
  WalkContext s{0, Priv::Supervisor};
  constexpr uint64_t kHuge = 0xffff'ffff'8020'0000ull;
  r.tlb.fill(MmuIndex::Supervisor, kHuge + 0x3000,
             Translation{true, 0, kRamPa + 0x203000, 2ull << 20, kPteV | kPteA | kPteX}, s, false);
  r.tlb.fill(MmuIndex::Supervisor, 0x7000, leaf(kRamPa + 0x7000, kPteX), s, false);
  EXPECT_EQ(r.tlb.page_size(MmuIndex::Supervisor, kHuge + 0x3000), 2ull << 20);
  EXPECT_EQ(r.tlb.page_size(MmuIndex::Supervisor, 0x7000), 0x1000u);
  EXPECT_EQ(r.tlb.page_size(MmuIndex::User, kHuge + 0x3000), 0x1000u);  // another index
  r.tlb.fill(MmuIndex::Supervisor, 0x4000'3000, leaf(kRamPa + 0x9000, kPteX), s, false);
  EXPECT_EQ(r.tlb.page_size(MmuIndex::Supervisor, 0x4000'3000), 0x1000u);  // the slot refilled
}

TEST(SoftTlb, SumAndMxrFollowTheWalkContext) {
  Rig r;
  WalkContext sum{0, Priv::Supervisor, true, false};
  r.tlb.fill(MmuIndex::SupervisorSum, 0x6000, leaf(kRamPa, kPteR | kPteW | kPteD | kPteU | kPteX),
             sum, false);
  EXPECT_NE(r.tlb.lookup(MmuIndex::SupervisorSum, 0x6000, Access::Store, 8), SoftTlb::kNoTag);
  EXPECT_EQ(r.tlb.lookup(MmuIndex::SupervisorSum, 0x6000, Access::Fetch, 4), SoftTlb::kNoTag)
      << "S never executes U pages";
  WalkContext mxr{0, Priv::User, false, true};
  r.tlb.fill(MmuIndex::User, 0x7000, leaf(kRamPa, kPteX | kPteU), mxr, false);
  EXPECT_NE(r.tlb.lookup(MmuIndex::User, 0x7000, Access::Load, 8), SoftTlb::kNoTag);
}

}  // namespace
}  // namespace strata::vm::rv64sys

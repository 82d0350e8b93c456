// The Sv39/Sv48 walk against page tables built by hand, one rule of the privileged spec's
// algorithm (4.3.2) per test.
#include "vm/rv64sys/page_walk.hpp"

#include <cstdint>
#include <unordered_map>

#include <gtest/gtest.h>

namespace strata::vm::rv64sys {
namespace {

constexpr uint64_t kRam = 0x8000'0000, kRamSize = 64ull << 20;

// Physical memory: RAM at kRam, PTEs kept sparse; a read outside RAM fails (access fault).
// `reads` counts the walk's PTE reads (not the compare-and-swaps).
class FakePhys final : public PhysAccess {
 public:
  bool read_pte(uint64_t pa, uint64_t* v) override {
    ++reads;
    if (pa < kRam || pa >= kRam + kRamSize) return false;
    auto it = words.find(pa);
    *v = it == words.end() ? 0 : it->second;
    return true;
  }
  bool cas_pte(uint64_t pa, uint64_t expected, uint64_t desired) override {
    if (steal_next_cas) {  // another hart rewrote the PTE first
      steal_next_cas = false;
      words[pa] = expected | kPteA;
      return false;
    }
    if (pa < kRam || pa >= kRam + kRamSize || words[pa] != expected) return false;
    words[pa] = desired;
    return true;
  }
  std::unordered_map<uint64_t, uint64_t> words;
  int reads = 0;
  bool steal_next_cas = false;
};

uint64_t pte(uint64_t pa, uint64_t flags) {
  return ((pa >> 12) << 10) | flags | kPteV;
}

constexpr uint64_t kRoot = kRam + 0x1000, kL1 = kRam + 0x2000, kL0 = kRam + 0x3000;
constexpr uint64_t kRwx = kPteR | kPteW | kPteX;

uint64_t satp(uint64_t mode, uint64_t root) {
  return (mode << 60) | (root >> 12);
}

// Sv39 tables mapping va 0x4000_1000 (vpn2 1, vpn1 0, vpn0 1) to `leaf_pa` with `flags`.
FakePhys sv39_4k(uint64_t leaf_pa, uint64_t flags) {
  FakePhys m;
  m.words[kRoot + 1 * 8] = pte(kL1, 0);
  m.words[kL1 + 0 * 8] = pte(kL0, 0);
  m.words[kL0 + 1 * 8] = pte(leaf_pa, flags);
  return m;
}

WalkContext sv39(Priv p = Priv::Supervisor) {
  return WalkContext{satp(kSatpModeSv39, kRoot), p};
}

TEST(PageWalk, BareAndMachineModeAreIdentity) {
  FakePhys m;
  auto t = translate(0x1234'5678, Access::Load, WalkContext{0, Priv::Supervisor}, m);
  EXPECT_TRUE(t.ok);
  EXPECT_EQ(t.pa, 0x1234'5678u);
  t = translate(0xdead'b000, Access::Store, WalkContext{satp(kSatpModeSv39, kRoot), Priv::Machine},
                m);
  EXPECT_TRUE(t.ok);
  EXPECT_EQ(t.pa, 0xdead'b000u);
  EXPECT_EQ(m.reads, 0);
}

TEST(PageWalk, Sv39FourKilobytePageAndAccessedBit) {
  auto m = sv39_4k(kRam + 0x50'0000, kPteR | kPteW);
  auto t = translate(0x4000'1abc, Access::Load, sv39(), m);
  ASSERT_TRUE(t.ok) << t.cause;
  EXPECT_EQ(t.pa, kRam + 0x50'0abc);
  EXPECT_EQ(t.page_size, 4096u);
  EXPECT_EQ(m.reads, 3);
  EXPECT_NE(m.words[kL0 + 8] & kPteA, 0u);
  EXPECT_EQ(m.words[kL0 + 8] & kPteD, 0u) << "a load must not set D";
  t = translate(0x4000'1000, Access::Store, sv39(), m);
  ASSERT_TRUE(t.ok);
  EXPECT_NE(m.words[kL0 + 8] & kPteD, 0u) << "a store sets D";
  EXPECT_EQ(t.pte & (kPteA | kPteD), kPteA | kPteD);
}

TEST(PageWalk, Sv39MegaAndGigaPages) {
  FakePhys m;
  m.words[kRoot + 2 * 8] = pte(0xc000'0000, kRwx);  // 1 GiB at va 0x8000_0000
  m.words[kRoot + 1 * 8] = pte(kL1, 0);
  m.words[kL1 + 3 * 8] = pte(kRam + 0x20'0000, kPteR);  // 2 MiB at va 0x4060_0000
  auto t = translate(0x8123'4567, Access::Fetch, sv39(), m);
  ASSERT_TRUE(t.ok);
  EXPECT_EQ(t.pa, 0xc123'4567u);
  EXPECT_EQ(t.page_size, 1u << 30);
  t = translate(0x406f'ffff, Access::Load, sv39(), m);
  ASSERT_TRUE(t.ok);
  EXPECT_EQ(t.pa, kRam + 0x2f'ffff);
  EXPECT_EQ(t.page_size, 2u << 20);
}

TEST(PageWalk, MisalignedSuperpageFaults) {
  FakePhys m;
  m.words[kRoot + 1 * 8] = pte(kL1, 0);
  m.words[kL1 + 0 * 8] = pte(kRam + 0x1000, kPteR);  // a 2 MiB leaf whose PPN[0] is not 0
  auto t = translate(0x4000'0000, Access::Load, sv39(), m);
  EXPECT_FALSE(t.ok);
  EXPECT_EQ(t.cause, kCauseLoadPage);
}

TEST(PageWalk, InvalidAndReservedEncodingsFault) {
  auto m = sv39_4k(kRam, kPteW);  // W without R is reserved
  EXPECT_EQ(translate(0x4000'1000, Access::Store, sv39(), m).cause, kCauseStorePage);
  m = sv39_4k(kRam, kPteR);
  m.words[kL0 + 8] &= ~kPteV;
  EXPECT_EQ(translate(0x4000'1000, Access::Fetch, sv39(), m).cause, kCauseFetchPage);
  m = sv39_4k(kRam, kPteR);
  m.words[kL0 + 8] |= 1ull << 61;  // PBMT without Svpbmt
  EXPECT_EQ(translate(0x4000'1000, Access::Load, sv39(), m).cause, kCauseLoadPage);
  m = sv39_4k(kRam, kPteR);
  m.words[kL1] |= kPteD;  // D in a non-leaf PTE
  EXPECT_EQ(translate(0x4000'1000, Access::Load, sv39(), m).cause, kCauseLoadPage);
}

TEST(PageWalk, NonCanonicalAddressFaultsWithoutReadingTables) {
  auto m = sv39_4k(kRam, kPteR);
  auto t = translate(0x0000'0040'0000'0000ull, Access::Load, sv39(), m);  // bit 38 set, 63 clear
  EXPECT_FALSE(t.ok);
  EXPECT_EQ(t.cause, kCauseLoadPage);
  EXPECT_EQ(m.reads, 0);
  // The top half is canonical when every upper bit is set.
  m.words[kRoot + 511 * 8] = pte(0x8000'0000, kRwx);
  t = translate(0xffff'ffff'c000'0010ull, Access::Load, sv39(), m);
  ASSERT_TRUE(t.ok);
  EXPECT_EQ(t.pa, 0x8000'0010u);
}

TEST(PageWalk, PermissionRules) {
  auto m = sv39_4k(kRam, kPteR | kPteU);
  WalkContext s = sv39();
  EXPECT_EQ(translate(0x4000'1000, Access::Load, s, m).cause, kCauseLoadPage)
      << "S, U page, no SUM";
  s.sum = true;
  EXPECT_TRUE(translate(0x4000'1000, Access::Load, s, m).ok) << "S, U page, SUM";
  EXPECT_EQ(translate(0x4000'1000, Access::Store, s, m).cause, kCauseStorePage) << "no W";
  EXPECT_TRUE(translate(0x4000'1000, Access::Load, sv39(Priv::User), m).ok);

  m = sv39_4k(kRam, kPteX | kPteU);
  s = sv39();
  s.sum = true;
  EXPECT_EQ(translate(0x4000'1000, Access::Fetch, s, m).cause, kCauseFetchPage)
      << "S never executes U pages";
  EXPECT_TRUE(translate(0x4000'1000, Access::Fetch, sv39(Priv::User), m).ok);
  EXPECT_EQ(translate(0x4000'1000, Access::Load, sv39(Priv::User), m).cause, kCauseLoadPage)
      << "execute-only without MXR";
  WalkContext mxr = sv39(Priv::User);
  mxr.mxr = true;
  EXPECT_TRUE(translate(0x4000'1000, Access::Load, mxr, m).ok) << "MXR reads X pages";

  m = sv39_4k(kRam, kRwx);
  EXPECT_EQ(translate(0x4000'1000, Access::Load, sv39(Priv::User), m).cause, kCauseLoadPage)
      << "U-mode needs U=1";
}

TEST(PageWalk, PteOutsideMemoryIsAnAccessFault) {
  FakePhys m;
  m.words[kRoot + 1 * 8] = pte(0x1000'0000, 0);  // next level in device space
  EXPECT_EQ(translate(0x4000'0000, Access::Load, sv39(), m).cause, kCauseLoadAccess);
  EXPECT_EQ(translate(0x4000'0000, Access::Store, sv39(), m).cause, kCauseStoreAccess);
  EXPECT_EQ(translate(0x4000'0000, Access::Fetch, sv39(), m).cause, kCauseFetchAccess);
}

// A table whose entries point back at itself: the walk stops after the last level.
TEST(PageWalk, SelfReferencingTableIsBounded) {
  FakePhys m;
  m.words[kRoot] = pte(kRoot, 0);
  auto t = translate(0x0, Access::Load, sv39(), m);
  EXPECT_FALSE(t.ok);
  EXPECT_EQ(t.cause, kCauseLoadPage);
  EXPECT_EQ(m.reads, 3);
}

TEST(PageWalk, Sv48HasFourLevels) {
  FakePhys m;
  const uint64_t l2 = kRam + 0x4000;
  m.words[kRoot + 1 * 8] = pte(l2, 0);  // vpn3 = 1: va 0x80_0000_0000
  m.words[l2 + 0] = pte(kL1, 0);
  m.words[kL1 + 0] = pte(kL0, 0);
  m.words[kL0 + 2 * 8] = pte(kRam + 0x9000, kPteR | kPteW);
  WalkContext c{satp(kSatpModeSv48, kRoot), Priv::Supervisor};
  auto t = translate(0x80'0000'2008ull, Access::Store, c, m);
  ASSERT_TRUE(t.ok) << t.cause;
  EXPECT_EQ(t.pa, kRam + 0x9008);
  EXPECT_EQ(m.reads, 4);
  // Canonical for Sv48 means bits 63..47 equal; bit 47 alone set is not.
  EXPECT_FALSE(translate(0x8000'0000'0000ull, Access::Load, c, m).ok);
}

TEST(PageWalk, LostUpdateRaceWalksAgain) {
  auto m = sv39_4k(kRam + 0x7000, kPteR | kPteW);
  m.steal_next_cas = true;
  auto t = translate(0x4000'1000, Access::Store, sv39(), m);
  ASSERT_TRUE(t.ok);
  EXPECT_EQ(m.reads, 6) << "one walk lost the A/D update, the second one succeeded";
  EXPECT_EQ(m.words[kL0 + 8] & (kPteA | kPteD), kPteA | kPteD);
}

}  // namespace
}  // namespace strata::vm::rv64sys

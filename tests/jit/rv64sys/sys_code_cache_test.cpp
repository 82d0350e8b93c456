// SysCodeCache's record of which physical pages hold units (page_has_code), which decides
// whether a TLB fill lets stores to a page hit inline and whether a slow-path store drops units:
// set by every unit of a page, cleared when the page's units are dropped, for RAM pages (a
// bitmap) and for any other page (the page map) alike.
#include <cstring>
#include <memory>

#include <gtest/gtest.h>

#include "jit/rv64/guest_module.hpp"
#include "jit/rv64/translator.hpp"
#include "jit/rv64sys/sys_code_cache.hpp"
#include "vm/memory.hpp"

namespace strata::jit::rv64sys {
namespace {

constexpr std::uint64_t kRamBase = 0x8000'0000;
constexpr std::uint64_t kRamSize = 1 << 20;

class SysCodeCachePages : public ::testing::Test {
 protected:
  void SetUp() override {
    auto inst = rv64::make_guest_instance(vm::LinearMemory::kPageSize);
    ASSERT_TRUE(inst) << inst.error().message;
    inst_ = std::move(*inst);
    cache_ = std::make_unique<SysCodeCache>(*inst_, nullptr, nullptr,
                                            vm::rv64sys::RamWindow{kRamBase, kRamSize, 0});
  }
  // A unit at virtual `va`, physical `pa` (`pa2`: an instruction's second half): `addi a0, a0,
  // 1; ret`.
  void add_unit(std::uint64_t va, std::uint64_t pa, std::uint64_t pa2 = 0) {
    const rv64::FetchFn fetch = [va](std::uint64_t at, std::uint16_t* parcel) {
      static constexpr std::uint32_t kCode[] = {0x00150513u, 0x00008067u};
      if (at < va || at >= va + sizeof kCode) return false;
      std::memcpy(parcel, reinterpret_cast<const std::uint8_t*>(kCode) + (at - va), 2);
      return true;
    };
    const rv64::SystemTarget target{};
    auto t = rv64::translate_block(va, fetch, &target);
    ASSERT_TRUE(t) << t.error().message;
    cache_->insert(UnitKey{va, pa, target.data_index, pa2 == 0 ? 0 : pa2 | 1}, std::move(*t), 0);
  }

  std::unique_ptr<vm::Instance> inst_;
  std::unique_ptr<SysCodeCache> cache_;
};

TEST_F(SysCodeCachePages, AUnitMarksItsRamPageUntilThePageIsDropped) {
  const std::uint64_t page = kRamBase + 0x5000;
  EXPECT_FALSE(cache_->page_has_code(page + 0x10));
  add_unit(0xffff'ffff'8000'0010, page + 0x10);
  add_unit(0xffff'ffff'8000'0400, page + 0x400);
  EXPECT_TRUE(cache_->page_has_code(page));
  EXPECT_TRUE(cache_->page_has_code(page + 0xff8));
  EXPECT_FALSE(cache_->page_has_code(page - 8));
  EXPECT_FALSE(cache_->page_has_code(page + 0x1000));
  EXPECT_EQ(cache_->drop_page(page + 0x123), 2u);
  EXPECT_FALSE(cache_->page_has_code(page));
  EXPECT_EQ(cache_->size(), 0u);
}

TEST_F(SysCodeCachePages, AnInstructionAcrossPagesMarksBoth) {
  // Its halves in RAM's first and last pages: the bitmap's ends.
  const std::uint64_t last = kRamBase + kRamSize - 0x1000;
  add_unit(0x1ffe, last + 0xffe, kRamBase);
  EXPECT_TRUE(cache_->page_has_code(last));
  EXPECT_TRUE(cache_->page_has_code(kRamBase));
  EXPECT_FALSE(cache_->page_has_code(kRamBase + 0x1000));
  EXPECT_EQ(cache_->drop_page(kRamBase), 1u);
  EXPECT_FALSE(cache_->page_has_code(kRamBase));
  EXPECT_EQ(cache_->size(), 0u);
}

TEST_F(SysCodeCachePages, PagesOutsideRamAreAnsweredByThePageMap) {
  add_unit(0x3000, 0x3000);
  add_unit(0x5000, kRamBase + kRamSize);  // the first page past RAM
  EXPECT_TRUE(cache_->page_has_code(0x3008));
  EXPECT_TRUE(cache_->page_has_code(kRamBase + kRamSize));
  EXPECT_FALSE(cache_->page_has_code(0x4000));
  EXPECT_FALSE(cache_->page_has_code(kRamBase + kRamSize - 0x1000));
  EXPECT_EQ(cache_->drop_page(0x3000), 1u);
  EXPECT_FALSE(cache_->page_has_code(0x3000));
}

TEST_F(SysCodeCachePages, DropAllClearsEveryPage) {
  add_unit(0x1000, kRamBase + 0x1000);
  add_unit(0x2000, kRamBase + 0x42000);
  add_unit(0x3000, 0x3000);
  EXPECT_EQ(cache_->drop_all(), 3u);
  EXPECT_FALSE(cache_->page_has_code(kRamBase + 0x1000));
  EXPECT_FALSE(cache_->page_has_code(kRamBase + 0x42000));
  EXPECT_FALSE(cache_->page_has_code(0x3000));
}

// SUCCESSOR LINKS: a flush of an address no pick of the epoch fetched through leaves the epoch;
// one of a noted page ends it, as does any drop, after which nothing is noted any more.
TEST_F(SysCodeCachePages, OnlyAFlushOfANotedFetchEndsTheLinkEpoch) {
  const std::uint64_t e0 = cache_->link_epoch();
  cache_->note_fetch(0x4000'0000, 0x1000);
  cache_->flush_fetch(0x4000'1000);
  EXPECT_EQ(cache_->link_epoch(), e0);
  EXPECT_EQ(cache_->stats().flushes_kept_links, 1u);
  cache_->flush_fetch(0x4000'0ffc);
  EXPECT_EQ(cache_->link_epoch(), e0 + 1);
  cache_->flush_fetch(0x4000'0000);  // the new epoch noted nothing
  EXPECT_EQ(cache_->link_epoch(), e0 + 1);
  cache_->note_fetch(0x4000'0000, 0x1000);
  add_unit(0x1000, kRamBase + 0x1000);
  EXPECT_EQ(cache_->drop_page(kRamBase + 0x1000), 1u);
  const std::uint64_t e1 = cache_->link_epoch();
  EXPECT_GT(e1, e0 + 1);
  cache_->flush_fetch(0x4000'0000);
  EXPECT_EQ(cache_->link_epoch(), e1);
}

}  // namespace
}  // namespace strata::jit::rv64sys

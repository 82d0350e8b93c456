// The hart's chained exits (sys_code_cache.hpp CHAINED EXITS, baseline/chain.hpp LINKED EXITS):
// a compiled system unit follows its own successor links into the next unit's code, only while
// the link's epoch is the cache's, no interrupt is pending and enabled, no drop is deferred and
// the slice lasts; a special exit never chains. Units translated from real RISC-V code, run as
// the hart's loop runs them (frame 0 over the stack), with the state page at linear address 0.
#include <cstring>
#include <memory>

#include <gtest/gtest.h>

#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "jit/rv64/guest_module.hpp"
#include "jit/rv64/translator.hpp"
#include "jit/rv64sys/sys_code_cache.hpp"
#include "vm/interp.hpp"
#include "vm/memory.hpp"
#include "vm/rv64/guest_layout.hpp"

namespace strata::jit::rv64sys {
namespace {

using rv64::CachedBlock;
namespace state = vm::rv64::state;

constexpr std::uint64_t kRamBase = 0x8000'0000;
constexpr std::uint64_t kRamSize = 1 << 20;
constexpr std::uint64_t kMip = 1u << 9;  // SEIP

class SysChainedExits : public ::testing::Test {
 protected:
  void SetUp() override {
    auto inst = rv64::make_guest_instance(vm::LinearMemory::kPageSize);
    ASSERT_TRUE(inst) << inst.error().message;
    inst_ = std::move(*inst);
    auto code = CodeCache::create({.capacity_bytes = 64 * 4096, .chunk_bytes = 4096});
    ASSERT_TRUE(code.has_value()) << code.error().message;
    code_ = std::move(*code);
    jit_ = std::make_unique<baseline::BaselineJit>(*code_);
    cache_ = std::make_unique<SysCodeCache>(*inst_, jit_.get(), code_.get(),
                                            vm::rv64sys::RamWindow{kRamBase, kRamSize, 0});
    baseline::ChainContext& ctx = cache_->chain_context();
    ctx.epochs = true;
    ctx.slice_left = &slice_;
    ctx.written = &written_;
    ctx.irq_pending = &mip_;
    ctx.irq_enabled = &mie_;
    ctx.count_limit = 100;
    cache_->enable_chaining();
  }
  void TearDown() override {
    cache_.reset();  // its units' code leaves the CodeCache first
    jit_.reset();
  }

  // A compiled unit at virtual `va` of `insns` (RISC-V words).
  CachedBlock* add_unit(std::uint64_t va, std::vector<std::uint32_t> insns) {
    const rv64::FetchFn fetch = [va, insns](std::uint64_t at, std::uint16_t* parcel) {
      if (at < va || at >= va + insns.size() * 4) return false;
      std::memcpy(parcel, reinterpret_cast<const std::uint8_t*>(insns.data()) + (at - va), 2);
      return true;
    };
    const rv64::SystemTarget target{};
    auto t = rv64::translate_block(va, fetch, &target);
    EXPECT_TRUE(t) << t.error().message;
    if (!t) return nullptr;
    CachedBlock* b =
        cache_->insert(UnitKey{va, kRamBase + (va & 0xfffff), target.data_index}, std::move(*t), 0);
    EXPECT_TRUE(cache_->compile(*b));
    return b;
  }
  // `addi a0, a0, 1; jr rs`: counts its runs in a0 and leaves for x[rs] (an exit to a
  // register). b-units below leave for t0, which the tests point where no unit is.
  CachedBlock* add_counter(std::uint64_t va, unsigned rs = 1) {
    return add_unit(va, {0x00150513u, 0x00000067u | rs << 15});
  }
  static constexpr unsigned kT0 = 5;
  static constexpr std::uint64_t kNowhere = 0x5000;
  // a_ at 0x1000 leaves for ra = 0x2000, where b_ is; b_ leaves for t0, where no unit is; a0
  // counts the runs of both.
  void add_pair() {
    a_ = add_counter(0x1000);
    b_ = add_counter(0x2000, kT0);
    ASSERT_NE(a_, nullptr);
    ASSERT_NE(b_, nullptr);
    x(1) = 0x2000;
    x(5) = kNowhere;
    x(10) = 0;
  }

  std::uint64_t& x(unsigned i) {
    return *reinterpret_cast<std::uint64_t*>(inst_->memory.data() + state::kX + 8 * i);
  }
  // Runs `b` as the hart's run_block does; returns the value the run returned.
  std::uint64_t run(const CachedBlock& b) {
    vm::Frame* fp = st_.frames;
    fp->fn = &b.func;
    fp->base = st_.stack;
    fp->pc = b.func.code;
    cache_->chain_context().running = nullptr;
    const auto s = static_cast<vm::ExecStatus>(b.func.jit_entry(&st_, st_.stack, fp));
    EXPECT_EQ(s, vm::ExecStatus::Returned);
    return st_.jit_retval.bits;
  }
  std::uint64_t chained() const { return cache_->chain_context().chained; }

  vm::ExecState st_{vm::Limits{}};
  std::int64_t slice_ = 1000;
  std::size_t written_ = 0;
  std::uint64_t mip_ = 0, mie_ = 0;
  std::unique_ptr<vm::Instance> inst_;
  std::unique_ptr<CodeCache> code_;
  std::unique_ptr<baseline::BaselineJit> jit_;
  std::unique_ptr<SysCodeCache> cache_;
  CachedBlock* a_ = nullptr;
  CachedBlock* b_ = nullptr;
};

TEST_F(SysChainedExits, AUnitFollowsItsLinkIntoTheNextUnitsCode) {
  ASSERT_NO_FATAL_FAILURE(add_pair());
  CachedBlock *a = a_, *b = b_;
  cache_->link(*a, 0x2000, *b, 0);
  // a ran, then b, which left for t0 (no unit there: it returned).
  EXPECT_EQ(run(*a), kNowhere);
  EXPECT_EQ(x(10), 2u);
  EXPECT_EQ(chained(), 1u);
  EXPECT_EQ(cache_->chain_context().running, b);
  EXPECT_EQ(st_.frames[0].fn, &b->func);
  EXPECT_EQ(slice_, 999);
}

// chain.hpp FRAMES: baseline code compiled for the hart is entered past its frame set-up; a
// target whose code is not the code that entry belongs to (LLVM's, say) is entered at its
// jit_entry, the jumping frame popped first.
TEST_F(SysChainedExits, ATargetIsEnteredPastItsFrameSetUpOnlyWhileItsCodeIsTheExpectedOne) {
  ASSERT_NO_FATAL_FAILURE(add_pair());
  CachedBlock *a = a_, *b = b_;
  EXPECT_NE(b->chain_enter, nullptr);
  EXPECT_EQ(b->chain_expect, reinterpret_cast<const void*>(b->func.jit_entry));
  cache_->link(*a, 0x2000, *b, 0);
  EXPECT_EQ(b->entry.enter, b->chain_enter);
  EXPECT_EQ(run(*a), kNowhere);
  EXPECT_EQ(x(10), 2u);
  b->entry.expect = nullptr;  // as for code installed since the link
  EXPECT_EQ(run(*a), kNowhere);
  EXPECT_EQ(x(10), 4u);
  EXPECT_EQ(chained(), 2u);
  EXPECT_EQ(st_.frames[0].fn, &b->func);
}

TEST_F(SysChainedExits, ALinkToAnotherPcOrOfAnEndedEpochIsNotFollowed) {
  ASSERT_NO_FATAL_FAILURE(add_pair());
  CachedBlock *a = a_, *b = b_;
  cache_->link(*a, 0x2004, *b, 0);
  EXPECT_EQ(run(*a), 0x2000u);
  EXPECT_EQ(x(10), 1u);
  cache_->link(*a, 0x2000, *b, 0);
  cache_->invalidate_links();
  EXPECT_EQ(run(*a), 0x2000u);
  EXPECT_EQ(x(10), 2u);
  EXPECT_EQ(chained(), 0u);
  // The older of its two links still counts (the recent record of 0x2000 overwritten).
  cache_->link(*a, 0x2000, *b, 0);
  cache_->link(*a, 0x3000, *b, 0);
  cache_->note_entry(0x2000 + 2 * SysCodeCache::kRecentSize, *b, 0);
  EXPECT_EQ(run(*a), kNowhere);
  EXPECT_EQ(x(10), 4u);
  EXPECT_EQ(chained(), 1u);
}

// An exit to a pc neither of the unit's links has: the unit the loop found there in this epoch
// (note_entry), from whatever unit it came.
TEST_F(SysChainedExits, AnExitNeitherLinkHasFindsTheUnitTheLoopFoundThereInThisEpoch) {
  // Neither the record's index nor the epoch 0.
  constexpr std::uint64_t kB = 0x2468;
  cache_->invalidate_links();
  cache_->invalidate_links();
  CachedBlock* a = add_counter(0x1000);
  CachedBlock* b = add_counter(kB, kT0);
  CachedBlock* c = add_counter(0x3000);
  ASSERT_NE(c, nullptr);
  x(1) = kB;
  x(5) = kNowhere;
  x(10) = 0;
  cache_->link(*a, 0x3000, *c, 0);
  cache_->link(*a, 0x3004, *c, 0);
  cache_->note_entry(kB, *b, 0);
  EXPECT_EQ(run(*a), kNowhere);
  EXPECT_EQ(x(10), 2u);
  EXPECT_EQ(chained(), 1u);
  EXPECT_EQ(cache_->chain_context().running, b);
  // Another pc with the same record index: not b's.
  x(1) = kB + 2 * SysCodeCache::kRecentSize;
  EXPECT_EQ(run(*a), x(1));
  EXPECT_EQ(chained(), 1u);
  // A record of an ended epoch.
  x(1) = kB;
  cache_->invalidate_links();
  EXPECT_EQ(run(*a), kB);
  EXPECT_EQ(x(10), 4u);
  EXPECT_EQ(chained(), 1u);
}

TEST_F(SysChainedExits, APendingEnabledInterruptAPageToDropOrASpentSliceStopsTheChain) {
  ASSERT_NO_FATAL_FAILURE(add_pair());
  CachedBlock *a = a_, *b = b_;
  cache_->link(*a, 0x2000, *b, 0);
  mip_ = kMip;
  mie_ = kMip;
  run(*a);
  EXPECT_EQ(chained(), 0u);
  mie_ = 0;  // pending, not enabled: the loop would not take it either
  run(*a);
  EXPECT_EQ(chained(), 1u);
  written_ = 1;
  run(*a);
  EXPECT_EQ(chained(), 1u);
  written_ = 0;
  slice_ = 0;
  run(*a);
  EXPECT_EQ(chained(), 1u);
  EXPECT_EQ(slice_, 0);  // the loop counts it down itself
  EXPECT_EQ(x(10), 5u);  // 1 + 2 + 1 + 1
}

TEST_F(SysChainedExits, AChainGoesOnUntilTheSliceRunsOut) {
  CachedBlock* b = add_counter(0x2000);
  ASSERT_NE(b, nullptr);
  x(1) = 0x2000;
  x(10) = 0;
  cache_->link(*b, 0x2000, *b, 0);
  slice_ = 5;
  EXPECT_EQ(run(*b), 0x2000u);
  EXPECT_EQ(x(10), 6u);
  EXPECT_EQ(chained(), 5u);
  EXPECT_EQ(slice_, 0);
}

// An `ecall` leaves through a special exit (pc | 1): even a link or record at that odd value (no
// pick makes one) is never followed, nor is an empty one (pc 1) at epoch 0.
TEST_F(SysChainedExits, ASpecialExitNeverChains) {
  CachedBlock* e = add_unit(0x3000, {0x00000073u});
  CachedBlock* b = add_counter(0x2000, kT0);
  ASSERT_NE(e, nullptr);
  ASSERT_NE(b, nullptr);
  x(10) = 0;
  EXPECT_EQ(cache_->link_epoch(), 0u);
  const std::uint64_t ret = run(*e);
  EXPECT_EQ(ret & 1, 1u);
  cache_->link(*e, ret, *b, 0);
  EXPECT_EQ(run(*e), ret);
  cache_->link(*e, 0x2000, *b, 0);
  cache_->link(*e, 0x2000, *b, 0);
  cache_->note_entry(ret, *b, 0);
  EXPECT_EQ(run(*e), ret);
  EXPECT_EQ(x(10), 0u);
  EXPECT_EQ(chained(), 0u);
}

// Chained entries count towards the LLVM tier through the target's entry slot (chain.hpp step
// 4): one each, and one that would reach the limit goes back to the loop, which acts on it.
TEST_F(SysChainedExits, ChainedEntriesCountUpToTheLimit) {
  ASSERT_NO_FATAL_FAILURE(add_pair());
  CachedBlock *a = a_, *b = b_;
  b->opt_count = 97;
  cache_->link(*a, 0x2000, *b, 1);
  run(*a);
  EXPECT_EQ(b->opt_count, 98u);
  run(*a);
  EXPECT_EQ(b->opt_count, 99u);
  run(*a);
  EXPECT_EQ(b->opt_count, 99u);
  EXPECT_EQ(chained(), 2u);
}

// A unit's exits share one copy of the chain's checks and jump (emit_chain.cpp): an exit more
// costs its stores, its value, the search of its links and a jump (210 bytes here; 428 when each
// exit had its copy of the checks), and each exit still goes on into its own target.
TEST_F(SysChainedExits, AUnitsExitsShareOneCopyOfTheChainsChecks) {
  cache_->set_code_promises(kHartUnitPromises);  // as the hart compiles: exits store to homes
  // addi a0, a0, 1; j +0x100: one constant exit.
  CachedBlock* one = add_unit(0x1000, {0x00150513u, 0x1000006fu});
  // addi a0, a0, 1; beq a0, a1, +0x100: two, taken and not.
  CachedBlock* two = add_unit(0x3000, {0x00150513u, 0x10b50063u});
  CachedBlock* taken = add_counter(0x3104, kT0);
  CachedBlock* not_taken = add_counter(0x3008, kT0);
  ASSERT_TRUE(one && two && taken && not_taken);
  const auto size = [this](const CachedBlock& b) {
    return code_->peek(CodeKey{reinterpret_cast<std::uint64_t>(&b.func), 0}).size;
  };
  ASSERT_GT(size(*one), 0u);
  ASSERT_GT(size(*two), size(*one));
  EXPECT_LT(size(*two) - size(*one), 300u)
      << "one exit: " << size(*one) << " bytes, two: " << size(*two);

  cache_->link(*two, 0x3104, *taken, 0);
  cache_->link(*two, 0x3008, *not_taken, 0);
  x(5) = kNowhere;
  x(10) = 0;
  x(11) = 1;
  EXPECT_EQ(run(*two), kNowhere);  // a0 = 1 = a1: taken, then the counter there
  EXPECT_EQ(x(10), 2u);
  EXPECT_EQ(cache_->chain_context().running, taken);
  x(11) = 0;
  EXPECT_EQ(run(*two), kNowhere);  // a0 = 3: on to the next instruction's unit
  EXPECT_EQ(x(10), 4u);
  EXPECT_EQ(cache_->chain_context().running, not_taken);
  EXPECT_EQ(chained(), 2u);
}

}  // namespace
}  // namespace strata::jit::rv64sys

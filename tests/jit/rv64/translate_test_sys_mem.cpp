// System-mode loads and stores: the inline software-TLB hit, the helper on a miss (and for
// every misaligned access), a helper's fault or CodeWritten leaving the unit, float loads and
// stores, and the unit's MMU index as a constant of its code.
#include <cstring>

#include "tests/jit/rv64/sys_rig.hpp"
#include "tests/jit/rv64/translate_test_support.hpp"

namespace strata::jit::rv64::systest {
namespace {

namespace rv = test::rv;
using vm::rv64sys::kPteD;
using vm::rv64sys::kPteR;
using vm::rv64sys::kPteW;

TEST(SysMem, TlbHitLoadsFromRamWithoutHelper) {
  SysRig r;
  r.map_data();
  r.poke_pa<uint64_t>(kDataPa + 8, 0x1122334455667788);
  r.poke_pa<uint32_t>(kDataPa + 16, 0x89abcdef);
  r.poke_pa<uint16_t>(kDataPa + 20, 0x8001);
  r.poke_pa<uint8_t>(kDataPa + 22, 0xf0);
  r.set_x(10, kDataVa);
  const Outcome o =
      r.run({rv::ld(5, 10, 8), rv::lw(6, 10, 16), rv::lwu(7, 10, 16), rv::lh(8, 10, 20),
             rv::lhu(9, 10, 20), rv::lb(11, 10, 22), rv::lbu(12, 10, 22)});
  ASSERT_EQ(o.status, vm::ExecStatus::Returned);
  EXPECT_EQ(o.ret, kCodeVa + 7 * 4);
  EXPECT_TRUE(r.mem().calls.empty());
  EXPECT_EQ(r.x(5), 0x1122334455667788u);
  EXPECT_EQ(r.x(6), 0xffffffff89abcdefu);
  EXPECT_EQ(r.x(7), 0x89abcdefu);
  EXPECT_EQ(r.x(8), 0xffffffffffff8001u);
  EXPECT_EQ(r.x(9), 0x8001u);
  EXPECT_EQ(r.x(11), 0xfffffffffffffff0u);
  EXPECT_EQ(r.x(12), 0xf0u);
  EXPECT_EQ(r.state(state::kInstret), 7u);
}

TEST(SysMem, TlbHitStoresToRamWithTheirWidth) {
  SysRig r;
  r.map_data();
  r.poke_pa<uint64_t>(kDataPa + 0x100, ~uint64_t{0});
  r.poke_pa<uint64_t>(kDataPa + 0x108, ~uint64_t{0});
  r.poke_pa<uint64_t>(kDataPa + 0x110, ~uint64_t{0});
  r.poke_pa<uint64_t>(kDataPa + 0x118, ~uint64_t{0});
  r.set_x(10, kDataVa + 0x100);
  r.set_x(11, 0x0102030405060708);
  const Outcome o =
      r.run({rv::sd(11, 10, 0), rv::sw(11, 10, 8), rv::sh(11, 10, 16), rv::sb(11, 10, 24)});
  ASSERT_EQ(o.status, vm::ExecStatus::Returned);
  EXPECT_TRUE(r.mem().calls.empty());
  EXPECT_EQ(r.peek_pa<uint64_t>(kDataPa + 0x100), 0x0102030405060708u);
  EXPECT_EQ(r.peek_pa<uint64_t>(kDataPa + 0x108), 0xffffffff05060708u);
  EXPECT_EQ(r.peek_pa<uint64_t>(kDataPa + 0x110), 0xffffffffffff0708u);
  EXPECT_EQ(r.peek_pa<uint64_t>(kDataPa + 0x118), 0xffffffffffffff08u);
}

TEST(SysMem, MissCallsTheHelperAndContinuesWithItsValue) {
  SysRig r;  // nothing mapped
  r.set_x(10, kDataVa + 0x40);
  r.mem().result = 0xfffffffff1234567;
  const Outcome o = r.run({rv::addi(5, 0, 3), rv::lw(6, 10, -4), rv::addi(7, 6, 1)});
  ASSERT_EQ(o.status, vm::ExecStatus::Returned);
  EXPECT_EQ(o.ret, kCodeVa + 12);
  ASSERT_EQ(r.mem().calls.size(), 1u);
  EXPECT_EQ(r.mem().calls[0], (Call{Call::Load, kDataVa + 0x3c, 0, 4, true, kCodeVa + 4}));
  EXPECT_EQ(r.x(6), 0xfffffffff1234567u);
  EXPECT_EQ(r.x(7), 0xfffffffff1234568u);
  EXPECT_EQ(r.state(state::kInstret), 3u);
}

TEST(SysMem, EachLoadWidthAndSignReachesTheHelper) {
  SysRig r;
  r.set_x(10, kDataVa);
  r.mem().result = 7;
  r.run({rv::lb(5, 10, 1), rv::lh(5, 10, 2), rv::lw(5, 10, 4), rv::ld(5, 10, 8), rv::lbu(5, 10, 1),
         rv::lhu(5, 10, 2), rv::lwu(5, 10, 4)});
  const std::vector<Call> want = {
      {Call::Load, kDataVa + 1, 0, 1, true, kCodeVa},
      {Call::Load, kDataVa + 2, 0, 2, true, kCodeVa + 4},
      {Call::Load, kDataVa + 4, 0, 4, true, kCodeVa + 8},
      {Call::Load, kDataVa + 8, 0, 8, false, kCodeVa + 12},
      {Call::Load, kDataVa + 1, 0, 1, false, kCodeVa + 16},
      {Call::Load, kDataVa + 2, 0, 2, false, kCodeVa + 20},
      {Call::Load, kDataVa + 4, 0, 4, false, kCodeVa + 24},
  };
  EXPECT_EQ(r.mem().calls, want);
}

TEST(SysMem, StoreMissPassesValueWidthAndPc) {
  SysRig r;
  r.set_x(10, kDataVa);
  r.set_x(11, 0xa1a2a3a4a5a6a7a8);
  r.run({rv::sb(11, 10, 1), rv::sh(11, 10, 2), rv::sw(11, 10, 4), rv::sd(11, 10, -8)});
  const std::vector<Call> want = {
      {Call::Store, kDataVa + 1, 0xa1a2a3a4a5a6a7a8, 1, false, kCodeVa},
      {Call::Store, kDataVa + 2, 0xa1a2a3a4a5a6a7a8, 2, false, kCodeVa + 4},
      {Call::Store, kDataVa + 4, 0xa1a2a3a4a5a6a7a8, 4, false, kCodeVa + 8},
      {Call::Store, kDataVa - 8, 0xa1a2a3a4a5a6a7a8, 8, false, kCodeVa + 12},
  };
  EXPECT_EQ(r.mem().calls, want);
}

TEST(SysMem, ReadOnlyPageStoresTakeTheSlowPath) {
  SysRig r;
  r.map(MmuIndex::Supervisor, kDataVa, kDataPa, kPteR);
  r.poke_pa<uint64_t>(kDataPa, 99);
  r.set_x(10, kDataVa);
  r.set_x(11, 5);
  r.run({rv::ld(5, 10, 0), rv::sd(11, 10, 0)});
  EXPECT_EQ(r.x(5), 99u);  // the load hit
  ASSERT_EQ(r.mem().calls.size(), 1u);
  EXPECT_EQ(r.mem().calls[0], (Call{Call::Store, kDataVa, 5, 8, false, kCodeVa + 4}));
  EXPECT_EQ(r.peek_pa<uint64_t>(kDataPa), 99u);  // the fake stores nothing
}

// Each access alone (another base register each: no run, mem_groups.hpp).
TEST(SysMem, MisalignedAccessesAloneTakeTheSlowPath) {
  SysRig r;
  r.map_data();
  r.poke_pa<uint64_t>(kDataPa, 0x0807060504030201);
  for (unsigned x : {10, 12, 13, 14}) r.set_x(x, kDataVa);
  r.set_x(11, 0x55);
  r.mem().result = 0x77;
  r.run({rv::ld(5, 10, 4), rv::lh(6, 12, 1), rv::lw(7, 13, 2), rv::lbu(8, 14, 3), rv::sw(11, 10, 6),
         rv::sb(11, 12, 7)});
  const std::vector<Call> want = {
      {Call::Load, kDataVa + 4, 0, 8, false, kCodeVa},
      {Call::Load, kDataVa + 1, 0, 2, true, kCodeVa + 4},
      {Call::Load, kDataVa + 2, 0, 4, true, kCodeVa + 8},
      {Call::Store, kDataVa + 6, 0x55, 4, false, kCodeVa + 16},
  };
  EXPECT_EQ(r.mem().calls, want);
  EXPECT_EQ(r.x(5), 0x77u);
  EXPECT_EQ(r.x(8), 0x04u);  // a byte is never misaligned: it hit
  EXPECT_EQ(r.peek_pa<uint8_t>(kDataPa + 7), 0x55u);
}

// The TLB checks (their branch to the slow path) inline in the one-block unit `r` translated
// last: before its exit's `ret`, after which come the slow paths.
size_t tlb_checks(const SysRig& r) {
  size_t n = 0;
  for (isa::Word w : r.last_block().fn.code) {
    if (isa::op_of(w) == isa::Op::Ret) break;
    n += isa::op_of(w) == isa::Op::Bne;
  }
  return n;
}

// mem_groups.hpp: stores off x10, then loads off it, each run checked once for its span.
TEST(SysMem, ARunOffOneBaseIsCheckedOnceForItsSpan) {
  SysRig r;
  r.map_data();
  r.poke_pa<uint64_t>(kDataPa + 0x80, 0x1122334455667788);
  r.set_x(10, kDataVa + 0x40);
  r.set_x(11, 0xaaaa);
  r.set_x(12, 0xbbbb);
  r.run({rv::sd(11, 10, 0), rv::addi(5, 0, 1), rv::sd(12, 10, 8), rv::sw(12, 10, -4),
         rv::ld(6, 10, 0x40), rv::lw(7, 10, 8), rv::lhu(8, 10, -4)});
  EXPECT_TRUE(r.mem().calls.empty());
  EXPECT_EQ(tlb_checks(r), 2u);  // one per run: the stores', the loads'
  EXPECT_EQ(r.peek_pa<uint64_t>(kDataPa + 0x40), 0xaaaau);
  EXPECT_EQ(r.peek_pa<uint64_t>(kDataPa + 0x48), 0xbbbbu);
  EXPECT_EQ(r.peek_pa<uint32_t>(kDataPa + 0x3c), 0xbbbbu);
  EXPECT_EQ(r.x(6), 0x1122334455667788u);
  EXPECT_EQ(r.x(7), 0xbbbbu);
  EXPECT_EQ(r.x(8), 0xbbbbu);
  EXPECT_EQ(r.state(state::kInstret), 7u);
}

// Inside the page a misaligned member is an ordinary access (RISC-V allows it).
TEST(SysMem, ARunsMisalignedMembersInsideThePageHit) {
  SysRig r;
  r.map_data();
  r.poke_pa<uint64_t>(kDataPa, 0x0807060504030201);
  r.poke_pa<uint64_t>(kDataPa + 8, 0x100f0e0d0c0b0a09);
  r.set_x(10, kDataVa);
  r.run({rv::ld(5, 10, 4), rv::lh(6, 10, 1), rv::lw(7, 10, 2)});
  EXPECT_TRUE(r.mem().calls.empty());
  EXPECT_EQ(r.x(5), 0x0c0b0a0908070605u);
  EXPECT_EQ(r.x(6), 0x0302u);
  EXPECT_EQ(r.x(7), 0x06050403u);
}

// A span across the page end: the check fails, and each member takes its own slow path, in
// order (the fake fills no entry, so the leader's second look fails too).
TEST(SysMem, ARunAcrossAPageEndTakesEachMembersSlowPath) {
  SysRig r;
  r.map_data();
  r.set_x(10, kDataVa + 0xff8);
  r.set_x(11, 1);
  r.set_x(12, 2);
  r.mem().result = 0x33;
  r.run({rv::sd(11, 10, 0), rv::sd(12, 10, 8), rv::ld(5, 10, 0), rv::ld(6, 10, 8)});
  const std::vector<Call> want = {
      {Call::Store, kDataVa + 0xff8, 1, 8, false, kCodeVa},
      {Call::Store, kDataVa + 0x1000, 2, 8, false, kCodeVa + 4},
      {Call::Load, kDataVa + 0xff8, 0, 8, false, kCodeVa + 8},
      {Call::Load, kDataVa + 0x1000, 0, 8, false, kCodeVa + 12},
  };
  EXPECT_EQ(r.mem().calls, want);
  EXPECT_EQ(r.x(5), 0x33u);
  EXPECT_EQ(r.x(6), 0x33u);
}

// A later member's fault leaves with the members before it done and counted.
TEST(SysMem, ARunsLaterMemberFaultsAfterTheOnesBefore) {
  SysRig r;
  r.set_x(10, kDataVa + 0xff8);
  r.set_x(11, 1);
  r.set_x(12, 2);
  r.set_state(state::kInstret, 10);
  r.mem().fault_cause = vm::rv64sys::kCauseStorePage;
  r.mem().fault_va = kDataVa + 0x1000;
  const Outcome o =
      r.run({rv::sd(11, 10, 0), rv::addi(5, 0, 7), rv::sd(12, 10, 8), rv::addi(6, 0, 9)});
  EXPECT_EQ(o.ret, (kCodeVa + 8) | 1);
  EXPECT_EQ(r.state(sysstate::kTrapTval), kDataVa + 0x1000);
  EXPECT_EQ(r.mem().calls.size(), 2u);
  EXPECT_EQ(r.x(5), 7u);
  EXPECT_EQ(r.x(6), 0u);
  EXPECT_EQ(r.state(state::kInstret), 12u);
}

// A load into the base ends the run: the access after it is checked on its own.
TEST(SysMem, ALoadIntoTheBaseEndsTheRun) {
  SysRig r;
  r.map_data();
  r.poke_pa<uint64_t>(kDataPa + 0x100, kDataVa + 0x800);
  r.poke_pa<uint64_t>(kDataPa + 0x108, 5);
  r.poke_pa<uint64_t>(kDataPa + 0x808, 72);
  r.set_x(10, kDataVa + 0x100);
  r.run({rv::ld(5, 10, 8), rv::ld(10, 10, 0), rv::ld(6, 10, 8)});
  EXPECT_TRUE(r.mem().calls.empty());
  EXPECT_EQ(tlb_checks(r), 2u);
  EXPECT_EQ(r.x(5), 5u);
  EXPECT_EQ(r.x(6), 72u);
}

TEST(SysMem, HelperFaultLeavesWithTheTrapAndEarlierWorkWrittenBack) {
  SysRig r;
  r.set_x(10, kDataVa);
  r.set_x(6, 0x1111);
  r.set_x(7, 0x2222);
  r.set_state(state::kInstret, 100);
  r.mem().fault_cause = vm::rv64sys::kCauseLoadPage;
  const Outcome o = r.run({rv::addi(5, 0, 42), rv::ld(6, 10, 16), rv::addi(7, 0, 1)});
  ASSERT_EQ(o.status, vm::ExecStatus::Returned);
  EXPECT_EQ(o.ret, (kCodeVa + 4) | 1);
  EXPECT_EQ(r.state(state::kExit), static_cast<uint64_t>(SysExit::Trap));
  EXPECT_EQ(r.state(state::kPc), kCodeVa + 4);
  EXPECT_EQ(r.state(sysstate::kTrapCause), vm::rv64sys::kCauseLoadPage);
  EXPECT_EQ(r.state(sysstate::kTrapTval), kDataVa + 16);
  EXPECT_EQ(r.x(5), 42u);      // written by the instruction before: in the state page
  EXPECT_EQ(r.x(6), 0x1111u);  // the faulting load's rd is untouched
  EXPECT_EQ(r.x(7), 0x2222u);  // nothing after it ran
  EXPECT_EQ(r.state(state::kInstret), 101u);
}

TEST(SysMem, FaultingLoadKeepsItsBaseWhenRdIsRs1) {
  SysRig r;
  r.set_x(10, kDataVa);
  r.mem().fault_cause = vm::rv64sys::kCauseLoadAccess;
  const Outcome o = r.run({rv::ld(10, 10, 0)});
  EXPECT_EQ(o.ret, kCodeVa | 1);
  EXPECT_EQ(r.x(10), kDataVa);
  EXPECT_EQ(r.state(state::kInstret), 0u);
}

TEST(SysMem, StoreFaultStoresNothingAndLeaves) {
  SysRig r;
  r.map(MmuIndex::Supervisor, kDataVa, kDataPa, kPteR);
  r.set_x(10, kDataVa);
  r.mem().fault_cause = vm::rv64sys::kCauseStorePage;
  const Outcome o = r.run({rv::addi(11, 0, 9), rv::addi(12, 0, 8), rv::sd(11, 10, 0)});
  EXPECT_EQ(o.ret, (kCodeVa + 8) | 1);
  EXPECT_EQ(r.state(state::kExit), static_cast<uint64_t>(SysExit::Trap));
  EXPECT_EQ(r.x(11), 9u);
  EXPECT_EQ(r.x(12), 8u);
  EXPECT_EQ(r.state(state::kInstret), 2u);
}

TEST(SysMem, CodeWrittenLeavesAfterTheStore) {
  SysRig r;
  r.set_x(10, kDataVa);
  r.mem().code_written = true;
  const Outcome o = r.run({rv::addi(11, 0, 9), rv::sw(11, 10, 0), rv::addi(12, 0, 1)});
  EXPECT_EQ(o.ret, (kCodeVa + 4) | 1);
  EXPECT_EQ(r.state(state::kExit), static_cast<uint64_t>(SysExit::CodeWritten));
  EXPECT_EQ(r.mem().calls.size(), 1u);
  EXPECT_EQ(r.x(12), 0u);
  EXPECT_EQ(r.state(state::kInstret), 1u);
}

TEST(SysMem, LoadIntoX0StillAccessesMemory) {
  SysRig r;
  r.set_x(10, kDataVa);
  r.mem().result = 5;
  r.run({rv::ld(0, 10, 0), rv::add(5, 0, 0)});
  EXPECT_EQ(r.mem().calls.size(), 1u);
  EXPECT_EQ(r.x(0), 0u);
  EXPECT_EQ(r.x(5), 0u);
}

TEST(SysMem, TheUnitUsesItsOwnMmuIndex) {
  SysRig r;
  r.map(MmuIndex::User, kDataVa, kDataPa, kPteR | kPteW | kPteD);
  r.poke_pa<uint64_t>(kDataPa, 1234);
  r.set_x(10, kDataVa);
  r.mem().result = 1;
  r.run({rv::ld(5, 10, 0)});  // Supervisor: a miss
  EXPECT_EQ(r.x(5), 1u);
  EXPECT_EQ(r.mem().calls.size(), 1u);
  r.target.data_index = MmuIndex::User;
  r.run({rv::ld(6, 10, 0)});
  EXPECT_EQ(r.x(6), 1234u);
  EXPECT_EQ(r.mem().calls.size(), 1u);
}

TEST(SysMem, FloatLoadsAndStores) {
  SysRig r;
  r.map_data();
  r.poke_pa<uint32_t>(kDataPa, 0x40490fdb);
  r.poke_pa<uint64_t>(kDataPa + 8, 0x400921fb54442d18);
  r.set_x(10, kDataVa);
  r.set_f(3, 0x123456783f800000);
  r.run({sysrv::flw(1, 10, 0), sysrv::fld(2, 10, 8), sysrv::fsw(3, 10, 16), sysrv::fsd(3, 10, 24)});
  EXPECT_TRUE(r.mem().calls.empty());
  EXPECT_EQ(r.f(1), 0xffffffff40490fdbu);  // NaN-boxed
  EXPECT_EQ(r.f(2), 0x400921fb54442d18u);
  EXPECT_EQ(r.peek_pa<uint64_t>(kDataPa + 16), 0x3f800000u);
  EXPECT_EQ(r.peek_pa<uint64_t>(kDataPa + 24), 0x123456783f800000u);
}

TEST(SysMem, FloatSlowPathsBoxAndPassRawBits) {
  SysRig r;
  r.set_x(10, kDataVa);
  r.set_f(3, 0x123456783f800000);
  r.mem().result = 0xbf800000;
  r.run({sysrv::flw(1, 10, 0), sysrv::fsw(3, 10, 4), sysrv::fld(2, 10, 8), sysrv::fsd(3, 10, 16)});
  const std::vector<Call> want = {
      {Call::Load, kDataVa, 0, 4, false, kCodeVa},
      {Call::Store, kDataVa + 4, 0x123456783f800000, 4, false, kCodeVa + 4},
      {Call::Load, kDataVa + 8, 0, 8, false, kCodeVa + 8},
      {Call::Store, kDataVa + 16, 0x123456783f800000, 8, false, kCodeVa + 12},
  };
  EXPECT_EQ(r.mem().calls, want);
  EXPECT_EQ(r.f(1), 0xffffffffbf800000u);
  EXPECT_EQ(r.f(2), 0xbf800000u);
}

// A region's loop over the data page: every access hits, the slow paths sit after the loop.
TEST(SysMem, RegionLoopSumsFromRam) {
  SysRig r;
  r.map_data();
  for (uint64_t i = 0; i < 16; ++i) r.poke_pa<uint64_t>(kDataPa + 8 * i, i * i);
  r.set_x(10, kDataVa);
  r.set_x(11, kDataVa + 16 * 8);
  r.limits = RegionLimits{};
  const Outcome o = r.run({rv::ld(12, 10, 0), rv::add(5, 5, 12), rv::addi(10, 10, 8),
                           rv::bne(10, 11, -12), rv::sd(5, 10, 0)});
  ASSERT_EQ(o.status, vm::ExecStatus::Returned);
  EXPECT_EQ(o.ret, kCodeVa + 20);
  EXPECT_TRUE(r.mem().calls.empty());
  EXPECT_EQ(r.x(5), 1240u);  // sum of squares 0..15
  EXPECT_EQ(r.peek_pa<uint64_t>(kDataPa + 128), 1240u);
  EXPECT_EQ(r.state(state::kInstret), 16u * 4 + 1);
}

// A fault in a later block of a region counts every instruction the region ran before it.
TEST(SysMem, FaultAfterARegionLoopCountsTheLoop) {
  SysRig r;
  r.map_data();
  r.limits = RegionLimits{};
  r.set_x(10, kDataVa);
  r.set_x(11, kDataVa + 24);
  r.set_x(14, kDataVa + 0x5000);  // not mapped
  r.set_state(state::kInstret, 1000);
  r.mem().fault_cause = vm::rv64sys::kCauseLoadPage;
  const Outcome o = r.run({rv::ld(12, 10, 0), rv::addi(10, 10, 8), rv::bne(10, 11, -8),
                           rv::addi(15, 0, 5), rv::ld(13, 14, 0)});
  EXPECT_EQ(o.ret, (kCodeVa + 16) | 1);
  EXPECT_EQ(r.state(state::kPc), kCodeVa + 16);
  EXPECT_EQ(r.x(10), kDataVa + 24);
  EXPECT_EQ(r.x(15), 5u);
  EXPECT_EQ(r.state(state::kInstret), 1000u + 3 * 3 + 1);
  ASSERT_EQ(r.mem().calls.size(), 1u);
}

// A region of many blocks full of accesses: the slow paths sit after all of them, and every
// branch to one still reaches it (the unit verifies; each miss calls with its own pc).
TEST(SysMem, LongRegionReachesEverySlowPath) {
  SysRig r;
  r.map_data();
  r.limits = RegionLimits{};
  r.set_x(10, kDataVa + 0x2000);  // not mapped: every access misses
  r.mem().result = 1;
  std::vector<uint32_t> words;
  for (int i = 0; i < 500; ++i)
    words.push_back(i % 2 == 0 ? rv::ld(5, 10, 8 * (i % 200)) : rv::sd(5, 10, 8 * (i % 200)));
  const Outcome o = r.run(words);
  ASSERT_EQ(o.status, vm::ExecStatus::Returned);
  EXPECT_EQ(o.ret, kCodeVa + 500 * 4);
  EXPECT_GT(r.last_block().guest_blocks, 7u);
  ASSERT_EQ(r.mem().calls.size(), 500u);
  for (size_t i = 0; i < 500; ++i) {
    EXPECT_EQ(r.mem().calls[i].pc, kCodeVa + 4 * i);
    EXPECT_EQ(r.mem().calls[i].va, kDataVa + 0x2000 + 8 * (i % 200));
  }
  EXPECT_EQ(r.state(state::kInstret), 500u);
}

// Compressed loads and stores decode to the same accesses (c.ld / c.sd, c.lwsp).
TEST(SysMem, CompressedAccessesUseTheTlb) {
  SysRig r;
  r.map_data();
  r.poke_pa<uint64_t>(kDataPa + 8, 0x1234);
  r.poke_pa<uint32_t>(kDataPa + 4, 0x80000000);
  r.set_x(8, kDataVa);  // s0
  r.set_x(2, kDataVa);  // sp
  // c.ld a0, 8(s0) = 0x6408; c.sd a0, 16(s0) = 0xe808; c.lwsp a1, 4(sp) = 0x4592
  // The zero parcel after them is the defined illegal instruction.
  const Outcome o = r.run({0xe8086408, 0x00004592});
  EXPECT_EQ(o.ret, (kCodeVa + 6) | 1);
  EXPECT_EQ(r.state(state::kExit), static_cast<uint64_t>(vm::rv64::ExitReason::Illegal));
  EXPECT_EQ(r.state(state::kInstret), 3u);
  EXPECT_TRUE(r.mem().calls.empty());
  EXPECT_EQ(r.x(10), 0x1234u);
  EXPECT_EQ(r.peek_pa<uint64_t>(kDataPa + 16), 0x1234u);
  EXPECT_EQ(r.x(11), 0xffffffff80000000u);
}

TEST(SysMem, HelperWithoutSysMemoryTrapsInsteadOfCrashing) {
  SysRig r;
  r.give_memory = false;
  r.set_x(10, kDataVa);
  const Outcome o = r.run({rv::ld(5, 10, 0)});
  EXPECT_EQ(o.status, vm::ExecStatus::Trapped);
  EXPECT_EQ(o.trap_kind, vm::TrapKind::HostError);
  EXPECT_NE(o.trap_message.find("SysLdD"), std::string::npos) << o.trap_message;
}

// GUEST: a TLB entry is data a buggy hart could get wrong. Whatever its addend, a hit is an SVI
// access that stays inside the linear memory or traps (never a host access outside it), in
// every tier (the rig runs the interpreter and the baseline JIT and compares them).
TEST(SysMem, HostileTlbEntryCannotReachOutsideLinearMemory) {
  using vm::rv64sys::SoftTlb;
  const auto hostile = [](SysRig& r, uint64_t linear_page) {
    uint8_t* e = r.linear() + vm::rv64sys::kTlbLinear +
                 SoftTlb::index_offset(MmuIndex::Supervisor) + ((kDataVa >> 12) & 255) * 32;
    const uint64_t words[4] = {kDataVa, kDataVa, SoftTlb::kNoTag, linear_page - kDataVa};
    std::memcpy(e, words, sizeof words);
  };
  // Pages that start at the end of the memory, far past it, and wrap around 2^64.
  for (uint64_t page : {kLinearBytes, uint64_t{1} << 62, ~uint64_t{0} - 4095, kLinearBytes - 8}) {
    for (uint32_t insn :
         {rv::ld(5, 10, 8), rv::lw(5, 10, 8), rv::lhu(5, 10, 8), rv::lb(5, 10, 8),
          rv::sd(11, 10, 8), rv::sw(11, 10, 8), rv::sh(11, 10, 8), rv::sb(11, 10, 8)}) {
      SysRig r;
      hostile(r, page);
      r.set_x(10, kDataVa);
      r.set_x(11, 0x0102030405060708);
      const Outcome o = r.run({insn});
      EXPECT_EQ(o.status, vm::ExecStatus::Trapped) << std::hex << page << " " << insn;
      EXPECT_EQ(o.trap_kind, vm::TrapKind::MemoryOutOfBounds);
      EXPECT_TRUE(r.mem().calls.empty());
    }
  }
  // The same entry reaching the last bytes of the memory is an ordinary hit there.
  SysRig r;
  hostile(r, kLinearBytes - 16);
  r.set_x(10, kDataVa);
  r.set_x(11, 0x0102030405060708);
  const Outcome o = r.run({rv::sd(11, 10, 8), rv::lw(5, 10, 12)});
  ASSERT_EQ(o.status, vm::ExecStatus::Returned);
  EXPECT_EQ(r.x(5), 0x01020304u);
  uint64_t last;
  std::memcpy(&last, r.linear() + kLinearBytes - 8, 8);
  EXPECT_EQ(last, 0x0102030405060708u);
}

}  // namespace
}  // namespace strata::jit::rv64::systest

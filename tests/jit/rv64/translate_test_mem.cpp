// Loads, stores, guest faults and the A extension through the translator (both SVI tiers).
#include <cstdint>

#include "translate_test_support.hpp"

namespace strata::jit::rv64::test {
namespace {

constexpr uint64_t kAll = ~uint64_t{0};

// x5 = kData; runs `insn` (which loads into x7 or stores x6), then a jal out.
Rig load_rig(uint32_t insn, uint64_t bytes) {
  Rig r;
  r.set_x(5, kData);
  r.poke<uint64_t>(kData, bytes);
  r.poke<uint64_t>(kData + 8, bytes);
  r.code({insn, rv::jal(0, 8)});
  return r;
}

uint64_t load(uint32_t insn, uint64_t bytes) {
  Rig r = load_rig(insn, bytes);
  EXPECT_EQ(r.run().status, vm::ExecStatus::Returned);
  return r.x(7);
}

TEST(Rv64TranslateMem, LoadWidthsAndExtension) {
  const uint64_t v = 0x8182838485868788;
  EXPECT_EQ(load(rv::lb(7, 5, 0), v), 0xffffffffffffff88u);
  EXPECT_EQ(load(rv::lbu(7, 5, 0), v), 0x88u);
  EXPECT_EQ(load(rv::lh(7, 5, 0), v), 0xffffffffffff8788u);
  EXPECT_EQ(load(rv::lhu(7, 5, 0), v), 0x8788u);
  EXPECT_EQ(load(rv::lw(7, 5, 0), v), 0xffffffff85868788u);
  EXPECT_EQ(load(rv::lwu(7, 5, 0), v), 0x85868788u);
  EXPECT_EQ(load(rv::ld(7, 5, 0), v), v);
  const uint64_t p = 0x0102030405067778;  // positive at every width
  EXPECT_EQ(load(rv::lb(7, 5, 0), p), 0x78u);
  EXPECT_EQ(load(rv::lh(7, 5, 0), p), 0x7778u);
  EXPECT_EQ(load(rv::lw(7, 5, 0), p), 0x05067778u);
}

TEST(Rv64TranslateMem, DisplacementsAndMisalignment) {
  EXPECT_EQ(load(rv::ld(7, 5, 3), 0x1122334455667788), 0x6677881122334455u);  // misaligned
  EXPECT_EQ(load(rv::lw(7, 5, 6), 0x1122334455667788), 0x77881122u);
  EXPECT_EQ(load(rv::lhu(7, 5, 7), 0x1122334455667788), 0x8811u);
  Rig r;
  r.set_x(5, kData + 2048);
  r.poke<uint64_t>(kData, 0x55);
  r.code({rv::ld(7, 5, -2048), rv::jal(0, 8)});
  r.run();
  EXPECT_EQ(r.x(7), 0x55u);
}

TEST(Rv64TranslateMem, StoreWidths) {
  Rig r;
  r.set_x(5, kData);
  r.set_x(6, 0x1122334455667788);
  r.poke<uint64_t>(kData, kAll);
  r.poke<uint64_t>(kData + 8, kAll);
  r.poke<uint64_t>(kData + 16, kAll);
  r.poke<uint64_t>(kData + 24, kAll);
  r.code({rv::sb(6, 5, 0), rv::sh(6, 5, 8), rv::sw(6, 5, 16), rv::sd(6, 5, 25), rv::jal(0, 8)});
  r.run();
  EXPECT_EQ(r.peek<uint64_t>(kData), 0xffffffffffffff88u);
  EXPECT_EQ(r.peek<uint64_t>(kData + 8), 0xffffffffffff7788u);
  EXPECT_EQ(r.peek<uint64_t>(kData + 16), 0xffffffff55667788u);
  EXPECT_EQ(r.peek<uint64_t>(kData + 25), 0x1122334455667788u);  // misaligned store
  EXPECT_EQ(r.peek<uint8_t>(kData + 24), 0xffu);
}

TEST(Rv64TranslateMem, StoreThenLoadInOneBlock) {
  Rig r;
  r.set_x(5, kData);
  r.set_x(6, 0xabcdef);
  r.code({rv::sd(6, 5, 0), rv::ld(7, 5, 0), rv::addi(7, 7, 1), rv::sd(7, 5, 8), rv::jal(0, 8)});
  r.run();
  EXPECT_EQ(r.x(7), 0xabcdf0u);
  EXPECT_EQ(r.peek<uint64_t>(kData + 8), 0xabcdf0u);
}

TEST(Rv64TranslateMem, LoadIntoX0StillAccessesMemory) {
  Rig r;
  r.set_x(5, 0x1000);  // below the guest space
  r.code({rv::lw(0, 5, 0), rv::jal(0, 8)});
  EXPECT_EQ(r.run().status, vm::ExecStatus::Trapped);
}

// A fault names its guest instruction (guest_pc_of) and its address (mem_addr_regs).
void expect_fault(uint64_t base, int32_t off, bool store) {
  Rig r;
  r.set_x(5, kData);
  r.set_x(9, base);
  r.set_x(6, 77);
  const uint32_t bad = store ? rv::sd(6, 9, off) : rv::ld(8, 9, off);
  r.code({rv::addi(7, 0, 1), rv::sd(7, 5, 0), bad, rv::addi(7, 0, 2), rv::jal(0, 8)});
  const Outcome o = r.run();
  ASSERT_EQ(o.status, vm::ExecStatus::Trapped);
  EXPECT_EQ(o.trap_kind, vm::TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(guest_pc_of(r.last_block(), o.trap_pc), kCode + 8);
  ASSERT_TRUE(o.fault_linear.has_value()) << "the trapping SVI pc is not in mem_addr_regs";
  EXPECT_EQ(*o.fault_linear + vm::rv64::kGuestOrigin, base + static_cast<uint64_t>(off));
  EXPECT_EQ(r.peek<uint64_t>(kData), 1u);  // the store before the fault happened
}

TEST(Rv64TranslateMem, FaultBelowTheGuestSpace) {
  expect_fault(0, 0, false);          // NULL
  expect_fault(0x10, -8, false);      // NULL plus a small offset
  expect_fault(0x6ff8, 0, true);      // just under kGuestOrigin
  expect_fault(kAll - 16, 0, false);  // the top of the 64-bit space
}

TEST(Rv64TranslateMem, FaultAboveTheMemory) {
  expect_fault(kTop, 0, false);
  expect_fault(kTop - 4, 0, true);  // straddles the end
  expect_fault(kTop, 2047, true);
}

TEST(Rv64TranslateMem, LastBytesOfTheMemoryAreAccessible) {
  Rig r;
  r.set_x(5, kTop - 8);
  r.set_x(6, 0x0102030405060708);
  r.code({rv::sd(6, 5, 0), rv::lbu(7, 5, 7), rv::jal(0, 8)});
  EXPECT_EQ(r.run().status, vm::ExecStatus::Returned);
  EXPECT_EQ(r.x(7), 1u);
}

// ---- A ----

TEST(Rv64TranslateAtomic, LrScSucceeds) {
  Rig r;
  r.set_x(5, kData);
  r.set_x(6, 0x1122334455667788);
  r.poke<uint64_t>(kData, 0xfffffffff0000001);
  r.code({rv::lr_w(7, 5), rv::sc_w(8, 5, 6), rv::jal(0, 8)});
  r.run();
  EXPECT_EQ(r.x(7), 0xfffffffff0000001u);  // lr.w sign-extends
  EXPECT_EQ(r.x(8), 0u);
  EXPECT_EQ(r.peek<uint64_t>(kData), 0xffffffff55667788u);
  EXPECT_EQ(r.state(state::kResValid), 0u);  // sc clears the reservation
}

TEST(Rv64TranslateAtomic, LrScDoubleword) {
  Rig r;
  r.set_x(5, kData);
  r.set_x(6, 9);
  r.poke<uint64_t>(kData, 0x8000000000000000);
  r.code({rv::lr_d(7, 5), rv::sc_d(8, 5, 6), rv::jal(0, 8)});
  r.run();
  EXPECT_EQ(r.x(7), 0x8000000000000000u);
  EXPECT_EQ(r.x(8), 0u);
  EXPECT_EQ(r.peek<uint64_t>(kData), 9u);
}

TEST(Rv64TranslateAtomic, ScWithoutReservationFails) {
  Rig r;
  r.set_x(5, kData);
  r.set_x(6, 9);
  r.poke<uint64_t>(kData, 4);
  r.code({rv::sc_d(8, 5, 6), rv::jal(0, 8)});
  r.run();
  EXPECT_EQ(r.x(8), 1u);
  EXPECT_EQ(r.peek<uint64_t>(kData), 4u);
}

TEST(Rv64TranslateAtomic, ScToAnotherAddressFailsAndSecondScFails) {
  Rig r;
  r.set_x(5, kData);
  r.set_x(9, kData + 8);
  r.set_x(6, 9);
  r.code({rv::lr_d(7, 5), rv::sc_d(8, 9, 6), rv::sc_d(10, 5, 6), rv::jal(0, 8)});
  r.run();
  EXPECT_EQ(r.x(8), 1u);   // wrong address
  EXPECT_EQ(r.x(10), 1u);  // the failed sc cleared the reservation
  EXPECT_EQ(r.peek<uint64_t>(kData), 0u);
  EXPECT_EQ(r.peek<uint64_t>(kData + 8), 0u);
}

TEST(Rv64TranslateAtomic, ReservationSurvivesBlockExits) {
  Rig r;
  r.set_x(5, kData);
  r.set_x(6, 3);
  r.code({rv::lr_d(7, 5), rv::jal(0, 4)});
  r.code({rv::sc_d(8, 5, 6), rv::jal(0, 8)}, kCode + 8);
  EXPECT_EQ(r.run().ret, kCode + 8);
  EXPECT_EQ(r.state(state::kResValid), 1u);
  EXPECT_EQ(r.state(state::kResAddr), kData);
  r.run(kCode + 8);
  EXPECT_EQ(r.x(8), 0u);
  EXPECT_EQ(r.peek<uint64_t>(kData), 3u);
}

TEST(Rv64TranslateAtomic, LrWithRdEqualRs1) {
  Rig r;
  r.set_x(5, kData);
  r.set_x(6, 1);
  r.poke<uint64_t>(kData, 42);
  r.code({rv::lr_d(5, 5), rv::jal(0, 8)});
  r.run();
  EXPECT_EQ(r.x(5), 42u);
  EXPECT_EQ(r.state(state::kResAddr), kData);
}

struct AmoCase {
  uint32_t f5;
  bool word;
  uint64_t mem, src;
  uint64_t stored;  // what memory holds afterwards (the low 32 bits for .w)
};

void amo_case(const AmoCase& c) {
  Rig r;
  r.set_x(5, kData);
  r.set_x(6, c.src);
  r.poke<uint64_t>(kData, c.mem);
  r.poke<uint64_t>(kData + 8, 0x5a5a5a5a5a5a5a5a);
  r.code({enc::amo(c.f5, c.word ? 2 : 3, 7, 5, 6), rv::jal(0, 8)});
  r.run();
  const uint64_t old =
      c.word ? static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(c.mem))) : c.mem;
  EXPECT_EQ(r.x(7), old) << "f5 " << c.f5 << " word " << c.word;
  if (c.word) {
    EXPECT_EQ(r.peek<uint32_t>(kData), static_cast<uint32_t>(c.stored)) << "f5 " << c.f5;
    EXPECT_EQ(r.peek<uint32_t>(kData + 4), static_cast<uint32_t>(c.mem >> 32));
  } else {
    EXPECT_EQ(r.peek<uint64_t>(kData), c.stored) << "f5 " << c.f5;
  }
  EXPECT_EQ(r.peek<uint64_t>(kData + 8), 0x5a5a5a5a5a5a5a5au);
}

TEST(Rv64TranslateAtomic, EveryAmoDoubleword) {
  const uint64_t neg = static_cast<uint64_t>(-5);
  for (const AmoCase& c : {
           AmoCase{kAmoSwap, false, 1, 2, 2},
           AmoCase{kAmoAdd, false, kAll, 2, 1},
           AmoCase{kAmoXor, false, 0xff00, 0x0ff0, 0xf0f0},
           AmoCase{kAmoAnd, false, 0xff00, 0x0ff0, 0x0f00},
           AmoCase{kAmoOr, false, 0xff00, 0x0ff0, 0xfff0},
           AmoCase{kAmoMin, false, neg, 3, neg},
           AmoCase{kAmoMax, false, neg, 3, 3},
           AmoCase{kAmoMinu, false, neg, 3, 3},
           AmoCase{kAmoMaxu, false, neg, 3, neg},
           AmoCase{kAmoMin, false, 3, neg, neg},
           AmoCase{kAmoMaxu, false, 3, neg, neg},
       })
    amo_case(c);
}

TEST(Rv64TranslateAtomic, EveryAmoWord) {
  // Memory's upper word is kept; the low word is the operand (0xfffffffb = -5 as i32).
  const uint64_t m = 0x12345678'fffffffb;
  // The source register's upper bits are ignored by the 32-bit operation.
  const uint64_t s = 0xabcdef00'00000003;
  for (const AmoCase& c : {
           AmoCase{kAmoSwap, true, m, s, 3},
           AmoCase{kAmoAdd, true, m, s, 0xfffffffe},
           AmoCase{kAmoXor, true, m, s, 0xfffffff8},
           AmoCase{kAmoAnd, true, m, s, 3},
           AmoCase{kAmoOr, true, m, s, 0xfffffffb},
           AmoCase{kAmoMin, true, m, s, 0xfffffffb},
           AmoCase{kAmoMax, true, m, s, 3},
           AmoCase{kAmoMinu, true, m, s, 3},
           AmoCase{kAmoMaxu, true, m, s, 0xfffffffb},
           // The signed compare uses bit 31, not bit 63, of rs2.
           AmoCase{kAmoMin, true, 0x00000000'00000001, 0x00000000'80000000, 0x80000000},
           AmoCase{kAmoMaxu, true, 0x00000000'00000001, 0xffffffff'00000000, 1},
       })
    amo_case(c);
}

TEST(Rv64TranslateAtomic, AmoRdEqualsSource) {
  Rig r;
  r.set_x(5, kData);
  r.set_x(6, 10);
  r.poke<uint64_t>(kData, 32);
  r.code({enc::amo(kAmoAdd, 3, 6, 5, 6), rv::jal(0, 8)});
  r.run();
  EXPECT_EQ(r.x(6), 32u);
  EXPECT_EQ(r.peek<uint64_t>(kData), 42u);
}

TEST(Rv64TranslateAtomic, MisalignedAmoWorks) {
  Rig r;
  r.set_x(5, kData + 3);
  r.set_x(6, 1);
  r.poke<uint64_t>(kData + 3, 41);
  r.code({enc::amo(kAmoAdd, 3, 7, 5, 6), rv::jal(0, 8)});
  r.run();
  EXPECT_EQ(r.x(7), 41u);
  EXPECT_EQ(r.peek<uint64_t>(kData + 3), 42u);
}

TEST(Rv64TranslateAtomic, AmoFaultNamesTheAddress) {
  Rig r;
  r.set_x(5, 8);
  r.set_x(6, 1);
  r.code({enc::amo(kAmoSwap, 2, 7, 5, 6), rv::jal(0, 8)});
  const Outcome o = r.run();
  ASSERT_EQ(o.status, vm::ExecStatus::Trapped);
  EXPECT_EQ(guest_pc_of(r.last_block(), o.trap_pc), kCode);
  ASSERT_TRUE(o.fault_linear.has_value());
  EXPECT_EQ(*o.fault_linear + vm::rv64::kGuestOrigin, 8u);
}

}  // namespace
}  // namespace strata::jit::rv64::test

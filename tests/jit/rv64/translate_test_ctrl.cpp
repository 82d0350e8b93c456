// Control flow, block boundaries, special exits, Zicsr and instret through the translator.
#include <time.h>

#include <cstdint>

#include "translate_test_support.hpp"

namespace strata::jit::rv64::test {
namespace {

using vm::rv64::ExitReason;
constexpr uint64_t kAll = ~uint64_t{0};

// Runs branch `insn` (on x5, x6, offset +0x100) with the given values; returns the next pc.
uint64_t branch(uint32_t (*br)(unsigned, unsigned, int32_t), uint64_t a, uint64_t b) {
  Rig r;
  r.set_x(5, a);
  r.set_x(6, b);
  r.code({rv::addi(7, 0, 1), br(5, 6, 0x100)});
  const Outcome o = r.run();
  EXPECT_EQ(o.status, vm::ExecStatus::Returned);
  EXPECT_EQ(r.x(7), 1u);  // the instruction before the branch was written back on either path
  EXPECT_EQ(r.last_block().guest_insns, 2u);
  return o.ret;
}

constexpr uint64_t kTaken = kCode + 4 + 0x100, kNotTaken = kCode + 8;

TEST(Rv64TranslateBranch, EveryConditionTakenAndNot) {
  EXPECT_EQ(branch(rv::beq, 3, 3), kTaken);
  EXPECT_EQ(branch(rv::beq, 3, 4), kNotTaken);
  EXPECT_EQ(branch(rv::bne, 3, 4), kTaken);
  EXPECT_EQ(branch(rv::bne, 3, 3), kNotTaken);
  EXPECT_EQ(branch(rv::blt, kAll, 0), kTaken);  // -1 < 0
  EXPECT_EQ(branch(rv::blt, 0, kAll), kNotTaken);
  EXPECT_EQ(branch(rv::blt, 5, 5), kNotTaken);
  EXPECT_EQ(branch(rv::bge, 5, 5), kTaken);
  EXPECT_EQ(branch(rv::bge, 0, kAll), kTaken);
  EXPECT_EQ(branch(rv::bge, kAll, 0), kNotTaken);
  EXPECT_EQ(branch(rv::bltu, 0, kAll), kTaken);
  EXPECT_EQ(branch(rv::bltu, kAll, 0), kNotTaken);
  EXPECT_EQ(branch(rv::bgeu, kAll, 0), kTaken);
  EXPECT_EQ(branch(rv::bgeu, 0, kAll), kNotTaken);
  EXPECT_EQ(branch(rv::bgeu, 7, 7), kTaken);
}

TEST(Rv64TranslateBranch, BackwardTarget) {
  Rig r;
  r.code({rv::kNop, rv::beq(0, 0, -4)});
  EXPECT_EQ(r.run().ret, kCode);
}

TEST(Rv64TranslateJump, JalLinksAndJumps) {
  Rig r;
  r.code({rv::jal(1, -0x800)});
  EXPECT_EQ(r.run().ret, kCode - 0x800);
  EXPECT_EQ(r.x(1), kCode + 4);
  EXPECT_EQ(r.last_block().end, kCode + 4);
}

TEST(Rv64TranslateJump, JalrClearsBitZeroAndReadsRs1BeforeRd) {
  Rig r;
  r.set_x(5, 0x40001);
  r.code({rv::jalr(5, 5, 0x10)});    // rd == rs1
  EXPECT_EQ(r.run().ret, 0x40010u);  // (0x40001 + 0x10) & ~1
  EXPECT_EQ(r.x(5), kCode + 4);
}

TEST(Rv64TranslateJump, JalrNegativeOffsetAndX0Link) {
  Rig r;
  r.set_x(1, 0x30000);
  r.code({rv::jalr(0, 1, -2)});  // ret-like, with an offset
  EXPECT_EQ(r.run().ret, 0x2fffeu);
  EXPECT_EQ(r.x(0), 0u);
}

TEST(Rv64TranslateBlock, CompressedInstructions) {
  Rig r;
  // c.li a0, 5 ; c.addi a0, -1 ; c.mv a1, a0 ; c.jr ra
  r.code16({0x4515, 0x157d, 0x85aa, 0x8082});
  r.set_x(1, 0x12340);
  EXPECT_EQ(r.run().ret, 0x12340u);
  EXPECT_EQ(r.x(10), 4u);
  EXPECT_EQ(r.x(11), 4u);
  EXPECT_EQ(r.last_block().guest_insns, 4u);
  EXPECT_EQ(r.last_block().end, kCode + 8);
}

TEST(Rv64TranslateBlock, EndsAtMaxInstructions) {
  Rig r;
  r.code(std::vector<uint32_t>(kMaxBlockInsns + 4, rv::addi(5, 5, 1)));
  const Outcome o = r.run();
  EXPECT_EQ(o.ret, kCode + 4 * kMaxBlockInsns);
  EXPECT_EQ(r.x(5), kMaxBlockInsns);
  EXPECT_EQ(r.state(state::kInstret), kMaxBlockInsns);
}

TEST(Rv64TranslateBlock, EndsAtPageBoundary) {
  Rig r;
  const uint64_t start = kCode + 0xff8;
  r.code({rv::addi(5, 5, 1), rv::addi(5, 5, 1), rv::addi(5, 5, 1)}, start);
  EXPECT_EQ(r.run(start).ret, kCode + 0x1000);
  EXPECT_EQ(r.x(5), 2u);
}

TEST(Rv64TranslateBlock, InstructionMayStraddleIntoTheNextPage) {
  Rig r;
  const uint64_t start = kCode + 0xffe;
  r.code({rv::addi(5, 5, 7)}, start);
  const Outcome o = r.run(start);
  EXPECT_EQ(o.ret, kCode + 0x1002);
  EXPECT_EQ(r.x(5), 7u);
  EXPECT_EQ(r.last_block().end, kCode + 0x1002);
}

TEST(Rv64TranslateBlock, FetchFailureEndsTheBlockBeforeIt) {
  Rig r;
  r.code({rv::addi(5, 5, 1), rv::addi(5, 5, 1), rv::addi(5, 5, 1)});
  r.fetch_end = kCode + 6;  // the second instruction's upper half is unmapped
  const Outcome o = r.run();
  EXPECT_EQ(o.ret, kCode + 4);
  EXPECT_EQ(r.x(5), 1u);
  EXPECT_EQ(r.last_block().guest_insns, 1u);
}

TEST(Rv64TranslateBlock, FirstInstructionUnfetchableIsAnError) {
  Rig r;
  r.fetch_end = kCode + 2;
  r.code({rv::kNop});
  auto t = r.translate(kCode);
  ASSERT_FALSE(t.has_value());
  EXPECT_NE(t.error().message.find("0x10000"), std::string::npos) << t.error().message;
  EXPECT_FALSE(r.translate(0x4000).has_value());
}

TEST(Rv64TranslateBlock, PcMapCoversEveryInstruction) {
  Rig r;
  r.code({rv::addi(5, 5, 1), rv::kNop, rv::ld(6, 5, 0), rv::jal(0, 8)});
  auto t = r.translate(kCode);
  ASSERT_TRUE(t.has_value());
  ASSERT_EQ(t->pc_map.size(), 4u);
  for (size_t i = 0; i < t->pc_map.size(); ++i) EXPECT_EQ(t->pc_map[i].second, kCode + 4 * i);
  for (size_t i = 1; i < t->pc_map.size(); ++i)
    EXPECT_LE(t->pc_map[i - 1].first, t->pc_map[i].first);
  EXPECT_EQ(guest_pc_of(*t, 0), kCode);  // the prologue belongs to the first instruction
  EXPECT_EQ(guest_pc_of(*t, t->pc_map[2].first), kCode + 8);
  EXPECT_EQ(guest_pc_of(*t, static_cast<uint32_t>(t->fn.code.size() - 1)), kCode + 12);
  ASSERT_EQ(t->mem_addr_regs.size(), 1u);
  EXPECT_EQ(guest_pc_of(*t, t->mem_addr_regs[0].first), kCode + 8);
}

// ---- special exits ----

void expect_exit(uint32_t insn, ExitReason reason, uint64_t arg, uint64_t instret) {
  Rig r;
  r.set_state(state::kExitArg, 0x777);
  r.code({rv::addi(5, 0, 9), insn, rv::addi(5, 0, 1)});
  const Outcome o = r.run();
  EXPECT_EQ(o.status, vm::ExecStatus::Returned);
  EXPECT_EQ(o.ret, (kCode + 4) | 1);
  EXPECT_EQ(r.state(state::kExit), static_cast<uint64_t>(reason));
  EXPECT_EQ(r.state(state::kPc), kCode + 4);
  EXPECT_EQ(r.state(state::kExitArg), arg);
  EXPECT_EQ(r.x(5), 9u);  // written back, and nothing after the exit ran
  EXPECT_EQ(r.state(state::kInstret), instret);
  EXPECT_EQ(r.last_block().end, kCode + 8);
}

TEST(Rv64TranslateExit, Ecall) {
  expect_exit(rv::kEcall, ExitReason::Ecall, 0, 2);
}
TEST(Rv64TranslateExit, Ebreak) {
  expect_exit(rv::kEbreak, ExitReason::Ebreak, 0, 1);
}
TEST(Rv64TranslateExit, FenceI) {
  expect_exit(rv::kFenceI, ExitReason::FenceI, 0, 2);
}
TEST(Rv64TranslateExit, PrivilegedAndReservedAreIllegal) {
  for (uint32_t insn :
       {rv::kMret, rv::kSret, rv::kWfi, 0x12000073u /* sfence.vma */, 0xffffffffu, 0x0000007fu,
        rv::csrrw(5, 0x300, 6) /* mstatus */, rv::csrrs(5, 0xc03, 0) /* hpmcounter3 */})
    expect_exit(insn, ExitReason::Illegal, insn, 1);
}

TEST(Rv64TranslateExit, CompressedIllegalReportsItsParcel) {
  Rig r;
  r.code16({0x0000});  // the defined-illegal all-zero parcel
  const Outcome o = r.run();
  EXPECT_EQ(o.ret, kCode | 1);
  EXPECT_EQ(r.state(state::kExit), static_cast<uint64_t>(ExitReason::Illegal));
  EXPECT_EQ(r.state(state::kExitArg), 0u);
  EXPECT_EQ(r.last_block().end, kCode + 2);
}

TEST(Rv64TranslateExit, CompressedEbreak) {
  Rig r;
  r.code16({0x9002});
  EXPECT_EQ(r.run().ret, kCode | 1);
  EXPECT_EQ(r.state(state::kExit), static_cast<uint64_t>(ExitReason::Ebreak));
}

TEST(Rv64TranslateExit, FenceDoesNothing) {
  Rig r;
  r.code({rv::kFence, rv::addi(5, 0, 3), rv::jal(0, 8)});
  EXPECT_EQ(r.run().ret, kCode + 16);
  EXPECT_EQ(r.x(5), 3u);
}

// ---- Zicsr ----

constexpr uint32_t kFflags = 0x001, kFrm = 0x002, kFcsr = 0x003;
constexpr uint32_t kCycle = 0xc00, kTime = 0xc01, kInstret = 0xc02;

TEST(Rv64TranslateCsr, FcsrViews) {
  Rig r;
  r.set_state(state::kFcsr, 0b101'10011);  // frm = 5, fflags = 0x13
  r.code({rv::csrrs(5, kFflags, 0), rv::csrrs(6, kFrm, 0), rv::csrrs(7, kFcsr, 0), rv::jal(0, 8)});
  r.run();
  EXPECT_EQ(r.x(5), 0x13u);
  EXPECT_EQ(r.x(6), 5u);
  EXPECT_EQ(r.x(7), 0xb3u);
}

TEST(Rv64TranslateCsr, WritesMaskToTheField) {
  Rig r;
  r.set_state(state::kFcsr, 0xff);
  r.set_x(5, kAll);
  r.set_x(6, 0);
  // fflags <- 0 keeps frm; frm <- 0x1a keeps fflags and takes 3 bits (2).
  r.code({rv::csrrw(7, kFflags, 6), rv::csrrw(8, kFrm, 9), rv::jal(0, 8)});
  r.set_x(9, 0x1a);
  r.run();
  EXPECT_EQ(r.x(7), 0x1fu);
  EXPECT_EQ(r.x(8), 7u);
  EXPECT_EQ(r.state(state::kFcsr), 0b010'00000u);

  Rig w;
  w.set_x(5, kAll);
  w.code({rv::csrrw(0, kFcsr, 5), rv::jal(0, 8)});
  w.run();
  EXPECT_EQ(w.state(state::kFcsr), 0xffu);  // fcsr keeps its 8 bits only
}

TEST(Rv64TranslateCsr, SetAndClear) {
  Rig r;
  r.set_state(state::kFcsr, 0b001'00001);
  r.set_x(5, 0b00110);
  r.set_x(6, 0b00011);
  r.code({rv::csrrs(7, kFflags, 5), rv::csrrc(8, kFflags, 6), rv::csrrsi(9, kFrm, 6),
          rv::csrrci(10, kFcsr, 0x10), rv::jal(0, 8)});
  r.run();
  EXPECT_EQ(r.x(7), 0b00001u);
  EXPECT_EQ(r.x(8), 0b00111u);
  EXPECT_EQ(r.x(9), 1u);
  EXPECT_EQ(r.x(10), 0b111'00100u);
  EXPECT_EQ(r.state(state::kFcsr), 0b111'00100u);
}

TEST(Rv64TranslateCsr, ImmediateWrite) {
  Rig r;
  r.set_state(state::kFcsr, 0b011'00000);
  r.code({rv::csrrwi(5, kFflags, 0x1f), rv::csrrwi(6, kFrm, 0x1c), rv::jal(0, 8)});
  r.run();
  EXPECT_EQ(r.x(5), 0u);
  EXPECT_EQ(r.x(6), 3u);
  EXPECT_EQ(r.state(state::kFcsr), 0b100'11111u);
}

TEST(Rv64TranslateCsr, RdEqualsRs1) {
  Rig r;
  r.set_state(state::kFcsr, 0x3);
  r.set_x(5, 0x10);
  r.code({rv::csrrw(5, kFflags, 5), rv::jal(0, 8)});
  r.run();
  EXPECT_EQ(r.x(5), 3u);
  EXPECT_EQ(r.state(state::kFcsr), 0x10u);
}

TEST(Rv64TranslateCsr, ReadOnlyCountersReadableNotWritable) {
  Rig r;
  r.set_state(state::kInstret, 1000);
  r.code({rv::kNop, rv::csrrs(5, kInstret, 0), rv::csrrs(6, kCycle, 0), rv::csrrsi(7, kInstret, 0),
          rv::csrrci(8, kCycle, 0), rv::jal(0, 8)});
  r.run();
  EXPECT_EQ(r.x(5), 1001u);  // instructions retired before it
  EXPECT_EQ(r.x(6), 1002u);
  EXPECT_EQ(r.x(7), 1003u);
  EXPECT_EQ(r.x(8), 1004u);
  EXPECT_EQ(r.state(state::kInstret), 1006u);

  // With a source register other than x0 (even holding zero) csrrs writes: illegal.
  for (uint32_t insn : {rv::csrrs(5, kInstret, 6), rv::csrrw(0, kCycle, 0), rv::csrrwi(5, kTime, 0),
                        rv::csrrci(5, kTime, 1)})
    expect_exit(insn, ExitReason::Illegal, insn, 1);
}

TEST(Rv64TranslateCsr, TimeIsMonotonic10MHz) {
  Rig r;
  r.also_jit = false;  // two runs would read two different times
  r.code({rv::csrrs(5, kTime, 0), rv::csrrs(6, kTime, 0), rv::jal(0, 8)});
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const uint64_t before = static_cast<uint64_t>(ts.tv_sec) * 10'000'000 + ts.tv_nsec / 100;
  r.run();
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const uint64_t after = static_cast<uint64_t>(ts.tv_sec) * 10'000'000 + ts.tv_nsec / 100;
  EXPECT_LE(before, r.x(5));
  EXPECT_LE(r.x(5), r.x(6));
  EXPECT_LE(r.x(6), after);
}

TEST(Rv64TranslateCsr, InstretCountsAcrossBlocksAndBranchPaths) {
  Rig r;
  r.set_x(5, 1);
  r.code(
      {rv::kNop, rv::kNop, rv::bne(5, 0, 8), rv::kNop, rv::csrrs(6, kInstret, 0), rv::jal(0, 8)});
  EXPECT_EQ(r.run().ret, kCode + 16);
  EXPECT_EQ(r.state(state::kInstret), 3u);
  EXPECT_EQ(r.run(kCode + 16).ret, kCode + 28);
  EXPECT_EQ(r.x(6), 3u);
  EXPECT_EQ(r.state(state::kInstret), 5u);
}

}  // namespace
}  // namespace strata::jit::rv64::test

// System-mode atomics (every one through SysAmo/SysLr/SysSc), the CSR instructions and
// sfence.vma (SysCsr/SysSfence, the unit going on after them), the other privileged instructions
// (special exits of vm/rv64sys/sys_layout.hpp), and the fcsr CSRs that stay inline.
#include "tests/jit/rv64/sys_rig.hpp"
#include "tests/jit/rv64/translate_test_support.hpp"
#include "vm/rv64sys/traps.hpp"

namespace strata::jit::rv64::systest {
namespace {

namespace rv = test::rv;
namespace enc = test::enc;
using vm::rv64::ExitReason;

uint32_t amo_w(uint32_t f5, unsigned rd, unsigned rs1, unsigned rs2) {
  return enc::amo(f5, 2, rd, rs1, rs2);
}
uint32_t amo_d(uint32_t f5, unsigned rd, unsigned rs1, unsigned rs2) {
  return enc::amo(f5, 3, rd, rs1, rs2);
}

TEST(SysAtomic, AmosGoThroughTheHelperEvenOnATlbHit) {
  SysRig r;
  r.map_data();
  r.set_x(10, kDataVa + 8);
  r.set_x(11, 0x10);
  r.mem().result = 0xfffffffffffffffe;
  r.run({amo_w(test::kAmoAdd, 5, 10, 11), amo_d(test::kAmoSwap, 6, 10, 11),
         amo_d(test::kAmoMaxu, 0, 10, 11), amo_w(test::kAmoMin, 7, 10, 11)});
  const std::vector<Call> want = {
      {Call::Amo, kDataVa + 8, 0x10, 4, false, kCodeVa, AmoOp::Add},
      {Call::Amo, kDataVa + 8, 0x10, 8, false, kCodeVa + 4, AmoOp::Swap},
      {Call::Amo, kDataVa + 8, 0x10, 8, false, kCodeVa + 8, AmoOp::Maxu},
      {Call::Amo, kDataVa + 8, 0x10, 4, false, kCodeVa + 12, AmoOp::Min},
  };
  EXPECT_EQ(r.mem().calls, want);
  EXPECT_EQ(r.x(5), 0xfffffffffffffffeu);
  EXPECT_EQ(r.x(6), 0xfffffffffffffffeu);
  EXPECT_EQ(r.x(0), 0u);
  EXPECT_EQ(r.x(7), 0xfffffffffffffffeu);
}

TEST(SysAtomic, EveryAmoOperationReachesTheHelper) {
  const std::pair<uint32_t, AmoOp> ops[] = {
      {test::kAmoAdd, AmoOp::Add}, {test::kAmoSwap, AmoOp::Swap}, {test::kAmoXor, AmoOp::Xor},
      {test::kAmoOr, AmoOp::Or},   {test::kAmoAnd, AmoOp::And},   {test::kAmoMin, AmoOp::Min},
      {test::kAmoMax, AmoOp::Max}, {test::kAmoMinu, AmoOp::Minu}, {test::kAmoMaxu, AmoOp::Maxu},
  };
  for (const auto& [f5, op] : ops) {
    SysRig r;
    r.set_x(10, kDataVa);
    r.set_x(11, 3);
    r.run({amo_d(f5, 5, 10, 11)});
    ASSERT_EQ(r.mem().calls.size(), 1u);
    EXPECT_EQ(r.mem().calls[0].op, op) << "funct5 " << f5;
  }
}

TEST(SysAtomic, AmoFaultLeavesRdAsItWas) {
  SysRig r;
  r.set_x(10, kDataVa + 4);
  r.set_x(5, 0x5555);
  r.mem().fault_cause = vm::rv64sys::kCauseStorePage;
  const Outcome o =
      r.run({rv::addi(6, 0, 1), rv::addi(7, 0, 2), amo_w(test::kAmoOr, 5, 10, 6), rv::kNop});
  EXPECT_EQ(o.ret, (kCodeVa + 8) | 1);
  EXPECT_EQ(r.state(state::kExit), static_cast<uint64_t>(SysExit::Trap));
  EXPECT_EQ(r.state(state::kPc), kCodeVa + 8);
  EXPECT_EQ(r.x(5), 0x5555u);
  EXPECT_EQ(r.x(6), 1u);
  EXPECT_EQ(r.x(7), 2u);
  EXPECT_EQ(r.state(state::kInstret), 2u);
}

TEST(SysAtomic, LrScThroughTheHelpers) {
  SysRig r;
  r.set_x(10, kDataVa + 16);
  r.set_x(11, 0xabc);
  r.mem().result = 1;  // the load's value, then SC's "failed"
  r.run({rv::lr_w(5, 10), rv::sc_d(6, 10, 11), rv::lr_d(7, 10), rv::sc_w(0, 10, 11)});
  const std::vector<Call> want = {
      {Call::Lr, kDataVa + 16, 0, 4, false, kCodeVa},
      {Call::Sc, kDataVa + 16, 0xabc, 8, false, kCodeVa + 4},
      {Call::Lr, kDataVa + 16, 0, 8, false, kCodeVa + 8},
      {Call::Sc, kDataVa + 16, 0xabc, 4, false, kCodeVa + 12},
  };
  EXPECT_EQ(r.mem().calls, want);
  EXPECT_EQ(r.x(5), 1u);
  EXPECT_EQ(r.x(6), 1u);
  EXPECT_EQ(r.x(7), 1u);
  // No reservation in the state page: the hart's SysMemory holds it.
  EXPECT_EQ(r.state(state::kResValid), 0u);
}

TEST(SysAtomic, CodeWrittenAtomicsWriteRdBeforeLeaving) {
  SysRig r;
  r.set_x(10, kDataVa);
  r.set_x(6, 77);
  r.mem().code_written = true;
  r.mem().result = 0;  // SC: stored
  Outcome o = r.run({rv::addi(5, 0, 1), rv::sc_d(6, 10, 11), rv::addi(7, 0, 1)});
  EXPECT_EQ(o.ret, (kCodeVa + 4) | 1);
  EXPECT_EQ(r.state(state::kExit), static_cast<uint64_t>(SysExit::CodeWritten));
  EXPECT_EQ(r.x(6), 0u);  // the SC happened: the hart continues after it
  EXPECT_EQ(r.x(7), 0u);
  EXPECT_EQ(r.state(state::kInstret), 1u);

  SysRig r2;
  r2.set_x(10, kDataVa);
  r2.mem().code_written = true;
  r2.mem().result = 0x42;  // AMO: the old value
  o = r2.run({amo_d(test::kAmoAdd, 8, 10, 11)});
  EXPECT_EQ(o.ret, kCodeVa | 1);
  EXPECT_EQ(r2.x(8), 0x42u);
}

// Runs `words` (the last one the system instruction) after two addi's and checks the exit.
struct Exit {
  uint64_t reason;
  uint64_t arg;
  uint64_t instret;  // retired by the unit
};

Exit run_exit(SysRig& r, uint32_t insn) {
  r.set_state(state::kExitArg, 0x5a5a);
  const Outcome o = r.run({rv::addi(5, 0, 7), rv::addi(6, 0, 8), insn, rv::addi(7, 0, 9)});
  EXPECT_EQ(o.status, vm::ExecStatus::Returned);
  EXPECT_EQ(o.ret, (kCodeVa + 8) | 1);
  EXPECT_EQ(r.state(state::kPc), kCodeVa + 8);
  EXPECT_EQ(r.x(5), 7u);  // written back before the hart looks
  EXPECT_EQ(r.x(6), 8u);
  EXPECT_EQ(r.x(7), 0u);  // nothing after it ran
  return {r.state(state::kExit), r.state(state::kExitArg), r.state(state::kInstret)};
}

TEST(SysPriv, MretSretWfiExit) {
  const std::pair<uint32_t, SysExit> cases[] = {
      {rv::kMret, SysExit::Mret}, {rv::kSret, SysExit::Sret}, {rv::kWfi, SysExit::Wfi}};
  for (const auto& [insn, reason] : cases) {
    SysRig r;
    const Exit e = run_exit(r, insn);
    EXPECT_EQ(e.reason, static_cast<uint64_t>(reason)) << std::hex << insn;
    EXPECT_EQ(e.arg, 0u);
    EXPECT_EQ(e.instret, 2u);
  }
}

// Runs two addi's, `insn` and an addi in one unit, the state page's instret at 100.
Outcome run_around(SysRig& r, uint32_t insn) {
  r.set_state(state::kInstret, 100);
  return r.run({rv::addi(5, 0, 7), rv::addi(6, 0, 8), insn, rv::addi(7, 0, 9)});
}

TEST(SysPriv, CsrInstructionsCallTheHelperAndTheUnitGoesOn) {
  struct Case {
    uint32_t insn;
    uint64_t rs1_value;
    unsigned rd;
  };
  const Case cases[] = {
      {rv::csrrw(5, 0x180, 6), 8, 5},   // satp, rs1 = x6 as the unit left it
      {rv::csrrs(5, 0x100, 0), 0, 5},   // csrr sstatus: x0's value
      {rv::csrrci(0, 0x100, 2), 0, 0},  // clear sstatus.SIE: the uimm is in the bits
      {rv::csrrs(5, 0xc00, 0), 0, 5},   // rdcycle: the hart's counters, not inline
      {rv::csrrs(9, 0xc01, 0), 0, 9},   // rdtime
      {rv::csrrw(6, 0x140, 6), 8, 6},   // rd = rs1: the helper gets the old value
      {rv::csrrwi(0, 0x7c0, 1), 0, 0},  // a custom CSR: the hart decides whether it is legal
  };
  for (const Case& c : cases) {
    SysRig r;
    r.mem().result = 0xabcdef;
    const Outcome o = run_around(r, c.insn);
    EXPECT_EQ(o.ret, kCodeVa + 16) << std::hex << c.insn;
    const std::vector<Call> want = {
        {Call::Csr, c.insn, c.rs1_value, 0, false, kCodeVa + 8, AmoOp::Add, 102}};
    EXPECT_EQ(r.mem().calls, want);
    EXPECT_EQ(r.state(state::kExit), 0u);
    if (c.rd != 0) {
      EXPECT_EQ(r.x(c.rd), 0xabcdefu) << std::hex << c.insn;
    }
    EXPECT_EQ(r.x(7), 9u);  // the instruction after it ran
    EXPECT_EQ(r.state(state::kInstret), 104u);
  }
}

TEST(SysPriv, CsrInstretCountsTheBlocksBefore) {
  // A loop of two blocks: the second pass's CSR read sees the first pass counted.
  SysRig r;
  r.limits = RegionLimits{64, 4};
  r.set_x(10, 2);
  r.set_state(state::kInstret, 10);
  const Outcome o =
      r.run({rv::addi(10, 10, -1), rv::csrrs(5, 0xc02, 0), rv::bne(10, 0, -8), rv::addi(6, 0, 1)});
  EXPECT_EQ(o.ret, kCodeVa + 16);
  ASSERT_EQ(r.mem().calls.size(), 2u);
  EXPECT_EQ(r.mem().calls[0].instret, 11u);
  EXPECT_EQ(r.mem().calls[1].instret, 14u);
  EXPECT_EQ(r.state(state::kInstret), 17u);
}

TEST(SysPriv, IllegalCsrLeavesRdAsItWas) {
  SysRig r;
  r.set_x(5, 0x5555);
  r.mem().fault_cause = vm::rv64sys::kCauseIllegalInsn;
  const uint32_t insn = rv::csrrw(5, 0x7c0, 6);
  const Outcome o = r.run({rv::addi(6, 0, 8), rv::addi(7, 0, 9), insn, rv::addi(8, 0, 1)});
  EXPECT_EQ(o.ret, (kCodeVa + 8) | 1);
  EXPECT_EQ(r.state(state::kExit), static_cast<uint64_t>(SysExit::Trap));
  EXPECT_EQ(r.state(state::kPc), kCodeVa + 8);
  EXPECT_EQ(r.state(sysstate::kTrapTval), insn);
  EXPECT_EQ(r.x(5), 0x5555u);
  EXPECT_EQ(r.x(6), 8u);  // written back before the hart looks
  EXPECT_EQ(r.x(7), 9u);
  EXPECT_EQ(r.x(8), 0u);
  EXPECT_EQ(r.state(state::kInstret), 2u);
}

TEST(SysPriv, CsrDoneWritesRdThenLeaves) {
  for (unsigned rd : {5u, 0u}) {
    SysRig r;
    r.mem().done = true;
    r.mem().result = 0x42;
    const Outcome o = run_around(r, rv::csrrs(rd, 0x100, 6));
    EXPECT_EQ(o.ret, (kCodeVa + 8) | 1);
    EXPECT_EQ(r.state(state::kExit), static_cast<uint64_t>(SysExit::Done));
    EXPECT_EQ(r.state(state::kPc), kCodeVa + 8);
    EXPECT_EQ(r.x(5), rd == 5 ? 0x42u : 7u);
    EXPECT_EQ(r.x(0), 0u);
    EXPECT_EQ(r.x(7), 0u);                      // nothing after it ran
    EXPECT_EQ(r.state(state::kInstret), 102u);  // the hart counts the CSR instruction
  }
}

TEST(SysPriv, SfenceVmaCallsTheHelperAndTheUnitGoesOn) {
  SysRig r;
  Outcome o = run_around(r, sysrv::sfence_vma(0, 0));
  EXPECT_EQ(o.ret, kCodeVa + 16);
  std::vector<Call> want = {{Call::Sfence, sysrv::sfence_vma(0, 0), 0, 0, false, kCodeVa + 8}};
  EXPECT_EQ(r.mem().calls, want);
  EXPECT_EQ(r.x(7), 9u);
  EXPECT_EQ(r.state(state::kInstret), 104u);

  // rs1 written earlier in the unit: the helper gets its new value.
  SysRig r2;
  r2.set_x(13, 0x77);
  o = r2.run({rv::addi(12, 0, 0x123), sysrv::sfence_vma(12, 13)});
  EXPECT_EQ(o.ret, kCodeVa + 8);
  want = {{Call::Sfence, sysrv::sfence_vma(12, 13), 0x123, 0, false, kCodeVa + 4}};
  EXPECT_EQ(r2.mem().calls, want);
}

TEST(SysPriv, SfenceVmaTrapOrDoneLeaves) {
  for (const bool trap : {true, false}) {
    SysRig r;
    if (trap) {
      r.mem().fault_cause = vm::rv64sys::kCauseIllegalInsn;
    } else {
      r.mem().done = true;
    }
    const Outcome o = run_around(r, sysrv::sfence_vma(6, 0));
    EXPECT_EQ(o.ret, (kCodeVa + 8) | 1);
    EXPECT_EQ(r.state(state::kExit), static_cast<uint64_t>(trap ? SysExit::Trap : SysExit::Done));
    EXPECT_EQ(r.state(state::kPc), kCodeVa + 8);
    EXPECT_EQ(r.x(6), 8u);
    EXPECT_EQ(r.x(7), 0u);
    EXPECT_EQ(r.state(state::kInstret), 102u);
  }
}

TEST(SysPriv, FcsrCsrsStayInline) {
  SysRig r;
  r.set_state(state::kFcsr, 0x3 << 5 | 0x11);
  r.set_x(6, 0x1f);
  const Outcome o = r.run(
      {rv::csrrs(5, 0x003, 0), rv::csrrw(7, 0x001, 6), rv::csrrsi(8, 0x002, 4), rv::addi(9, 0, 1)});
  ASSERT_EQ(o.status, vm::ExecStatus::Returned);
  EXPECT_EQ(o.ret, kCodeVa + 16);
  EXPECT_EQ(r.x(5), 0x71u);
  EXPECT_EQ(r.x(7), 0x11u);
  EXPECT_EQ(r.x(8), 0x3u);
  EXPECT_EQ(r.state(state::kFcsr), (0x7u << 5) | 0x1f);
  EXPECT_EQ(r.x(9), 1u);
}

TEST(SysPriv, EcallEbreakFenceIIllegalKeepTheirUserModeExits) {
  struct Case {
    uint32_t insn;
    ExitReason reason;
    uint64_t arg;
    uint64_t instret;
  };
  const Case cases[] = {
      {rv::kEcall, ExitReason::Ecall, 0, 3},
      {rv::kEbreak, ExitReason::Ebreak, 0, 2},
      {rv::kFenceI, ExitReason::FenceI, 0, 3},
      {0xffffffff, ExitReason::Illegal, 0xffffffff, 2},
  };
  for (const Case& c : cases) {
    SysRig r;
    const Exit e = run_exit(r, c.insn);
    EXPECT_EQ(e.reason, static_cast<uint64_t>(c.reason)) << std::hex << c.insn;
    EXPECT_EQ(e.arg, c.arg);
    EXPECT_EQ(e.instret, c.instret);
  }
}

TEST(SysPriv, FenceIsNothing) {
  SysRig r;
  const Outcome o = r.run({rv::kFence, rv::addi(5, 0, 1)});
  EXPECT_EQ(o.ret, kCodeVa + 8);
  EXPECT_EQ(r.x(5), 1u);
}

}  // namespace
}  // namespace strata::jit::rv64::systest

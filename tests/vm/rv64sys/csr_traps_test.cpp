// The CSR file's access and WARL rules, and trap entry/return, against the privileged spec.
#include <gtest/gtest.h>

#include "vm/rv64sys/csr_file.hpp"
#include "vm/rv64sys/traps.hpp"

namespace strata::vm::rv64sys {
namespace {

using namespace mstatus;

class Host final : public CsrHost {
 public:
  std::uint64_t time() override { return 1234; }
  std::uint64_t instret() override { return 99; }
  std::uint32_t fcsr() override { return fcsr_; }
  void set_fcsr(std::uint32_t v) override { fcsr_ = v; }
  std::uint32_t fcsr_ = 0;
};

constexpr Priv M = Priv::Machine, S = Priv::Supervisor, U = Priv::User;

struct Rig {
  CsrFile c{3};
  Host h;
  std::uint64_t rd(std::uint16_t n, Priv p = M) {
    std::uint64_t v = 0;
    EXPECT_TRUE(c.read(n, p, h, &v)) << "read 0x" << std::hex << n;
    return v;
  }
  void wr(std::uint16_t n, std::uint64_t v, Priv p = M) {
    EXPECT_TRUE(c.write(n, p, h, v)) << "write 0x" << std::hex << n;
  }
  bool can_read(std::uint16_t n, Priv p) {
    std::uint64_t v = 0;
    return c.read(n, p, h, &v);
  }
};

TEST(CsrFile, IdentityRegisters) {
  Rig r;
  const std::uint64_t misa = r.rd(csr::kMisa);
  EXPECT_EQ(misa >> 62, 2u) << "MXL = 64-bit";
  for (char ext : std::string("ACDFIMSU")) EXPECT_NE(misa & (1ull << (ext - 'A')), 0u) << ext;
  EXPECT_EQ(misa & (1ull << ('H' - 'A')), 0u);
  EXPECT_EQ(r.rd(csr::kMhartid), 3u);
  EXPECT_EQ(r.rd(csr::kMstatus) & (kUxl | kSxl), (2ull << 32) | (2ull << 34));
}

TEST(CsrFile, PrivilegeAndReadOnlyRules) {
  Rig r;
  EXPECT_FALSE(r.can_read(csr::kMstatus, S));
  EXPECT_FALSE(r.can_read(csr::kSstatus, U));
  EXPECT_TRUE(r.can_read(csr::kSstatus, S));
  EXPECT_FALSE(r.c.write(csr::kMhartid, M, r.h, 1)) << "read-only CSR";
  EXPECT_FALSE(r.c.write(csr::kCycle, M, r.h, 1));
  EXPECT_FALSE(r.can_read(0x7a0, M)) << "no trigger CSRs (tselect)";
  EXPECT_FALSE(r.can_read(0x600, M)) << "no H extension (hstatus)";
}

TEST(CsrFile, MstatusWarlFields) {
  Rig r;
  r.wr(csr::kMstatus, 1ull << kMppShift);  // MPP = S
  r.wr(csr::kMstatus, 2ull << kMppShift);  // reserved encoding: keeps S
  EXPECT_EQ((r.rd(csr::kMstatus) & kMpp) >> kMppShift, 1u);
  r.wr(csr::kMstatus, 1ull << kFsShift);  // FS = Initial reads back Dirty, with SD
  EXPECT_EQ(r.rd(csr::kMstatus) & (kFs | kSd), kFs | kSd);
  r.wr(csr::kMstatus, 0);
  EXPECT_EQ(r.rd(csr::kMstatus) & (kFs | kSd), 0u);
  // sstatus is a view: it cannot reach MIE or MPP.
  r.wr(csr::kSstatus, kMie | kMpp | kSie | kSum, S);
  const std::uint64_t m = r.rd(csr::kMstatus);
  EXPECT_EQ(m & (kMie | kMpp), 0u);
  EXPECT_EQ(m & (kSie | kSum), kSie | kSum);
  EXPECT_EQ(r.rd(csr::kSstatus, S) & kMie, 0u);
}

TEST(CsrFile, DelegationAndInterruptViews) {
  Rig r;
  r.wr(csr::kMideleg, ~0ull);
  EXPECT_EQ(r.rd(csr::kMideleg), kSsip | kStip | kSeip) << "M-level interrupts stay in M";
  r.wr(csr::kMedeleg, ~0ull);
  EXPECT_EQ(r.rd(csr::kMedeleg) & (1ull << kCauseEcallM), 0u);
  EXPECT_NE(r.rd(csr::kMedeleg) & (1ull << kCauseLoadPage), 0u);
  r.wr(csr::kMideleg, kStip);
  r.wr(csr::kSie, kStip | kSsip | kMtip, S);
  EXPECT_EQ(r.rd(csr::kMie), kStip) << "S enables only what is delegated to it";
  r.c.set_pending(kMtip | kStip, true);
  EXPECT_EQ(r.rd(csr::kSip, S), kStip);
  r.wr(csr::kMip, kMtip | kSsip);  // M cannot clear the CLINT's MTIP; it may set SSIP
  EXPECT_EQ(r.rd(csr::kMip), kMtip | kSsip);
}

TEST(CsrFile, SatpModesAsidAndTvm) {
  Rig r;
  r.wr(csr::kSatp, (kSatpModeSv39 << 60) | (0xffffull << 44) | 0x80042, S);
  EXPECT_EQ(r.rd(csr::kSatp, S), (kSatpModeSv39 << 60) | 0x80042) << "no ASID bits";
  EXPECT_TRUE(r.c.take_translation_changed());
  EXPECT_FALSE(r.c.take_translation_changed());
  r.wr(csr::kSatp, (10ull << 60) | 0x1234, S);  // Sv57: unsupported, ignored
  EXPECT_EQ(r.rd(csr::kSatp, S) >> 60, kSatpModeSv39);
  r.wr(csr::kSatp, (kSatpModeSv48 << 60) | 0x1, S);
  EXPECT_EQ(r.rd(csr::kSatp, S) >> 60, kSatpModeSv48);
  r.wr(csr::kMstatus, kTvm);
  EXPECT_FALSE(r.can_read(csr::kSatp, S));
  EXPECT_TRUE(r.can_read(csr::kSatp, M));
}

TEST(CsrFile, OnlyMxrOfMstatusAsksForAFlush) {
  // SUM, MPRV and MPP choose the MMU index of data accesses, each with its own TLB entries.
  Rig r;
  r.wr(csr::kMstatus, kSum);
  r.wr(csr::kSstatus, 0, S);
  r.wr(csr::kMstatus, kMprv | (1ull << kMppShift));
  r.wr(csr::kMstatus, kMprv | (3ull << kMppShift));
  r.wr(csr::kMstatus, 0);
  EXPECT_FALSE(r.c.take_translation_changed());
  r.wr(csr::kSstatus, kMxr, S);
  EXPECT_TRUE(r.c.take_translation_changed()) << "MXR changes what a cached load may read";
  r.wr(csr::kMstatus, kMxr | kSum);
  EXPECT_FALSE(r.c.take_translation_changed());
  r.wr(csr::kMstatus, 0);
  EXPECT_TRUE(r.c.take_translation_changed());
}

TEST(CsrFile, TvecModesAndEpcAlignment) {
  Rig r;
  r.wr(csr::kMtvec, 0x8000'0001);
  r.wr(csr::kMtvec, 0x8000'1002);  // reserved mode 2: keeps vectored
  EXPECT_EQ(r.rd(csr::kMtvec), 0x8000'1001u);
  r.wr(csr::kSepc, 0x1235, S);
  EXPECT_EQ(r.rd(csr::kSepc, S), 0x1234u);
}

TEST(CsrFile, CountersAreGated) {
  Rig r;
  EXPECT_EQ(r.rd(csr::kTime), 1234u);
  EXPECT_FALSE(r.can_read(csr::kTime, S));
  r.wr(csr::kMcounteren, 0b111);
  EXPECT_EQ(r.rd(csr::kTime, S), 1234u);
  EXPECT_FALSE(r.can_read(csr::kTime, U));
  r.wr(csr::kScounteren, 0b010, S);
  EXPECT_EQ(r.rd(csr::kTime, U), 1234u);
  EXPECT_FALSE(r.can_read(csr::kInstret, U));
  EXPECT_EQ(r.rd(csr::kMinstret), 99u);
  EXPECT_EQ(r.rd(csr::kHpmcounter3 + 2), 0u);
}

TEST(CsrFile, FloatingPointCsrsGoToTheHost) {
  Rig r;
  r.wr(csr::kFrm, 3, U);
  r.wr(csr::kFflags, 0x1f, U);
  EXPECT_EQ(r.h.fcsr_, (3u << 5) | 0x1f);
  EXPECT_EQ(r.rd(csr::kFcsr, U), 0x7fu);
}

TEST(CsrFile, PmpIsStoredNotEnforced) {
  Rig r;
  EXPECT_FALSE(r.can_read(csr::kPmpcfg0 + 1, M)) << "odd pmpcfg is RV32-only";
  r.wr(csr::kPmpaddr0 + 5, ~0ull);
  EXPECT_EQ(r.rd(csr::kPmpaddr0 + 5), (1ull << 54) - 1);
  r.wr(csr::kPmpcfg0 + 2, 0x1f);
  EXPECT_EQ(r.rd(csr::kPmpcfg0 + 2), 0x1fu);
}

TEST(Traps, DelegatedExceptionFromUserGoesToSupervisor) {
  Rig r;
  r.wr(csr::kMedeleg, 1ull << kCauseEcallU);
  r.wr(csr::kStvec, 0xffff'ffff'8000'0100ull);
  r.wr(csr::kMstatus, kSie);
  auto t = take_trap(r.c, U, 0x1000, kCauseEcallU, 0);
  EXPECT_EQ(t.priv, S);
  EXPECT_EQ(t.pc, 0xffff'ffff'8000'0100ull);
  EXPECT_EQ(r.c.scause, kCauseEcallU);
  EXPECT_EQ(r.c.sepc, 0x1000u);
  EXPECT_EQ(r.c.mstatus & (kSie | kSpie | kSpp), kSpie) << "SIE to SPIE, SPP = U";
}

TEST(Traps, NothingIsDelegatedOutOfMachineMode) {
  Rig r;
  r.wr(csr::kMedeleg, 1ull << kCauseIllegalInsn);
  r.wr(csr::kMtvec, 0x8000'0000);
  r.wr(csr::kMstatus, kMie);
  auto t = take_trap(r.c, M, 0x8000'1234, kCauseIllegalInsn, 0x13);
  EXPECT_EQ(t.priv, M);
  EXPECT_EQ(t.pc, 0x8000'0000u);
  EXPECT_EQ(r.c.mtval, 0x13u);
  EXPECT_EQ((r.c.mstatus & kMpp) >> kMppShift, 3u);
  EXPECT_EQ(r.c.mstatus & (kMie | kMpie), kMpie);
}

TEST(Traps, VectoredInterruptsAndDirectExceptions) {
  Rig r;
  r.wr(csr::kMtvec, 0x8000'0001);
  EXPECT_EQ(take_trap(r.c, S, 0, kInterruptBit | 7, 0).pc, 0x8000'001cu);
  EXPECT_EQ(take_trap(r.c, S, 0, kCauseLoadPage, 0).pc, 0x8000'0000u);
}

TEST(Traps, MretAndSretRestoreTheStack) {
  Rig r;
  r.wr(csr::kMstatus, (1ull << kMppShift) | kMpie | kMprv);
  r.wr(csr::kMepc, 0x8020'0000);
  auto t = mret(r.c, M);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->priv, S);
  EXPECT_EQ(t->pc, 0x8020'0000u);
  EXPECT_EQ(r.c.mstatus & (kMie | kMpie | kMpp | kMprv), kMie | kMpie)
      << "MIE from MPIE, MPIE 1, MPP U, MPRV cleared below M";
  EXPECT_FALSE(mret(r.c, S)) << "mret is illegal below M";

  r.wr(csr::kSstatus, kSpp | kSpie, S);
  r.wr(csr::kSepc, 0x4000, S);
  t = sret(r.c, S);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->priv, S);
  EXPECT_EQ(r.c.mstatus & (kSie | kSpie | kSpp), kSie | kSpie);
  EXPECT_FALSE(sret(r.c, U));
  r.wr(csr::kMstatus, r.c.mstatus | kTsr);
  EXPECT_FALSE(sret(r.c, S)) << "TSR traps sret in S";
  EXPECT_TRUE(sret(r.c, M));
}

TEST(Traps, InterruptEnablesAndPriority) {
  Rig r;
  r.wr(csr::kMie, kMtip | kStip | kMeip);
  r.wr(csr::kMideleg, kStip);
  r.c.set_pending(kMtip | kStip, true);
  EXPECT_EQ(pending_interrupt(r.c, M), -1) << "MIE clear in M";
  EXPECT_EQ(pending_interrupt(r.c, S), 7) << "M-level interrupts are always enabled below M";
  r.c.set_pending(kMtip, false);
  EXPECT_EQ(pending_interrupt(r.c, S), -1) << "SIE clear in S";
  EXPECT_EQ(pending_interrupt(r.c, U), 5);
  r.wr(csr::kMstatus, kMie | kSie);
  EXPECT_EQ(pending_interrupt(r.c, M), -1) << "delegated interrupts are never taken in M";
  EXPECT_EQ(pending_interrupt(r.c, S), 5);
  r.c.set_pending(kMeip, true);
  EXPECT_EQ(pending_interrupt(r.c, S), 11) << "MEI has the highest priority";
}

TEST(Traps, MprvAndTrapInstructionRules) {
  Rig r;
  EXPECT_EQ(data_privilege(r.c, M), M);
  r.wr(csr::kMstatus, kMprv | (1ull << kMppShift));
  EXPECT_EQ(data_privilege(r.c, M), S);
  EXPECT_EQ(data_privilege(r.c, S), S) << "MPRV only affects M";
  EXPECT_TRUE(wfi_allowed(r.c, S));
  EXPECT_FALSE(wfi_allowed(r.c, U));
  r.wr(csr::kMstatus, kTw | kTvm);
  EXPECT_FALSE(wfi_allowed(r.c, S));
  EXPECT_TRUE(wfi_allowed(r.c, M));
  EXPECT_FALSE(sfence_allowed(r.c, S));
  EXPECT_TRUE(sfence_allowed(r.c, M));
}

}  // namespace
}  // namespace strata::vm::rv64sys

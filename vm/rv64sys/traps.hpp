// Trap entry and return for an RV64 hart with M, S and U modes (privileged spec 3.1.6-3.1.9,
// 3.3.2, 4.1.1): which mode takes a trap (delegation through medeleg/mideleg), what the trap
// writes (xcause, xepc, xtval, the xPIE/xIE/xPP stack), where it goes (xtvec, direct or
// vectored), which pending interrupt is taken (the spec's priority order and global enables),
// and what mret/sret restore. Pure functions of the CsrFile, so every rule is tested alone.
#pragma once

#include <cstdint>
#include <optional>

#include "vm/rv64sys/csr_file.hpp"
#include "vm/rv64sys/page_walk.hpp"

namespace strata::vm::rv64sys {

inline constexpr std::uint64_t kInterruptBit = 1ull << 63;

// Exception causes besides the translation ones of page_walk.hpp.
inline constexpr std::uint64_t kCauseMisalignedFetch = 0, kCauseIllegalInsn = 2,
                               kCauseBreakpoint = 3, kCauseMisalignedLoad = 4,
                               kCauseMisalignedStore = 6, kCauseEcallU = 8, kCauseEcallS = 9,
                               kCauseEcallM = 11;

struct TrapTarget {
  Priv priv = Priv::Machine;
  std::uint64_t pc = 0;
};

// Takes the trap `cause` (kInterruptBit set for an interrupt) raised at `pc` in mode `from`.
[[nodiscard]] TrapTarget take_trap(CsrFile& csrs, Priv from, std::uint64_t pc, std::uint64_t cause,
                                   std::uint64_t tval);

// mret and sret; empty when the instruction is illegal here (mret below M; sret in U, or in S
// with mstatus.TSR).
[[nodiscard]] std::optional<TrapTarget> mret(CsrFile& csrs, Priv from);
[[nodiscard]] std::optional<TrapTarget> sret(CsrFile& csrs, Priv from);

// The interrupt the hart takes before its next instruction in mode `priv`: the cause number
// (without kInterruptBit), or -1. Priority MEI, MSI, MTI, SEI, SSI, STI; M-level interrupts are
// enabled below M always and in M with MIE; delegated ones below S always, in S with SIE, and
// never in M.
[[nodiscard]] int pending_interrupt(const CsrFile& csrs, Priv priv);

// The privilege loads and stores use: MPP when M-mode sets MPRV.
[[nodiscard]] Priv data_privilege(const CsrFile& csrs, Priv priv);

// WFI and SFENCE.VMA legality (TW, TVM).
[[nodiscard]] bool wfi_allowed(const CsrFile& csrs, Priv priv);
[[nodiscard]] bool sfence_allowed(const CsrFile& csrs, Priv priv);

}  // namespace strata::vm::rv64sys

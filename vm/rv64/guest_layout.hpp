// The RV64 user-mode guest address space as Strata lays it out in one SVI linear memory.
//
// Translated blocks (jit/rv64) are SVI functions of one module instance whose linear memory IS
// the guest address space, shifted down by kGuestOrigin:
//
//     linear offset = guest address - kGuestOrigin
//
//   linear [0, 0x1000)          the CPU state page: x0..x31, f0..f31, fcsr, pc, exit info,
//                                the LR/SC reservation (offsets below). A block reads and writes
//                                it with `ld.i64 rK, r0, OFF` (r0 is the always-zero register).
//   guest  [0x10000, top)        the process: ELF images, brk heap, mmap area, stack.
//
// Why the shift: an SVI load checks `0 <= linear < size`, so a guest address below kGuestOrigin
// (a NULL pointer plus a small offset) becomes a negative linear offset, an out-of-bounds SVI trap,
// and so the guest's SIGSEGV; and the 12-bit RISC-V displacement folded with the shift
// (imm - kGuestOrigin, in [-30720, -26625]) still fits one SVI `addi` (simm16). The price: guest
// addresses 0x7000..0x7fff alias the state page and 0x8000..0xffff are readable zeros, where Linux
// would fault (its mmap_min_addr is 0x10000); a guest can corrupt only its own registers that way,
// never the host (every access is still bounds-checked).
#pragma once

#include <cstdint>

namespace strata::vm::rv64 {

inline constexpr uint64_t kGuestOrigin = 0x7000;
inline constexpr uint64_t kStatePageSize = 0x1000;
// Lowest guest address a mapping may use (Linux's default vm.mmap_min_addr).
inline constexpr uint64_t kGuestMinAddr = 0x10000;
// Default end of the guest address space (exclusive): 4 GiB. The linear memory is then
// 4 GiB - kGuestOrigin bytes of host virtual memory, touched (and so resident) only where used.
inline constexpr uint64_t kDefaultGuestTop = uint64_t{1} << 32;

// Byte offsets in the state page (linear memory == offset). All fields are 64-bit little-endian.
namespace state {
inline constexpr uint32_t kX = 0;           // x0..x31 at kX + 8*i (x0 is kept 0)
inline constexpr uint32_t kF = 256;         // f0..f31 raw 64-bit patterns (NaN-boxed singles)
inline constexpr uint32_t kFcsr = 512;      // fcsr: fflags in bits 0..4, frm in bits 5..7
inline constexpr uint32_t kPc = 520;        // guest pc of a special exit (see ExitReason)
inline constexpr uint32_t kExit = 528;      // ExitReason of the last special exit
inline constexpr uint32_t kExitArg = 536;   // reason-specific: the raw instruction for Illegal
inline constexpr uint32_t kResAddr = 544;   // LR/SC reservation: guest address
inline constexpr uint32_t kResValid = 552;  // 1 while a reservation is held
inline constexpr uint32_t kInstret = 560;   // retired guest instructions (updated per block exit)
// The fields above are one guest thread's (a thread switch saves and restores [0, kThreadEnd)).
inline constexpr uint32_t kThreadEnd = 568;
// The interrupt request: a signed countdown of the running time slice, not a guest register.
// A unit keeps it in a register like a guest register; every loop back-edge inside the unit
// decrements it and, once it is negative, leaves the unit (a normal exit to the loop header's
// pc; in user mode a back-edge to any header but the unit's entry waits until it is below
// -kSliceOverdraw); the runner decrements it per unit it runs. The runner then ends the slice: it
// switches guest threads, or stops when asked to (request_stop stores 0 here: a unit that is
// running sees it at its next entry, so a guest spinning inside one unit stops within one slice and
// its overdraw), and under --jit=auto it takes the slice's end as a sample of where the time goes
// (a loop that keeps the CPU reaches the LLVM tier even when its unit is entered once).
inline constexpr uint32_t kSliceLeft = 568;
inline constexpr uint32_t kEnd = 576;
}  // namespace state

// User mode: how far below zero the slice may run before a back-edge to a header other than the
// unit's entry leaves the unit. A slice left at such a header re-enters the loop nest through a
// new unit keyed by that pc, a copy of the nest with another entry: each copy got hot and went to
// LLVM on its own (nbody compiled its loop nest twice, coremark_like one nest three times). With
// the overdraw, a loop nest whose unit is entered at a header leaves it at that header, where
// the same unit is found again. A guest spinning in an inner loop still leaves within this many
// back-edges of a stop request (request_stop stores 0). The system hart keeps the plain rule: an
// interrupt must be taken at the next back-edge.
inline constexpr int64_t kSliceOverdraw = 16384;

inline constexpr uint32_t x_offset(unsigned i) {
  return state::kX + 8 * i;
}
inline constexpr uint32_t f_offset(unsigned i) {
  return state::kF + 8 * i;
}

// How a block ends. A block function `() -> i64` returns the next guest pc (always even) when
// it ends normally. It returns an ODD value (the pc | 1) for a special exit: it has stored every
// guest register it changed, state::kExit holds the reason and state::kPc the guest pc of the
// instruction that caused it; the runner handles it and decides where to continue.
enum class ExitReason : uint64_t {
  None = 0,
  Ecall = 1,    // a Linux syscall: continue at kPc + 4 after handling it
  Ebreak = 2,   // SIGTRAP
  Illegal = 3,  // SIGILL; kExitArg = raw instruction bits
  FenceI = 4,   // instruction-cache flush: invalidate translations, continue at kPc + 4
};

}  // namespace strata::vm::rv64

// The linear memory of a full-system RV64 hart (jit/rv64sys/hart.hpp), the contract between the
// translator's system mode (jit/rv64/translator.hpp, SystemTarget), the slow-path helpers
// (jit/rv64/sys_memory.hpp) and the hart's loop.
//
//   linear [0, 0x1000)            the CPU state page: vm/rv64/guest_layout.hpp's fields (x, f,
//                                  fcsr, pc, exit, exit arg, LR/SC reservation, instret, slice
//                                  countdown) at the same offsets, then the system fields below
//   linear [kTlbLinear, +32 KiB)  the software TLB (soft_tlb.hpp): 4 MMU indexes x 256 entries
//   linear [kRamLinear, +ram)     guest RAM: guest physical kRamBase + a is linear kRamLinear + a
//
// A TLB entry's addend is (linear address of the page) - (virtual page), so translated code
// reaches RAM with `linear = va + addend` and SVI's bounds check still guards that access (the
// TLB entry loads, at a masked index below kRamLinear, are proven in bounds instead).
//
// Translated system code never touches guest memory except through the TLB (inline hit, or a
// helper on a miss): a device, a clean (D=0) page, a page holding translated code and every
// fault go through the helper.
#pragma once

#include <cstdint>

namespace strata::vm::rv64sys {

inline constexpr std::uint32_t kTlbLinear = 0x1000;
inline constexpr std::uint64_t kRamLinear = 0x10000;

// State-page fields of a system hart, after vm::rv64::state::kEnd (576).
namespace sysstate {
// A Trap exit (SysExit::Trap): the exception cause (mcause encoding, no interrupt bit) and the
// value for xtval. The state page's kPc is the pc of the instruction that raised it.
inline constexpr std::uint32_t kTrapCause = 576;
inline constexpr std::uint32_t kTrapTval = 584;
inline constexpr std::uint32_t kEnd = 592;
}  // namespace sysstate

// Special exits of system-mode units (written to state::kExit, the unit returns kPc | 1; every
// guest register the unit changed is in the state page). The user-mode reasons keep their
// numbers and meaning where they apply:
//   Ecall (1)    the hart raises the environment call of its privilege (or serves SBI)
//   Ebreak (2)   breakpoint exception, tval = pc
//   Illegal (3)  illegal instruction exception, tval = the instruction bits (kExitArg)
//   FenceI (4)   continue at kPc + 4 (stores already dropped stale translations)
// and these are the system-mode ones:
enum class SysExit : std::uint64_t {
  // A slow-path helper raised an exception (fault, misaligned AMO, access to nothing, an illegal
  // CSR access or sfence.vma): sysstate::kTrapCause/kTrapTval, kPc = the instruction. The unit
  // retired the instructions before it and none after.
  Trap = 16,
  Mret = 17,  // kPc = the mret; the hart checks legality and returns
  Sret = 18,
  Wfi = 19,  // kPc = the wfi; the hart sleeps until an interrupt is pending, then pc + 4
  // 20 and 21 were the sfence.vma and CSR exits before those became helper calls (SysSfence,
  // SysCsr); not reused, so that exit counts in older --stats output keep their meaning.
  //
  // A store (or AMO/SC) wrote a page that holds translations: the store is done (an AMO's or
  // SC's rd is written), the hart drops them and continues after the instruction at kPc (its
  // length: 2 or 4 from its first parcel).
  CodeWritten = 22,
  // SysCsr or SysSfence completed the 4-byte instruction at kPc (a CSR instruction's rd is
  // written) but the unit must not run on: the hart continues at kPc + 4, looking for an
  // interrupt first. The hart asks for it when what the unit was translated under, or what lets
  // it run uninterrupted, may have changed:
  //   - address translation: satp or mstatus.MXR written (the TLB is flushed), or the MMU index
  //     of data accesses changed (SUM, MPRV, MPP): the index is a constant in the unit's code;
  //   - an interrupt is pending and enabled after the instruction (a write to mstatus/sstatus
  //     SIE/MIE, mie/sie or mip/sip, or a timer that became due): it is taken before the next
  //     instruction, as the spec requires of an enabling write;
  //   - sfence.vma flushed the unit's own page and the pc's page no longer fetches from the
  //     unit's physical page (a unit is keyed by physical page, so any other flush leaves it
  //     valid: the software TLB is not the code cache).
  // The privilege cannot change inside a unit: CSR instructions never change it.
  Done = 23,
};

// Retired instructions (state::kInstret) at a special exit. The unit counts every instruction
// of the unit that completed before the exiting one, and counts the exiting one itself only for
// Ecall and FenceI (as in user mode). So the hart adds 1 when it completes an instruction that
// exited with Done, Mret, Sret, Wfi (once it wakes, not when a stop ends the wait) or CodeWritten,
// and nothing when it raises an exception for it (a Trap exit, an illegal mret/sret/wfi); for an
// Ecall that becomes an environment-call exception rather than an SBI call it subtracts 1 (an
// instruction that raises an exception does not retire).
// A CSR instruction that stays in the unit passes SysCsr the count before it (the unit's instret
// register plus its block's instructions before it), which is what cycle/instret/minstret read.

}  // namespace strata::vm::rv64sys

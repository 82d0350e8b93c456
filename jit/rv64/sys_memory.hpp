// SysMemory: the slow path of a full-system hart's memory accesses, and its CSR instructions and
// sfence.vma, as translated system-mode code reaches them (translator.hpp, SystemTarget). Inline, a
// unit checks the software TLB (vm/rv64sys/soft_tlb.hpp) and on a hit accesses RAM itself; on a
// miss (or a misaligned access, a device page, a clean page, a code page) it calls one of the Sys*
// helpers of helpers_sys.def, which forward to the SysMemory that NativeContext::user_data() points
// at: the runner sets its vm::HostContext's user_data_ptr to a `SysMemory*` (converted to void*,
// and converted back to exactly that type by the helpers).
//
// Every call names the guest pc of the instruction. A call that faults (page fault, access
// fault, misaligned AMO/LR/SC) does not raise anything itself: it writes the trap into the state
// page (state::kExit = SysExit::Trap, kPc = pc, sysstate::kTrapCause/kTrapTval) and returns 0;
// the unit then checks state::kExit after the call and, when it is nonzero, leaves through a
// special exit (instructions before this one retired, writeback, `ret pc | 1`). A store that
// hit a page with translations sets state::kExit = SysExit::CodeWritten the same way (the store
// itself is done). sys_csr and sys_sfence may set vm/rv64sys/sys_layout.hpp's SysExit::Done: the
// instruction is complete but the unit must leave after it. The hart keeps state::kExit 0 while
// a unit runs otherwise.
#pragma once

#include <cstdint>

namespace strata::jit::rv64 {

// AMO operations (the funct5 of the A extension's AMOs).
enum class AmoOp : std::uint8_t {
  Add = 0x00,
  Swap = 0x01,
  Xor = 0x04,
  Or = 0x08,
  And = 0x0c,
  Min = 0x10,
  Max = 0x14,
  Minu = 0x18,
  Maxu = 0x1c,
};

class SysMemory {
 public:
  // Loads `size` bytes (1, 2, 4, 8) at virtual `va`, sign- or zero-extended to 64 bits.
  virtual std::uint64_t sys_load(std::uint64_t va, unsigned size, bool sign, std::uint64_t pc) = 0;
  virtual void sys_store(std::uint64_t va, std::uint64_t value, unsigned size,
                         std::uint64_t pc) = 0;
  // AMO of `size` 4 or 8 (must be aligned): returns the old value, sign-extended for size 4.
  virtual std::uint64_t sys_amo(std::uint64_t va, std::uint64_t value, unsigned size, AmoOp op,
                                std::uint64_t pc) = 0;
  // LR: the value (sign-extended for size 4), and a reservation on `va`.
  virtual std::uint64_t sys_lr(std::uint64_t va, unsigned size, std::uint64_t pc) = 0;
  // SC: 0 when the store happened (reservation valid for `va`), 1 otherwise. Always clears the
  // reservation.
  virtual std::uint64_t sys_sc(std::uint64_t va, std::uint64_t value, unsigned size,
                               std::uint64_t pc) = 0;
  // A Zicsr instruction other than fflags/frm/fcsr: `bits` is its encoding, `rs1_value` rs1's
  // value (ignored by the immediate forms, whose uimm is in `bits`), `instret` the instructions
  // retired before it (what cycle, instret and minstret read). Returns the value for rd; an
  // illegal access sets SysExit::Trap (the unit then leaves rd as it was).
  virtual std::uint64_t sys_csr(std::uint32_t bits, std::uint64_t rs1_value, std::uint64_t pc,
                                std::uint64_t instret) = 0;
  // sfence.vma (`bits`; `rs1_value` the virtual address, unless rs1 is x0: all of them).
  virtual void sys_sfence(std::uint32_t bits, std::uint64_t rs1_value, std::uint64_t pc) = 0;

 protected:
  ~SysMemory() = default;
};

}  // namespace strata::jit::rv64

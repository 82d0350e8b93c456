// The integer side of the RV64 translator, split by instruction class. translator.cpp decodes
// each guest instruction, calls begin_insn(pc) and then the one emitter of its class; the
// emitters only emit SVI for that instruction (they never end the block, except through the
// exit helpers at the bottom, which the driver uses).
//
// Shared invariant: an emitter reads every source register before it writes rd, so rd may
// equal rs1 or rs2. Temporaries never live past the instruction that made them.
#pragma once

#include <cstdint>

#include "isa/rv64/decoder.hpp"
#include "jit/rv64/block_builder.hpp"
#include "vm/rv64/guest_layout.hpp"
#include "vm/rv64sys/sys_layout.hpp"

namespace strata::jit::rv64 {

// RV64I computation: lui, auipc, the register-immediate and register-register ALU ops and their
// W forms. False if `in` is none of them.
bool translate_alu(BlockBuilder& b, const isa::rv64::DecodedInsn& in, uint64_t pc);

// M: mul*, div*, rem* (64-bit and W forms) with RISC-V's results for a zero divisor.
bool translate_muldiv(BlockBuilder& b, const isa::rv64::DecodedInsn& in);

// Integer loads and stores (lb..ld, lbu..lwu, sb..sd).
bool translate_mem(BlockBuilder& b, const isa::rv64::DecodedInsn& in);

// A: lr/sc (reservation in the state page) and the AMOs.
bool translate_atomic(BlockBuilder& b, const isa::rv64::DecodedInsn& in);

// Zicsr for the user-mode CSRs (fflags, frm, fcsr, cycle, time, instret). False, with nothing
// emitted, for any other CSR or for a write to a read-only one: the caller then emits the
// illegal-instruction exit.
bool translate_csr(BlockBuilder& b, const isa::rv64::DecodedInsn& in);

// Guest instructions of the current block begun before the current one: what a block exit taken
// at the current instruction has retired (the current one not included).
inline unsigned insns_before_current(const BlockBuilder& b) {
  return b.insns_before_current();
}

// The instret register += n (nothing for n == 0): emitted when control leaves a block, to another
// block of the unit or out of it (the writeback stores the register).
void emit_instret_add(BlockBuilder& b, unsigned n);

// Exit of the unit to a pc known at translation time: instret += retired, writeback,
// return next_pc.
void emit_exit_to(BlockBuilder& b, uint64_t next_pc, unsigned retired);

// Special exit (guest_layout.hpp): writeback, instret += retired, kExit = reason, kPc = pc,
// kExitArg = arg, return pc | 1.
void emit_special_exit(BlockBuilder& b, vm::rv64::ExitReason reason, uint64_t pc, uint64_t arg,
                       unsigned retired);
// The same for a system-mode exit (vm/rv64sys/sys_layout.hpp).
void emit_special_exit(BlockBuilder& b, vm::rv64sys::SysExit reason, uint64_t pc, uint64_t arg,
                       unsigned retired);
// A system-mode exit whose kExitArg is the value of register `arg_reg` (read after the instret
// update, so it must not be the instret register).
void emit_special_exit_reg(BlockBuilder& b, vm::rv64sys::SysExit reason, uint64_t pc,
                           uint16_t arg_reg, unsigned retired);

}  // namespace strata::jit::rv64

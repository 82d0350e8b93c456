// Translation of the RV64 F and D extensions (and their loads/stores) into SVI: see
// translator.hpp for the semantics required. Called by the translator for every opcode whose
// op_info has kFloat, except the CSR instructions (fcsr/frm/fflags are handled with the other
// CSRs in translator.cpp).
#pragma once

#include <cstdint>

#include "isa/rv64/decoder.hpp"
#include "jit/rv64/block_builder.hpp"
#include "jit/rv64/float_exits.hpp"

namespace strata::jit::rv64 {

// Emits SVI for `in` at guest `pc`. Returns false if `in` is not an F/D instruction it knows
// (the translator then treats it as illegal). A reserved rounding mode (in.reserved_rm) or a
// dynamic one that is invalid at run time must end as an illegal-instruction exit: for the
// latter emit a run-time check that leaves through a stub of `exits` (float_exits.hpp), or calls
// emit_illegal_exit when `exits` is null.
bool translate_float(BlockBuilder& b, const isa::rv64::DecodedInsn& in, uint64_t pc,
                     FloatExits* exits = nullptr);

// Emits a special exit for an illegal instruction at `pc` (raw bits `raw`): writeback, state
// kExit = Illegal, kPc = pc, kExitArg = raw, return pc | 1. Defined in translator.cpp.
void emit_illegal_exit(BlockBuilder& b, uint64_t pc, uint32_t raw);

// r = kBoxHigh | low 32 bits of r: the NaN-boxed single whose bits are r's low half.
void emit_box(BlockBuilder& b, uint16_t r);

// The instruction's helper call (rounding-mode check and callh), exact for every input; false
// when `in` has no helper. translate_float.cpp.
bool emit_helper_call(BlockBuilder& b, const isa::rv64::DecodedInsn& in, uint64_t pc,
                      FloatExits* exits = nullptr);
// An inline fast path in front of the helper call, for the D instructions that have one;
// false (nothing emitted) for the others. translate_float_inline.cpp.
bool emit_float_inline(BlockBuilder& b, const isa::rv64::DecodedInsn& in, uint64_t pc,
                       FloatExits* exits = nullptr);

// Whether `h` is the helper of an instruction with an inline fast path, so that its calls are
// that path's rare fallback (vm::ImportBinding::cold). Also true for the few such instructions
// that always call it (a static rounding mode other than RNE): those are rare in compiled code.
bool only_slow_paths_call(Helper h);

}  // namespace strata::jit::rv64

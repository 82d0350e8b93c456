// The baseline tier's run-time helpers: the C++ side of compiled code.
//
// Compiled code calls these (SysV ABI, plain arguments) for everything that is not emitted
// inline: calls, host calls, allocation, bulk memory operations, fuel refills and the cold
// halves of traps. Contract, for every helper taking (st, fp):
//   * fp is the calling function's frame, and the emitted code has already stored the pc of the
//     instruction into fp->pc (so traces, the GC and nested runs see exact state);
//   * the result is a status: 0 to continue, otherwise the vm::ExecStatus the compiled function
//     must return at once (Trapped with st->jit_trap filled, or Exited);
//   * nothing throws (a C++ exception never crosses a JIT frame).
// Helpers that call SVI code (call, callh, calli) may move the VM stack and the frame array:
// compiled code reloads fp and base from st->frames and its depth after them.
#pragma once

#include <cstdint>

#include "vm/interp.hpp"

namespace strata::jit::baseline::rt {

using vm::ExecState;
using vm::Frame;
using vm::Value;

// ---- calls ----
uint64_t call(ExecState* st, Frame* fp, const vm::FuncInfo* callee) noexcept;
uint64_t call_host(ExecState* st, Frame* fp, const vm::ImportBinding* import) noexcept;
uint64_t call_indirect(ExecState* st, Frame* fp) noexcept;
// Takes the next fuel slice when st->fuel_left went negative at a branch; 0 = the branch is
// re-executed, else Trapped (OutOfFuel or Interrupted).
uint64_t refuel(ExecState* st, Frame* fp) noexcept;
// The baseline tier's refuel at a taken backward branch: refuel, then on-stack replacement into
// a higher tier when st->osr.upgrade has code for this branch (vm::OsrHook). That code runs the
// rest of the activation and its status comes back with kActivationDone set: the baseline
// function returns it at once (without the flag). 0 = re-execute the branch.
inline constexpr uint64_t kActivationDone = 0x100;
uint64_t refuel_backedge(ExecState* st, Frame* fp) noexcept;

// ---- instructions decoded from *fp->pc ----
uint64_t record_new(ExecState* st, Frame* fp) noexcept;
uint64_t array_new(ExecState* st, Frame* fp) noexcept;
uint64_t mem_grow(ExecState* st, Frame* fp) noexcept;
uint64_t mem_copy(ExecState* st, Frame* fp) noexcept;
uint64_t mem_fill(ExecState* st, Frame* fp) noexcept;

// ---- cold trap paths: record the trap exactly as the interpreter words it; return Trapped ----
uint64_t trap_explicit(ExecState* st, Frame* fp, uint64_t code) noexcept;
uint64_t trap_div_zero(ExecState* st, Frame* fp) noexcept;
uint64_t trap_index(ExecState* st, Frame* fp, uint64_t index, uint64_t len) noexcept;
// `off_size` packs the access: offset in the low 32 bits, size in bytes in the high 32.
uint64_t trap_memory(ExecState* st, Frame* fp, uint64_t addr, uint64_t off_size) noexcept;
uint64_t trap_object(ExecState* st, Frame* fp, vm::Object* o, uint64_t want_kind) noexcept;
uint64_t trap_record(ExecState* st, Frame* fp, vm::Object* o, const vm::RecordType* want) noexcept;
uint64_t trap_alen(ExecState* st, Frame* fp, vm::Object* o) noexcept;

// ---- f64 operations without a plain SSE2 instruction ----
double f_min(double x, double y) noexcept;
double f_max(double x, double y) noexcept;
double f_floor(double x) noexcept;
double f_ceil(double x) noexcept;
double f_trunc(double x) noexcept;
double f_nearest(double x) noexcept;
double f_fma(double x, double y, double z) noexcept;  // for hosts without FMA3
int64_t f_to_i(double x) noexcept;

}  // namespace strata::jit::baseline::rt

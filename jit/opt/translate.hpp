// SVI function -> LLVM IR for the optimizing tier (inside libstrata_opt.so only).
//
// The generated function has the JitEntry ABI, i64 f(ptr st, ptr base, ptr fp), and keeps the
// interpreter's state exactly as the baseline tier does (jit/baseline/emitter.hpp), with one
// difference: SVI registers are SSA values, not memory. Each register is an i64 alloca (f64 and
// ref values are bitcast/inttoptr'd at their uses) that SROA/mem2reg promote, so the optimizer
// sees plain data flow. A function that calls itself is an internal body behind that entry, with
// its parameters, the fuel counter and {status, fuel, result} in registers (self_call.cpp); its
// self-calls call the body while its code slot holds the entry. The frame window base[] is brought
// up to date
// ("synced") where the runtime can observe it:
//   * before a call, host call, indirect call or allocation: every ref register is stored to
//     base[] (Boehm scans it, and anything called can allocate), and so are the operands the
//     helpers read from base[] (a slow call path's arguments, calli's function reference, anew's
//     length); i64/f64 registers are observed by nothing else during a call;
//   * before mgrow/mcopy/mfill: their operands (the helpers decode them from base[]).
// Helpers that write a register (a call's result, rnew/anew, mgrow) write base[a]; the
// register is reloaded from there. Calls may move the VM stack and the frame array, so fp and
// base are reloaded from st->frames + depth after them (depth: fp's byte offset, fixed per
// activation). Trap paths store fp->pc and call the cold trap helper; they do not sync the
// registers (a trap unwinds the frame; its trace has function, pc and line, no register).
// Fuel: one unit per call (inline fast path or rt::call) and per taken backward branch; an
// empty slice calls rt::refuel and re-executes the branch, as the baseline tier does. A body
// keeps the counter in a register and stores it to st->fuel_left before every helper, trap
// helper or entry call (reloading it after them).
// Host stack: a call's fast path needs rsp at or above st->host_stack_limit (rt::call, the
// slow path, then traps with StackOverflow); no frame pointer is kept.
#pragma once

#include <string>

#include "jit/opt/opt_api.hpp"

namespace llvm {
class Function;
class Module;
}  // namespace llvm

namespace strata::jit::opt {

// The function attribute a translated function carries when it may have loops over linear memory
// (a backward branch and a memory access): only such modules run range_checks.hpp's passes.
inline constexpr const char* kMemoryLoopsAttr = "strata-memory-loops";

// Builds `req` as function `name` in `mod`. Returns an empty string on success, else why the
// function is declined (an instruction that does not decode).
std::string translate_function(const OptRequest& req, const OptRuntime& rt, llvm::Module& mod,
                               const std::string& name);

}  // namespace strata::jit::opt

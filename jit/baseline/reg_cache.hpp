// The baseline tier's register cache: the SVI registers a function uses most live in host
// registers for the whole function instead of in their window slots.
//
// WHY. Every SVI register used to live in the frame's window ([rbx + 8r]): an RV64 unit's TLB
// check and each loop-carried value went through a store and a reload per instruction. A
// static assignment (one host register per cached SVI register, the same at every instruction)
// needs no state at the joins of control flow: what holds at one instruction holds at all.
//
// THE WINDOW. A cached register's window slot is stale between the points where something may
// read it, at which the emitter writes the cached registers back (Emitter::flush_cache):
//   - an instruction whose emitter is not cache-aware and may call out (OpSync::All): every
//     cached register is written back first and reloaded after (the helpers may read or write
//     the window, and the host registers are caller-saved);
//   - every cold stub that calls a trap or refuel helper (a trap, a nested tier, a debugger
//     sees the frame as the interpreter would leave it).
// The prologue (and the OSR entry) loads the cached registers from the window. Only live
// registers are written back or reloaded, and a write-back skips those not changed since the
// window last had their value (Emitter's clean set, emptied at every jump target).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include <asmjit/x86.h>

#include "isa/code_walk.hpp"

namespace strata::jit::baseline {

// Host registers that hold cached SVI registers, the most used first. None is scratch in a
// cache-aware emitter (r11 is save_pc's, which only runs once the cache is written back). The
// first six are caller-saved, so helper calls are bracketed (OpSync::All); rbp is callee-saved
// and pushed only by the functions that use it, and r15, otherwise pinned to fp's offset, is
// taken only by a function that caches eight registers (Emitter::prologue).
//
// r12 and r13 (st and fp, pinned otherwise) are the ninth and tenth, for functions compiled
// with CodePromises::unlimited_fuel (no fuel charge in the main line reads st): their pinned
// values then live in the frame ([rsp + 8], [rsp + 16]) and are put back where code needs st or
// fp (Emitter::restore_pinned): at each OpSync::All instruction, in cold stubs that call
// helpers, and at a `ret`. A translated RV64 unit with more than eight hot registers (sha256's
// rounds, multi-word arithmetic) kept the rest in memory, each use a load and a store.
inline constexpr asmjit::x86::Gp kCacheRegs[] = {
    asmjit::x86::rsi, asmjit::x86::rdi, asmjit::x86::r8,  asmjit::x86::r9,  asmjit::x86::r10,
    asmjit::x86::r11, asmjit::x86::rbp, asmjit::x86::r15, asmjit::x86::r12, asmjit::x86::r13};
inline constexpr size_t kCacheRegCount = sizeof(kCacheRegs) / sizeof(kCacheRegs[0]);
// Without the unlimited-fuel promise: rsi .. r15.
inline constexpr size_t kPlainCacheRegs = 8;
// The weighted uses (choose_cached) a register needs to be cached in r12 or r13: a loop's.
inline constexpr int32_t kMinUsesBeyondPlain = 8;
// The indices of r12 and r13 in kCacheRegs.
inline constexpr size_t kStCacheIndex = 8, kFpCacheIndex = 9;

// What the emitter does around one instruction for the cache.
enum class OpSync : uint8_t {
  None,  // the emitter uses the cached registers itself (and no helper outside a cold stub)
  All,   // may call a helper or clobber a cache register: write back all, reload all after
};
OpSync op_sync(isa::Op op);
// Whether the host has FMA3: emit_FMAdd then uses it in place (OpSync::None), else it calls the
// C library's fma (OpSync::All). One answer for both, which must agree.
bool host_has_fma();
// Whether the host has BMI2 (rorx: emit_ShrI's shift into another register when a mask follows).
bool host_has_bmi2();

// Which registers to cache: by index into kCacheRegs, -1 for a register left in the window.
// Registers are ranked by their operand uses in OpSync::None instructions; a register needs a
// weight of two. `skip_r0`: r0 is the promised zero (never read from anywhere). `free` (may be
// null), by pc: instructions that cost a register left in the window nothing (register_homes.hpp),
// not counted. `weigh_loops`: a use inside a loop (a backward branch's range) weighs 8, inside
// two 64, except in straight runs that end in a ret. The emitter weighs loops in functions with
// register homes, whose prologue and exit copies no longer count: RV64 user mode under
// --jit=baseline 0.954 geomean with it (mandelbrot 0.82, nbody 0.91), the hart's boot even; in SVI
// programs (no homes) it cost nbody 5% and mandelbrot 3% (and 4^k weights measured the same
// before, docs/JIT.md). `uncounted` (may be null), by pc: operands (bit 0: a, 1: b, 2: c) whose
// uses are not counted either (tlb_access.hpp: code that reads them from no cache register).
// `limit`: how many of kCacheRegs the function may use (kPlainCacheRegs or kCacheRegCount).
std::vector<int8_t> choose_cached(std::span<const isa::Insn> insns, size_t nregs, bool skip_r0,
                                  const std::vector<bool>* free = nullptr, bool weigh_loops = false,
                                  const std::vector<uint8_t>* uncounted = nullptr,
                                  size_t limit = kPlainCacheRegs);

// A set of cached registers: bit i is the register kept in kCacheRegs[i].
using CacheMask = uint16_t;
static_assert(kCacheRegCount <= 16);

// The cached registers live where each instruction starts, by pc (a backward dataflow over the
// body's fallthroughs and branches). Uses are the register operands and a call's arguments; the
// A operand is a def when `writes_a` says so (a call of a void callee names r0 and writes
// nothing). Write-backs and reloads skip dead registers: their values are never read again.
std::vector<CacheMask> live_cached(std::span<const isa::Insn> insns, size_t code_size,
                                   std::span<const int8_t> host_of,
                                   const std::function<bool(const isa::Insn&)>& writes_a);

}  // namespace strata::jit::baseline

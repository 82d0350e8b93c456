// The contract between the strata binary and the optimizing tier's shared module
// (libstrata_opt.so, the only code that contains LLVM).
//
// The binary opens the module with dlopen on first use (jit/opt/opt_loader.hpp) and calls its one
// exported C function, kCreateSymbol, which returns an OptCompiler. The module links no strata
// library: it reads the VM's plain structs through the headers (same compiler, same layouts) and
// reaches run-time code only through OptRuntime, a table of addresses the binary fills in. Its
// generated code calls those helpers by absolute address.
//
// No C++ exception crosses this boundary: every entry is noexcept and reports failure as a value.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "isa/code_walk.hpp"
#include "jit/baseline/chain.hpp"
#include "vm/instance.hpp"

namespace strata::jit::opt {

// Bumped whenever this header or a layout the module's code reads (vm::ExecState, vm::Frame,
// the allocation cache, baseline::ChainSlot/ChainContext) changes, so a stale module is refused
// rather than misused. 7: the ExecState gained alloc_cache, read by inline allocation.
// 8: OptRequest::guard_bytes. 9: OptRequest::chain (chained exits). 11: ChainSlot::epoch and
// ChainContext's epoch and interrupt words (the hart's linked exits). 12: the mulh and mulhu
// opcodes. 13: ChainSlot::expect and enter.
inline constexpr uint32_t kOptApiVersion = 13;
inline constexpr const char* kCreateSymbol = "strata_opt_create";
inline constexpr const char* kModuleName = "libstrata_opt.so";

// The run-time helpers generated code calls (jit/baseline/runtime.hpp: same contracts).
struct OptRuntime {
  uint32_t version = kOptApiVersion;
  const void* call = nullptr;           // rt::call(st, fp, callee)
  const void* call_host = nullptr;      // rt::call_host(st, fp, import)
  const void* call_indirect = nullptr;  // rt::call_indirect(st, fp)
  const void* refuel = nullptr;         // rt::refuel(st, fp)
  const void* record_new = nullptr;
  const void* array_new = nullptr;
  const void* mem_grow = nullptr;
  const void* mem_copy = nullptr;
  const void* mem_fill = nullptr;
  const void* trap_explicit = nullptr;
  const void* trap_div_zero = nullptr;
  const void* trap_index = nullptr;
  const void* trap_memory = nullptr;
  const void* trap_object = nullptr;
  const void* trap_record = nullptr;
  const void* trap_alen = nullptr;
  const void* f_min = nullptr;
  const void* f_max = nullptr;
};

// One function to compile: its linked FuncInfo, its instructions, already decoded by the
// binary (isa::CodeWalk lives in strata_isa, which the module does not link), and the types of
// its registers (fn->nregs of them).
struct OptRequest {
  const vm::FuncInfo* fn = nullptr;
  std::span<const isa::Insn> insns;
  std::span<const isa::ValType> reg_types;
  // The instance's linear memory neither grows nor moves while this code lives (a translated
  // RV64 unit's guest memory): its data pointer and size become constants, so an access at a
  // constant address (the CPU state page) needs no check at run time and the base is
  // loop-invariant. Such a function must not contain mgrow (it is declined if it does).
  bool fixed_memory = false;
  // Every import the function calls (callh) is a leaf native: it never exits, never traps, never
  // touches the VM stack or frames, and the host context's `caller` is already the function's
  // instance (the translated RV64 units' helpers). Such a call is then a plain native call: no
  // frame sync, no stack check, and no unit of fuel charged (the caller's fuel is unlimited).
  bool leaf_host_calls = false;
  // The function only ever runs with unlimited fuel (vm::Limits::fuel 0, as the RV64 runner's
  // units do): its backward branches charge none, so a loop touches no ExecState.
  bool unlimited_fuel = false;
  // Not kNoOsrPc: build the function's on-stack replacement entry at this loop header (the
  // target of a backward branch) instead of its entry: a vm::OsrEntry for an activation stopped
  // at any taken backward branch to it (fp->pc), its slice just refilled (`target` unused). It
  // reads every register from base[], charges the branch's unit of fuel and continues at the
  // header; the rest is the function's body, so the loop is optimized as in the whole function.
  // Declined when no backward branch targets this pc.
  static constexpr uint32_t kNoOsrPc = UINT32_MAX;
  uint32_t osr_pc = kNoOsrPc;
  // A size the instance's linear memory never drops below while this code can run (its size
  // when the compile was requested, read on the thread that runs the instance: a memory never
  // shrinks once its code has run, vm/memory.hpp). The code may assume it; 0 assumes nothing.
  uint64_t memory_floor = 0;
  // With fixed_memory: this many bytes after the linear memory's end fault on the host when
  // accessed, and the runner turns such a fault into the same end as a bounds trap
  // (vm::LinearMemory::guard, jit/rv64/guest_fault.hpp). A bounds check that a passed check of
  // the same address, or of one a little below it, covers up to the guard is then dropped
  // (guard_checks.hpp). 0 promises nothing.
  uint64_t guard_bytes = 0;
  // Not null (with its context's slice_left and written set): the `ret`s it lists are chained
  // exits with the contract of jit/baseline/chain.hpp, the same checks in the same order, the
  // jump a musttail call of the target's jit_entry with this function's (st, base, fp). Only
  // for a function the loop runs as its bottom frame (that CONTRACT); read during the compile
  // only, but the slots and the context must outlive the code. A function that calls itself
  // (a body behind its entry, self_call.cpp) returns as usual. SVI programs never pass it.
  const baseline::ChainExits* chain = nullptr;
};

// Thread CPU time of a compile's phases, to see where LLVM's time goes.
struct OptPhaseNs {
  uint64_t ir = 0;       // SVI -> LLVM IR and verification
  uint64_t opt = 0;      // the optimization pipeline
  uint64_t codegen = 0;  // instruction selection, register allocation, emission and linking
};

struct OptResult {
  vm::JitEntry entry = nullptr;  // null: declined (error says why); the function keeps its tier
  std::string error;
  OptPhaseNs phases;
  vm::OsrEntry osr_entry = nullptr;  // an OptRequest::osr_pc's result (then entry is null)
  // Bounds checks of linear-memory accesses left in the optimized code's loops (loop_checks.hpp).
  uint32_t loop_memory_checks = 0;
};

// Compiles SVI functions to native code with LLVM ORC (O2). The code lives until release() or
// as long as the compiler. compile() and release() may run on any one thread at a time (the
// auto tier's background thread).
class OptCompiler {
 public:
  virtual ~OptCompiler() = default;
  virtual OptResult compile(const OptRequest& req) noexcept = 0;
  // Frees the code of `entry` (a result of compile() that nothing runs any more).
  virtual void release(vm::JitEntry entry) noexcept = 0;
};

// The module's exported entry: a new compiler, or null with a message in err.
using CreateFn = OptCompiler* (*)(const OptRuntime* rt, std::string* err) noexcept;

}  // namespace strata::jit::opt

// The SVI interpreter: execution state (VM stack, call frames, fuel) and the entry point.
//
// Frame layout. All registers live in one contiguous VM stack of Values, allocated with
// GC_MALLOC_UNCOLLECTABLE so that Boehm scans it (refs live there). A frame is a window of
// fn->nregs Values starting at `base`; a callee's window starts right after its caller's
// (base + caller->nregs), its parameters are copied into its first registers and the rest
// are zeroed (a ref register is null until written). Call frames are a separate array of
// Frame records (plain memory: they hold no GC refs) recording the function, the register
// base, and the pc: for a caller, its call instruction (whose `a` field is the destination
// register and whose argument words follow it); for the innermost frame, the pc saved before
// anything that can trap, allocate or call the host (Lua's Protect).
//
// Compiled code (jit/baseline) keeps exactly this state: the same stack windows and Frame
// records, fuel in st.fuel_left. The interpreter enters a compiled callee at a call (its
// call_code is kEnterJitWord); compiled code runs a callee without code through run_frames, a
// nested run on top of the existing frames. No C++ exception crosses either boundary.
//
// Fuel. One local counter per run, charged on each call and each taken backward branch, counts
// down the current slice of at most kFuelSlice units. When it runs out the slow path checks the
// stop word (request_stop) and takes the next slice from the budget: there is no per-
// instruction cost, and a stop request is seen within one slice.
//
// Tiering (--jit=auto). The same call_code indirection that enters compiled code also counts
// calls: while a function is watched its call_code is kCountCallWord, a second pseudo-opcode
// whose handler bumps FuncInfo::hot_count and, past TierUp::threshold, has the function
// compiled (on this thread, its frame pushed but not yet entered, so swapping its code slot is
// safe) and enters the new code at once. The --jit=off path is the untouched direct call:
// call_code is then the code itself. Back-edges are not counted one by one (that would cost
// the off path a counter per branch): the fuel counter already counts them. When a fuel slice
// (ExecState::fuel_slice units) runs out at a taken backward branch, the running function is hot:
// it is compiled if it was not yet, and its activation moves into the compiled code at that
// branch (on-stack replacement, ExecState::osr): the frame, registers and pc are the same in every
// tier, so only the host-side entry changes; the compiled code re-executes the branch with the
// next slice and runs the activation to its end, then the interpreter continues as after a
// return. A slice that runs out at a call marks the function hot for its next call.
//
// Debugging (vm/debug/svi_vcpu.hpp). A debugger runs the program on its own copy of each
// function's code, in which it replaces the opcode field of chosen instructions (breakpoints,
// the successors of a single step) with kDebugBreakOp, keeping the operand fields. The loop
// dispatches that opcode like any other, through the same label table, so a run without a
// debugger pays nothing: no per-instruction test exists. The handler saves the pc (the
// instruction has not run) and returns Paused; st.last_fp is then the innermost frame and
// run_frames on it resumes the program there.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "vm/host_context.hpp"
#include "vm/instance.hpp"
#include "vm/limits.hpp"
#include "vm/trap.hpp"

#include <fmt/format.h>

namespace strata::vm {

struct AllocCache;  // vm/heap/alloc_cache.hpp

struct Frame {
  const FuncInfo* fn;
  Value* base;
  const isa::Word* pc;
};

class ExecState {
 public:
  static constexpr int64_t kFuelSlice = 1 << 16;
  // Bound on the VM stack (in Values) whatever the call depth: 128 MiB.
  static constexpr size_t kMaxStackValues = size_t{1} << 24;

  explicit ExecState(const Limits& limits);
  ~ExecState();
  ExecState(const ExecState&) = delete;
  ExecState& operator=(const ExecState&) = delete;

  // Grows the VM stack so that [stack, stack + needed) exists, keeping contents and moving the
  // bases of frames [frames, top]. False (and nothing changes) past kMaxStackValues or on OOM.
  bool grow_stack(size_t needed, Frame* top);

  // Called when a call needs a frame past frames_last: grows the frame array (moving *fp with
  // it) unless frame_cap frames exist already. False means the call-depth limit is reached.
  bool grow_frames(Frame** fp);

  // Returns the next fuel slice (> 0), or 0 when the budget is exhausted (trap_kind is then
  // OutOfFuel) or a stop was requested (Interrupted; the request is consumed).
  int64_t refill();

  // Records the pending trap (kind and message) for the trap path; cold.
  template <typename... Args>
  [[gnu::cold, gnu::noinline]] void set_trap(TrapKind kind, fmt::format_string<Args...> f,
                                             Args&&... args) {
    trap_kind = kind;
    trap_msg = fmt::format(f, std::forward<Args>(args)...);
  }

  uint64_t fuel_used() const;

  Value* stack = nullptr;  // uncollectable, stack_len Values
  size_t stack_len = 0;
  Value* stack_end = nullptr;  // stack + stack_len
  Frame* frames = nullptr;     // frames_len Frames allocated, grown up to frame_cap
  size_t frames_len = 0;
  size_t frame_cap = 0;          // the call-depth limit
  Frame* frames_last = nullptr;  // frames + frames_len - 1
  int64_t fuel_left = 0;         // units left in the current slice (saved between runs)
  uint64_t fuel_reserve = 0;     // units not yet handed out in slices
  uint64_t fuel_limit = 0;       // 0 = unlimited
  std::atomic<bool> stop{false};
  // The trap being raised (kept here, not in the loop's locals, to spare registers).
  TrapKind trap_kind = TrapKind::Explicit;
  std::string trap_msg;

  // ---- shared with compiled code (jit/baseline); offsets are read by the emitters ----
  HostContext* host = nullptr;     // the run's host context (set by execute)
  Value jit_retval{};              // a compiled function's result (status Returned)
  Trap jit_trap;                   // the finished trap when a compiled call returns Trapped
  uintptr_t host_stack_limit = 0;  // lowest safe host stack address for compiled code (0 = unset)
  // The running thread's allocation cache, from which compiled code takes small objects inline
  // (vm/heap/alloc_cache.hpp): execute and run_frames set it to thread_alloc_cache(), and the
  // allocation helpers refresh it, so the thread that runs code on this state sees its own. Never
  // null: until then the shared empty cache, which sends every allocation to the helpers.
  AllocCache* alloc_cache;

  // ---- run-time tier-up (interpreter and jit runtime only; not read by emitted code) ----
  TierUp tier_up{};
  OsrHook osr{};
  // Units per fuel slice. With OSR on, also the back-edges after which a running function counts
  // as hot: tests lower it to exercise OSR in short loops. A stop request is seen within one.
  uint32_t fuel_slice = kFuelSlice;
  // Slices handed out by refill(): the first one of a run starts from an empty counter, so only
  // a later one running out says that a function is hot.
  uint64_t slices_taken = 0;

  // ---- for a debugger (not read by emitted code) ----
  // The innermost frame when the last interpreter run ended, whatever the status: where a
  // Paused run (or an Interrupted trap, whose pc is the call or branch that did not take
  // effect) resumes, and the frame that ended the program after Exited or a trap.
  Frame* last_fp = nullptr;
};

// Paused: the interpreter reached a kDebugBreakOp word (see "Debugging" above).
enum class ExecStatus : uint8_t { Returned, Exited, Trapped, Paused };

// Runs `fn` with `args` (fn->nparams Values) from an empty VM stack. On Returned, *result holds
// the result (if fn has one); on Exited, cx.exit_code the code; on Trapped, *trap the trap.
ExecStatus execute(ExecState& st, HostContext& cx, const FuncInfo* fn, const Value* args,
                   Value* result, Trap* trap);

// Runs the frame `entry` in the interpreter until it returns. The caller has pushed it: fn,
// base (arguments copied, the other registers zeroed) and pc = fn->code; the frames below it
// are its callers (interpreted or compiled, their pc at their call instruction) and appear in
// traces. This is how compiled code calls a function that has no compiled code: a nested run
// on top of the existing frames. A compiled callee found on the way is entered directly.
// Results as for execute(); fuel is read from and written back to st.fuel_left.
ExecStatus run_frames(ExecState& st, HostContext& cx, Frame* entry, Value* result, Trap* trap);

// A pseudo-instruction word (opcode kOpCount, past the table) that the interpreter dispatches to
// "enter the callee's compiled code": FuncInfo::call_code points at it for compiled functions.
extern const isa::Word kEnterJitWord;

// A second pseudo-instruction word (kOpCount + 1): "count this call, maybe tier up". call_code
// points at it for functions watched by tiering (arm_tier_up).
extern const isa::Word kCountCallWord;

// The opcode field of a debugger's break word (kOpCount + 2, past both pseudo-instructions);
// the word's other fields are those of the instruction it replaces.
inline constexpr uint16_t kDebugBreakOp = isa::kOpCount + 2;
inline constexpr isa::Word debug_break_word(isa::Word original) {
  return (original & ~isa::Word{0xffff}) | kDebugBreakOp;
}

// Watches `fn` (if it has no compiled code): its calls are counted from now on.
void arm_tier_up(FuncInfo& fn);

// The cold halves of tiering, shared with the jit runtime: count a call of `fn` (its frame
// pushed, not entered) and promote it past the threshold; mark the running `fn` hot because a
// fuel slice ran out in it. Both no-ops unless st.tier_up.promote is set.
void count_call(ExecState& st, const FuncInfo* fn);
void note_slice_in(ExecState& st, const FuncInfo* fn);

// Publishes (or, with nullptr, withdraws) a function's compiled code: jit_entry and call_code.
inline void set_jit_entry(FuncInfo& fn, JitEntry entry) {
  fn.jit_entry = entry;
  fn.call_code = entry != nullptr ? &kEnterJitWord : fn.code;
}

// The lowest host stack address compiled code may use on this thread (st.host_stack_limit).
uintptr_t host_stack_floor();

// Fills trap->trace from the frames [st.frames, top], the innermost at `pc`.
void build_trace(const ExecState& st, const Frame* top, const isa::Word* pc, Trap* trap);

// ---- pieces of the reference semantics shared with the JIT tiers --------------------------
// Copies call arguments: argument k is register field k % 4 of argument word k / 4.
inline void copy_args(Value* dst, const Value* R, const isa::Word* argw, uint32_t n) {
  for (; n >= 4; n -= 4, dst += 4, ++argw) {
    const isa::Word a = *argw;
    dst[0] = R[static_cast<uint16_t>(a)];
    dst[1] = R[static_cast<uint16_t>(a >> 16)];
    dst[2] = R[static_cast<uint16_t>(a >> 32)];
    dst[3] = R[static_cast<uint16_t>(a >> 48)];
  }
  if (n == 0) return;
  const isa::Word a = *argw;
  dst[0] = R[static_cast<uint16_t>(a)];
  if (n == 1) return;
  dst[1] = R[static_cast<uint16_t>(a >> 16)];
  if (n == 2) return;
  dst[2] = R[static_cast<uint16_t>(a >> 32)];
}

std::string_view kind_name(ObjKind k);
// fmin/fmax/f2i exactly as opcodes.def specifies.
double float_min(double x, double y);
double float_max(double x, double y);
int64_t float_to_int(double x);
// The cold halves of the object checks: set st.trap_kind/trap_msg for the failed check.
void record_fault(ExecState& st, Object* o, const RecordType* want);
void object_fault(ExecState& st, Object* o, ObjKind want);
void calli_mismatch(ExecState& st, const FuncInfo* callee, const Instance* inst, uint32_t sig);
// A native's requested trap (cx.trap_kind/trap_message, consumed) as a Trap whose trace has the
// native's own frame first, then the frames [st.frames, top] with top at `pc`.
void native_trap(const ExecState& st, HostContext& cx, const Frame* top, const isa::Word* pc,
                 const ImportBinding* import, Trap* trap);

}  // namespace strata::vm

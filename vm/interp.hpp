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
// Fuel. One local counter per run, charged on each call and each taken backward branch, counts
// down the current slice of at most kFuelSlice units. When it runs out the slow path checks the
// stop word (request_stop) and takes the next slice from the budget: there is no per-
// instruction cost, and a stop request is seen within one slice.
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
  Frame* frames = nullptr;       // frames_len Frames allocated, grown up to frame_cap
  size_t frames_len = 0;
  size_t frame_cap = 0;          // the call-depth limit
  Frame* frames_last = nullptr;  // frames + frames_len - 1
  int64_t fuel_left = 0;     // units left in the current slice (saved between runs)
  uint64_t fuel_reserve = 0; // units not yet handed out in slices
  uint64_t fuel_limit = 0;   // 0 = unlimited
  std::atomic<bool> stop{false};
  // The trap being raised (kept here, not in the loop's locals, to spare registers).
  TrapKind trap_kind = TrapKind::Explicit;
  std::string trap_msg;
};

enum class ExecStatus : uint8_t { Returned, Exited, Trapped };

// Runs `fn` with `args` (fn->nparams Values) from an empty VM stack. On Returned, *result holds
// the result (if fn has one); on Exited, cx.exit_code the code; on Trapped, *trap the trap.
ExecStatus execute(ExecState& st, HostContext& cx, const FuncInfo* fn, const Value* args,
                   Value* result, Trap* trap);

// Fills trap->trace from the frames [st.frames, top], the innermost at `pc`.
void build_trace(const ExecState& st, const Frame* top, const isa::Word* pc, Trap* trap);

}  // namespace strata::vm

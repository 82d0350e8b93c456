// The interpreter loop. Handlers are written once (vm/interp_*.inc) through the STRATA_VM_*
// macros; the dispatch is computed goto (a label table generated from isa/opcodes.def) or,
// with STRATA_SWITCH_DISPATCH, a plain switch.
//
// Hot state lives in locals: pc, the current instruction word w, the register window R, the
// current function and instance, the frame pointer and the fuel counter.
// No handler throws; a trap jumps to L_trap with the pc still at the faulting instruction.
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "vm/heap.hpp"
#include "vm/heap/alloc_cache.hpp"
#include "vm/interp.hpp"

static_assert(std::endian::native == std::endian::little,
              "linear-memory accesses assume a little-endian host");

namespace strata::vm {

#define STRATA_LIKELY(x) __builtin_expect(!!(x), 1)
#define STRATA_UNLIKELY(x) __builtin_expect(!!(x), 0)

std::string_view kind_name(ObjKind k) {
  switch (k) {
    case ObjKind::String: return "string";
    case ObjKind::ArrayI64: return "i64 array";
    case ObjKind::ArrayF64: return "f64 array";
    case ObjKind::ArrayRef: return "ref array";
    case ObjKind::ArrayU8: return "byte array";
    case ObjKind::Record: return "record";
    case ObjKind::Map: return "map";
    case ObjKind::Function: return "function reference";
  }
  return "corrupt object";
}

static bool is_array(ObjKind k) {
  return k >= ObjKind::ArrayI64 && k <= ObjKind::ArrayU8;
}

// fmin/fmax per opcodes.def: NaN if either operand is NaN; -0 < +0.
double float_min(double x, double y) {
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
  if (x < y) return x;
  if (y < x) return y;
  return std::bit_cast<double>(std::bit_cast<uint64_t>(x) | std::bit_cast<uint64_t>(y));
}
double float_max(double x, double y) {
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
  if (x > y) return x;
  if (y > x) return y;
  return std::bit_cast<double>(std::bit_cast<uint64_t>(x) & std::bit_cast<uint64_t>(y));
}
// Truncating, saturating conversion; NaN gives 0.
int64_t float_to_int(double x) {
  if (std::isnan(x)) return 0;
  if (x >= 9223372036854775808.0) return INT64_MAX;
  if (x <= -9223372036854775808.0) return INT64_MIN;
  return static_cast<int64_t>(x);
}

// The cold halves of the object checks: which trap, with what message.
[[gnu::cold, gnu::noinline]] void record_fault(ExecState& st, Object* o, const RecordType* want) {
  if (o == nullptr) {
    st.set_trap(TrapKind::NullReference, "field access on a null {} record", want->name);
  } else if (o->kind != ObjKind::Record) {
    st.set_trap(TrapKind::TypeMismatch, "expected a {} record, got a {}", want->name,
                kind_name(o->kind));
  } else {
    st.set_trap(TrapKind::TypeMismatch, "expected a {} record, got a {} record", want->name,
                static_cast<Record*>(o)->type->name);
  }
}

[[gnu::cold, gnu::noinline]] void object_fault(ExecState& st, Object* o, ObjKind want) {
  if (o == nullptr) {
    st.set_trap(TrapKind::NullReference, "{} is null", kind_name(want));
  } else {
    st.set_trap(TrapKind::TypeMismatch, "expected a {}, got a {}", kind_name(want),
                kind_name(o->kind));
  }
}

[[gnu::cold, gnu::noinline]] void calli_mismatch(ExecState& st, const FuncInfo* callee,
                                                 const Instance* inst, uint32_t sig) {
  const isa::Module& cm = callee->inst->module;
  st.set_trap(TrapKind::TypeMismatch, "function {} has signature {}, calli expects {}",
              callee->name, isa::to_string(cm.sigs[cm.funcs[callee->index].sig]),
              isa::to_string(inst->module.sigs[sig]));
}

// ---- handler vocabulary -------------------------------------------------------------------
#define RA R[isa::a_of(w)]
#define RB R[isa::b_of(w)]
#define RC R[isa::c_of(w)]

#if defined(STRATA_SWITCH_DISPATCH)
#define STRATA_VM_DISPATCH() switch (static_cast<uint16_t>(w & 0xffff))
#define STRATA_VM_CASE(name) case static_cast<uint16_t>(isa::Op::name):
#define STRATA_VM_NEXT() \
  do {                   \
    ++pc;                \
    goto L_fetch;        \
  } while (0)
#define STRATA_VM_JUMP() goto L_fetch
#else
#define STRATA_VM_DISPATCH() goto* kLabels[w & 0xffff];
#define STRATA_VM_CASE(name) L_##name:
#define STRATA_VM_NEXT()       \
  do {                         \
    w = *++pc;                 \
    goto* kLabels[w & 0xffff]; \
  } while (0)
#define STRATA_VM_JUMP()       \
  do {                         \
    w = *pc;                   \
    goto* kLabels[w & 0xffff]; \
  } while (0)
#endif

// Save the pc to the frame before anything that can allocate or call the host.
#define STRATA_PROTECT() (fp->pc = pc)

#define STRATA_THROW(kind, ...)       \
  do {                                \
    st.set_trap((kind), __VA_ARGS__); \
    goto L_trap;                      \
  } while (0)

// A conditional branch; a taken backward branch costs one unit of fuel.
#define STRATA_BRANCH(cond, offset)                                     \
  do {                                                                  \
    if (cond) {                                                         \
      const int32_t off_ = (offset);                                    \
      if (off_ <= 0 && STRATA_UNLIKELY(--fuel < 0)) goto L_fuel_branch; \
      pc += off_;                                                       \
      STRATA_VM_JUMP();                                                 \
    }                                                                   \
    STRATA_VM_NEXT();                                                   \
  } while (0)

#define STRATA_RETURN(has_value)               \
  do {                                         \
    if (STRATA_UNLIKELY(fp == entry_fp)) {     \
      if (has_value) *result = retval;         \
      status = ExecStatus::Returned;           \
      goto L_done;                             \
    }                                          \
    const uint32_t words_ = fn->arg_words;     \
    --fp;                                      \
    fn = fp->fn;                               \
    R = fp->base;                              \
    pc = fp->pc;                               \
    if (has_value) R[isa::a_of(*pc)] = retval; \
    pc += 1 + words_;                          \
    inst = fn->inst;                           \
    STRATA_VM_JUMP();                          \
  } while (0)

#define STRATA_RECORD(reg, field, rec)                                  \
  Record* rec = static_cast<Record*>((reg).r);                          \
  if (STRATA_UNLIKELY(rec == nullptr || rec->kind != ObjKind::Record || \
                      rec->type != (field).owner)) {                    \
    record_fault(st, rec, (field).owner);                               \
    goto L_trap;                                                        \
  }

#define STRATA_CHECKED_OBJ(reg, Kind, Type, var)                \
  Type* var = static_cast<Type*>((reg).r);                      \
  if (STRATA_UNLIKELY(var == nullptr || var->kind != (Kind))) { \
    object_fault(st, var, (Kind));                              \
    goto L_trap;                                                \
  }
#define STRATA_ARRAY(reg, Kind, var) STRATA_CHECKED_OBJ(reg, ObjKind::Kind, Array, var)
#define STRATA_STRING(reg, var) STRATA_CHECKED_OBJ(reg, ObjKind::String, String, var)

#define STRATA_INDEX(obj, reg, idx)                                                  \
  const uint64_t idx = (reg).bits;                                                   \
  if (STRATA_UNLIKELY(idx >= (obj)->len))                                            \
    STRATA_THROW(TrapKind::IndexOutOfBounds, "index {} out of bounds for length {}", \
                 static_cast<int64_t>(idx), (obj)->len);

#define STRATA_MEM(addr_reg, n, p)                                                         \
  uint8_t* p;                                                                              \
  {                                                                                        \
    const uint64_t addr_ = (addr_reg).bits;                                                \
    const uint64_t off_ = isa::c_of(w);                                                    \
    LinearMemory& m_ = inst->memory;                                                       \
    if (STRATA_UNLIKELY(addr_ > m_.size() || m_.size() - addr_ < off_ + (n)))              \
      STRATA_THROW(TrapKind::MemoryOutOfBounds,                                            \
                   "{}-byte access at {}+{} outside memory of {} bytes", (n), addr_, off_, \
                   m_.size());                                                             \
    p = m_.data() + addr_ + off_;                                                          \
  }

const isa::Word kEnterJitWord = isa::kOpCount;
const isa::Word kCountCallWord = isa::kOpCount + 1;

// ---- tiering (see "Tiering" in interp.hpp) ----------------------------------------------------
void arm_tier_up(FuncInfo& fn) {
  fn.hot_count = 0;
  if (fn.jit_entry == nullptr) fn.call_code = &kCountCallWord;
}

// Compiles the watched `f` now (its code slot is safe to swap: see the callers).
static void promote_now(ExecState& st, FuncInfo& f) {
  bool ok = false;
  if (st.tier_up.promote != nullptr) {
    // No exception may leave: compiled frames can be below this interpreter run.
    try {
      ok = st.tier_up.promote(st.tier_up.ctx, f);
    } catch (...) {
      ok = false;
    }
  }
  // A failure (emit error, cache full or busy) leaves it interpreted for good: stop counting it
  // rather than retrying a compile at every call.
  if (!ok || f.jit_entry == nullptr) set_jit_entry(f, nullptr);
}

void count_call(ExecState& st, const FuncInfo* fn) {
  if (++fn->hot_count < st.tier_up.threshold) return;
  // FuncInfos live in their Instance's (non-const) table; the interpreter only holds them const.
  auto& f = const_cast<FuncInfo&>(*fn);
  if (f.call_code == &kCountCallWord) promote_now(st, f);
}

[[gnu::cold, gnu::noinline]] static OsrTarget osr_target(ExecState& st, const Frame* fp,
                                                         const isa::Word* pc) {
  // A whole slice ran out in fp's function at one of its back-edges: it is hot. A watched
  // function not compiled yet is compiled here; its code slot is not in use by this activation
  // (which is interpreted), and the new code is entered below at this branch, not at its start.
  auto& f = const_cast<FuncInfo&>(*fp->fn);
  if (f.call_code == &kCountCallWord && f.jit_entry == nullptr) {
    if (fp == st.frames) {
      // The run's entry function (main): called once, so code for its next call would never
      // run. Only the code this activation enters: no optimizing compile (and no LLVM load)
      // for a program whose one hot loop is in main.
      bool ok = false;
      try {
        ok = st.osr.compile(st.osr.ctx, f);
      } catch (...) {
        ok = false;
      }
      if (!ok || f.jit_entry == nullptr) set_jit_entry(f, nullptr);
    } else {
      promote_now(st, f);
      // Hot from now on: a tier that keeps counting it (opt pending) must enter its code at its
      // next call rather than interpret it until the call threshold.
      if (f.hot_count < st.tier_up.threshold) f.hot_count = st.tier_up.threshold;
    }
  }
  if (f.jit_entry == nullptr) return {};
  try {
    return st.osr.find(st.osr.ctx, f, static_cast<uint32_t>(pc - f.code));
  } catch (...) {
    return {};
  }
}

void note_slice_in(ExecState& st, const FuncInfo* fn) {
  // A whole fuel slice ran out at a call or host call in `fn`: it holds the CPU. Promote it at its
  // next call (a slice that runs out at one of its back-edges moves it at once: L_fuel_branch).
  const uint32_t t = st.tier_up.threshold;
  if (fn->call_code == &kCountCallWord && t > 0 && fn->hot_count < t - 1) fn->hot_count = t - 1;
}

// ---- entry points -----------------------------------------------------------------------------
ExecStatus execute(ExecState& st, HostContext& cx, const FuncInfo* entry, const Value* args,
                   Value* result, Trap* trap) {
  if (entry->nregs > st.stack_len && !st.grow_stack(entry->nregs, nullptr)) {
    trap->kind = TrapKind::StackOverflow;
    trap->message = "the entry function's registers do not fit in the VM stack";
    trap->trace.clear();
    return ExecStatus::Trapped;
  }
  st.host = &cx;
  if (st.host_stack_limit == 0) st.host_stack_limit = host_stack_floor();
  st.alloc_cache = thread_alloc_cache();
  Frame* fp = st.frames;
  Value* R = st.stack;
  for (uint32_t i = 0; i < entry->nparams; ++i) R[i] = args[i];
  for (uint32_t i = entry->nparams; i < entry->nregs; ++i) R[i].bits = 0;
  fp->fn = entry;
  fp->base = R;
  fp->pc = entry->code;
  if (entry->jit_entry != nullptr) {
    const auto status = static_cast<ExecStatus>(entry->jit_entry(&st, R, fp));
    if (status == ExecStatus::Returned && entry->has_result) *result = st.jit_retval;
    if (status == ExecStatus::Trapped) *trap = std::move(st.jit_trap);
    return status;
  }
  return run_frames(st, cx, fp, result, trap);
}

void native_trap(const ExecState& st, HostContext& cx, const Frame* top, const isa::Word* pc,
                 const ImportBinding* import, Trap* trap) {
  cx.pending = HostContext::Pending::None;
  trap->kind = cx.trap_kind;
  trap->message = std::move(cx.trap_message);
  build_trace(st, top, pc, trap);
  TraceFrame native_frame;
  native_frame.module = import->qualified_name.substr(0, import->qualified_name.rfind('.'));
  native_frame.function = import->qualified_name;
  native_frame.source = "<native>";
  trap->trace.insert(trap->trace.begin(), std::move(native_frame));
}

// ---- the loop -------------------------------------------------------------------------------
// Aligned to a cache line so that the handlers' layout does not depend on the size of the code
// linked before it: a 32-byte shift made fib 13% slower (the heap's allocation cache moved it).
[[gnu::aligned(64)]] ExecStatus run_frames(ExecState& st, HostContext& cx, Frame* entry_fp,
                                           Value* result, Trap* trap) {
#if !defined(STRATA_SWITCH_DISPATCH)
  // One label per opcode, generated from the table: a missing handler fails to compile.
  static const void* const kLabels[] = {
#define STRATA_OP(name, mn, a, b, c, flags, sem) &&L_##name,
#include "isa/opcodes.def"
#undef STRATA_OP
      &&L_enter_jit,    // kEnterJitWord
      &&L_count_call,   // kCountCallWord
      &&L_debug_break,  // kDebugBreakOp
  };
  static_assert(sizeof(kLabels) / sizeof(kLabels[0]) == kDebugBreakOp + 1);
#endif

  ExecStatus status = ExecStatus::Returned;
  Value retval{};
  const FuncInfo* callee = nullptr;
  const ImportBinding* import = nullptr;
  OsrTarget osr{};

  // entry_fp is where this run returns; it moves with the frame array (grow_frames, or a
  // compiled callee's nested calls), so it is recomputed from its depth after those.
  const ptrdiff_t entry_depth = entry_fp - st.frames;
  // A debugger resumes a paused run here, possibly from another thread than the one that began.
  st.alloc_cache = thread_alloc_cache();
  Frame* fp = entry_fp;
  const FuncInfo* fn = fp->fn;
  Instance* inst = fn->inst;
  Value* R = fp->base;
  const isa::Word* pc = fp->pc;
  isa::Word w = 0;
  int64_t fuel = st.fuel_left;

L_fetch:
  __attribute__((unused));
  w = *pc;
  STRATA_VM_DISPATCH() {
#include "vm/interp_control.inc"
#include "vm/interp_float.inc"
#include "vm/interp_int.inc"
#include "vm/interp_memory.inc"
#include "vm/interp_object.inc"
#if defined(STRATA_SWITCH_DISPATCH)
    case isa::kOpCount: goto L_enter_jit;
    case isa::kOpCount + 1: goto L_count_call;
    case kDebugBreakOp: goto L_debug_break;
#endif
  }
  // Unreachable: every handler jumps, and the verifier admits only valid opcodes.
  std::abort();

  // A call of `callee` by the call instruction at pc (call, callh to an SVI export, calli).
  // Its frame starts right after the caller's registers; arguments come from the argument
  // words that follow the instruction.
L_call : {
  Value* nR = R + fn->nregs;
  if (STRATA_UNLIKELY(nR + callee->nregs > st.stack_end)) goto L_grow;
  if (STRATA_UNLIKELY(fp == st.frames_last)) goto L_grow_frames;
  if (STRATA_UNLIKELY(--fuel < 0)) goto L_fuel;
  copy_args(nR, R, pc + 1, callee->nparams);
  // Locals start zero: a ref register is null until written (the verifier does not prove
  // definite assignment).
  for (Value *z = nR + callee->nparams, *end = nR + callee->nregs; z < end; ++z) z->bits = 0;
  fp->pc = pc;
  ++fp;
  fp->fn = callee;
  fp->base = nR;
  R = nR;
  fn = callee;
  pc = callee->call_code;  // kEnterJitWord when it has compiled code: see L_enter_jit
  inst = callee->inst;
  STRATA_VM_JUMP();
}

  // Dispatched from kCountCallWord (tiering on): the callee's frame is pushed, none of its code
  // has run, so this is the safe point to swap its code slot. Count the call; if that promoted
  // it, enter the new code, else interpret it.
L_count_call:
  if (STRATA_UNLIKELY(++callee->hot_count >= st.tier_up.threshold)) {
    --callee->hot_count;  // count_call counts it
    count_call(st, callee);
    if (callee->jit_entry != nullptr) goto L_enter_jit;
  }
  pc = callee->code;
  STRATA_VM_JUMP();

  // Dispatched from kEnterJitWord: the callee's frame is pushed and it has compiled code: run it,
  // then continue after the call instruction as a return would. Compiled calls may move the frames
  // and the stack.
L_enter_jit : {
  const ptrdiff_t depth = fp - st.frames;
  st.fuel_left = fuel;
  const auto s = static_cast<ExecStatus>(callee->jit_entry(&st, R, fp));
  fuel = st.fuel_left;
  entry_fp = st.frames + entry_depth;
  fp = st.frames + depth - 1;
  if (STRATA_UNLIKELY(s != ExecStatus::Returned)) {
    // A nested run (under compiled code) already reports into st.jit_trap itself.
    if (s == ExecStatus::Trapped && trap != &st.jit_trap) *trap = std::move(st.jit_trap);
    status = s;
    goto L_done;
  }
  fn = fp->fn;
  R = fp->base;
  pc = fp->pc;
  if (callee->has_result) R[isa::a_of(*pc)] = st.jit_retval;
  pc += 1 + callee->arg_words;
  inst = fn->inst;
  STRATA_VM_JUMP();
}

  // A host call: arguments are copied just above the caller's registers, the native runs,
  // then any trap or exit it requested takes effect.
L_native : {
  Value* nargs = R + fn->nregs;
  if (STRATA_UNLIKELY(nargs + import->nparams > st.stack_end)) {
    callee = nullptr;
    goto L_grow;
  }
  if (STRATA_UNLIKELY(--fuel < 0)) goto L_fuel;
  copy_args(nargs, R, pc + 1, import->nparams);
  STRATA_PROTECT();
  cx.caller = inst;
  Value res{};
  import->native(cx, nargs, &res);
  if (STRATA_UNLIKELY(cx.pending != HostContext::Pending::None)) goto L_host_pending;
  if (import->has_result) RA = res;
  pc += 1 + import->arg_words;
  STRATA_VM_JUMP();
}

L_host_pending:
  if (cx.pending == HostContext::Pending::Exit) {
    cx.pending = HostContext::Pending::None;
    status = ExecStatus::Exited;
    goto L_done;
  }
  native_trap(st, cx, fp, pc, import, trap);
  status = ExecStatus::Trapped;
  goto L_done;

  // The VM stack is too small for the next frame (callee set) or native arguments (callee
  // null): grow it, then re-execute the call instruction.
L_grow : {
  const size_t need =
      static_cast<size_t>(R - st.stack) + fn->nregs + (callee ? callee->nregs : import->nparams);
  STRATA_PROTECT();
  if (!st.grow_stack(need, fp))
    STRATA_THROW(TrapKind::StackOverflow, "VM stack limit of {} registers reached",
                 ExecState::kMaxStackValues);
  R = fp->base;
  STRATA_VM_JUMP();
}

  // The frame array is full: grow it (up to the depth limit), then re-execute the call.
L_grow_frames:
  STRATA_PROTECT();
  if (!st.grow_frames(&fp))
    STRATA_THROW(TrapKind::StackOverflow, "call depth limit of {} frames reached", st.frame_cap);
  entry_fp = st.frames + entry_depth;
  STRATA_VM_JUMP();

  // The fuel slice is used up at the backward branch at pc. Under tiering this is the
  // back-edge sample: the running function is hot, and its activation moves to compiled code
  // (on-stack replacement) at this branch, which re-executes there with the next slice, so fuel
  // and a possible trap are those of the interpreter. Without tiering, the one load below is all
  // the off path pays, once per slice.
L_fuel_branch:
  if (STRATA_UNLIKELY(st.osr.find != nullptr) && st.slices_taken != 0) {
    STRATA_PROTECT();
    fuel = st.refill();
    if (fuel == 0) goto L_trap;
    osr = osr_target(st, fp, pc);
    if (osr.entry != nullptr) goto L_osr;
    STRATA_VM_JUMP();
  }
  goto L_fuel;

  // Runs the current activation (frame fp, at the branch pc) in compiled code to its end, then
  // continues as its return would: in its caller, or out of this run if it is the entry frame.
L_osr : {
  const ptrdiff_t depth = fp - st.frames;
  st.fuel_left = fuel;
  callee = fn;
  const auto s = static_cast<ExecStatus>(osr.entry(&st, R, fp, osr.target));
  fuel = st.fuel_left;
  entry_fp = st.frames + entry_depth;
  fp = st.frames + depth;
  if (STRATA_UNLIKELY(s != ExecStatus::Returned)) {
    if (s == ExecStatus::Trapped && trap != &st.jit_trap) *trap = std::move(st.jit_trap);
    status = s;
    goto L_done;
  }
  if (fp == entry_fp) {
    if (callee->has_result) *result = st.jit_retval;
    status = ExecStatus::Returned;
    goto L_done;
  }
  --fp;
  fn = fp->fn;
  R = fp->base;
  pc = fp->pc;
  if (callee->has_result) R[isa::a_of(*pc)] = st.jit_retval;
  pc += 1 + callee->arg_words;
  inst = fn->inst;
  STRATA_VM_JUMP();
}

  // The fuel slice is used up at the instruction at pc (a call or backward branch), which has
  // not taken effect: take the next slice and re-execute it, or trap.
L_fuel:
  // Tiering's back-edge sample: once per slice, so the off path pays nothing measurable.
  if (STRATA_UNLIKELY(st.tier_up.promote != nullptr)) note_slice_in(st, fn);
  fuel = st.refill();
  if (fuel == 0) goto L_trap;
  STRATA_VM_JUMP();

  // A debugger's break word (interp.hpp "Debugging"): the instruction at pc has not run.
L_debug_break:
  STRATA_PROTECT();
  status = ExecStatus::Paused;
  goto L_done;

L_trap:
  STRATA_PROTECT();
  trap->kind = st.trap_kind;
  trap->message = std::move(st.trap_msg);
  build_trace(st, fp, pc, trap);
  status = ExecStatus::Trapped;

L_done:
  st.fuel_left = fuel < 0 ? 0 : fuel;
  st.last_fp = fp;
  return status;
}

}  // namespace strata::vm

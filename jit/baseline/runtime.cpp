// The baseline tier's run-time helpers (see runtime.hpp for the contract). Semantics and trap
// messages follow the interpreter handlers (vm/interp_*.inc) word for word.
#include "jit/baseline/runtime.hpp"

#include <cmath>
#include <cstring>

#include "vm/heap.hpp"
#include "vm/heap/alloc_cache.hpp"

namespace strata::jit::baseline::rt {

namespace {

constexpr uint64_t kTrapped = static_cast<uint64_t>(vm::ExecStatus::Trapped);
constexpr uint64_t kExited = static_cast<uint64_t>(vm::ExecStatus::Exited);

// Turns st->trap_kind/trap_msg into the finished trap, innermost frame fp at fp->pc.
[[gnu::cold]] uint64_t raise(ExecState* st, Frame* fp) {
  vm::Trap& t = st->jit_trap;
  t.kind = st->trap_kind;
  t.message = std::move(st->trap_msg);
  vm::build_trace(*st, fp, fp->pc, &t);
  return kTrapped;
}

// One unit of fuel for a call, as the interpreter's L_call / L_fuel: false = trap recorded.
bool charge_call(ExecState* st) {
  if (--st->fuel_left >= 0) return true;
  const int64_t f = st->refill();
  if (f == 0) {
    st->fuel_left = 0;
    return false;
  }
  st->fuel_left = f - 1;
  return true;
}

}  // namespace

uint64_t call(ExecState* st, Frame* fp, const vm::FuncInfo* callee) noexcept {
  const isa::Word* pc = fp->pc;
  Value* R = fp->base;
  if (R + fp->fn->nregs + callee->nregs > st->stack_end) {
    const size_t need = static_cast<size_t>(R - st->stack) + fp->fn->nregs + callee->nregs;
    if (!st->grow_stack(need, fp)) {
      st->set_trap(vm::TrapKind::StackOverflow, "VM stack limit of {} registers reached",
                   ExecState::kMaxStackValues);
      return raise(st, fp);
    }
    R = fp->base;
  }
  if (fp == st->frames_last && !st->grow_frames(&fp)) {
    st->set_trap(vm::TrapKind::StackOverflow, "call depth limit of {} frames reached",
                 st->frame_cap);
    return raise(st, fp);
  }
  if (!charge_call(st)) return raise(st, fp);
  if (reinterpret_cast<uintptr_t>(__builtin_frame_address(0)) < st->host_stack_limit) {
    st->set_trap(vm::TrapKind::StackOverflow, "host stack exhausted by compiled code at depth {}",
                 fp - st->frames + 1);
    return raise(st, fp);
  }
  Value* nR = R + fp->fn->nregs;
  vm::copy_args(nR, R, pc + 1, callee->nparams);
  for (Value *z = nR + callee->nparams, *end = nR + callee->nregs; z < end; ++z) z->bits = 0;
  const ptrdiff_t depth = fp - st->frames;
  Frame* nfp = fp + 1;
  nfp->fn = callee;
  nfp->base = nR;
  nfp->pc = callee->code;
  // Tiering: a call from compiled code to a watched function counts as the interpreter's would
  // (and may compile it, right here, before its frame runs).
  if (callee->call_code == &vm::kCountCallWord) vm::count_call(*st, callee);
  const vm::ExecStatus s =
      callee->jit_entry != nullptr
          ? static_cast<vm::ExecStatus>(callee->jit_entry(st, nR, nfp))
          : vm::run_frames(*st, *st->host, nfp, &st->jit_retval, &st->jit_trap);
  if (s != vm::ExecStatus::Returned) return static_cast<uint64_t>(s);
  if (callee->has_result) st->frames[depth].base[isa::a_of(*pc)] = st->jit_retval;
  return 0;
}

uint64_t call_host(ExecState* st, Frame* fp, const vm::ImportBinding* import) noexcept {
  if (import->target != nullptr) return call(st, fp, import->target);
  const isa::Word* pc = fp->pc;
  Value* R = fp->base;
  if (R + fp->fn->nregs + import->nparams > st->stack_end) {
    const size_t need = static_cast<size_t>(R - st->stack) + fp->fn->nregs + import->nparams;
    if (!st->grow_stack(need, fp)) {
      st->set_trap(vm::TrapKind::StackOverflow, "VM stack limit of {} registers reached",
                   ExecState::kMaxStackValues);
      return raise(st, fp);
    }
    R = fp->base;
  }
  if (!charge_call(st)) return raise(st, fp);
  Value* args = R + fp->fn->nregs;
  vm::copy_args(args, R, pc + 1, import->nparams);
  vm::HostContext& cx = *st->host;
  cx.caller = fp->fn->inst;
  Value res{};
  import->native(cx, args, &res);
  if (cx.pending != vm::HostContext::Pending::None) {
    if (cx.pending == vm::HostContext::Pending::Exit) {
      cx.pending = vm::HostContext::Pending::None;
      return kExited;
    }
    vm::native_trap(*st, cx, fp, pc, import, &st->jit_trap);
    return kTrapped;
  }
  if (import->has_result) R[isa::a_of(*pc)] = res;
  return 0;
}

uint64_t call_indirect(ExecState* st, Frame* fp) noexcept {
  const isa::Word w = *fp->pc;
  const vm::Instance* inst = fp->fn->inst;
  vm::Object* o = fp->base[isa::b_of(w)].r;
  if (o == nullptr) {
    st->set_trap(vm::TrapKind::NullReference, "calli through a null function reference");
    return raise(st, fp);
  }
  if (o->kind != vm::ObjKind::Function) {
    st->set_trap(vm::TrapKind::TypeMismatch, "calli through a {}, not a function reference",
                 vm::kind_name(o->kind));
    return raise(st, fp);
  }
  const vm::FuncInfo* callee = static_cast<vm::FuncRef*>(o)->fn;
  if (callee->sig_id != inst->sig_ids[isa::c_of(w)]) {
    vm::calli_mismatch(*st, callee, inst, isa::c_of(w));
    return raise(st, fp);
  }
  return call(st, fp, callee);
}

uint64_t refuel(ExecState* st, Frame* fp) noexcept {
  const int64_t f = st->refill();
  if (f == 0) {
    st->fuel_left = 0;
    return raise(st, fp);
  }
  st->fuel_left = f;
  return 0;
}

uint64_t refuel_backedge(ExecState* st, Frame* fp) noexcept {
  if (const uint64_t s = refuel(st, fp); s != 0) return s;
  if (st->osr.upgrade == nullptr) return 0;
  vm::OsrTarget to;
  try {
    to = st->osr.upgrade(st->osr.ctx, *fp->fn, static_cast<uint32_t>(fp->pc - fp->fn->code));
  } catch (...) {
    return 0;  // no exception crosses the compiled frames below; the activation stays here
  }
  if (to.entry == nullptr) return 0;
  // Every register is in base[] (the baseline tier keeps none in host registers), the pc is the
  // branch's and the slice is fresh: the state the entry expects. It runs the activation to its
  // end on top of this helper's host frame.
  return to.entry(st, fp->base, fp, to.target) | kActivationDone;
}

uint64_t record_new(ExecState* st, Frame* fp) noexcept {
  const isa::Word w = *fp->pc;
  const vm::RecordType* type = &fp->fn->inst->types[isa::b_of(w)];
  vm::Record* rec = vm::new_record(type, type->field_count);
  if (rec == nullptr) {
    st->set_trap(vm::TrapKind::OutOfMemory, "cannot allocate a record of type {}", type->name);
    return raise(st, fp);
  }
  fp->base[isa::a_of(w)].r = rec;
  // The allocation may have made this thread's cache: the inline paths use it from now on.
  st->alloc_cache = vm::thread_alloc_cache();
  return 0;
}

uint64_t array_new(ExecState* st, Frame* fp) noexcept {
  const isa::Word w = *fp->pc;
  vm::ObjKind kind = vm::ObjKind::ArrayI64;
  switch (isa::op_of(w)) {
    case isa::Op::ANewF: kind = vm::ObjKind::ArrayF64; break;
    case isa::Op::ANewR: kind = vm::ObjKind::ArrayRef; break;
    case isa::Op::ANewB: kind = vm::ObjKind::ArrayU8; break;
    default: break;
  }
  const int64_t n = fp->base[isa::b_of(w)].i;
  if (n < 0) {
    st->set_trap(vm::TrapKind::IndexOutOfBounds, "negative array length {}", n);
    return raise(st, fp);
  }
  vm::Array* arr = vm::new_array(kind, static_cast<uint64_t>(n));
  if (arr == nullptr) {
    st->set_trap(vm::TrapKind::OutOfMemory, "cannot allocate a {} of length {}",
                 vm::kind_name(kind), n);
    return raise(st, fp);
  }
  fp->base[isa::a_of(w)].r = arr;
  st->alloc_cache = vm::thread_alloc_cache();
  return 0;
}

uint64_t mem_grow(ExecState* st, Frame* fp) noexcept {
  const isa::Word w = *fp->pc;
  // GUEST: a negative or huge request is simply refused (-1).
  fp->base[isa::a_of(w)].i = fp->fn->inst->memory.grow(fp->base[isa::b_of(w)].bits);
  return 0;
}

uint64_t mem_copy(ExecState* st, Frame* fp) noexcept {
  const isa::Word w = *fp->pc;
  vm::LinearMemory& m = fp->fn->inst->memory;
  const Value* R = fp->base;
  const uint64_t dst = R[isa::a_of(w)].bits, src = R[isa::b_of(w)].bits, n = R[isa::c_of(w)].bits;
  // GUEST: both ranges checked in full before any byte moves.
  if (!m.in_bounds(dst, n) || !m.in_bounds(src, n)) {
    st->set_trap(vm::TrapKind::MemoryOutOfBounds,
                 "mcopy of {} bytes from {} to {} outside memory of {} bytes", n, src, dst,
                 m.size());
    return raise(st, fp);
  }
  if (n) std::memmove(m.data() + dst, m.data() + src, n);
  return 0;
}

uint64_t mem_fill(ExecState* st, Frame* fp) noexcept {
  const isa::Word w = *fp->pc;
  vm::LinearMemory& m = fp->fn->inst->memory;
  const Value* R = fp->base;
  const uint64_t dst = R[isa::a_of(w)].bits, n = R[isa::c_of(w)].bits;
  // GUEST: the range is checked in full first.
  if (!m.in_bounds(dst, n)) {
    st->set_trap(vm::TrapKind::MemoryOutOfBounds,
                 "mfill of {} bytes at {} outside memory of {} bytes", n, dst, m.size());
    return raise(st, fp);
  }
  if (n) std::memset(m.data() + dst, static_cast<int>(R[isa::b_of(w)].bits & 0xff), n);
  return 0;
}

uint64_t trap_explicit(ExecState* st, Frame* fp, uint64_t code) noexcept {
  st->set_trap(vm::TrapKind::Explicit, "code {}", code);
  return raise(st, fp);
}

uint64_t trap_div_zero(ExecState* st, Frame* fp) noexcept {
  st->set_trap(vm::TrapKind::DivideByZero, "");
  return raise(st, fp);
}

uint64_t trap_index(ExecState* st, Frame* fp, uint64_t index, uint64_t len) noexcept {
  st->set_trap(vm::TrapKind::IndexOutOfBounds, "index {} out of bounds for length {}",
               static_cast<int64_t>(index), len);
  return raise(st, fp);
}

uint64_t trap_memory(ExecState* st, Frame* fp, uint64_t addr, uint64_t off_size) noexcept {
  const uint64_t off = off_size & 0xffffffff, n = off_size >> 32;
  st->set_trap(vm::TrapKind::MemoryOutOfBounds,
               "{}-byte access at {}+{} outside memory of {} bytes", n, addr, off,
               fp->fn->inst->memory.size());
  return raise(st, fp);
}

uint64_t trap_object(ExecState* st, Frame* fp, vm::Object* o, uint64_t want_kind) noexcept {
  vm::object_fault(*st, o, static_cast<vm::ObjKind>(want_kind));
  return raise(st, fp);
}

uint64_t trap_record(ExecState* st, Frame* fp, vm::Object* o, const vm::RecordType* want) noexcept {
  vm::record_fault(*st, o, want);
  return raise(st, fp);
}

uint64_t trap_alen(ExecState* st, Frame* fp, vm::Object* o) noexcept {
  if (o == nullptr)
    st->set_trap(vm::TrapKind::NullReference, "alen of null");
  else
    st->set_trap(vm::TrapKind::TypeMismatch, "alen of a {}, not an array", vm::kind_name(o->kind));
  return raise(st, fp);
}

double f_min(double x, double y) noexcept {
  return vm::float_min(x, y);
}
double f_max(double x, double y) noexcept {
  return vm::float_max(x, y);
}
double f_floor(double x) noexcept {
  return __builtin_floor(x);
}
double f_ceil(double x) noexcept {
  return __builtin_ceil(x);
}
double f_trunc(double x) noexcept {
  return __builtin_trunc(x);
}
double f_nearest(double x) noexcept {
  return __builtin_roundeven(x);
}
double f_fma(double x, double y, double z) noexcept {
  return __builtin_fma(x, y, z);
}
int64_t f_to_i(double x) noexcept {
  return vm::float_to_int(x);
}

}  // namespace strata::jit::baseline::rt

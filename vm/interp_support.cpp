// The interpreter's slow paths: VM stack growth, fuel slices, stack traces.
#include <pthread.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "vm/heap/alloc_cache.hpp"
#include "vm/heap/gc.hpp"
#include "vm/interp.hpp"

namespace strata::vm {

namespace {
constexpr size_t kInitialStackValues = size_t{1} << 15;  // 256 KiB
constexpr size_t kInitialFrames = size_t{1} << 12;
}  // namespace

ExecState::ExecState(const Limits& limits) : alloc_cache(empty_alloc_cache()) {
  stack = static_cast<Value*>(GC_MALLOC_UNCOLLECTABLE(kInitialStackValues * sizeof(Value)));
  if (!stack) {
    std::fputs("strata: cannot allocate the VM stack\n", stderr);
    std::abort();
  }
  stack_len = kInitialStackValues;
  stack_end = stack + stack_len;
  frame_cap = std::max<size_t>(limits.max_call_depth, 1);
  frames_len = std::min(frame_cap, kInitialFrames);
  frames = static_cast<Frame*>(std::malloc(frames_len * sizeof(Frame)));
  if (!frames) {
    std::fputs("strata: cannot allocate the call-frame array\n", stderr);
    std::abort();
  }
  frames_last = frames + frames_len - 1;
  fuel_limit = limits.fuel;
  fuel_reserve = limits.fuel ? limits.fuel : UINT64_MAX;
  fuel_left = 0;
}

ExecState::~ExecState() {
  GC_FREE(stack);
  std::free(frames);
}

bool ExecState::grow_frames(Frame** fp) {
  if (frames_len >= frame_cap) return false;
  const size_t len = std::min(frame_cap, frames_len * 2);
  auto* fresh = static_cast<Frame*>(std::realloc(frames, len * sizeof(Frame)));
  if (!fresh) return false;
  *fp = fresh + (*fp - frames);
  frames = fresh;
  frames_len = len;
  frames_last = frames + frames_len - 1;
  return true;
}

bool ExecState::grow_stack(size_t needed, Frame* top) {
  if (needed <= stack_len) return true;
  if (needed > kMaxStackValues) return false;
  size_t len = stack_len;
  while (len < needed) len *= 2;
  len = std::min(len, kMaxStackValues);
  auto* fresh = static_cast<Value*>(GC_MALLOC_UNCOLLECTABLE(len * sizeof(Value)));
  if (!fresh) return false;
  std::memcpy(fresh, stack, stack_len * sizeof(Value));
  if (top != nullptr)
    for (Frame* f = frames; f <= top; ++f) f->base = fresh + (f->base - stack);
  GC_FREE(stack);
  stack = fresh;
  stack_len = len;
  stack_end = stack + stack_len;
  return true;
}

int64_t ExecState::refill() {
  if (stop.exchange(false, std::memory_order_relaxed)) {
    trap_kind = TrapKind::Interrupted;
    trap_msg = "stop requested by the host";
    return 0;
  }
  uint64_t take = std::min<uint64_t>(fuel_reserve, std::max<uint32_t>(fuel_slice, 1));
  if (take == 0) {
    trap_kind = TrapKind::OutOfFuel;
    trap_msg = fmt::format("fuel limit of {} units used up", fuel_limit);
    return 0;
  }
  fuel_reserve -= take;
  ++slices_taken;
  return static_cast<int64_t>(take);
}

uint64_t ExecState::fuel_used() const {
  uint64_t start = fuel_limit ? fuel_limit : UINT64_MAX;
  return start - fuel_reserve - static_cast<uint64_t>(fuel_left);
}

uintptr_t host_stack_floor() {
  // Compiled calls nest on the host stack (the interpreter's do not); they stop this far above
  // its end with a StackOverflow trap instead of faulting.
  constexpr uintptr_t kMargin = 256 * 1024;
  pthread_attr_t attr;
  void* addr = nullptr;
  size_t size = 0;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return 1;
  pthread_attr_getstack(&attr, &addr, &size);
  pthread_attr_destroy(&attr);
  return reinterpret_cast<uintptr_t>(addr) + kMargin;
}

void build_trace(const ExecState& st, const Frame* top, const isa::Word* pc, Trap* trap) {
  trap->trace.clear();
  for (const Frame* f = top; f >= st.frames; --f) {
    const isa::Word* at = (f == top) ? pc : f->pc;
    const FuncInfo* fn = f->fn;
    const Instance* inst = fn->inst;
    TraceFrame tf;
    tf.module = inst->name;
    tf.function = fn->name;
    tf.pc = static_cast<uint32_t>(at - fn->code);
    tf.line = inst->module.line_of(fn->index, tf.pc);
    tf.source = inst->module.debug.source;
    trap->trace.push_back(std::move(tf));
  }
}

}  // namespace strata::vm

// Baseline emitters: call, callh, calli.
//
// A call to an SVI function whose code slot holds compiled code at run time takes the inline
// fast path, which does what the interpreter's L_call does — check stack room, frame room and
// fuel, copy the arguments, zero the other registers, push the Frame — and calls the callee's
// entry directly. Whenever a check fails (stack or frame array to grow, fuel slice empty, host
// stack low) or the callee has no compiled code, the slow path rt::call redoes the whole call
// in the interpreter's order, so traps and fuel are exactly the interpreter's. Host calls and
// indirect calls always go through their helpers.
#include "jit/baseline/emitter.hpp"
#include "jit/baseline/runtime.hpp"

namespace strata::jit::baseline {

namespace {

using isa::a_of;
using isa::b_of;

const void* fnp(auto* f) {
  return reinterpret_cast<const void*>(f);
}

constexpr int32_t kFrameSize = sizeof(vm::Frame);
constexpr int32_t kFrameFn = offsetof(vm::Frame, fn);
constexpr int32_t kFrameBase = offsetof(vm::Frame, base);
constexpr int32_t kFramePc = offsetof(vm::Frame, pc);
constexpr int32_t kStackEnd = offsetof(vm::ExecState, stack_end);
constexpr int32_t kFramesLast = offsetof(vm::ExecState, frames_last);
constexpr int32_t kFuelLeft = offsetof(vm::ExecState, fuel_left);
constexpr int32_t kStackLimit = offsetof(vm::ExecState, host_stack_limit);
constexpr int32_t kRetval = offsetof(vm::ExecState, jit_retval);
constexpr int32_t kJitEntry = offsetof(vm::FuncInfo, jit_entry);

// Locals zeroed with unrolled stores up to this many registers, with rep stosq above.
constexpr uint32_t kUnrollZero = 16;

void slow_call(Emitter& e, const isa::Insn& in, const void* helper, uint64_t arg) {
  e.a.mov(x86::rdx, asmjit::imm(arg));
  e.call_checked(in.pc, helper);
  e.reload_frame();
}

void direct_call(Emitter& e, const isa::Insn& in, const vm::FuncInfo* callee) {
  auto& a = e.a;
  asmjit::Label done = a.newLabel();
  asmjit::Label slow = e.cold([&e, in, callee, done] {
    slow_call(e, in, fnp(&rt::call), reinterpret_cast<uint64_t>(callee));
    e.a.jmp(done);
  });
  const int32_t caller_regs = static_cast<int32_t>(e.fn.nregs) * 8;
  e.save_pc(in.pc);
  a.mov(x86::rax, asmjit::imm(reinterpret_cast<uint64_t>(callee)));
  a.mov(x86::r8, x86::qword_ptr(x86::rax, kJitEntry));
  a.test(x86::r8, x86::r8);
  a.jz(slow);
  // The interpreter's checks, in its order: stack room, frame room, fuel; then the host stack.
  a.lea(x86::rsi, x86::ptr(x86::rbx, caller_regs));
  a.lea(x86::rcx, x86::ptr(x86::rsi, static_cast<int32_t>(callee->nregs) * 8));
  a.cmp(x86::rcx, x86::qword_ptr(x86::r12, kStackEnd));
  a.ja(slow);
  a.cmp(x86::r13, x86::qword_ptr(x86::r12, kFramesLast));
  a.je(slow);
  a.cmp(x86::qword_ptr(x86::r12, kFuelLeft), asmjit::imm(0));
  a.jle(slow);
  a.cmp(x86::rsp, x86::qword_ptr(x86::r12, kStackLimit));
  a.jb(slow);
  a.dec(x86::qword_ptr(x86::r12, kFuelLeft));
  // Arguments, then the callee's other registers zeroed (a ref register is null until written).
  for (uint32_t k = 0; k < in.nargs; ++k) {
    a.mov(x86::rcx, e.reg(in.arg(k)));
    a.mov(x86::qword_ptr(x86::rsi, static_cast<int32_t>(k) * 8), x86::rcx);
  }
  const uint32_t zero_count = callee->nregs - callee->nparams;
  if (zero_count <= kUnrollZero) {
    for (uint32_t k = callee->nparams; k < callee->nregs; ++k)
      a.mov(x86::qword_ptr(x86::rsi, static_cast<int32_t>(k) * 8), asmjit::imm(0));
  } else {
    a.lea(x86::rdi, x86::ptr(x86::rsi, static_cast<int32_t>(callee->nparams) * 8));
    a.mov(x86::ecx, asmjit::imm(zero_count));
    a.xor_(x86::eax, x86::eax);
    a.rep().stosq();
    a.mov(x86::rax, asmjit::imm(reinterpret_cast<uint64_t>(callee)));
  }
  // Push the callee's Frame and enter its code through the slot.
  a.lea(x86::rdx, x86::ptr(x86::r13, kFrameSize));
  a.mov(x86::qword_ptr(x86::rdx, kFrameFn), x86::rax);
  a.mov(x86::qword_ptr(x86::rdx, kFrameBase), x86::rsi);
  a.mov(x86::rcx, asmjit::imm(reinterpret_cast<uint64_t>(callee->code)));
  a.mov(x86::qword_ptr(x86::rdx, kFramePc), x86::rcx);
  a.mov(x86::rdi, x86::r12);
  a.call(x86::r8);
  a.test(x86::rax, x86::rax);
  a.jnz(e.exit_label());
  e.reload_frame();
  if (callee->has_result) {
    a.mov(x86::rax, x86::qword_ptr(x86::r12, kRetval));
    a.mov(e.reg(a_of(in.word)), x86::rax);
  }
  a.bind(done);
}

}  // namespace

void emit_Call(Emitter& e, const isa::Insn& in) {
  direct_call(e, in, &e.inst.funcs[b_of(in.word)]);
}
// CodePromises::leaf_host_calls: the native called straight. The instruction is not
// cache-aware (OpSync::All): the window holds the arguments, and the cache is reloaded from it
// after, the result included.
constexpr uint32_t kMaxLeafArgs = 4;
void leaf_host_call(Emitter& e, const isa::Insn& in, const vm::ImportBinding& import) {
  auto& a = e.a;
  // Arguments at [rsp], the result at [rsp + 32]; 48 bytes keep rsp 16-aligned for the call.
  constexpr int32_t kScratch = 48, kResult = 32;
  a.sub(x86::rsp, kScratch);
  for (uint32_t k = 0; k < in.nargs; ++k) {
    a.mov(x86::rax, e.reg(in.arg(k)));
    a.mov(x86::qword_ptr(x86::rsp, static_cast<int32_t>(k) * 8), x86::rax);
  }
  a.mov(x86::rdi, x86::qword_ptr(x86::r12, offsetof(vm::ExecState, host)));
  a.mov(x86::rsi, x86::rsp);
  a.lea(x86::rdx, x86::ptr(x86::rsp, kResult));
  e.call_fn(fnp(import.native));
  if (import.has_result) {
    a.mov(x86::rax, x86::qword_ptr(x86::rsp, kResult));
    a.mov(e.reg(a_of(in.word)), x86::rax);
  }
  a.add(x86::rsp, kScratch);
}

bool Emitter::leaf_call(const isa::Insn& in) const {
  if (in.op() != isa::Op::CallH || !leaf_host_calls()) return false;
  const vm::ImportBinding& import = inst.imports[b_of(in.word)];
  return import.target == nullptr && import.nparams <= kMaxLeafArgs && in.nargs <= kMaxLeafArgs;
}

void emit_CallH(Emitter& e, const isa::Insn& in) {
  const vm::ImportBinding* import = &e.inst.imports[b_of(in.word)];
  if (import->target != nullptr)
    direct_call(e, in, import->target);
  else if (e.leaf_call(in))
    leaf_host_call(e, in, *import);
  else
    slow_call(e, in, fnp(&rt::call_host), reinterpret_cast<uint64_t>(import));
}
void emit_CallI(Emitter& e, const isa::Insn& in) {
  e.call_checked(in.pc, fnp(&rt::call_indirect));
  e.reload_frame();
}

}  // namespace strata::jit::baseline

// Baseline emitter: a `ret` that chains into the linked unit's code, and one that finds the unit
// to chain into (chain.hpp has the contract and the order of the checks). Each exit stores its
// value and finds its slot, then jumps to the checks and the jump into the target, which the
// function's exits of one kind share (one copy, out of line: a unit has several exits, and the
// copies were an eighth of its code); every refusal goes on to one stub that reports the slot (a
// linked exit's) and returns as a plain `ret` would.
#include "jit/baseline/emitter.hpp"

namespace strata::jit::baseline {

namespace {

constexpr int32_t kTarget = offsetof(ChainSlot, target);
constexpr int32_t kUnit = offsetof(ChainSlot, unit);
constexpr int32_t kCount = offsetof(ChainSlot, count);
constexpr int32_t kWeight = offsetof(ChainSlot, weight);
constexpr int32_t kHold = offsetof(ChainContext, hold);
constexpr int32_t kWritten = offsetof(ChainContext, written);
constexpr int32_t kSliceLeft = offsetof(ChainContext, slice_left);
constexpr int32_t kChained = offsetof(ChainContext, chained);
constexpr int32_t kRunning = offsetof(ChainContext, running);
constexpr int32_t kMissed = offsetof(ChainContext, missed);
constexpr int32_t kJitEntry = offsetof(vm::FuncInfo, jit_entry);
constexpr int32_t kCode = offsetof(vm::FuncInfo, code);
constexpr int32_t kFrameFn = offsetof(vm::Frame, fn);
constexpr int32_t kFramePc = offsetof(vm::Frame, pc);
constexpr int32_t kRetval = offsetof(vm::ExecState, jit_retval);
constexpr int32_t kFound = offsetof(ChainContext, found);
constexpr int32_t kSlotEpoch = offsetof(ChainSlot, epoch);
constexpr int32_t kExpect = offsetof(ChainSlot, expect);
constexpr int32_t kEnter = offsetof(ChainSlot, enter);
constexpr int32_t kEpoch = offsetof(ChainContext, epoch);

// Steps 0-5 of chain.hpp with r8 = the slot and r9 = the context (the `ret`'s value stored):
// every refusal jumps to `miss`. `count_found`: the slot is one a front-cache find returned
// (counted in ctx->found).
void emit_chain_jump(Emitter& e, asmjit::Label miss, bool count_found) {
  auto& a = e.a;
  const ChainContext* ctx = e.chain_context();
  if (ctx->epochs) {
    a.mov(x86::rcx, x86::qword_ptr(x86::r8, kSlotEpoch));
    a.cmp(x86::rcx, x86::qword_ptr(x86::r9, kEpoch));
    a.jne(miss);
  }
  a.mov(x86::rcx, x86::qword_ptr(x86::r8, kTarget));
  a.test(x86::rcx, x86::rcx);
  a.jz(miss);
  a.mov(x86::rax, x86::qword_ptr(x86::rcx, kJitEntry));
  a.test(x86::rax, x86::rax);
  a.jz(miss);
  a.cmp(x86::qword_ptr(x86::r9, kHold), asmjit::imm(0));
  a.jne(miss);
  a.mov(x86::r10, x86::qword_ptr(x86::r9, kWritten));
  a.cmp(x86::qword_ptr(x86::r10), asmjit::imm(0));
  a.jne(miss);
  if (ctx->irq_pending != nullptr) {
    a.mov(x86::r10, asmjit::imm(reinterpret_cast<uint64_t>(ctx->irq_pending)));
    a.mov(x86::r10, x86::qword_ptr(x86::r10));
    a.mov(x86::r11, asmjit::imm(reinterpret_cast<uint64_t>(ctx->irq_enabled)));
    a.test(x86::qword_ptr(x86::r11), x86::r10);
    a.jnz(miss);
  }
  a.mov(x86::r10, x86::qword_ptr(x86::r9, kSliceLeft));
  a.mov(x86::r11, x86::qword_ptr(x86::r10));
  a.sub(x86::r11, 1);
  a.js(miss);
  if (ctx->count_limit != 0) {
    asmjit::Label counted = a.newLabel();
    a.mov(x86::rdx, x86::qword_ptr(x86::r8, kCount));
    a.test(x86::rdx, x86::rdx);
    a.jz(counted);
    a.mov(x86::esi, x86::dword_ptr(x86::rdx));
    a.add(x86::esi, x86::dword_ptr(x86::r8, kWeight));
    a.jc(miss);
    a.cmp(x86::esi, asmjit::imm(ctx->count_limit));
    a.jae(miss);
    a.mov(x86::dword_ptr(x86::rdx), x86::esi);
    a.bind(counted);
  }
  // Committed: from here on the target runs.
  a.mov(x86::qword_ptr(x86::r10), x86::r11);
  a.inc(x86::qword_ptr(x86::r9, kChained));
  if (count_found) a.inc(x86::qword_ptr(x86::r9, kFound));
  a.mov(x86::rdx, x86::qword_ptr(x86::r8, kUnit));
  a.mov(x86::qword_ptr(x86::r9, kRunning), x86::rdx);
  a.mov(x86::qword_ptr(x86::r13, kFrameFn), x86::rcx);
  a.mov(x86::rdx, x86::qword_ptr(x86::rcx, kCode));
  a.mov(x86::qword_ptr(x86::r13, kFramePc), x86::rdx);
  if (e.uniform_frame()) {
    // FRAMES: the target's code past its frame set-up, in this frame.
    asmjit::Label other = a.newLabel();
    a.cmp(x86::rax, x86::qword_ptr(x86::r8, kExpect));
    a.jne(other);
    a.jmp(x86::qword_ptr(x86::r8, kEnter));
    a.bind(other);
  }
  // The target's arguments are this function's: st, base, fp. Its `ret` goes to our caller.
  a.mov(x86::rdi, x86::r12);
  a.mov(x86::rsi, x86::rbx);
  a.mov(x86::rdx, x86::r13);
  e.epilogue_pops();
  a.jmp(x86::rax);
}

using Stub = Emitter::SharedStub;

// Leaves as a plain `ret` whose value is stored.
asmjit::Label returned_stub(Emitter& e) {
  return e.shared_stub(Stub::Returned,
                       [&e] { e.ret_status(static_cast<uint32_t>(vm::ExecStatus::Returned)); });
}

// Reports the slot in r8 as missed (r9 = the context), then leaves as returned_stub.
asmjit::Label missed_stub(Emitter& e) {
  return e.shared_stub(Stub::ChainMissed, [&e] {
    e.a.mov(x86::qword_ptr(x86::r9, kMissed), x86::r8);
    e.ret_status(static_cast<uint32_t>(vm::ExecStatus::Returned));
  });
}

// Steps 0-5 with r8 = the slot and r9 = the context, shared by the function's exits of `kind`
// (jumped to: calling it, each exit keeping its own indirect jump, with the links search shared
// as well, cost the boot's hart 2-3%, in 15 of 18 alternating pairs).
// A linked exit's refusal reports its slot; one that found its unit itself has nothing to report.
asmjit::Label chain_tail(Emitter& e, Stub kind) {
  return e.shared_stub(kind, [&e, kind] {
    const asmjit::Label miss = kind == Stub::ChainTail ? missed_stub(e) : returned_stub(e);
    emit_chain_jump(e, miss, /*count_found=*/kind == Stub::ChainTailFound);
  });
}

// Stores the `ret`'s value as a plain `ret` does (rax keeps it), st and fp back in r12 and r13.
void store_value(Emitter& e, const isa::Insn& in) {
  e.load_rax(isa::a_of(in.word));
  e.restore_pinned();
  e.a.mov(x86::qword_ptr(x86::r12, kRetval), x86::rax);
}

// A `ret` that looks for its unit itself: stores the value and returns the stub that leaves as a
// plain `ret` (not found, or a refusal: nothing to report).
asmjit::Label store_value_for_lookup(Emitter& e, const isa::Insn& in) {
  store_value(e, in);
  return returned_stub(e);
}

}  // namespace

void emit_chained_ret(Emitter& e, const isa::Insn& in, ChainSlot* slot) {
  auto& a = e.a;
  store_value(e, in);
  a.mov(x86::r9, asmjit::imm(reinterpret_cast<uint64_t>(e.chain_context())));
  a.mov(x86::r8, asmjit::imm(reinterpret_cast<uint64_t>(slot)));
  a.jmp(chain_tail(e, Stub::ChainTail));
}

void emit_found_ret(Emitter& e, const isa::Insn& in) {
  auto& a = e.a;
  const ChainContext* ctx = e.chain_context();
  const asmjit::Label plain = store_value_for_lookup(e, in);
  static_assert(sizeof(FrontEntry) == 16);
  a.mov(x86::rcx, x86::rax);
  a.shr(x86::rcx, 1);
  a.and_(x86::rcx, asmjit::imm(ctx->front_mask));
  a.shl(x86::rcx, 4);
  a.mov(x86::rdx, asmjit::imm(reinterpret_cast<uint64_t>(ctx->front)));
  a.cmp(x86::qword_ptr(x86::rdx, x86::rcx, 0, offsetof(FrontEntry, key)), x86::rax);
  a.jne(plain);
  a.mov(x86::r8, x86::qword_ptr(x86::rdx, x86::rcx, 0, offsetof(FrontEntry, unit)));
  a.test(x86::r8, x86::r8);
  a.jz(plain);
  a.add(x86::r8, asmjit::imm(ctx->entry_offset));
  a.mov(x86::r9, asmjit::imm(reinterpret_cast<uint64_t>(ctx)));
  a.jmp(chain_tail(e, Stub::ChainTailFound));
}

void emit_linked_ret(Emitter& e, const isa::Insn& in, const ChainLink* links,
                     const ChainLink* recent) {
  auto& a = e.a;
  const ChainContext* ctx = e.chain_context();
  const asmjit::Label plain = store_value_for_lookup(e, in);
  asmjit::Label found = a.newLabel();
  static_assert(sizeof(ChainLink) == 24);
  constexpr int32_t kPcAt = offsetof(ChainLink, pc), kUnitAt = offsetof(ChainLink, unit),
                    kEpochAt = offsetof(ChainLink, epoch);
  // The record whose fields `field(offset)` addresses stands for the value: r8 = its unit, on
  // to `found`; else to `miss`.
  const auto follow = [&](const auto& field, asmjit::Label miss) {
    a.cmp(field(kPcAt), x86::rax);
    a.jne(miss);
    a.mov(x86::r11, field(kEpochAt));  // not rcx: the recent records' index
    a.cmp(x86::r11, x86::qword_ptr(x86::r9, kEpoch));
    a.jne(miss);
    a.mov(x86::r8, field(kUnitAt));
    a.jmp(found);
  };
  // A special exit (odd) never chains, nor matches an empty record's pc.
  a.test(x86::al, asmjit::imm(1));
  a.jnz(plain);
  a.mov(x86::rdx, asmjit::imm(reinterpret_cast<uint64_t>(links)));
  a.mov(x86::r9, asmjit::imm(reinterpret_cast<uint64_t>(ctx)));
  for (size_t k = 0; k < kChainLinks; ++k) {
    asmjit::Label next = a.newLabel();
    const int32_t at = static_cast<int32_t>(k * sizeof(ChainLink));
    follow([at](int32_t off) { return x86::qword_ptr(x86::rdx, at + off); }, next);
    a.bind(next);
  }
  if (recent != nullptr) {
    a.mov(x86::rcx, x86::rax);
    a.shr(x86::rcx, 1);
    a.and_(x86::rcx, asmjit::imm(ctx->recent_mask));
    a.lea(x86::rcx, x86::ptr(x86::rcx, x86::rcx, 1));
    a.mov(x86::rdx, asmjit::imm(reinterpret_cast<uint64_t>(recent)));
    follow([](int32_t off) { return x86::qword_ptr(x86::rdx, x86::rcx, 3, off); }, plain);
  } else {
    a.jmp(plain);
  }
  a.bind(found);
  a.add(x86::r8, asmjit::imm(ctx->entry_offset));
  a.jmp(chain_tail(e, Stub::ChainTailPlain));
}

}  // namespace strata::jit::baseline

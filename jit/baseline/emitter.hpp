// The baseline tier's emitter: one SVI function -> x86-64 with asmjit's x86::Assembler, one
// instruction at a time, with a static register cache (reg_cache.hpp).
//
// COMPILED CODE KEEPS THE INTERPRETER'S STATE. Registers live in the frame's window of the VM
// stack ([base + 8*r]), except the few the register cache keeps in host registers, which are
// written back wherever anything else may look (reg_cache.hpp); frames are the interpreter's
// Frame records, fuel is st->fuel_left. So a trap, a GC or a nested interpreter run sees exactly
// what it would see under the interpreter.
//
// CALLING CONVENTION (vm::JitEntry): uint64_t f(ExecState* st, Value* base, Frame* fp), SysV.
// The OSR entry (vm::OsrTarget) takes a fourth argument, the address of a backward branch's code
// in this function, and jumps there after the same prologue: at every instruction the host
// registers hold nothing but the pinned ones and the cached SVI registers, which the prologue
// loads from the window.
// The caller has pushed fp (fn, base with arguments and zeroed locals). The function returns an
// ExecStatus: Returned (result in st->jit_retval), Exited, or Trapped (st->jit_trap is complete).
// Pinned registers, all callee-saved so helper calls keep them:
//   rbx = base    r12 = st    r13 = fp    r14 = &instance->memory (with CodePromises::
//         fixed_memory: the memory's data address)
//   r15 = fp's byte offset from st->frames (frames and stack may move during calls: after a call
//         helper, fp = st->frames + r15 and base = fp->base are reloaded); in [rsp] instead
//         when the function caches eight registers (r15 is the eighth)
//   r12 and r13 hold cached registers too in a function with more than eight (reg_cache.hpp):
//         st and fp are then in [rsp + 8] and [rsp + 16], and restore_pinned() puts them back
// Cached SVI registers: rsi, rdi, r8-r11, rbp, r15 (kCacheRegs), those the function caches (rbp
// saved by the prologue then).
// Scratch: rax, rcx, rdx, xmm0-xmm2; the emitters of OpSync::All instructions use the cache
// registers too (they are written back and reloaded around them), r11 among them for the pc
// save_pc stores.
//
// PROTECT. Before any helper call the pc of the instruction is stored into fp->pc; inline checks
// that fail jump to a cold stub that writes the cached registers back, stores the pc, calls a
// trap helper and returns its status.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include <asmjit/x86.h>

#include "isa/code_walk.hpp"
#include "jit/baseline/chain.hpp"
#include "jit/baseline/code_promises.hpp"
#include "jit/baseline/known_bounds.hpp"
#include "jit/baseline/probes.hpp"
#include "jit/baseline/reg_cache.hpp"
#include "jit/baseline/register_homes.hpp"
#include "jit/baseline/tlb_access.hpp"
#include "vm/interp.hpp"

namespace strata::jit::baseline {

namespace x86 = asmjit::x86;

class Emitter {
 public:
  // `body` is the SVI function fn runs (normally its module's function #fn.index; a translated
  // RV64 block's body lives outside the module). `chain` (may be null): the `ret`s that chain
  // (chain.hpp). `promises`: what the caller guarantees about every run (code_promises.hpp).
  // `probes` (ascending by pc): bytes set where the code passes (probes.hpp).
  Emitter(asmjit::CodeHolder& code, const vm::FuncInfo& fn, const isa::Function& body,
          const ChainExits* chain = nullptr, const CodePromises& promises = {},
          std::span<const BlockProbe> probes = {});

  // Emits the whole function. False when asmjit reported an error (the function then stays
  // in the interpreter).
  bool emit_function();

  // ---- vocabulary for the per-opcode emitters ----
  x86::Assembler a;
  const vm::FuncInfo& fn;
  const vm::Instance& inst;
  // Register bounds proven at the current instruction (emit_memory.cpp drops checks with them).
  KnownBounds bounds;

  // The register r of the current frame: its window slot, or its home (register_homes.hpp).
  x86::Mem reg(uint16_t r) const { return reg_sized(r, 8); }
  x86::Mem reg8(uint16_t r) const { return reg_sized(r, 1); }
  x86::Mem reg16(uint16_t r) const { return reg_sized(r, 2); }
  x86::Mem reg32(uint16_t r) const { return reg_sized(r, 4); }
  bool homed(uint16_t r) const { return homes_.any && homes_.offset[r] >= 0; }

  // The register cache (reg_cache.hpp): whether r lives in a host register, which one, and r
  // as an operand (its host register, or its window slot).
  bool cached(uint16_t r) const { return r < host_of_.size() && host_of_[r] >= 0; }
  x86::Gp host(uint16_t r) const { return kCacheRegs[static_cast<size_t>(host_of_[r])]; }
  asmjit::Operand opnd(uint16_t r) const;
  // Float operands: xmm `x` = r's bits, r = x's low 64 bits (movq for a cached register, movsd
  // for a window slot), and r as the second source of an SSE instruction (its slot, or `tmp`
  // loaded from its cache register).
  void to_xmm(x86::Xmm x, uint16_t r);
  void from_xmm(uint16_t r, x86::Xmm x);
  asmjit::Operand xmm_src(x86::Xmm tmp, uint16_t r);
  // The window slots of the cached registers in `m` = their host registers, and the reverse.
  void flush_cache(CacheMask m);
  void reload_cache(CacheMask m);
  // What a helper called at instruction `pc` must find in the window: its live cached registers
  // that the window does not hold yet (at this point of the emission).
  CacheMask unflushed_at(uint32_t pc) const { return live_[pc] & ~clean_; }

  // CodePromises::fixed_memory: r14 is the data address and the size is a constant.
  bool fixed_memory() const { return promises_.fixed_memory; }
  bool leaf_host_calls() const { return promises_.leaf_host_calls; }
  // Whether `in` is a host call made straight (leaf_host_calls), its operands read through reg().
  bool leaf_call(const isa::Insn& in) const;
  // Register r holds 0 at every instruction (CodePromises::zero_r0, kept by the function).
  bool known_zero(uint16_t r) const { return r == 0 && zero_r0_; }
  // With fixed_memory: size - end, against which an address is compared (unsigned) for an
  // access that ends `end` bytes past it: an immediate when it fits a sign-extended 32-bit one
  // (no load), else a constant in the code, one per distinct `end`.
  asmjit::Operand memory_limit(uint64_t end);

  // rax = r (its host register or window slot), left out when rax already holds it: the code just
  // emitted ends with store_rax(r), and the current instruction is not a jump target
  // (jump_targets()). So a value an instruction computes is not reloaded from the window by the
  // next one that reads it first.
  void load_rax(uint16_t r);
  // Whether load_rax(r) would emit nothing here.
  bool rax_holds(uint16_t r) const;
  // r = rax, as the LAST code of an instruction's main line (nothing bound after it). The store
  // into r's slot is left out when the next instruction overwrites r, reading it from rax only.
  void store_rax(uint16_t r);

  // The label of instruction `pc`, made on first use (see entries_).
  // The next instruction when it is a forward beq/bne comparing `r` with another register,
  // entered only from this one (no label, probe or home access there), and `r` is dead on both
  // of its ways and has no home: the caller then emits the branch itself, with r's value as a
  // memory operand (a load's), and calls consume_next. Null otherwise.
  const isa::Insn* branch_consuming(uint16_t r) const;
  void consume_next() { skip_next_ = true; }
  // The instruction after the one being emitted, reached from it alone or not (null: none).
  const isa::Insn* next_insn() const {
    return cur_ + 1 < insns_.size() && insns_[cur_ + 1].status == isa::InsnStatus::Ok
               ? &insns_[cur_ + 1]
               : nullptr;
  }

  asmjit::Label label_at(uint32_t pc);
  asmjit::Label exit_label() const { return exit_; }
  // The OSR entry (vm::OsrTarget::entry): the prologue, then a jump to the address in rcx (the
  // fourth argument), one of osr_points().
  asmjit::Label osr_label() const { return osr_; }
  // Right after the prologue's frame set-up, with uniform_frame() (chain.hpp FRAMES); invalid
  // otherwise.
  asmjit::Label chain_entry_label() const { return chain_entry_; }
  // The pcs of the backward branches, where an interpreted activation can move in (ascending).
  const std::vector<uint32_t>& osr_points() const { return osr_points_; }

  // r12 = st and r13 = fp again where the function caches registers in them (a no-op
  // otherwise): before code that reads st or fp, whose cached values the window then holds.
  void restore_pinned();
  // fp->pc = code + pc (clobbers r11 only).
  void save_pc(uint32_t pc);
  // rdi = st, rsi = fp; the caller then sets rdx/rcx and calls call_fn().
  void helper_args();
  void call_fn(const void* fn);
  // save_pc, helper_args, call; then return the status if it is not 0.
  void call_checked(uint32_t pc, const void* fn);
  // After a call helper: fp and base from st->frames + r15.
  void reload_frame();
  // A cold stub emitted after the function body; `body` runs when the stub is emitted.
  asmjit::Label cold(std::function<void()> body);
  // Code several places of a function jump to, emitted once after the body (a cold stub made on
  // the first request for `key`; later requests get its label and their `body` is unused).
  enum class SharedStub : uint8_t {
    Returned,        // leave as a plain `ret` whose value is stored
    ChainMissed,     // report the chain slot in r8 as missed, then as Returned
    ChainTail,       // a chained exit's checks and jump (emit_chain.cpp), misses to ChainMissed
    ChainTailPlain,  // the same for an exit that found its unit itself, misses to Returned
    ChainTailFound,  // the same, counting a front-cache find
    kCount,
  };
  asmjit::Label shared_stub(SharedStub key, std::function<void()> body);
  // A cold trap stub: save_pc(pc), helper_args, `args` (sets rdx/rcx), call `fn`, return.
  asmjit::Label trap_stub(uint32_t pc, const void* fn, std::function<void()> args = {});
  // A branch to `target`, taken when `cc` holds (flags set by the caller); a backward branch
  // charges fuel as the interpreter does. `always` = unconditional.
  void branch(uint32_t pc, int32_t offset, x86::CondCode cc, bool always = false);
  // Returns `status` (an ExecStatus) from the compiled function.
  void ret_status(uint32_t status);
  // The chain slot of the `ret` at `pc`, or null when it returns as usual.
  ChainSlot* chain_slot(uint32_t pc) const;
  bool chains() const;  // this function's `ret`s may chain
  const ChainContext* chain_context() const { return chain_ ? chain_->ctx : nullptr; }
  // The links a `ret` without a slot follows (chain.hpp LINKED EXITS), null: none.
  const ChainLink* chain_links() const;
  // Its part of the context's recent records (LINKED EXITS), null: none.
  const ChainLink* chain_recent() const;
  // chain.hpp FRAMES: compiled with epochs, the frame is laid out as every such function's.
  bool uniform_frame() const {
    return chain_ != nullptr && chain_->ctx != nullptr && chain_->ctx->epochs;
  }
  // The other `ret`s look the next unit up (chain.hpp, INDIRECT EXITS).
  bool finds_next() const;
  // Pops the registers the prologue pushed (before a ret, or a tail jump to another function).
  void epilogue_pops();

 private:
  // Pins the registers of the calling convention from the arguments (rdi, rsi, rdx), then loads
  // the cached registers in `load`.
  void prologue(CacheMask load);
  x86::Mem reg_sized(uint16_t r, uint32_t size) const {
    if (homed(r)) return x86::ptr(x86::r14, homes_.offset[r], size);
    return x86::ptr(x86::rbx, int32_t{r} * 8, size);
  }
  // A load of a homed register from its home or a store into it: a cached register is loaded
  // or written back (unless its home holds it), any other is its home already.
  void emit_home_access(const isa::Insn& in);
  bool next_overwrites_from_rax(uint16_t r) const;
  // Whether a block probe sits at `pc`.
  bool probe_at(uint32_t pc) const;
  // Whether `r` is written before it is read on the straight path from insns_[i] (no branch or
  // end first, nor a call that may read the window): its value there is dead.
  bool dead_from(size_t i, uint16_t r) const;
  // A software-TLB check as one piece (tlb_access.hpp), up to its access word, which is emitted
  // next as usual with its address in rax (emit_memory.cpp).
  void emit_tlb_check(const TlbCheck& c);
  // The checks emitted so (ascending), and the next one.
  std::vector<TlbCheck> tlb_checks_;
  size_t next_check_ = 0;
  bool skip_next_ = false;  // the next instruction was emitted with this one (consume_branch)

  const isa::Module& module_;
  const isa::Function& body_;
  const ChainExits* chain_;
  CodePromises promises_;
  std::span<const BlockProbe> probes_;
  bool zero_r0_ = false;
  // Instructions code can jump to besides falling through: branch targets, and backward branches
  // (the OSR entry and the refuel stub re-enter at them).
  std::vector<bool> entries_;
  std::vector<isa::Insn> insns_;  // the body, decoded once
  std::vector<int8_t> host_of_;   // by register: its index in kCacheRegs, -1 in the window
  RegisterHomes homes_;
  std::array<uint16_t, kCacheRegCount> cached_regs_{};  // by index in kCacheRegs
  CacheMask all_cached_ = 0;
  std::vector<CacheMask> live_;  // by pc (live_cached)
  // The cached registers whose window slot holds their value now (the main line's emission
  // point); empty at jump targets.
  CacheMask clean_ = 0;
  // Whether the function keeps a register in rbp, which its prologue then saves (with a pad
  // slot for alignment); and whether it keeps one in r15, whose pinned value (fp's offset) then
  // lives in that pad slot, [rsp] in the body. rbp is taken before r15.
  // chain.hpp FRAMES: every function compiled with epochs pushes rbp and the pad.
  // Those pushes, with a pad, leave three slots at [rsp]: fp's offset (r15's value when r15
  // caches a register), st and fp (r12's and r13's when they do).
  bool saves_rbp() const { return (all_cached_ & (1u << 6)) || uniform_frame(); }
  bool frame_offset_on_stack() const { return all_cached_ & (1u << 7); }
  bool st_on_stack() const { return all_cached_ & (1u << kStCacheIndex); }
  bool fp_on_stack() const { return all_cached_ & (1u << kFpCacheIndex); }
  static constexpr int32_t kFrameOffsetSlot = 0, kStSlot = 8, kFpSlot = 16, kPadBytes = 24;
  size_t cur_ = 0;  // the index in insns_ of the instruction being emitted
  // store_rax's register and the code offset right after it (-1: none).
  int32_t rax_reg_ = -1;
  size_t rax_at_ = 0;
  std::vector<std::pair<uint64_t, asmjit::Label>> limits_;  // memory_limit()'s constants
  std::vector<asmjit::Label> labels_;  // by pc: the entries', and those jumped to (label_at)
  std::vector<std::function<void()>> cold_bodies_;
  std::vector<asmjit::Label> cold_labels_;
  std::array<asmjit::Label, static_cast<size_t>(SharedStub::kCount)> shared_stubs_;
  asmjit::Label exit_;
  asmjit::Label osr_;
  asmjit::Label chain_entry_;
  std::vector<uint32_t> osr_points_;
};

// One emitter per opcode, declared from opcodes.def; the table in emitter.cpp takes the address
// of each, so a missing emitter is a link error.
#define STRATA_OP(name, mn, A, B, C, flags, sem) void emit_##name(Emitter& e, const isa::Insn& in);
#include "isa/opcodes.def"
#undef STRATA_OP

// A `ret` with a chain slot (chain.hpp): chains to the linked function when it may, else returns
// the value as emit_Ret does and reports the slot in the context's `missed`.
void emit_chained_ret(Emitter& e, const isa::Insn& in, ChainSlot* slot);
// A `ret` without a slot while the context has `front` (chain.hpp, INDIRECT EXITS).
void emit_found_ret(Emitter& e, const isa::Insn& in);
// A `ret` without a slot that follows the function's successor links (chain.hpp, LINKED EXITS).
// `recent`: the first of the records its exits look in (null: links only).
void emit_linked_ret(Emitter& e, const isa::Insn& in, const ChainLink* links,
                     const ChainLink* recent);

}  // namespace strata::jit::baseline

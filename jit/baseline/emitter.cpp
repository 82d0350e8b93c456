// The emitter's frame: prologue, per-instruction labels, cold stubs, epilogue, and the
// dispatch table generated from isa/opcodes.def.
#include "jit/baseline/emitter.hpp"

#include <algorithm>
#include <cstddef>

#include "jit/baseline/runtime.hpp"

namespace strata::jit::baseline {

namespace {

using EmitFn = void (*)(Emitter&, const isa::Insn&);
constexpr EmitFn kEmitters[] = {
#define STRATA_OP(name, mn, A, B, C, flags, sem) &emit_##name,
#include "isa/opcodes.def"
#undef STRATA_OP
};
static_assert(sizeof(kEmitters) / sizeof(kEmitters[0]) == isa::kOpCount,
              "every opcode needs a baseline emitter");

// Whether `in` writes its A operand. A call of a function, host native or function reference
// without a result names r0 there (the verifier requires it) but writes nothing: the system-mode
// translator's store slow paths call void helpers in most units, which must not cost them
// CodePromises::zero_r0, and the register cache must keep r0's value live across such a call.
bool writes_a(const vm::Instance& inst, const isa::Insn& in, const isa::OpInfo& info) {
  if (!isa::is_def(info.a)) return false;
  const uint32_t callee = isa::b_of(in.word);
  if (in.op() == isa::Op::CallH && callee < inst.imports.size()) {
    const vm::ImportBinding& im = inst.imports[callee];
    return im.target != nullptr ? im.target->has_result : im.has_result;
  }
  if (in.op() == isa::Op::Call && callee < inst.funcs.size()) return inst.funcs[callee].has_result;
  if (in.op() == isa::Op::CallI) {
    const uint32_t sig = isa::c_of(in.word);
    return sig >= inst.module.sigs.size() || inst.module.sigs[sig].result.has_value();
  }
  return true;
}

}  // namespace

Emitter::Emitter(asmjit::CodeHolder& code, const vm::FuncInfo& f, const isa::Function& body,
                 const ChainExits* chain, const CodePromises& promises,
                 std::span<const BlockProbe> probes)
    : a(&code),
      fn(f),
      inst(*f.inst),
      module_(f.inst->module),
      body_(body),
      chain_(chain),
      promises_(promises),
      probes_(probes) {
  // One decoding walk serves every pass (decoding a word takes a call per word and a look at the
  // callee's signature for calls): what the promises still hold, the branch targets, the body.
  // r0 stays what the caller gave only if no instruction writes it (every opcode writes at most
  // its A operand); a function that grows its memory cannot keep it fixed.
  zero_r0_ = promises.zero_r0;
  const size_t size = body_.code.size();
  insns_.reserve(size);
  std::vector<bool> targets(size, false);
  entries_.assign(size, false);
  for (const isa::Insn& in : isa::CodeWalk(module_, body_)) {
    insns_.push_back(in);
    if (in.status != isa::InsnStatus::Ok) continue;
    const isa::OpInfo& info = isa::info(in.op());
    if (isa::a_of(in.word) == 0 && writes_a(inst, in, info)) zero_r0_ = false;
    if (in.op() == isa::Op::MGrow) promises_.fixed_memory = false;
    if (!(info.flags & isa::kBranch)) continue;
    const int64_t offset = isa::branch_offset(in.word);
    const int64_t target = int64_t{in.pc} + offset;
    if (target >= 0 && static_cast<uint64_t>(target) < size)
      targets[static_cast<size_t>(target)] = true;
    if (offset <= 0) entries_[in.pc] = true;
  }
  for (size_t pc = 0; pc < size; ++pc)
    if (targets[pc]) entries_[pc] = true;
  if (promises_.register_homes && promises_.fixed_memory && promises_.unlimited_fuel && zero_r0_) {
    homes_ = find_register_homes(
        insns_, body_.regs, fn.nparams, targets, inst.memory.size(),
        [this](const isa::Insn& in) { return op_sync(in.op()) == OpSync::All && !leaf_call(in); });
  }
  bounds = KnownBounds(std::move(targets));
  const auto defines = [this](const isa::Insn& in) {
    return writes_a(inst, in, isa::info(in.op()));
  };
  std::vector<uint8_t> uncounted;
  if (promises_.fixed_memory) {
    tlb_checks_ = find_tlb_checks(insns_, entries_, inst.memory.size(), defines);
    // Not where a word is a home's access or a probe sits, nor with a temporary in a home.
    std::erase_if(tlb_checks_, [this](const TlbCheck& c) {
      for (size_t j = c.first; j <= c.access; ++j)
        if ((homes_.any && homes_.free[insns_[j].pc]) || (j != c.first && probe_at(insns_[j].pc)))
          return true;
      return homed(c.cmp) || homed(c.entry) || homed(c.tag) || (c.va_temp && homed(c.va)) ||
             (c.vx != 0 && homed(c.vx)) || homed(c.host);
    });
    if (!tlb_checks_.empty()) uncounted = tlb_uncounted_operands(insns_, size, tlb_checks_);
  }
  host_of_ = choose_cached(insns_, body_.regs.size(), zero_r0_, homes_.any ? &homes_.free : nullptr,
                           homes_.any, uncounted.empty() ? nullptr : &uncounted,
                           promises_.unlimited_fuel ? kCacheRegCount : kPlainCacheRegs);
  for (size_t r = 0; r < host_of_.size(); ++r) {
    if (host_of_[r] < 0) continue;
    cached_regs_[static_cast<size_t>(host_of_[r])] = static_cast<uint16_t>(r);
    all_cached_ |= static_cast<CacheMask>(1u << host_of_[r]);
  }
  live_ = live_cached(insns_, size, host_of_, defines);
}

asmjit::Label Emitter::label_at(uint32_t pc) {
  // Every entry has its label from the start; another pc gets one when code first jumps to it
  // (before it is emitted: a backward jump reaches only entries).
  if (!labels_[pc].isValid()) labels_[pc] = a.newLabel();
  return labels_[pc];
}

asmjit::Operand Emitter::opnd(uint16_t r) const {
  if (cached(r)) return host(r);
  return reg(r);
}

void Emitter::to_xmm(x86::Xmm x, uint16_t r) {
  if (cached(r))
    a.movq(x, host(r));
  else
    a.movsd(x, reg(r));
}

void Emitter::from_xmm(uint16_t r, x86::Xmm x) {
  if (cached(r))
    a.movq(host(r), x);
  else
    a.movsd(reg(r), x);
}

asmjit::Operand Emitter::xmm_src(x86::Xmm tmp, uint16_t r) {
  if (!cached(r)) return reg(r);
  a.movq(tmp, host(r));
  return tmp;
}

void Emitter::flush_cache(CacheMask m) {
  for (size_t i = 0; i < kCacheRegCount; ++i)
    if (m & (1u << i)) a.mov(reg(cached_regs_[i]), kCacheRegs[i]);
}

void Emitter::reload_cache(CacheMask m) {
  for (size_t i = 0; i < kCacheRegCount; ++i)
    if (m & (1u << i)) a.mov(kCacheRegs[i], reg(cached_regs_[i]));
}

void Emitter::emit_home_access(const isa::Insn& in) {
  const bool load = in.op() == isa::Op::LdI64 || in.op() == isa::Op::LdF64;
  const uint16_t r = load ? isa::a_of(in.word) : isa::b_of(in.word);
  if (!cached(r)) return;
  // A load is in the leading run, where the home holds the register's value (the prologue left
  // it to this load: it defines the register).
  const auto bit = static_cast<CacheMask>(1u << host_of_[r]);
  if (load)
    a.mov(host(r), reg(r));
  else if (!(clean_ & bit))
    a.mov(reg(r), host(r));
  clean_ |= bit;
}

void Emitter::load_rax(uint16_t r) {
  if (rax_holds(r)) return;
  if (cached(r))
    a.mov(x86::rax, host(r));
  else
    a.mov(x86::rax, reg(r));
}

bool Emitter::rax_holds(uint16_t r) const {
  return rax_reg_ == int32_t{r} && a.offset() == rax_at_;
}

void Emitter::store_rax(uint16_t r) {
  if (cached(r))
    a.mov(host(r), x86::rax);
  else if (!next_overwrites_from_rax(r))
    a.mov(reg(r), x86::rax);
  rax_reg_ = r;
  rax_at_ = a.offset();
}

// The next instruction must start right here (no jump lands on it, no probe comes first) and
// be one whose emitter takes its first operand from rax (load_rax, rax_holds) and reads r
// nowhere else: the RV64 translation's `op rd; sext32 rd, rd` pairs, and chains of immediate
// operations on one register. (A home's load or store is none of those.)
bool Emitter::probe_at(uint32_t pc) const {
  // Probes are ascending by pc (probes.hpp).
  const auto probe = std::lower_bound(probes_.begin(), probes_.end(), pc,
                                      [](const BlockProbe& p, uint32_t at) { return p.pc < at; });
  return probe != probes_.end() && probe->pc == pc;
}

const isa::Insn* Emitter::branch_consuming(uint16_t r) const {
  const size_t k = cur_ + 1;
  if (k >= insns_.size() || r == 0 || homed(r)) return nullptr;
  const isa::Insn& n = insns_[k];
  if (n.status != isa::InsnStatus::Ok || entries_[n.pc]) return nullptr;
  if (n.op() != isa::Op::Beq && n.op() != isa::Op::Bne) return nullptr;
  if ((isa::a_of(n.word) == r) == (isa::b_of(n.word) == r)) return nullptr;
  // A backward branch may re-execute itself from a refuel stub at its own label.
  const int32_t offset = isa::sc_of(n.word);
  if (offset <= 0) return nullptr;
  if (homes_.any && homes_.free[n.pc]) return nullptr;
  if (probe_at(n.pc)) return nullptr;
  const uint32_t target = n.pc + static_cast<uint32_t>(offset);
  const auto at = std::lower_bound(insns_.begin(), insns_.end(), target,
                                   [](const isa::Insn& x, uint32_t pc) { return x.pc < pc; });
  if (at == insns_.end() || at->pc != target) return nullptr;
  if (!dead_from(k + 1, r) || !dead_from(static_cast<size_t>(at - insns_.begin()), r))
    return nullptr;
  return &n;
}

bool Emitter::dead_from(size_t i, uint16_t r) const {
  for (; i < insns_.size(); ++i) {
    const isa::Insn& x = insns_[i];
    if (x.status != isa::InsnStatus::Ok) return false;
    const isa::OpInfo& info = isa::info(x.op());
    if (info.flags & isa::kCall) {
      if (op_sync(x.op()) == OpSync::All && !leaf_call(x)) return false;
      for (uint32_t k = 0; k < x.nargs; ++k)
        if (x.arg(k) == r) return false;
    } else {
      const uint16_t f[3] = {isa::a_of(x.word), isa::b_of(x.word), isa::c_of(x.word)};
      const isa::Operand kind[3] = {info.a, info.b, info.c};
      for (int k = 0; k < 3; ++k)
        if (isa::is_use(kind[k]) && f[k] == r) return false;
    }
    if (isa::a_of(x.word) == r && writes_a(inst, x, info)) return true;
    if (info.flags & (isa::kBranch | isa::kTerm)) return false;
  }
  return false;
}

bool Emitter::next_overwrites_from_rax(uint16_t r) const {
  const size_t k = cur_ + 1;
  if (k >= insns_.size()) return false;
  const isa::Insn& n = insns_[k];
  if (n.status != isa::InsnStatus::Ok || entries_[n.pc]) return false;
  if (probe_at(n.pc)) return false;
  const uint16_t na = isa::a_of(n.word), nb = isa::b_of(n.word), nc = isa::c_of(n.word);
  if (na != r || nb != r) return false;
  using isa::Op;
  switch (n.op()) {
    case Op::Sext8:
    case Op::Sext16:
    case Op::Sext32:
    case Op::Zext8:
    case Op::Zext16:
    case Op::Zext32:
    case Op::AddI:
    case Op::MulI:
    case Op::AndI:
    case Op::OrI:
    case Op::XorI:
    case Op::ShlI:
    case Op::ShrI:
    case Op::SarI:
    case Op::Neg:
    case Op::Not: return true;
    case Op::Add:
    case Op::Sub:
    case Op::Mul:
    case Op::And:
    case Op::Or:
    case Op::Xor: return nc != r;
    default: return false;
  }
}

asmjit::Operand Emitter::memory_limit(uint64_t end) {
  // Only asked when end <= size (emit_memory.cpp).
  const uint64_t limit = inst.memory.size() - end;
  if (limit <= static_cast<uint64_t>(INT32_MAX)) return asmjit::imm(limit);
  for (const auto& [e, l] : limits_)
    if (e == end) return x86::qword_ptr(l);
  limits_.emplace_back(end, a.newLabel());
  return x86::qword_ptr(limits_.back().second);
}

bool Emitter::chains() const {
  // A context without its counters (not set up yet) compiles plain `ret`s.
  return chain_ != nullptr && chain_->ctx != nullptr && chain_->ctx->slice_left != nullptr &&
         chain_->ctx->written != nullptr;
}

const ChainLink* Emitter::chain_links() const {
  return chains() && chain_->ctx->epochs ? chain_->links : nullptr;
}

const ChainLink* Emitter::chain_recent() const {
  const ChainContext* ctx = chain_->ctx;
  return ctx->recent != nullptr ? ctx->recent + chain_->recent_part * (ctx->recent_mask + 1)
                                : nullptr;
}

bool Emitter::finds_next() const {
  return chains() && chain_->ctx->front != nullptr;
}

ChainSlot* Emitter::chain_slot(uint32_t pc) const {
  if (!chains()) return nullptr;
  const auto& rets = chain_->rets;
  auto it = std::lower_bound(rets.begin(), rets.end(), pc,
                             [](const auto& r, uint32_t want) { return r.first < want; });
  return it != rets.end() && it->first == pc ? it->second : nullptr;
}

void Emitter::epilogue_pops() {
  if (saves_rbp()) {
    a.add(x86::rsp, kPadBytes);
    a.pop(x86::rbp);
  }
  a.pop(x86::r15);
  a.pop(x86::r14);
  a.pop(x86::r13);
  a.pop(x86::r12);
  a.pop(x86::rbx);
}

void Emitter::restore_pinned() {
  if (st_on_stack()) a.mov(x86::r12, x86::qword_ptr(x86::rsp, kStSlot));
  if (fp_on_stack()) a.mov(x86::r13, x86::qword_ptr(x86::rsp, kFpSlot));
}

void Emitter::save_pc(uint32_t pc) {
  // r11: stubs still need rax/rcx (the faulting object, address or index) after this.
  a.mov(x86::r11, asmjit::imm(reinterpret_cast<uint64_t>(fn.code + pc)));
  a.mov(x86::qword_ptr(x86::r13, offsetof(vm::Frame, pc)), x86::r11);
}

void Emitter::helper_args() {
  a.mov(x86::rdi, x86::r12);
  a.mov(x86::rsi, x86::r13);
}

void Emitter::call_fn(const void* f) {
  a.call(asmjit::imm(reinterpret_cast<uint64_t>(f)));
}

void Emitter::call_checked(uint32_t pc, const void* f) {
  save_pc(pc);
  helper_args();
  call_fn(f);
  a.test(x86::rax, x86::rax);
  a.jnz(exit_);
}

void Emitter::reload_frame() {
  a.mov(x86::r13, x86::qword_ptr(x86::r12, offsetof(vm::ExecState, frames)));
  if (frame_offset_on_stack())
    a.add(x86::r13, x86::qword_ptr(x86::rsp, kFrameOffsetSlot));
  else
    a.add(x86::r13, x86::r15);
  a.mov(x86::rbx, x86::qword_ptr(x86::r13, offsetof(vm::Frame, base)));
  if (fp_on_stack()) a.mov(x86::qword_ptr(x86::rsp, kFpSlot), x86::r13);
}

asmjit::Label Emitter::cold(std::function<void()> body) {
  asmjit::Label l = a.newLabel();
  cold_labels_.push_back(l);
  cold_bodies_.push_back(std::move(body));
  return l;
}

asmjit::Label Emitter::shared_stub(SharedStub key, std::function<void()> body) {
  asmjit::Label& l = shared_stubs_[static_cast<size_t>(key)];
  if (!l.isValid()) l = cold(std::move(body));
  return l;
}

asmjit::Label Emitter::trap_stub(uint32_t pc, const void* f, std::function<void()> args) {
  return cold([this, pc, f, args = std::move(args), unflushed = unflushed_at(pc)] {
    flush_cache(unflushed);
    restore_pinned();
    save_pc(pc);
    helper_args();
    if (args) args();
    call_fn(f);
    a.jmp(exit_);
  });
}

void Emitter::branch(uint32_t pc, int32_t offset, x86::CondCode cc, bool always) {
  const uint32_t target = pc + static_cast<uint32_t>(offset);
  if (offset > 0 || promises_.unlimited_fuel) {
    if (always)
      a.jmp(label_at(target));
    else
      a.j(cc, label_at(target));
    return;
  }
  osr_points_.push_back(pc);
  // Taken backward branch: one unit of fuel; an empty slice refills (or traps) and re-executes
  // the branch, so an out-of-fuel trap reports the branch's pc as the interpreter does.
  asmjit::Label skip = a.newLabel();
  if (!always) a.j(x86::negateCond(cc), skip);
  a.dec(x86::qword_ptr(x86::r12, offsetof(vm::ExecState, fuel_left)));
  asmjit::Label refuel = cold([this, pc, unflushed = unflushed_at(pc)] {
    // The helper may hand the activation to another tier, which reads the window. (r12 and
    // r13 cache nothing here: a function that charges fuel keeps them pinned.)
    flush_cache(unflushed);
    save_pc(pc);
    helper_args();
    call_fn(reinterpret_cast<const void*>(&rt::refuel_backedge));
    asmjit::Label stop = a.newLabel();
    a.test(x86::rax, x86::rax);
    a.jnz(stop);
    reload_cache(live_[pc]);
    a.jmp(label_at(pc));
    a.bind(stop);
    // A trap, or rt::kActivationDone | the status of a higher tier that ran the activation.
    static_assert(rt::kActivationDone == 0x100);
    a.movzx(x86::eax, x86::al);
    a.jmp(exit_);
  });
  a.js(refuel);
  a.jmp(label_at(target));
  a.bind(skip);
}

void Emitter::ret_status(uint32_t status) {
  a.mov(x86::eax, status);
  a.jmp(exit_);
}

void Emitter::prologue(CacheMask load) {
  // Five pushes realign rsp to 16 for the helper calls (rbp takes a sixth and a pad, which
  // holds fp's offset when r15 caches a register).
  a.push(x86::rbx);
  a.push(x86::r12);
  a.push(x86::r13);
  a.push(x86::r14);
  a.push(x86::r15);
  if (saves_rbp()) {
    a.push(x86::rbp);
    a.sub(x86::rsp, kPadBytes);  // realigned
  }
  a.mov(x86::r12, x86::rdi);
  a.mov(x86::rbx, x86::rsi);
  a.mov(x86::r13, x86::rdx);
  // The function's entry only (the OSR entry has a prologue of its own).
  if (uniform_frame() && !chain_entry_.isValid()) {
    chain_entry_ = a.newLabel();
    a.bind(chain_entry_);
  }
  if (frame_offset_on_stack()) {
    a.mov(x86::rax, x86::r13);
    a.sub(x86::rax, x86::qword_ptr(x86::r12, offsetof(vm::ExecState, frames)));
    a.mov(x86::qword_ptr(x86::rsp, kFrameOffsetSlot), x86::rax);
  } else {
    a.mov(x86::r15, x86::r13);
    a.sub(x86::r15, x86::qword_ptr(x86::r12, offsetof(vm::ExecState, frames)));
  }
  // After the chain entry: a unit chained into keeps its own registers' choice.
  if (st_on_stack()) a.mov(x86::qword_ptr(x86::rsp, kStSlot), x86::r12);
  if (fp_on_stack()) a.mov(x86::qword_ptr(x86::rsp, kFpSlot), x86::r13);
  a.mov(x86::r14,
        asmjit::imm(promises_.fixed_memory ? reinterpret_cast<uint64_t>(inst.memory.data())
                                           : reinterpret_cast<uint64_t>(&inst.memory)));
  reload_cache(load);
}

bool Emitter::emit_function() {
  // Labels only where code jumps to (most of a unit's words are straight-line code).
  labels_.assign(body_.code.size(), asmjit::Label());
  for (size_t pc = 0; pc < entries_.size(); ++pc)
    if (entries_[pc]) labels_[pc] = a.newLabel();
  exit_ = a.newLabel();

  osr_ = a.newLabel();
  // Registers dead at the entry stay unloaded: nothing reads them before a def, and the window
  // never needs them (a write-back skips dead registers).
  prologue(live_[0]);
  clean_ = all_cached_;

  size_t probe = 0;
  for (cur_ = 0; cur_ < insns_.size(); ++cur_) {
    const isa::Insn& in = insns_[cur_];
    if (in.status != isa::InsnStatus::Ok) return false;
    if (labels_[in.pc].isValid()) {
      a.bind(labels_[in.pc]);
      rax_reg_ = -1;
      clean_ = 0;
    }
    // rcx is scratch between instructions.
    for (; probe < probes_.size() && probes_[probe].pc <= in.pc; ++probe) {
      if (probes_[probe].pc != in.pc) continue;
      a.mov(x86::rcx, reinterpret_cast<uint64_t>(probes_[probe].ran));
      a.mov(x86::byte_ptr(x86::rcx), 1);
    }
    bounds.enter(in);
    while (next_check_ < tlb_checks_.size() && tlb_checks_[next_check_].first < cur_) ++next_check_;
    if (next_check_ < tlb_checks_.size() && tlb_checks_[next_check_].first == cur_) {
      emit_tlb_check(tlb_checks_[next_check_++]);
      continue;
    }
    if (homes_.any && homes_.free[in.pc]) {
      emit_home_access(in);
      bounds.leave(in);
      continue;
    }
    const isa::OpInfo& info = isa::info(in.op());
    const OpSync sync = op_sync(in.op());
    const uint16_t ra = isa::a_of(in.word);
    const CacheMask def_a = isa::is_def(info.a) && cached(ra) && writes_a(inst, in, info)
                                ? static_cast<CacheMask>(1u << host_of_[ra])
                                : 0;
    // Such an instruction finds st and fp in r12 and r13, and the registers they cache in the
    // window (written back here, reloaded after): for its emitter they are not cached.
    CacheMask uncached = 0;
    if (sync == OpSync::All) {
      const CacheMask m = unflushed_at(in.pc);
      flush_cache(m);
      clean_ |= m;
      restore_pinned();
      for (size_t i : {kStCacheIndex, kFpCacheIndex})
        if (all_cached_ & (1u << i)) {
          host_of_[cached_regs_[i]] = -1;
          uncached |= static_cast<CacheMask>(1u << i);
        }
    }
    kEmitters[static_cast<size_t>(in.op())](*this, in);
    for (size_t i : {kStCacheIndex, kFpCacheIndex})
      if (uncached & (1u << i)) host_of_[cached_regs_[i]] = static_cast<int8_t>(i);
    if (skip_next_) {
      // The next instruction (a branch) was emitted with this one: nothing of it is left but
      // the bounds' view of it.
      skip_next_ = false;
      bounds.leave(in);
      ++cur_;
      bounds.enter(insns_[cur_]);
      bounds.leave(insns_[cur_]);
      clean_ &= static_cast<CacheMask>(~def_a);
      continue;
    }
    if (sync == OpSync::All) {
      // The helpers clobbered the cache registers and may have written the window. Dead ones
      // count as clean: they become live only through a def, which makes them dirty.
      if (!(info.flags & isa::kTerm)) reload_cache(live_[in.pc + in.length()]);
      clean_ = all_cached_;
    } else {
      clean_ &= static_cast<CacheMask>(~def_a);
    }
    bounds.leave(in);
  }
  // Verified code never falls off the end (the last instruction is a terminator).
  a.int3();
  rax_reg_ = -1;                                      // cold code starts from jumps
  for (size_t i = 0; i < cold_bodies_.size(); ++i) {  // bodies may add more stubs
    a.bind(cold_labels_[i]);
    std::function<void()> body = std::move(cold_bodies_[i]);
    body();
  }
  a.bind(osr_);
  prologue(all_cached_);
  a.jmp(x86::rcx);
  a.bind(exit_);
  epilogue_pops();
  a.ret();
  if (!limits_.empty()) {
    a.align(asmjit::AlignMode::kData, 8);
    for (const auto& [end, l] : limits_) {
      a.bind(l);
      // Only used when end <= size (emit_memory.cpp).
      a.embedUInt64(inst.memory.size() - end);
    }
  }
  return true;
}

}  // namespace strata::jit::baseline

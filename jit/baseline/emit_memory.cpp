// Baseline emitters: linear memory (vm/interp_memory.inc). Loads and stores are inline with the
// interpreter's bounds check; r14 holds the instance's LinearMemory, whose data and size are
// re-read at every access (mgrow and host calls may move or grow it), or, when the caller
// promised a fixed memory (code_promises.hpp), the data address, the size being a constant.
//
// GUEST: addresses are guest-controlled. The check is `addr + off + n <= size` with the addition
// done in 65 bits (a carry faults), which is STRATA_MEM's `addr <= size && size - addr >= off +
// n`; it is left out only where KnownBounds proves it (see access()).
#include <optional>

#include "jit/baseline/emitter.hpp"
#include "jit/baseline/runtime.hpp"

namespace strata::jit::baseline {

namespace {

using isa::a_of;
using isa::b_of;
using isa::c_of;

const void* fnp(auto* f) {
  return reinterpret_cast<const void*>(f);
}

constexpr int32_t kSizeOff = static_cast<int32_t>(vm::LinearMemory::size_offset());
constexpr int32_t kDataOff = static_cast<int32_t>(vm::LinearMemory::data_offset());

// The operand of the n-byte access at reg(addr_reg) + c, [base + rax + c] with rax = the address,
// after its bounds check (or [base + cache register + c] when no check is needed). The check is
// dropped when the emitter has proven the address small enough for the memory's size now
// (KnownBounds; the memory never shrinks), and so is the address when it is known to be 0
// (CodePromises::zero_r0): then [base + c].
x86::Mem access(Emitter& e, const isa::Insn& in, uint16_t addr_reg, uint32_t n) {
  const uint32_t off = c_of(in.word);
  const uint64_t end = uint64_t{off} + n;
  const uint64_t size = e.inst.memory.size();
  const bool zero = e.known_zero(addr_reg) && end <= size;
  const std::optional<uint64_t> max = zero ? 0 : e.bounds.max_of(addr_reg);
  // GUEST: max < 2^15 and end < 2^17, so the sum cannot wrap.
  const bool checked = !max || *max + end > size;
  // A cached address is checked and indexes the access where it is; any other goes through rax.
  const bool in_host = !zero && e.cached(addr_reg) && !e.rax_holds(addr_reg);
  if (!zero && !in_host) e.load_rax(addr_reg);
  const x86::Gp addr = in_host ? e.host(addr_reg) : x86::Gp(x86::rax);
  if (checked) {
    // The stub has written the cache back (and clobbered cache registers), so a cached address
    // is read from its slot there.
    const x86::Mem addr_slot = e.reg(addr_reg);
    asmjit::Label fault =
        e.trap_stub(in.pc, fnp(&rt::trap_memory), [&e, off, n, in_host, addr_slot] {
          if (in_host) {
            e.a.mov(x86::rdx, addr_slot);
          } else {
            // The window shows the address as the interpreter would (a software-TLB check
            // left it in rax alone: Emitter::emit_tlb_check).
            e.a.mov(addr_slot, x86::rax);
            e.a.mov(x86::rdx, x86::rax);
          }
          e.a.mov(x86::rcx, asmjit::imm(uint64_t{off} | (uint64_t{n} << 32)));
        });
    if (e.fixed_memory()) {
      // GUEST: addr <= size - end (unsigned), the size a constant: no sum, so nothing wraps.
      if (end > size) {
        e.a.jmp(fault);
      } else {
        e.a.emit(x86::Inst::kIdCmp, addr, e.memory_limit(end));
        e.a.ja(fault);
      }
    } else {
      // GUEST: addr + off + n, with a carry out of 64 bits as a fault too, against the size.
      e.a.mov(x86::rcx, addr);
      e.a.add(x86::rcx, asmjit::imm(end));
      e.a.jc(fault);
      e.a.cmp(x86::rcx, x86::qword_ptr(x86::r14, kSizeOff));
      e.a.ja(fault);
    }
  }
  x86::Gp data = x86::r14;
  if (!e.fixed_memory()) {
    e.a.mov(x86::rdx, x86::qword_ptr(x86::r14, kDataOff));
    data = x86::rdx;
  }
  if (zero) return x86::ptr(data, static_cast<int32_t>(off));
  return x86::ptr(data, addr, 0, static_cast<int32_t>(off));
}

// The loaded value goes straight to a's cache register when it has one, else to rax and a's
// slot.
template <typename Body>
void load(Emitter& e, const isa::Insn& in, uint32_t n, Body body) {
  x86::Mem m = access(e, in, b_of(in.word), n);
  m.setSize(n);
  const uint16_t a = a_of(in.word);
  if (e.cached(a)) {
    body(m, e.host(a));
    return;
  }
  body(m, x86::Gp(x86::rax));
  e.store_rax(a);
}

template <typename Body>
void store(Emitter& e, const isa::Insn& in, uint32_t n, Body body) {
  x86::Mem m = access(e, in, a_of(in.word), n);
  m.setSize(n);
  body(m);
}

}  // namespace

void emit_LdI8(Emitter& e, const isa::Insn& in) {
  load(e, in, 1, [&](x86::Mem m, x86::Gp d) { e.a.movsx(d, m); });
}
void emit_LdU8(Emitter& e, const isa::Insn& in) {
  load(e, in, 1, [&](x86::Mem m, x86::Gp d) { e.a.movzx(d.r32(), m); });
}
void emit_LdI16(Emitter& e, const isa::Insn& in) {
  load(e, in, 2, [&](x86::Mem m, x86::Gp d) { e.a.movsx(d, m); });
}
void emit_LdU16(Emitter& e, const isa::Insn& in) {
  load(e, in, 2, [&](x86::Mem m, x86::Gp d) { e.a.movzx(d.r32(), m); });
}
void emit_LdI32(Emitter& e, const isa::Insn& in) {
  load(e, in, 4, [&](x86::Mem m, x86::Gp d) { e.a.movsxd(d, m); });
}
void emit_LdU32(Emitter& e, const isa::Insn& in) {
  load(e, in, 4, [&](x86::Mem m, x86::Gp d) { e.a.mov(d.r32(), m); });
}
void emit_LdI64(Emitter& e, const isa::Insn& in) {
  // A loaded word that only a following beq/bne reads (the TLB check's tag) is compared where it
  // is: `cmp other, [mem]`, no load.
  const uint16_t t = a_of(in.word);
  if (const isa::Insn* br = e.branch_consuming(t)) {
    x86::Mem m = access(e, in, b_of(in.word), 8);
    m.setSize(8);
    const uint16_t x = a_of(br->word), y = b_of(br->word);
    const uint16_t other = x == t ? y : x;
    if (e.known_zero(other)) {
      e.a.cmp(m, 0);
    } else if (e.cached(other)) {
      e.a.cmp(e.host(other), m);
    } else {
      // rcx: scratch between instructions; access() is done with it.
      e.a.mov(x86::rcx, e.reg(other));
      e.a.cmp(x86::rcx, m);
    }
    e.branch(br->pc, isa::sc_of(br->word),
             br->op() == isa::Op::Beq ? x86::CondCode::kE : x86::CondCode::kNE);
    e.consume_next();
    return;
  }
  load(e, in, 8, [&](x86::Mem m, x86::Gp d) { e.a.mov(d, m); });
}
void emit_LdF32(Emitter& e, const isa::Insn& in) {
  load(e, in, 4, [&](x86::Mem m, x86::Gp d) {
    e.a.cvtss2sd(x86::xmm0, m);
    e.a.movq(d, x86::xmm0);
  });
}
void emit_LdF64(Emitter& e, const isa::Insn& in) {
  load(e, in, 8, [&](x86::Mem m, x86::Gp d) { e.a.mov(d, m); });
}

// The stored value: its cache register, or rcx loaded from its slot (rcx is free once the
// address is checked; rax holds the address and rdx the data pointer of an unfixed memory).
x86::Gp store_value(Emitter& e, uint16_t r) {
  if (e.cached(r)) return e.host(r);
  e.a.mov(x86::rcx, e.reg(r));
  return x86::rcx;
}

void emit_StI8(Emitter& e, const isa::Insn& in) {
  store(e, in, 1, [&](x86::Mem m) { e.a.mov(m, store_value(e, b_of(in.word)).r8()); });
}
void emit_StI16(Emitter& e, const isa::Insn& in) {
  store(e, in, 2, [&](x86::Mem m) { e.a.mov(m, store_value(e, b_of(in.word)).r16()); });
}
void emit_StI32(Emitter& e, const isa::Insn& in) {
  store(e, in, 4, [&](x86::Mem m) { e.a.mov(m, store_value(e, b_of(in.word)).r32()); });
}
void emit_StI64(Emitter& e, const isa::Insn& in) {
  store(e, in, 8, [&](x86::Mem m) { e.a.mov(m, store_value(e, b_of(in.word))); });
}
void emit_StF32(Emitter& e, const isa::Insn& in) {
  store(e, in, 4, [&](x86::Mem m) {
    e.to_xmm(x86::xmm0, b_of(in.word));
    e.a.cvtsd2ss(x86::xmm0, x86::xmm0);
    e.a.movss(m, x86::xmm0);
  });
}
void emit_StF64(Emitter& e, const isa::Insn& in) {
  emit_StI64(e, in);
}

void emit_MSize(Emitter& e, const isa::Insn& in) {
  if (e.fixed_memory())
    e.a.mov(x86::rax, asmjit::imm(e.inst.memory.size()));
  else
    e.a.mov(x86::rax, x86::qword_ptr(x86::r14, kSizeOff));
  e.a.emit(x86::Inst::kIdMov, e.opnd(a_of(in.word)), x86::rax);
}
void emit_MGrow(Emitter& e, const isa::Insn& in) {
  e.call_checked(in.pc, fnp(&rt::mem_grow));
}
void emit_MCopy(Emitter& e, const isa::Insn& in) {
  e.call_checked(in.pc, fnp(&rt::mem_copy));
}
void emit_MFill(Emitter& e, const isa::Insn& in) {
  e.call_checked(in.pc, fnp(&rt::mem_fill));
}

// tlb_access.hpp: va in rdx (or its cache register), the compared value and then the host
// address in rax, the entry offset in rcx. The temporaries' own registers are left as they are:
// they are dead after the check and on its miss, which finds va where its slow path reads it.
void Emitter::emit_tlb_check(const TlbCheck& c) {
  x86::Gp va = x86::rdx;
  if (c.va_temp) {
    if (known_zero(c.base))
      a.mov(x86::rdx, asmjit::imm(int64_t{c.imm}));
    else if (cached(c.base))
      a.lea(x86::rdx, x86::ptr(host(c.base), c.imm));
    else {
      a.mov(x86::rdx, reg(c.base));
      if (c.imm != 0) a.add(x86::rdx, c.imm);
    }
  } else if (known_zero(c.va)) {
    a.xor_(x86::edx, x86::edx);
  } else if (cached(c.va)) {
    va = host(c.va);
  } else {
    a.mov(x86::rdx, reg(c.va));
  }
  if (c.vx != 0)
    a.lea(x86::rax, x86::ptr(va, c.vx_delta));
  else
    a.mov(x86::rax, va);
  a.and_(x86::rax, asmjit::imm(c.page_mask));
  if (host_has_bmi2()) {
    a.rorx(x86::rcx, va, c.shift);
  } else {
    a.mov(x86::rcx, va);
    if (c.shift != 0) a.shr(x86::rcx, c.shift);
  }
  a.and_(x86::ecx, c.index_mask);
  // The entry's words: rcx <= index_mask, within the memory (find_tlb_checks).
  a.cmp(x86::rax, x86::qword_ptr(x86::r14, x86::rcx, 0, static_cast<int32_t>(c.tag_offset)));
  // A computed va goes where the slow path reads it first.
  if (c.va_temp) {
    const uint16_t v = c.va;
    const uint32_t miss = c.miss_pc;
    a.jne(cold([this, v, miss] {
      a.emit(x86::Inst::kIdMov, opnd(v), x86::rdx);
      a.jmp(label_at(miss));
    }));
  } else {
    a.jne(label_at(c.miss_pc));
  }
  a.mov(x86::rax, x86::qword_ptr(x86::r14, x86::rcx, 0, static_cast<int32_t>(c.addend_offset)));
  a.add(x86::rax, va);
  // The words emitted: the bounds' view of them, and their cached results (dead ones, if any)
  // no longer in the window.
  for (size_t j = c.first; j < c.access; ++j) {
    const isa::Insn& in = insns_[j];
    if (j != c.first) bounds.enter(in);
    bounds.leave(in);
    const uint16_t r = isa::a_of(in.word);
    if (isa::is_def(isa::info(in.op()).a) && cached(r))
      clean_ &= static_cast<CacheMask>(~(1u << host_of_[r]));
  }
  // A group's host address lives on (its followers read it).
  if (c.host != c.tag) {
    if (cached(c.host))
      a.mov(host(c.host), x86::rax);
    else
      a.mov(reg(c.host), x86::rax);
  }
  rax_reg_ = c.host;
  rax_at_ = a.offset();
  cur_ = c.access - 1;
}

}  // namespace strata::jit::baseline

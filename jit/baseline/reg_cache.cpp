#include "jit/baseline/reg_cache.hpp"

#include <asmjit/x86.h>
#include <algorithm>

namespace strata::jit::baseline {

bool host_has_fma() {
  static const bool fma = asmjit::CpuInfo::host().hasFeature(asmjit::CpuFeatures::X86::kFMA);
  return fma;
}

bool host_has_bmi2() {
  static const bool bmi2 = asmjit::CpuInfo::host().hasFeature(asmjit::CpuFeatures::X86::kBMI2);
  return bmi2;
}

OpSync op_sync(isa::Op op) {
  using isa::Op;
  switch (op) {
    // clang-format off
    // Integer ops, loads, stores, branches and returns: emit_int.cpp, emit_memory.cpp,
    // emit_control.cpp and emit_chain.cpp read and write through Emitter::opnd/load_rax/store_rax.
    case Op::Nop: case Op::Mov: case Op::Li: case Op::Ldk: case Op::Null: case Op::FnRef:
    case Op::Add: case Op::Sub: case Op::Mul: case Op::MulH: case Op::MulHU: case Op::Div:
    case Op::Rem: case Op::DivU:
    case Op::RemU: case Op::And: case Op::Or: case Op::Xor: case Op::Shl: case Op::Shr:
    case Op::Sar: case Op::Neg: case Op::Not: case Op::AddI: case Op::MulI: case Op::AndI:
    case Op::OrI: case Op::XorI: case Op::ShlI: case Op::ShrI: case Op::SarI:
    case Op::Eq: case Op::Ne: case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge:
    case Op::LtU: case Op::LeU: case Op::GtU: case Op::GeU:
    case Op::Sext8: case Op::Sext16: case Op::Sext32: case Op::Zext8: case Op::Zext16:
    case Op::Zext32: case Op::FBits: case Op::BitsF:
    case Op::Jmp: case Op::Bnz: case Op::Bz: case Op::Beq: case Op::Bne: case Op::Blt:
    case Op::Ble: case Op::Bgt: case Op::Bge: case Op::BltU: case Op::BgeU: case Op::BNull:
    case Op::BNonNull: case Op::Ret: case Op::RetV:
    case Op::LdI8: case Op::LdU8: case Op::LdI16: case Op::LdU16: case Op::LdI32:
    case Op::LdU32: case Op::LdI64: case Op::LdF32: case Op::LdF64:
    case Op::StI8: case Op::StI16: case Op::StI32: case Op::StI64: case Op::StF32:
    case Op::StF64: case Op::MSize:
    // The float ops without a call (emit_float.cpp: movq between cache and xmm registers).
    case Op::FAdd: case Op::FSub: case Op::FMul: case Op::FDiv: case Op::FNeg: case Op::FAbs:
    case Op::FSqrt: case Op::FEq: case Op::FNe: case Op::FLt: case Op::FLe: case Op::FGt:
    case Op::FGe: case Op::I2F: case Op::BfLt: case Op::BfLe: case Op::BfGt: case Op::BfGe:
      return OpSync::None;
    // clang-format on
    case Op::FMAdd:  // without FMA3 it calls the C library's fma
      return host_has_fma() ? OpSync::None : OpSync::All;
    default: return OpSync::All;
  }
}

std::vector<int8_t> choose_cached(std::span<const isa::Insn> insns, size_t nregs, bool skip_r0,
                                  const std::vector<bool>* free, bool weigh_loops,
                                  const std::vector<uint8_t>* uncounted, size_t limit) {
  // A use inside a loop (from a backward branch's target to the branch) runs once per
  // iteration: it counts kLoopWeight times, in a loop nest kLoopWeight^2.
  const int32_t kLoopWeight = weigh_loops ? 8 : 1;
  const size_t code_size = insns.empty() ? 0 : insns.back().pc + insns.back().length();
  std::vector<int32_t> depth(code_size + 1, 0);
  std::vector<bool> target_at(code_size + 1, false);
  for (const isa::Insn& in : insns) {
    if (in.status != isa::InsnStatus::Ok || !(isa::info(in.op()).flags & isa::kBranch)) continue;
    const int64_t offset = isa::branch_offset(in.word);
    const int64_t target = int64_t{in.pc} + offset;
    if (target < 0 || static_cast<uint64_t>(target) >= code_size) continue;
    target_at[static_cast<size_t>(target)] = true;
    if (offset > 0) continue;
    ++depth[static_cast<size_t>(target)];
    --depth[in.pc + 1];
  }
  // The straight runs that end in a return (a unit's exits, laid out between its loop's blocks)
  // run once, not per iteration.
  std::vector<bool> exit_run(code_size + 1, false);
  bool in_exit = false;
  for (size_t k = insns.size(); k-- > 0;) {
    const isa::Insn& in = insns[k];
    const uint32_t flags = isa::info(in.op()).flags;
    if (flags & (isa::kBranch | isa::kTerm))
      in_exit = (flags & isa::kTerm) && !(flags & isa::kBranch);
    exit_run[in.pc] = in_exit;
    if (target_at[in.pc]) in_exit = false;
  }
  std::vector<int32_t> uses(nregs, 0);
  int32_t nest = 0;
  size_t at = 0;
  for (const isa::Insn& in : insns) {
    for (; at <= in.pc; ++at) nest += depth[at];
    if (in.status != isa::InsnStatus::Ok) continue;
    if (op_sync(in.op()) == OpSync::All) continue;
    if (free != nullptr && (*free)[in.pc]) continue;
    const isa::OpInfo& info = isa::info(in.op());
    const int32_t weight = nest <= 0 || exit_run[in.pc] ? 1
                           : nest == 1                  ? kLoopWeight
                                                        : kLoopWeight * kLoopWeight;
    const uint8_t skip = uncounted != nullptr ? (*uncounted)[in.pc] : 0;
    auto count = [&](int k, isa::Operand kind, uint16_t r) {
      if (isa::is_reg(kind) && r < nregs && !(skip & (1u << k))) uses[r] += weight;
    };
    count(0, info.a, isa::a_of(in.word));
    count(1, info.b, isa::b_of(in.word));
    count(2, info.c, isa::c_of(in.word));
  }
  std::vector<uint16_t> order;
  for (size_t r = skip_r0 ? 1 : 0; r < nregs; ++r)
    if (uses[r] >= 2) order.push_back(static_cast<uint16_t>(r));
  std::stable_sort(order.begin(), order.end(),
                   [&](uint16_t x, uint16_t y) { return uses[x] > uses[y]; });
  std::vector<int8_t> host(nregs, -1);
  for (size_t i = 0; i < order.size() && i < std::min(limit, kCacheRegCount); ++i) {
    // r12 and r13 cost their pinned values' spill at every entry and restore at every exit and
    // helper call: worth it for a register used in a loop, not for one used a few times.
    if (i >= kPlainCacheRegs && uses[order[i]] < kMinUsesBeyondPlain) break;
    host[order[i]] = static_cast<int8_t>(i);
  }
  return host;
}

std::vector<CacheMask> live_cached(std::span<const isa::Insn> insns, size_t code_size,
                                   std::span<const int8_t> host_of,
                                   const std::function<bool(const isa::Insn&)>& writes_a) {
  std::vector<CacheMask> live(code_size + 1, 0);
  if (std::none_of(host_of.begin(), host_of.end(), [](int8_t h) { return h >= 0; })) return live;
  auto bit = [&](uint16_t r) -> CacheMask {
    return r < host_of.size() && host_of[r] >= 0 ? CacheMask(1u << host_of[r]) : 0;
  };
  struct Flow {
    CacheMask use = 0, def = 0;
    uint32_t next = 0, target = 0;  // pcs; next == 0: no fallthrough, target == 0: no branch
  };
  std::vector<Flow> flow(insns.size());
  // The targets of backward branches: a change of their live-in reaches a branch the reverse
  // pass has already passed.
  std::vector<bool> back_target(code_size + 1, false);
  for (size_t i = 0; i < insns.size(); ++i) {
    const isa::Insn& in = insns[i];
    Flow& f = flow[i];
    if (in.status != isa::InsnStatus::Ok) continue;
    const isa::OpInfo& info = isa::info(in.op());
    const uint16_t a = isa::a_of(in.word), b = isa::b_of(in.word), c = isa::c_of(in.word);
    if (isa::is_use(info.a)) f.use |= bit(a);
    if (isa::is_use(info.b)) f.use |= bit(b);
    if (isa::is_use(info.c)) f.use |= bit(c);
    for (uint32_t k = 0; k < in.nargs; ++k) f.use |= bit(in.arg(k));
    if (isa::is_def(info.a) && writes_a(in)) f.def |= bit(a);
    if (!(info.flags & isa::kTerm)) f.next = in.pc + in.length();
    if (info.flags & isa::kBranch) {
      const int64_t t = int64_t{in.pc} + isa::branch_offset(in.word);
      if (t >= 0 && static_cast<uint64_t>(t) < code_size) f.target = static_cast<uint32_t>(t);
      if (t >= 0 && t <= int64_t{in.pc}) back_target[static_cast<size_t>(t)] = true;
    }
  }
  // Live-in = use | (live-out & ~def), to the fixpoint; in reverse order, code without back-edges
  // (most translated units) is done in one pass, and loops take a pass or two more: only a
  // change at a backward branch's target needs another.
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = insns.size(); i-- > 0;) {
      const Flow& f = flow[i];
      CacheMask out = 0;
      if (f.next != 0 && f.next < code_size) out |= live[f.next];
      if (f.target != 0 || (isa::info(insns[i].op()).flags & isa::kBranch)) out |= live[f.target];
      const CacheMask in = static_cast<CacheMask>(f.use | (out & ~f.def));
      if (in != live[insns[i].pc]) {
        live[insns[i].pc] = in;
        changed |= back_target[insns[i].pc];
      }
    }
  }
  return live;
}

}  // namespace strata::jit::baseline

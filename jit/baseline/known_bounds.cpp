#include "jit/baseline/known_bounds.hpp"

namespace strata::jit::baseline {

namespace {

using isa::Op;

// The branch offset of a kBranch instruction, relative to its pc.
int32_t branch_offset(const isa::Insn& in) {
  const isa::OpInfo& i = isa::info(in.op());
  return i.c == isa::Operand::J16 ? isa::sc_of(in.word) : isa::sbc_of(in.word);
}

// Opcodes whose baseline code writes at most register A and calls no helper (a trap leaves the
// function, so a load or store that may trap qualifies).
bool keeps_other_registers(Op op) {
  switch (op) {
    case Op::Nop:
    case Op::Mov:
    case Op::Li:
    case Op::Add:
    case Op::Sub:
    case Op::Mul:
    case Op::And:
    case Op::Or:
    case Op::Xor:
    case Op::Shl:
    case Op::Shr:
    case Op::Sar:
    case Op::Neg:
    case Op::Not:
    case Op::AddI:
    case Op::MulI:
    case Op::AndI:
    case Op::OrI:
    case Op::XorI:
    case Op::ShlI:
    case Op::ShrI:
    case Op::SarI:
    case Op::Eq:
    case Op::Ne:
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge:
    case Op::LtU:
    case Op::LeU:
    case Op::GtU:
    case Op::GeU:
    case Op::Sext8:
    case Op::Sext16:
    case Op::Sext32:
    case Op::Zext8:
    case Op::Zext16:
    case Op::Zext32:
    case Op::LdI8:
    case Op::LdU8:
    case Op::LdI16:
    case Op::LdU16:
    case Op::LdI32:
    case Op::LdU32:
    case Op::LdI64:
    case Op::LdF32:
    case Op::LdF64:
    case Op::StI8:
    case Op::StI16:
    case Op::StI32:
    case Op::StI64:
    case Op::StF32:
    case Op::StF64:
    case Op::Jmp:
    case Op::Bnz:
    case Op::Bz:
    case Op::Beq:
    case Op::Bne:
    case Op::Blt:
    case Op::Ble:
    case Op::Bgt:
    case Op::Bge:
    case Op::BltU:
    case Op::BgeU: return true;
    default: return false;
  }
}

}  // namespace

KnownBounds::KnownBounds(const isa::Module& m, const isa::Function& f)
    : targets_(f.code.size(), false) {
  for (const isa::Insn& in : isa::CodeWalk(m, f)) {
    if (in.status != isa::InsnStatus::Ok || !(isa::info(in.op()).flags & isa::kBranch)) continue;
    const int64_t target = int64_t{in.pc} + branch_offset(in);
    if (target >= 0 && static_cast<uint64_t>(target) < targets_.size())
      targets_[static_cast<size_t>(target)] = true;
  }
}

void KnownBounds::enter(const isa::Insn& in) {
  if (in.pc >= targets_.size() || targets_[in.pc]) forget_all();
}

void KnownBounds::leave(const isa::Insn& in) {
  const Op op = in.op();
  if (!keeps_other_registers(op)) return forget_all();
  if ((isa::info(op).flags & isa::kBranch) && branch_offset(in) <= 0) return forget_all();
  if (!isa::is_def(isa::info(op).a)) return;
  const uint16_t a = isa::a_of(in.word);
  forget(a);
  if (op != Op::AndI) return;
  const int64_t mask = isa::sc_of(in.word);
  if (mask < 0) return;
  facts_[next_] = {a, static_cast<uint64_t>(mask), true};
  next_ = (next_ + 1) % facts_.size();
}

std::optional<uint64_t> KnownBounds::max_of(uint16_t r) const {
  for (const Fact& f : facts_)
    if (f.valid && f.reg == r) return f.max;
  return std::nullopt;
}

void KnownBounds::forget(uint16_t r) {
  for (Fact& f : facts_)
    if (f.reg == r) f.valid = false;
}

void KnownBounds::forget_all() {
  for (Fact& f : facts_) f.valid = false;
}

}  // namespace strata::jit::baseline

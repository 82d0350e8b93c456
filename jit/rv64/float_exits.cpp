// FloatExits (float_exits.hpp): the stubs store what emit_special_exit stores inline; the shared
// tail reads the pc back from the state page for its return value (pc | 1, as every special exit
// returns).
#include "jit/rv64/float_exits.hpp"

#include "jit/rv64/translate_int.hpp"
#include "vm/rv64/guest_layout.hpp"

namespace strata::jit::rv64 {

using isa::Op;
namespace state = vm::rv64::state;

BlockBuilder::Label FloatExits::illegal(uint64_t pc, uint32_t raw, unsigned retired) {
  const BlockBuilder::Label l = b_.new_label();
  stubs_.push_back({l, pc, raw, retired});
  return l;
}

void FloatExits::finish() {
  if (stubs_.empty()) return;
  const BlockBuilder::Label tail = b_.new_label();
  // Only constants pass through these two: no instruction's register is live in a stub.
  const uint16_t t = b_.tmp(), scratch = b_.tmp();
  for (const Stub& s : stubs_) {
    b_.bind(s.label);
    emit_instret_add(b_, s.retired);
    b_.emit_abx(Op::Li, t, static_cast<uint32_t>(vm::rv64::ExitReason::Illegal));
    b_.emit(Op::StI64, BlockBuilder::kZero, t, state::kExit);
    b_.load_const(t, s.pc, scratch);
    b_.emit(Op::StI64, BlockBuilder::kZero, t, state::kPc);
    b_.load_const(t, s.raw, scratch);
    b_.emit(Op::StI64, BlockBuilder::kZero, t, state::kExitArg);
    b_.branch1(Op::Jmp, 0, tail);
  }
  b_.bind(tail);
  b_.emit(Op::LdI64, t, BlockBuilder::kZero, state::kPc);
  b_.emit(Op::OrI, t, t, 1);
  b_.emit_return(t);
  stubs_.clear();
}

}  // namespace strata::jit::rv64

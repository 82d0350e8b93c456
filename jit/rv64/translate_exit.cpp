// Block exits (translate_int.hpp, guest_layout.hpp's exit convention).
//
// state::kInstret is kept exact at unit exits: the unit keeps it in a register (block_builder.hpp),
// adds each block's retired instructions as control leaves the block, and the writeback of every
// `ret` stores it. A unit cut short by an SVI trap (a guest memory fault, which ends the guest)
// leaves the state page's value as it was at the unit's entry.
#include "jit/rv64/translate_int.hpp"

namespace strata::jit::rv64 {

using isa::Op;
namespace state = vm::rv64::state;

void emit_instret_add(BlockBuilder& b, unsigned n) {
  if (n == 0) return;
  const uint16_t r = b.instret_def();
  b.emit(Op::AddI, r, r, static_cast<uint16_t>(n));
}

void emit_exit_to(BlockBuilder& b, uint64_t next_pc, unsigned retired) {
  emit_instret_add(b, retired);
  const uint16_t t = b.tmp();
  b.load_const(t, next_pc);
  b.emit_return(t);
  b.note_const_exit(next_pc);
}

namespace {

// The special-exit sequence; `store_arg` stores kExitArg.
template <typename StoreArg>
void emit_exit_sequence(BlockBuilder& b, uint64_t reason, uint64_t pc, unsigned retired,
                        StoreArg store_arg) {
  emit_instret_add(b, retired);
  const uint16_t t = b.tmp(), at = b.tmp();
  b.emit_abx(Op::Li, t, static_cast<uint32_t>(reason));
  b.emit(Op::StI64, BlockBuilder::kZero, t, state::kExit);
  b.load_const(at, pc);
  b.emit(Op::StI64, BlockBuilder::kZero, at, state::kPc);
  store_arg();
  b.emit(Op::OrI, at, at, 1);
  b.emit_return(at);
}

void store_const_arg(BlockBuilder& b, uint64_t arg) {
  if (arg == 0) {
    b.emit(Op::StI64, BlockBuilder::kZero, BlockBuilder::kZero, state::kExitArg);
  } else {
    const uint16_t a = b.tmp();
    b.load_const(a, arg);
    b.emit(Op::StI64, BlockBuilder::kZero, a, state::kExitArg);
  }
}

}  // namespace

void emit_special_exit(BlockBuilder& b, vm::rv64::ExitReason reason, uint64_t pc, uint64_t arg,
                       unsigned retired) {
  emit_exit_sequence(b, static_cast<uint64_t>(reason), pc, retired,
                     [&] { store_const_arg(b, arg); });
}

void emit_special_exit(BlockBuilder& b, vm::rv64sys::SysExit reason, uint64_t pc, uint64_t arg,
                       unsigned retired) {
  emit_exit_sequence(b, static_cast<uint64_t>(reason), pc, retired,
                     [&] { store_const_arg(b, arg); });
}

void emit_special_exit_reg(BlockBuilder& b, vm::rv64sys::SysExit reason, uint64_t pc,
                           uint16_t arg_reg, unsigned retired) {
  emit_exit_sequence(b, static_cast<uint64_t>(reason), pc, retired,
                     [&] { b.emit(Op::StI64, BlockBuilder::kZero, arg_reg, state::kExitArg); });
}

}  // namespace strata::jit::rv64

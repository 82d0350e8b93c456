// Zicsr for a user-mode guest → SVI (translate_int.hpp).
//
// The CSRs Linux user code may touch:
//   fflags (0x001), frm (0x002), fcsr (0x003)  read/write; all three are views of the one fcsr
//       word in the state page (fflags = bits 0..4, frm = bits 5..7); writes keep only those
//       bits, as the spec's WARL fields require.
//   cycle (0xC00), instret (0xC02)  read-only: the guest instructions retired before this one,
//       the unit's instret register (counted up to this block's start) plus the instructions of
//       this block already executed. cycle counts the same thing: a guest "cycle" is one
//       instruction, deterministic and monotonic.
//   time (0xC01)  read-only: CLOCK_MONOTONIC in 100 ns ticks (a 10 MHz timebase, as on many
//       RISC-V boards), through the ReadTime helper.
// Any other CSR, and any write to a read-only one, is an illegal instruction.
//
// Write rules: csrrw/csrrwi always write; csrrs/csrrc write only when rs1 is not x0,
// csrrsi/csrrci only when zimm != 0 (so `csrr` of a read-only CSR is legal).
#include "jit/rv64/translate_int.hpp"

namespace strata::jit::rv64 {

using isa::Op;
using isa::rv64::DecodedInsn;
using isa::rv64::Opcode;
namespace state = vm::rv64::state;

namespace {

constexpr uint16_t kFflags = 0x001, kFrm = 0x002, kFcsr = 0x003;
constexpr uint16_t kCycle = 0xC00, kTime = 0xC01, kInstret = 0xC02;

enum class Kind { Set, Clear, Write };

Kind kind_of(Opcode op) {
  switch (op) {
    case Opcode::Csrrw:
    case Opcode::Csrrwi: return Kind::Write;
    case Opcode::Csrrs:
    case Opcode::Csrrsi: return Kind::Set;
    default: return Kind::Clear;
  }
}

bool is_immediate(Opcode op) {
  return op == Opcode::Csrrwi || op == Opcode::Csrrsi || op == Opcode::Csrrci;
}

bool writes(const DecodedInsn& in) {
  if (kind_of(in.op) == Kind::Write) return true;
  return is_immediate(in.op) ? in.imm != 0 : in.rs1 != 0;
}

// old = the CSR's current value.
void read_csr(BlockBuilder& b, uint16_t csr, uint16_t old) {
  switch (csr) {
    case kFflags:
      b.emit(Op::LdI64, old, BlockBuilder::kZero, state::kFcsr);
      b.emit(Op::AndI, old, old, 0x1f);
      break;
    case kFrm:
      b.emit(Op::LdI64, old, BlockBuilder::kZero, state::kFcsr);
      b.emit(Op::ShrI, old, old, 5);
      b.emit(Op::AndI, old, old, 7);
      break;
    case kFcsr:
      b.emit(Op::LdI64, old, BlockBuilder::kZero, state::kFcsr);
      b.emit(Op::AndI, old, old, 0xff);
      break;
    case kTime: b.call_helper(Helper::ReadTime, old, {}); break;
    default:  // cycle, instret
      b.emit(Op::AddI, old, b.instret_reg(), static_cast<uint16_t>(insns_before_current(b)));
      break;
  }
}

// Stores `v` (already combined with the old value) into the fcsr field `csr` names.
void write_fcsr_field(BlockBuilder& b, uint16_t csr, uint16_t v) {
  const uint16_t word = b.tmp();
  switch (csr) {
    case kFflags:
      b.emit(Op::AndI, v, v, 0x1f);
      b.emit(Op::LdI64, word, BlockBuilder::kZero, state::kFcsr);
      b.emit(Op::AndI, word, word, 0xe0);
      b.emit(Op::Or, word, word, v);
      break;
    case kFrm:
      b.emit(Op::AndI, v, v, 7);
      b.emit(Op::ShlI, v, v, 5);
      b.emit(Op::LdI64, word, BlockBuilder::kZero, state::kFcsr);
      b.emit(Op::AndI, word, word, 0x1f);
      b.emit(Op::Or, word, word, v);
      break;
    default: b.emit(Op::AndI, word, v, 0xff); break;
  }
  b.emit(Op::StI64, BlockBuilder::kZero, word, state::kFcsr);
  b.forget_block_value(BlockBuilder::BlockValue::FloatFastRne);
  b.forget_block_value(BlockBuilder::BlockValue::FloatFastDyn);
  b.forget_block_value(BlockBuilder::BlockValue::FrmInvalid);
}

}  // namespace

bool translate_csr(BlockBuilder& b, const DecodedInsn& in) {
  const bool read_only = in.csr == kCycle || in.csr == kTime || in.csr == kInstret;
  if (!read_only && in.csr != kFflags && in.csr != kFrm && in.csr != kFcsr) return false;
  const bool write = writes(in);
  if (read_only && write) return false;

  // The source operand, taken before rd is written (rd may be rs1).
  uint16_t src = 0;
  if (write) {
    src = b.tmp();
    if (is_immediate(in.op)) {
      b.emit_abx(Op::Li, src, static_cast<uint32_t>(in.imm));
    } else {
      b.emit(Op::Mov, src, b.xreg(in.rs1));
    }
  }
  // csrrw with rd = x0 does not read the CSR; reading ours has no side effect anyway, but the
  // old value is needed for set/clear.
  const bool need_old = in.rd != 0 || (write && kind_of(in.op) != Kind::Write);
  const uint16_t old = b.tmp();
  if (need_old) read_csr(b, in.csr, old);
  if (write) {
    switch (kind_of(in.op)) {
      case Kind::Write: break;
      case Kind::Set: b.emit(Op::Or, src, old, src); break;
      case Kind::Clear: {
        const uint16_t mask = b.tmp();
        b.emit(Op::Not, mask, src);
        b.emit(Op::And, src, old, mask);
        break;
      }
    }
    write_fcsr_field(b, in.csr, src);
  }
  if (in.rd != 0) b.emit(Op::Mov, b.xdef(in.rd), old);
  return true;
}

}  // namespace strata::jit::rv64

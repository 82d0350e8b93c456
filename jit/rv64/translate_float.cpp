// F and D instructions -> SVI.
//
// Bit moves are inline SVI on the raw 64-bit f registers: loads and stores, fmv, fsgnj (after
// unboxing singles) and the exact int32 -> double conversions. Everything that rounds,
// compares, classifies or raises flags is one `callh` to the helper of the same name
// (helpers_float.def), which computes it with the host FPU and ORs the flags into fcsr.
//
// The rounding mode reaches a helper as a register holding 0..4: the instruction's static mode,
// or for dyn (7) frm read from fcsr at run time, after a check that sends an invalid frm (5..7)
// to an illegal-instruction exit. A reserved static mode (5, 6) is an illegal exit outright.
#include "jit/rv64/translate_float.hpp"

#include <optional>

#include "jit/rv64/float_bits.hpp"
#include "vm/rv64/guest_layout.hpp"

namespace strata::jit::rv64 {

namespace {

using isa::Op;
using isa::rv64::DecodedInsn;
using isa::rv64::Opcode;
using isa::rv64::RegFile;

constexpr uint8_t kRmDyn = 7;
constexpr uint8_t kFirstInvalidRm = 5;

// A temporary holding the single in f register `reg` (low 32 bits; the high half is junk): the
// register itself when it is NaN-boxed, the canonical NaN otherwise.
uint16_t emit_unbox(BlockBuilder& b, uint16_t reg) {
  const uint16_t v = b.tmp();
  const uint16_t high = b.tmp();
  b.emit(Op::Mov, v, reg);
  b.emit(Op::SarI, high, reg, 32);
  b.emit(Op::Not, high, high);  // zero exactly when the high half is all ones
  const BlockBuilder::Label boxed = b.new_label();
  b.branch1(Op::Bz, high, boxed);
  b.load_const(v, kCanonicalNanS);
  b.bind(boxed);
  return v;
}

// A register holding the rounding mode (0..4) for `in`, or nullopt when the instruction is an
// illegal-instruction exit whatever happens at run time (a reserved static mode).
std::optional<uint16_t> emit_rounding_mode(BlockBuilder& b, const DecodedInsn& in, uint64_t pc,
                                           FloatExits* exits) {
  if (in.reserved_rm) {
    emit_illegal_exit(b, pc, in.raw);
    return std::nullopt;
  }
  const uint16_t rm = b.tmp();
  if (in.rm != kRmDyn) {
    b.load_const(rm, in.rm);
    return rm;
  }
  b.emit(Op::LdI64, rm, BlockBuilder::kZero, vm::rv64::state::kFcsr);
  b.emit(Op::ShrI, rm, rm, 5);
  b.emit(Op::AndI, rm, rm, 7);
  const uint16_t limit = b.tmp();
  b.load_const(limit, kFirstInvalidRm);
  const BlockBuilder::Label valid = b.new_label();
  b.branch2(Op::BltU, rm, limit, valid);
  if (exits != nullptr)
    b.branch1(Op::Jmp, 0, exits->illegal(pc, in.raw, b.insns_before_current()));
  else
    emit_illegal_exit(b, pc, in.raw);
  b.bind(valid);
  return rm;
}

void emit_load(BlockBuilder& b, const DecodedInsn& in, bool single) {
  const uint16_t addr = b.guest_addr(b.xreg(in.rs1), in.imm);
  const uint16_t d = b.fdef(in.rd);
  b.emit(single ? Op::LdU32 : Op::LdI64, d, addr, 0);
  if (single) emit_box(b, d);
}

void emit_store(BlockBuilder& b, const DecodedInsn& in, bool single) {
  const uint16_t value = b.freg(in.rs2);
  const uint16_t addr = b.guest_addr(b.xreg(in.rs1), in.imm);
  b.emit(single ? Op::StI32 : Op::StI64, addr, value, 0);
}

enum class Sgnj : uint8_t { Copy, Negate, Xor };

// fmv.d, fneg.d and fabs.d (the sign injections of a double from itself) in one SVI instruction
// each rather than the general five: they are common in compiled code and every word counts in
// the LLVM tier's compile time.
void emit_double_sign_move(BlockBuilder& b, const DecodedInsn& in, Sgnj kind) {
  const uint16_t a = b.freg(in.rs1);
  if (kind == Sgnj::Copy) {
    b.emit(Op::Mov, b.fdef(in.rd), a);
    return;
  }
  const uint16_t f = b.ftmp();
  b.emit(Op::BitsF, f, a);
  b.emit(kind == Sgnj::Negate ? Op::FNeg : Op::FAbs, f, f);
  b.emit(Op::FBits, b.fdef(in.rd), f);
}

// rd = magnitude of rs1 with a sign from rs2: its sign, the opposite, or the xor of both.
void emit_sign_inject(BlockBuilder& b, const DecodedInsn& in, bool single, Sgnj kind) {
  if (!single && in.rs1 == in.rs2) {
    emit_double_sign_move(b, in, kind);
    return;
  }
  const uint16_t a = single ? emit_unbox(b, b.freg(in.rs1)) : b.freg(in.rs1);
  const uint16_t c = single ? emit_unbox(b, b.freg(in.rs2)) : b.freg(in.rs2);
  const uint16_t sign = b.tmp();
  b.load_const(sign, single ? uint64_t{1} << 31 : uint64_t{1} << 63);
  const uint16_t t = b.tmp();
  // rd = a ^ (bits of a's sign to flip), kept within the sign bit by the mask.
  switch (kind) {
    case Sgnj::Copy: b.emit(Op::Xor, t, a, c); break;
    case Sgnj::Negate:
      b.emit(Op::Xor, t, a, c);
      b.emit(Op::Not, t, t);
      break;
    case Sgnj::Xor: b.emit(Op::Mov, t, c); break;
  }
  b.emit(Op::And, t, t, sign);
  const uint16_t d = b.fdef(in.rd);
  b.emit(Op::Xor, d, a, t);
  if (single) emit_box(b, d);
}

// fcvt.d.w / fcvt.d.wu: every 32-bit integer is a double, so SVI's i2f (exact here) does it.
void emit_int32_to_double(BlockBuilder& b, const DecodedInsn& in, bool is_unsigned) {
  const uint16_t t = b.tmp();
  b.emit(is_unsigned ? Op::Zext32 : Op::Sext32, t, b.xreg(in.rs1));
  const uint16_t f = b.ftmp();
  b.emit(Op::I2F, f, t);
  b.emit(Op::FBits, b.fdef(in.rd), f);
}

std::optional<Helper> helper_for(Opcode op) {
  switch (op) {
#define STRATA_RV_HELPER(name, sig) \
  case Opcode::name:                \
    return Helper::name;
#include "jit/rv64/helpers_float.def"
#undef STRATA_RV_HELPER
    default: return std::nullopt;
  }
}

}  // namespace

// Without a constant: ~zext32(~r).
void emit_box(BlockBuilder& b, uint16_t r) {
  b.emit(isa::Op::Not, r, r);
  b.emit(isa::Op::Zext32, r, r);
  b.emit(isa::Op::Not, r, r);
}

// One callh to the instruction's helper: operands in instruction order, then rm if it has one.
bool emit_helper_call(BlockBuilder& b, const DecodedInsn& in, uint64_t pc, FloatExits* exits) {
  const std::optional<Helper> h = helper_for(in.op);
  if (!h) return false;
  const isa::rv64::OpInfo& info = isa::rv64::op_info(in.op);
  uint16_t rm = 0;
  if (info.flags & isa::rv64::kRm) {
    const std::optional<uint16_t> r = emit_rounding_mode(b, in, pc, exits);
    if (!r) return true;
    rm = *r;
  }
  const uint16_t s1 = info.rs1 == RegFile::X ? b.xreg(in.rs1) : b.freg(in.rs1);
  const uint16_t dst = info.rd == RegFile::X ? b.xdef(in.rd) : b.fdef(in.rd);
  switch (info.format) {
    case isa::rv64::Format::F2: b.call_helper(*h, dst, {s1}); break;
    case isa::rv64::Format::F2m: b.call_helper(*h, dst, {s1, rm}); break;
    case isa::rv64::Format::F3: b.call_helper(*h, dst, {s1, b.freg(in.rs2)}); break;
    case isa::rv64::Format::F3m: b.call_helper(*h, dst, {s1, b.freg(in.rs2), rm}); break;
    case isa::rv64::Format::F4m:
      b.call_helper(*h, dst, {s1, b.freg(in.rs2), b.freg(in.rs3), rm});
      break;
    default: return false;
  }
  return true;
}

bool translate_float(BlockBuilder& b, const DecodedInsn& in, uint64_t pc, FloatExits* exits) {
  switch (in.op) {
    case Opcode::Flw: emit_load(b, in, true); return true;
    case Opcode::Fld: emit_load(b, in, false); return true;
    case Opcode::Fsw: emit_store(b, in, true); return true;
    case Opcode::Fsd: emit_store(b, in, false); return true;
    // Transfers out of or into an f register move bits: no unboxing (spec, "NaN Boxing").
    case Opcode::FmvXW: b.emit(Op::Sext32, b.xdef(in.rd), b.freg(in.rs1)); return true;
    case Opcode::FmvXD: b.emit(Op::Mov, b.xdef(in.rd), b.freg(in.rs1)); return true;
    case Opcode::FmvDX: b.emit(Op::Mov, b.fdef(in.rd), b.xreg(in.rs1)); return true;
    case Opcode::FmvWX: {
      const uint16_t d = b.fdef(in.rd);
      b.emit(Op::Mov, d, b.xreg(in.rs1));
      emit_box(b, d);
      return true;
    }
    case Opcode::FsgnjS: emit_sign_inject(b, in, true, Sgnj::Copy); return true;
    case Opcode::FsgnjnS: emit_sign_inject(b, in, true, Sgnj::Negate); return true;
    case Opcode::FsgnjxS: emit_sign_inject(b, in, true, Sgnj::Xor); return true;
    case Opcode::FsgnjD: emit_sign_inject(b, in, false, Sgnj::Copy); return true;
    case Opcode::FsgnjnD: emit_sign_inject(b, in, false, Sgnj::Negate); return true;
    case Opcode::FsgnjxD: emit_sign_inject(b, in, false, Sgnj::Xor); return true;
    case Opcode::FcvtDW:
    case Opcode::FcvtDWu:
      // Exact, but the rm field still decides legality (spec: "treat the rm field as usual").
      if (!emit_rounding_mode(b, in, pc, exits)) return true;
      emit_int32_to_double(b, in, in.op == Opcode::FcvtDWu);
      return true;
    default: return emit_float_inline(b, in, pc, exits) || emit_helper_call(b, in, pc, exits);
  }
}

}  // namespace strata::jit::rv64

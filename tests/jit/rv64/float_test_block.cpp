// Float instructions inside whole translated blocks (translate_block): the CSR instructions
// that set frm and read fflags see what the float code and its helpers do to fcsr.
#include "tests/jit/rv64/float_test_rig.hpp"

namespace strata::jit::rv64::ftest {
namespace {

constexpr uint32_t kFflags = 0x001, kFrm = 0x002;

uint32_t csr(uint32_t f3, unsigned rd, uint32_t c, unsigned rs1_or_zimm) {
  return (c << 20) | (rs1_or_zimm << 15) | (f3 << 12) | (rd << 7) | 0x73;
}
uint32_t csrrwi(unsigned rd, uint32_t c, unsigned zimm) {
  return csr(5, rd, c, zimm);
}
uint32_t csrrs(unsigned rd, uint32_t c, unsigned rs1) {
  return csr(2, rd, c, rs1);
}
constexpr uint32_t kJalSelf = 0x0000006f;  // jal x0, 0: ends the block, returns its own pc

TEST(RvFloatBlock, FrmWrittenByCsrDrivesDynamicRoundingAndFlagsAreReadBack) {
  Rig r;
  r.set_f(1, bs(1.0f));
  r.set_f(2, bs(0x1p-24f));  // 1 + 2^-24: a tie
  r.set_f(6, bd(0.0));
  const uint64_t end = r.run_translated({
      csrrwi(0, kFrm, RMM),
      fp::fadd(S, 4, 1, 2, DYN),  // RMM: away from zero
      fp::fdiv(D, 5, 6, 6),       // 0/0: NV
      csrrs(10, kFflags, 0),
      fp::fmv_x_w(11, 4),
      kJalSelf,
  });
  EXPECT_EQ(end, kPc + 20);
  EXPECT_EQ(r.f(4), box(0x3f800001u));
  EXPECT_EQ(r.f(5), kQnanD);
  EXPECT_EQ(r.x(10), NX | NV);
  EXPECT_EQ(r.x(11), 0x3f800001u);
  EXPECT_EQ(r.state(state::kFcsr), (RMM << 5) | NX | NV);
}

// A block tests fcsr once for all its inline D operations (translate_float_inline.cpp); an fflags
// write between them makes the next one test it again.
TEST(RvFloatBlock, ClearingFflagsMidBlockMakesTheNextOperationRaiseNxAgain) {
  Rig r;
  r.set_f(1, bd(1.0));
  r.set_f(2, bd(0x1p-60));  // 1 + 2^-60: inexact
  r.set_fcsr(NX);           // the fast path's condition, at the first one
  r.run_translated({
      fp::fadd(D, 4, 1, 2, DYN),
      csrrwi(0, kFflags, 0),
      fp::fadd(D, 5, 1, 2, DYN),
      csrrs(10, kFflags, 0),
      kJalSelf,
  });
  EXPECT_EQ(r.f(5), bd(1.0));
  EXPECT_EQ(r.x(10), NX);
}

// The same for frm: the operation after the write rounds the new way.
TEST(RvFloatBlock, FrmWrittenMidBlockRoundsTheNextDynamicOperation) {
  Rig r;
  r.set_f(1, bd(1.0));
  r.set_f(2, bd(0x1.8p-53));  // 1 + 1.5 ulp/2: RNE rounds up, RTZ down
  r.set_fcsr(NX);
  r.run_translated({
      fp::fadd(D, 4, 1, 2, DYN),
      csrrwi(0, kFrm, RTZ),
      fp::fadd(D, 5, 1, 2, DYN),
      kJalSelf,
  });
  EXPECT_EQ(r.f(4), bd(1.0 + 0x1p-52));
  EXPECT_EQ(r.f(5), bd(1.0));
  EXPECT_EQ(r.state(state::kFcsr), (RTZ << 5) | NX);
}

// Under LLVM a slow path's helper is a cold call through a thunk that keeps every register
// (jit/opt/translate.cpp cold_thunk): the doubles computed before it, held in registers the C
// convention would clobber, must come out of it intact.
TEST(RvFloatBlock, ValuesLiveAcrossASlowPathSurviveIt) {
  Rig r;
  for (unsigned i = 1; i <= 8; ++i) r.set_f(i, bd(1.0 + i / 8.0));
  r.set_f(5, bd(0.0));  // f5 * f6 = 0: the mul's slow path
  r.set_fcsr(NX);
  r.run_translated({
      fp::fadd(D, 10, 1, 2, DYN),
      fp::fmul(D, 11, 3, 4, DYN),
      fp::fsub(D, 12, 7, 8, DYN),
      fp::fmul(D, 13, 5, 6, DYN),  // slow
      fp::fadd(D, 14, 10, 11, DYN),
      fp::fadd(D, 15, 14, 12, DYN),
      fp::fadd(D, 16, 15, 13, DYN),
      kJalSelf,
  });
  const double f10 = 1.125 + 1.25, f11 = 1.375 * 1.5, f12 = 1.875 - 2.0;
  EXPECT_EQ(r.f(13), bd(0.0));
  EXPECT_EQ(r.f(16), bd(f10 + f11 + f12));
  EXPECT_EQ(r.state(state::kFcsr), NX);
}

// BlockBuilder::unit_fconst: the prologue makes each constant once; every path of the unit reads
// its bit pattern (one with a low half, one without).
TEST(RvFloatBlock, UnitFloatConstantsHoldTheirBitsOnEveryPath) {
  Rig r;
  r.set_x(5, 1);
  BlockBuilder b;
  b.begin_insn(kPc);
  const uint16_t max = b.unit_fconst(0x7fefffffffffffffull);
  const uint16_t least = b.unit_fconst(0x0020000000000000ull);
  EXPECT_EQ(b.unit_fconst(0x7fefffffffffffffull), max);
  EXPECT_NE(least, max);
  const BlockBuilder::Label other = b.new_label(), done = b.new_label();
  b.branch1(isa::Op::Bnz, b.xreg(5), other);
  b.emit(isa::Op::FBits, b.fdef(4), least);
  b.branch1(isa::Op::Jmp, 0, done);
  b.bind(other);
  b.emit(isa::Op::FBits, b.fdef(4), max);
  b.emit(isa::Op::FBits, b.fdef(6), least);
  b.bind(done);
  const uint16_t next = b.tmp();
  b.load_const(next, kPc + 4);
  b.emit_return(next);
  EXPECT_EQ(r.run_function(b.finish("fconsts"), /*with_llvm=*/true), kPc + 4);
  EXPECT_EQ(r.f(4), 0x7fefffffffffffffull);
  EXPECT_EQ(r.f(6), 0x0020000000000000ull);
}

TEST(RvFloatBlock, InvalidFrmMakesTheDynamicInstructionIllegal) {
  Rig r;
  r.set_f(1, bd(1.0));
  const uint32_t insn = fp::fsqrt(D, 4, 1, DYN);
  const uint64_t end = r.run_translated({csrrwi(0, kFrm, 5), insn, kJalSelf});
  EXPECT_EQ(end, (kPc + 4) | 1);
  EXPECT_EQ(r.state(state::kExit), static_cast<uint64_t>(vm::rv64::ExitReason::Illegal));
  EXPECT_EQ(r.state(state::kPc), kPc + 4);
  EXPECT_EQ(r.state(state::kExitArg), insn);
  EXPECT_EQ(r.f(4), 0u);
}

// Every F/D opcode the translator hands to translate_float (kFloat, not a CSR) is translated,
// and the block verifies: no opcode falls through to "illegal" by omission.
TEST(RvFloatBlock, EveryFloatOpcodeIsTranslated) {
  using isa::rv64::Opcode;
  int checked = 0;
  for (int i = 0; i < isa::rv64::kOpcodeCount; ++i) {
    const auto op = static_cast<Opcode>(i);
    const isa::rv64::OpInfo& info = isa::rv64::op_info(op);
    if (!(info.flags & isa::rv64::kFloat) || (info.flags & isa::rv64::kCsr)) continue;
    isa::rv64::DecodedInsn in;
    in.op = op;
    in.rd = 1;
    in.rs1 = 2;
    in.rs2 = 3;
    in.rs3 = 4;
    in.rm = DYN;
    BlockBuilder b;
    b.begin_insn(kPc);
    EXPECT_TRUE(translate_float(b, in, kPc)) << info.mnemonic;
    const uint16_t next = b.tmp();
    b.load_const(next, kPc + 4);
    b.emit_return(next);
    isa::Module m = make_guest_module(kGuestBytes);
    m.funcs.push_back(b.finish(info.mnemonic));
    auto ok = isa::verify_code(m, static_cast<uint32_t>(m.funcs.size() - 1));
    EXPECT_TRUE(ok.has_value()) << info.mnemonic << ": " << (ok ? "" : ok.error().message);
    ++checked;
  }
  EXPECT_EQ(checked, 62);  // the 30 F and 32 D rows of isa/rv64/opcodes.def
}

}  // namespace
}  // namespace strata::jit::rv64::ftest

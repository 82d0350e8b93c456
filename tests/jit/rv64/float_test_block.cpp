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

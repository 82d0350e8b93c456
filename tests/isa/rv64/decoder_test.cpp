// Decoder unit tests, one group per instruction class, on hand-encoded words (checked against
// the RISC-V spec's field layouts; the exhaustive comparison is in objdump_diff_test.cpp).
#include <gtest/gtest.h>

#include "isa/rv64/decoder.hpp"

namespace strata::isa::rv64 {
namespace {

struct Want {
  Opcode op;
  int rd = 0, rs1 = 0, rs2 = 0;
  int64_t imm = 0;
};

void expect(uint32_t raw, const Want& w) {
  SCOPED_TRACE(::testing::Message() << "raw 0x" << std::hex << raw);
  const DecodedInsn d = decode(raw);
  EXPECT_EQ(d.op, w.op) << op_info(d.op).mnemonic << " instead of " << op_info(w.op).mnemonic;
  EXPECT_EQ(d.rd, w.rd);
  EXPECT_EQ(d.rs1, w.rs1);
  EXPECT_EQ(d.rs2, w.rs2);
  EXPECT_EQ(d.imm, w.imm);
  EXPECT_EQ(d.length, 4);
  EXPECT_EQ(d.raw, raw);
}

void expect_illegal(uint32_t raw) {
  const DecodedInsn d = decode(raw);
  EXPECT_EQ(d.op, Opcode::Illegal) << std::hex << raw << " decoded as " << op_info(d.op).mnemonic;
  EXPECT_EQ(d.raw, raw);
}

TEST(Rv64Decoder, InsnLength) {
  EXPECT_EQ(insn_length(0x0000), 2);
  EXPECT_EQ(insn_length(0x8082), 2);
  EXPECT_EQ(insn_length(0x0513), 4);
  EXPECT_EQ(insn_length(0xffff), 4);  // 48-bit-and-longer prefixes are not ours; 4 then Illegal
}

TEST(Rv64Decoder, RegisterRegister) {
  expect(0x00c58533, {Opcode::Add, 10, 11, 12});  // add a0,a1,a2
  expect(0x40c58533, {Opcode::Sub, 10, 11, 12});
  expect(0x41f05fb3, {Opcode::Sra, 31, 0, 31});  // sra t6,zero,t6
  expect(0x00c5b533, {Opcode::Sltu, 10, 11, 12});
  expect(0x02c5c533, {Opcode::Div, 10, 11, 12});
  expect(0x02c5b533, {Opcode::Mulhu, 10, 11, 12});
  expect(0x02c5f53b, {Opcode::Remuw, 10, 11, 12});
  expect(0x40c5853b, {Opcode::Subw, 10, 11, 12});
  expect(0x00b00033, {Opcode::Add, 0, 0, 11});  // x0 target is still an add
  expect_illegal(0x00c5c53b | (0x20 << 25));    // OP-32 funct7 0x20 with funct3 4
  expect_illegal(0x02c5953b);                   // OP-32 M funct3 1 (no mulhw)
  expect_illegal(0x10c58533);                   // funct7 0x08
}

TEST(Rv64Decoder, Immediates) {
  expect(0xfff58513, {Opcode::Addi, 10, 11, 0, -1});
  expect(0x80058513, {Opcode::Addi, 10, 11, 0, -2048});
  expect(0x7ff58513, {Opcode::Addi, 10, 11, 0, 2047});
  expect(0x00000013, {Opcode::Addi, 0, 0, 0, 0});  // nop
  expect(0xfff5c513, {Opcode::Xori, 10, 11, 0, -1});
  expect(0x8005851b, {Opcode::Addiw, 10, 11, 0, -2048});
  expect(0x80000537, {Opcode::Lui, 10, 0, 0, -0x80000000LL});  // sign-extended to 64 bits
  expect(0x7ffff537, {Opcode::Lui, 10, 0, 0, 0x7ffff000});
  expect(0xfffff517, {Opcode::Auipc, 10, 0, 0, -4096});
}

TEST(Rv64Decoder, Shifts) {
  expect(0x03f51513, {Opcode::Slli, 10, 10, 0, 63});  // RV64: 6-bit shamt
  expect(0x03f55513, {Opcode::Srli, 10, 10, 0, 63});
  expect(0x43f55513, {Opcode::Srai, 10, 10, 0, 63});
  expect(0x01f5151b, {Opcode::Slliw, 10, 10, 0, 31});
  expect(0x41f5551b, {Opcode::Sraiw, 10, 10, 0, 31});
  expect_illegal(0x04051513);  // slli with imm[11:6] = 000001
  expect_illegal(0x83f55513);  // srli/srai with imm[11:6] = 100000
  expect_illegal(0x0205151b);  // slliw with shamt[5] = 1 is reserved
  expect_illegal(0x4205551b);  // sraiw with shamt[5] = 1
}

TEST(Rv64Decoder, LoadsAndStores) {
  expect(0xff813503, {Opcode::Ld, 10, 2, 0, -8});  // ld a0,-8(sp)
  expect(0x0045e503, {Opcode::Lwu, 10, 11, 0, 4});
  expect(0x80004083, {Opcode::Lbu, 1, 0, 0, -2048});
  expect(0xfe113c23, {Opcode::Sd, 0, 2, 1, -8});     // sd ra,-8(sp)
  expect(0x7e058fa3, {Opcode::Sb, 0, 11, 0, 2047});  // sb zero,2047(a1)
  expect(0x80a5a023, {Opcode::Sw, 0, 11, 10, -2048});
  expect_illegal(0x0005f503);  // load funct3 7
  expect_illegal(0x00a5c023);  // store funct3 4
}

TEST(Rv64Decoder, BranchesAndJumps) {
  expect(0x80b50063, {Opcode::Beq, 0, 10, 11, -4096});  // most negative B offset
  expect(0x7eb51fe3, {Opcode::Bne, 0, 10, 11, 4094});   // most positive
  expect(0xfe0a4ee3, {Opcode::Blt, 0, 20, 0, -4});
  expect(0x0005f463, {Opcode::Bgeu, 0, 11, 0, 8});
  expect_illegal(0x00b52063);  // branch funct3 2
  expect(0x800000ef, {Opcode::Jal, 1, 0, 0, -(1 << 20)});
  expect(0x7ffff06f, {Opcode::Jal, 0, 0, 0, (1 << 20) - 2});
  expect(0x00008067, {Opcode::Jalr, 0, 1, 0, 0});  // ret
  expect(0xffc500e7, {Opcode::Jalr, 1, 10, 0, -4});
  expect_illegal(0x00009067);  // jalr funct3 1
}

TEST(Rv64Decoder, Csr) {
  const DecodedInsn d = decode(0x30059573);  // csrrw a0,mstatus,a1
  EXPECT_EQ(d.op, Opcode::Csrrw);
  EXPECT_EQ(d.csr, 0x300);
  EXPECT_EQ(d.rd, 10);
  EXPECT_EQ(d.rs1, 11);
  const DecodedInsn i = decode(0x001fd573);  // csrrwi a0,fflags,31
  EXPECT_EQ(i.op, Opcode::Csrrwi);
  EXPECT_EQ(i.csr, 1);
  EXPECT_EQ(i.imm, 31);
  EXPECT_EQ(i.rs1, 0);  // the zimm lives in imm, not in rs1
  EXPECT_EQ(decode(0xfff02573).csr, 0xfff);
  EXPECT_EQ(decode(0xc0202573).op, Opcode::Csrrs);  // rdinstret a0
  expect_illegal(0x00004073);                       // SYSTEM funct3 4
}

TEST(Rv64Decoder, SystemAndFence) {
  expect(0x00000073, {Opcode::Ecall});
  expect(0x00100073, {Opcode::Ebreak});
  expect(0x30200073, {Opcode::Mret});
  expect(0x10200073, {Opcode::Sret});
  expect(0x10500073, {Opcode::Wfi});
  expect(0x12b50073, {Opcode::SfenceVma, 0, 10, 11});
  expect_illegal(0x00200073);  // uret: the N extension was withdrawn
  expect_illegal(0x00000173);  // ecall with rd != 0
  expect(0x0ff0000f, {Opcode::Fence, 0, 0, 0, 0x0ff});
  expect(0x8330000f, {Opcode::Fence, 0, 0, 0, 0x833});  // fence.tso: fm = 1000
  expect(0x0000100f, {Opcode::FenceI});
  // Reserved rd/rs1 of FENCE and FENCE.I must be ignored, not trapped on.
  expect(0x0ff5050f, {Opcode::Fence, 0, 0, 0, 0x0ff});
  expect(0x0015108f, {Opcode::FenceI});
  expect_illegal(0x0000200f);  // MISC-MEM funct3 2
}

TEST(Rv64Decoder, Atomics) {
  const DecodedInsn d = decode(0x0eb6352f);  // amoswap.d.aqrl a0,a1,(a2)
  EXPECT_EQ(d.op, Opcode::AmoswapD);
  EXPECT_EQ(d.rd, 10);
  EXPECT_EQ(d.rs1, 12);
  EXPECT_EQ(d.rs2, 11);
  EXPECT_TRUE(d.aq);
  EXPECT_TRUE(d.rl);
  const DecodedInsn lr = decode(0x1405a52f);  // lr.w.aq a0,(a1)
  EXPECT_EQ(lr.op, Opcode::LrW);
  EXPECT_TRUE(lr.aq);
  EXPECT_FALSE(lr.rl);
  expect(0x1ac5b52f, {Opcode::ScD, 10, 11, 12});  // sc.d.rl a0,a2,(a1) (rl set)
  expect(0xe0b6252f, {Opcode::AmomaxuW, 10, 12, 11});
  expect_illegal(0x1015a52f);  // lr.w with rs2 != 0
  expect_illegal(0x00b6452f);  // AMO funct3 4
  expect_illegal(0x28b6252f);  // AMO funct5 00101
}

TEST(Rv64Decoder, FloatingPoint) {
  const DecodedInsn fma = decode(0x6ac59543);  // fmadd.d fa0,fa1,fa2,fa3,rtz
  EXPECT_EQ(fma.op, Opcode::FmaddD);
  EXPECT_EQ(fma.rd, 10);
  EXPECT_EQ(fma.rs1, 11);
  EXPECT_EQ(fma.rs2, 12);
  EXPECT_EQ(fma.rs3, 13);
  EXPECT_EQ(fma.rm, 1);
  EXPECT_FALSE(fma.reserved_rm);
  expect_illegal(0x6cc59543);  // fmt 10 (half precision) is not in RV64GC
  expect(0x00c5f553, {Opcode::FaddS, 10, 11, 12});
  expect(0x5a05f553, {Opcode::FsqrtD, 10, 11, 0});
  expect_illegal(0x5a15f553);  // fsqrt with rs2 != 0
  expect(0xc2251553, {Opcode::FcvtLD, 10, 10, 0});
  expect(0xd2357553, {Opcode::FcvtDLu, 10, 10, 0});
  expect(0x40150553, {Opcode::FcvtSD, 10, 10, 0});
  expect(0x42050553, {Opcode::FcvtDS, 10, 10, 0});
  expect_illegal(0x42150553);  // fcvt.d.d does not exist
  expect(0xe2050553, {Opcode::FmvXD, 10, 10, 0});
  expect(0xe2051553, {Opcode::FclassD, 10, 10, 0});
  expect(0xf2058553, {Opcode::FmvDX, 10, 11, 0});
  expect(0xa2b52553, {Opcode::FeqD, 10, 10, 11});
  expect(0x22b51553, {Opcode::FsgnjnD, 10, 10, 11});
  expect(0x28b51553, {Opcode::FmaxS, 10, 10, 11});
  expect_illegal(0x28b52553);  // fmin/fmax funct3 2
  expect(0x00a53507, {Opcode::Fld, 10, 10, 0, 10});
  expect(0xfea53c27, {Opcode::Fsd, 0, 10, 10, -8});
  expect_illegal(0x00a54507);  // LOAD-FP funct3 4 (vector/quad)
}

TEST(Rv64Decoder, RoundingModes) {
  for (uint32_t rm = 0; rm < 8; ++rm) {
    const DecodedInsn d = decode(0x02b50553 | rm << 12);  // fadd.d fa0,fa0,fa1,<rm>
    EXPECT_EQ(d.op, Opcode::FaddD);
    EXPECT_EQ(d.rm, rm);
    EXPECT_EQ(d.reserved_rm, rm == 5 || rm == 6) << rm;  // decodable, flagged for a trap
  }
  // Opcodes without an rm field never report one.
  const DecodedInsn d = decode(0xa2b52553);  // feq.d: funct3 2 is part of the opcode
  EXPECT_EQ(d.rm, 0);
  EXPECT_FALSE(d.reserved_rm);
}

TEST(Rv64Decoder, UnusedFieldsReadZero) {
  const DecodedInsn d = decode(0xfffff537);  // lui: rs1/rs2 bits are immediate bits
  EXPECT_EQ(d.rs1, 0);
  EXPECT_EQ(d.rs2, 0);
  EXPECT_EQ(decode(0x7ffff06f).rs1, 0);
  EXPECT_EQ(decode(0x30200073).csr, 0);  // mret's funct12 is not a CSR number
}

TEST(Rv64Decoder, UnknownMajorOpcodes) {
  for (uint32_t major : {0x0bu, 0x2bu, 0x57u, 0x5bu, 0x6bu, 0x77u, 0x7bu, 0x1fu, 0x3fu, 0x7fu})
    expect_illegal(0x00000000 | major);
  expect_illegal(0xffffffff);
}

TEST(Rv64Decoder, OpInfoTable) {
  EXPECT_STREQ(op_info(Opcode::AmoaddW).mnemonic, "amoadd.w");
  EXPECT_TRUE(op_info(Opcode::Beq).flags & kBranch);
  EXPECT_TRUE(op_info(Opcode::Jalr).flags & kJump);
  EXPECT_TRUE(op_info(Opcode::FcvtDW).flags & kExact);
  EXPECT_EQ(op_info(Opcode::FeqD).rd, RegFile::X);
  EXPECT_EQ(op_info(Opcode::FeqD).rs1, RegFile::F);
  EXPECT_EQ(op_info(Opcode::FmaddS).format, Format::F4m);
}

}  // namespace
}  // namespace strata::isa::rv64

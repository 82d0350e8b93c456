// Compressed (RVC) expansion tests. The words come from `riscv64-linux-gnu-as -march=rv64gc`
// for extreme immediates, so every scrambled immediate bit is exercised at least once; the
// exhaustive comparison of all 49152 parcels with objdump is in objdump_diff_test.cpp.
#include <gtest/gtest.h>

#include "isa/rv64/decoder.hpp"

namespace strata::isa::rv64 {
namespace {

struct Case {
  uint16_t raw;
  Opcode op;
  int rd, rs1, rs2;
  int64_t imm;
  const char* source;  // what the assembler was given
};

constexpr Case kCases[] = {
    // Quadrant 0: CIW, CL, CS.
    {0x1fe8, Opcode::Addi, 10, 2, 0, 1020, "c.addi4spn a0,sp,1020"},
    {0x0040, Opcode::Addi, 8, 2, 0, 4, "c.addi4spn s0,sp,4"},
    {0x3ffc, Opcode::Fld, 15, 15, 0, 248, "c.fld fa5,248(a5)"},
    {0x5de8, Opcode::Lw, 10, 11, 0, 124, "c.lw a0,124(a1)"},
    {0x4024, Opcode::Lw, 9, 8, 0, 64, "c.lw s1,64(s0)"},
    {0x7de8, Opcode::Ld, 10, 11, 0, 248, "c.ld a0,248(a1)"},
    {0xa600, Opcode::Fsd, 0, 12, 8, 8, "c.fsd fs0,8(a2)"},
    {0xdcfc, Opcode::Sw, 0, 9, 15, 124, "c.sw a5,124(s1)"},
    {0xe6d8, Opcode::Sd, 0, 13, 14, 136, "c.sd a4,136(a3)"},
    // Quadrant 1: CI, CB, CA, CJ.
    {0x0001, Opcode::Addi, 0, 0, 0, 0, "c.nop"},
    {0x1501, Opcode::Addi, 10, 10, 0, -32, "c.addi a0,-32"},
    {0x0ffd, Opcode::Addi, 31, 31, 0, 31, "c.addi t6,31"},
    {0x357d, Opcode::Addiw, 10, 10, 0, -1, "c.addiw a0,-1"},
    {0x5781, Opcode::Addi, 15, 0, 0, -32, "c.li a5,-32"},
    {0x40fd, Opcode::Addi, 1, 0, 0, 31, "c.li ra,31"},
    {0x7101, Opcode::Addi, 2, 2, 0, -512, "c.addi16sp sp,-512"},
    {0x617d, Opcode::Addi, 2, 2, 0, 496, "c.addi16sp sp,496"},
    {0x6141, Opcode::Addi, 2, 2, 0, 16, "c.addi16sp sp,16"},
    {0x7501, Opcode::Lui, 10, 0, 0, -0x20000, "c.lui a0,0xfffe0"},
    {0x6dfd, Opcode::Lui, 27, 0, 0, 0x1f000, "c.lui s11,0x1f"},
    {0x6285, Opcode::Lui, 5, 0, 0, 0x1000, "c.lui t0,1"},
    {0x917d, Opcode::Srli, 10, 10, 0, 63, "c.srli a0,63"},
    {0x9481, Opcode::Srai, 9, 9, 0, 32, "c.srai s1,32"},
    {0x9a01, Opcode::Andi, 12, 12, 0, -32, "c.andi a2,-32"},
    {0x8afd, Opcode::Andi, 13, 13, 0, 31, "c.andi a3,31"},
    {0x8c1d, Opcode::Sub, 8, 8, 15, 0, "c.sub s0,a5"},
    {0x8d2d, Opcode::Xor, 10, 10, 11, 0, "c.xor a0,a1"},
    {0x8e55, Opcode::Or, 12, 12, 13, 0, "c.or a2,a3"},
    {0x8f7d, Opcode::And, 14, 14, 15, 0, "c.and a4,a5"},
    {0x9c89, Opcode::Subw, 9, 9, 10, 0, "c.subw s1,a0"},
    {0x9db1, Opcode::Addw, 11, 11, 12, 0, "c.addw a1,a2"},
    {0xb001, Opcode::Jal, 0, 0, 0, -2048, "c.j -2048"},
    {0xaffd, Opcode::Jal, 0, 0, 0, 2046, "c.j 2046"},
    {0xd101, Opcode::Beq, 0, 10, 0, -256, "c.beqz a0,-256"},
    {0xecfd, Opcode::Bne, 0, 9, 0, 254, "c.bnez s1,254"},
    // Quadrant 2: CI, CR, CSS.
    {0x1ffe, Opcode::Slli, 31, 31, 0, 63, "c.slli t6,63"},
    {0x30fe, Opcode::Fld, 1, 2, 0, 504, "c.fldsp ft1,504(sp)"},
    {0x557e, Opcode::Lw, 10, 2, 0, 252, "c.lwsp a0,252(sp)"},
    {0x70fe, Opcode::Ld, 1, 2, 0, 504, "c.ldsp ra,504(sp)"},
    {0x8282, Opcode::Jalr, 0, 5, 0, 0, "c.jr t0"},
    {0x857e, Opcode::Add, 10, 0, 31, 0, "c.mv a0,t6"},
    {0x9002, Opcode::Ebreak, 0, 0, 0, 0, "c.ebreak"},
    {0x9582, Opcode::Jalr, 1, 11, 0, 0, "c.jalr a1"},
    {0x9106, Opcode::Add, 2, 2, 1, 0, "c.add sp,ra"},
    {0xbfee, Opcode::Fsd, 0, 2, 27, 504, "c.fsdsp fs11,504(sp)"},
    {0xdf86, Opcode::Sw, 0, 2, 1, 252, "c.swsp ra,252(sp)"},
    {0xe422, Opcode::Sd, 0, 2, 8, 8, "c.sdsp s0,8(sp)"},
};

TEST(Rv64Compressed, ExpandsToBaseInstructions) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.source);
    const DecodedInsn d = decode(c.raw);
    EXPECT_EQ(d.op, c.op) << op_info(d.op).mnemonic;
    EXPECT_EQ(d.rd, c.rd);
    EXPECT_EQ(d.rs1, c.rs1);
    EXPECT_EQ(d.rs2, c.rs2);
    EXPECT_EQ(d.imm, c.imm);
    EXPECT_EQ(d.length, 2);
    EXPECT_EQ(d.raw, c.raw);
  }
}

TEST(Rv64Compressed, HighBitsOfTheWordAreIgnored) {
  // A caller may pass a 32-bit fetch whose upper half is the next instruction.
  const DecodedInsn d = decode(0xdeadbeefu << 16 | 0x8082);
  EXPECT_EQ(d.op, Opcode::Jalr);
  EXPECT_EQ(d.raw, 0x8082u);
  EXPECT_EQ(d.length, 2);
}

TEST(Rv64Compressed, ReservedEncodingsAreIllegal) {
  for (uint16_t raw : {
           0x0000,  // all zeros: c.addi4spn with nzuimm = 0 (the defined illegal instruction)
           0x0004,  // c.addi4spn a1,sp,0
           0x8000,  // quadrant 0 funct3 100
           0x2001,  // c.addiw with rd = 0
           0x6101,  // c.addi16sp with nzimm = 0
           0x6501,  // c.lui a0,0 (nzimm = 0)
           0x6001,  // c.lui zero,0
           0x9c41,  // CA funct 1 10 (reserved in RV64)
           0x9c61,  // CA funct 1 11
           0x4002,  // c.lwsp with rd = 0
           0x6002,  // c.ldsp with rd = 0
           0x8002,  // c.jr with rs1 = 0
       }) {
    const DecodedInsn d = decode(raw);
    EXPECT_EQ(d.op, Opcode::Illegal) << std::hex << raw << " decoded as " << op_info(d.op).mnemonic;
    EXPECT_EQ(d.length, 2);
    EXPECT_EQ(d.raw, raw);
  }
}

TEST(Rv64Compressed, HintsDecodeAsTheirExpansion) {
  // HINTs execute as the expanded instruction (a no-op, since it writes x0 or changes nothing).
  EXPECT_EQ(decode(0x0005).op, Opcode::Addi);  // c.nop 1
  EXPECT_EQ(decode(0x4001).op, Opcode::Addi);  // c.li zero,0
  EXPECT_EQ(decode(0x6005).op, Opcode::Lui);   // c.lui zero,1
  EXPECT_EQ(decode(0x802e).op, Opcode::Add);   // c.mv zero,a1
  const DecodedInsn slli64 = decode(0x0502);   // c.slli64 a0: shamt 0
  EXPECT_EQ(slli64.op, Opcode::Slli);
  EXPECT_EQ(slli64.imm, 0);
  const DecodedInsn srli = decode(0x9101);  // c.srli a0,32: shamt[5] is legal on RV64
  EXPECT_EQ(srli.op, Opcode::Srli);
  EXPECT_EQ(srli.imm, 32);
}

}  // namespace
}  // namespace strata::isa::rv64

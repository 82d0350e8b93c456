// Disassembler golden texts. Each expectation is what riscv64-linux-gnu-objdump 2.40 prints for
// the word (tab between mnemonic and operands), so the aliases it chooses are pinned here even
// when the cross tools are not installed.
#include <gtest/gtest.h>

#include "isa/rv64/decoder.hpp"
#include "isa/rv64/disasm.hpp"

namespace strata::isa::rv64 {
namespace {

std::string dis(uint32_t raw, uint64_t pc = 0) {
  return disassemble(decode(raw), pc);
}

TEST(Rv64Disasm, IntegerAliases) {
  EXPECT_EQ(dis(0x00000013), "nop");
  EXPECT_EQ(dis(0x00000513), "li\ta0,0");
  EXPECT_EQ(dis(0x80000513), "li\ta0,-2048");
  EXPECT_EQ(dis(0x00100013), "li\tzero,1");
  EXPECT_EQ(dis(0x000a0a13), "mv\ts4,s4");
  EXPECT_EQ(dis(0x7ff50513), "add\ta0,a0,2047");  // objdump 2.40 shows addi as add
  EXPECT_EQ(dis(0xfff54513), "not\ta0,a0");
  EXPECT_EQ(dis(0x0ff8f313), "zext.b\tt1,a7");
  EXPECT_EQ(dis(0x00153513), "seqz\ta0,a0");
  EXPECT_EQ(dis(0x0000a513), "slti\ta0,ra,0");
  EXPECT_EQ(dis(0x40b00533), "neg\ta0,a1");
  EXPECT_EQ(dis(0x40a005bb), "negw\ta1,a0");
  EXPECT_EQ(dis(0x00a03533), "snez\ta0,a0");
  EXPECT_EQ(dis(0x00a02533), "sgtz\ta0,a0");
  EXPECT_EQ(dis(0x00b505b3), "add\ta1,a0,a1");
  EXPECT_EQ(dis(0x00000033), "add\tzero,zero,zero");
  EXPECT_EQ(dis(0x0005051b), "sext.w\ta0,a0");
  EXPECT_EQ(dis(0x02051513), "sll\ta0,a0,0x20");  // shift immediates in hex
  EXPECT_EQ(dis(0x00a5d513), "srl\ta0,a1,0xa");
  EXPECT_EQ(dis(0x4205d513), "sra\ta0,a1,0x20");
  EXPECT_EQ(dis(0x0037171b), "sllw\ta4,a4,0x3");
  EXPECT_EQ(dis(0x12345537), "lui\ta0,0x12345");
  EXPECT_EQ(dis(0xfffff517), "auipc\ta0,0xfffff");
  EXPECT_EQ(dis(0x02c5c533), "div\ta0,a1,a2");
}

TEST(Rv64Disasm, LoadsStores) {
  EXPECT_EQ(dis(0xff813503), "ld\ta0,-8(sp)");
  EXPECT_EQ(dis(0xfe113c23), "sd\tra,-8(sp)");
  EXPECT_EQ(dis(0x00a53507), "fld\tfa0,10(a0)");
  EXPECT_EQ(dis(0x00a52027), "fsw\tfa0,0(a0)");
}

TEST(Rv64Disasm, ControlTransfer) {
  EXPECT_EQ(dis(0x06300063, 0x4), "beq\tzero,gp,0x64");
  EXPECT_EQ(dis(0xfe000ee3, 0x8), "beqz\tzero,0x4");
  EXPECT_EQ(dis(0x00a05463, 0x60), "blez\ta0,0x68");
  EXPECT_EQ(dis(0x00055463, 0x64), "bgez\ta0,0x6c");
  EXPECT_EQ(dis(0x00004463, 0x68), "bltz\tzero,0x70");
  EXPECT_EQ(dis(0xfed79be3, 0x18), "bne\ta5,a3,0xe");
  EXPECT_EQ(dis(0x0000006f, 0xc), "j\t0xc");
  EXPECT_EQ(dis(0x008000ef, 0x10), "jal\t0x18");
  EXPECT_EQ(dis(0x0080056f, 0x14), "jal\ta0,0x1c");
  EXPECT_EQ(dis(0x00008067), "ret");
  EXPECT_EQ(dis(0x000500e7), "jalr\ta0");
  EXPECT_EQ(dis(0x004500e7), "jalr\t4(a0)");
  EXPECT_EQ(dis(0x00450067), "jr\t4(a0)");
  EXPECT_EQ(dis(0x00c50567), "jalr\ta0,12(a0)");
  EXPECT_EQ(dis(0x000505e7), "jalr\ta1,a0");
  // Targets wrap modulo 2^64 like the hardware's pc.
  EXPECT_EQ(dis(0xff9ff06f, 0), "j\t0xfffffffffffffff8");
}

TEST(Rv64Disasm, CsrAliases) {
  EXPECT_EQ(dis(0x00102573), "frflags\ta0");
  EXPECT_EQ(dis(0x00302573), "frcsr\ta0");
  EXPECT_EQ(dis(0xc0002573), "rdcycle\ta0");
  EXPECT_EQ(dis(0xc0102573), "rdtime\ta0");
  EXPECT_EQ(dis(0xc0302573), "csrr\ta0,hpmcounter3");
  EXPECT_EQ(dis(0x00c02573), "csrr\ta0,0xc");  // unnamed CSR
  EXPECT_EQ(dis(0x0015a5f3), "csrrs\ta1,fflags,a1");
  EXPECT_EQ(dis(0x0035a073), "csrs\tfcsr,a1");
  EXPECT_EQ(dis(0x00359073), "fscsr\ta1");
  EXPECT_EQ(dis(0x001015f3), "fsflags\ta1,zero");
  EXPECT_EQ(dis(0x0022d073), "fsrmi\tzero,5");
  EXPECT_EQ(dis(0x0022e073), "csrs\tfrm,5");  // immediate forms keep the register names
  EXPECT_EQ(dis(0x001fd573), "fsflagsi\ta0,31");
  EXPECT_EQ(dis(0x30059573), "csrrw\ta0,mstatus,a1");
  EXPECT_EQ(dis(0xc0001073), "unimp");
}

TEST(Rv64Disasm, SystemFenceAtomics) {
  EXPECT_EQ(dis(0x00000073), "ecall");
  EXPECT_EQ(dis(0x00100073), "ebreak");
  EXPECT_EQ(dis(0x30200073), "mret");
  EXPECT_EQ(dis(0x12000073), "sfence.vma");
  EXPECT_EQ(dis(0x0ff0000f), "fence");
  EXPECT_EQ(dis(0x8330000f), "fence.tso");
  EXPECT_EQ(dis(0x0000100f), "fence.i");
  EXPECT_EQ(dis(0x0f10000f), "fence\tiorw,w");
  EXPECT_EQ(dis(0x0010000f), "fence\tunknown,w");
  EXPECT_EQ(dis(0x100525af), "lr.w\ta1,(a0)");
  EXPECT_EQ(dis(0x1205b52f), "lr.d.rl\ta0,(a1)");
  EXPECT_EQ(dis(0x1805b52f), "sc.d\ta0,zero,(a1)");
  EXPECT_EQ(dis(0x04b5252f), "amoadd.w.aq\ta0,a1,(a0)");
  EXPECT_EQ(dis(0x06b5252f), "amoadd.w.aqrl\ta0,a1,(a0)");
}

TEST(Rv64Disasm, FloatingPoint) {
  EXPECT_EQ(dis(0x02b57553), "fadd.d\tfa0,fa0,fa1");  // rm = dyn is left out
  EXPECT_EQ(dis(0x0a0b2553), "fsub.d\tfa0,fs6,ft0,rdn");
  EXPECT_EQ(dis(0x02b55553), "fadd.d\tfa0,fa0,fa1,unknown");  // reserved rm 5
  EXPECT_EQ(dis(0x02b50543), "fmadd.d\tfa0,fa0,fa1,ft0,rne");
  EXPECT_EQ(dis(0x10b5754b), "fnmsub.s\tfa0,fa0,fa1,ft2");
  EXPECT_EQ(dis(0x5a05b553), "fsqrt.d\tfa0,fa1,rup");
  EXPECT_EQ(dis(0xd2050553), "fcvt.d.w\tfa0,a0");  // exact conversion: no rm shown
  EXPECT_EQ(dis(0xc0050553), "fcvt.w.s\ta0,fa0,rne");
  EXPECT_EQ(dis(0xc0057553), "fcvt.w.s\ta0,fa0");
  EXPECT_EQ(dis(0x22a50553), "fmv.d\tfa0,fa0");
  EXPECT_EQ(dis(0x22a51553), "fneg.d\tfa0,fa0");
  EXPECT_EQ(dis(0x22a52553), "fabs.d\tfa0,fa0");
  EXPECT_EQ(dis(0xe2050553), "fmv.x.d\ta0,fa0");
  EXPECT_EQ(dis(0xf0050553), "fmv.w.x\tfa0,a0");
  EXPECT_EQ(dis(0xe0051553), "fclass.s\ta0,fa0");
  EXPECT_EQ(dis(0xa0b50553), "fle.s\ta0,fa0,fa1");
}

TEST(Rv64Disasm, CompressedUseBaseMnemonics) {
  EXPECT_EQ(dis(0x0001), "nop");
  EXPECT_EQ(dis(0x4501), "li\ta0,0");
  EXPECT_EQ(dis(0x6505), "lui\ta0,0x1");
  EXPECT_EQ(dis(0x7ffd), "lui\tt6,0xfffff");
  EXPECT_EQ(dis(0x7101), "add\tsp,sp,-512");
  EXPECT_EQ(dis(0x0800), "add\ts0,sp,16");
  EXPECT_EQ(dis(0x0081), "add\tra,ra,0");  // c.addi HINT with imm 0: not "mv"
  EXPECT_EQ(dis(0x852e), "mv\ta0,a1");
  EXPECT_EQ(dis(0x952e), "add\ta0,a0,a1");
  EXPECT_EQ(dis(0x8082), "ret");
  EXPECT_EQ(dis(0x8502), "jr\ta0");
  EXPECT_EQ(dis(0x9502), "jalr\ta0");
  EXPECT_EQ(dis(0x9002), "ebreak");
  EXPECT_EQ(dis(0x2501), "sext.w\ta0,a0");
  EXPECT_EQ(dis(0x2505), "addw\ta0,a0,1");
  EXPECT_EQ(dis(0x9101), "srl\ta0,a0,0x20");
  EXPECT_EQ(dis(0xa001, 0x114), "j\t0x114");
  EXPECT_EQ(dis(0xc111, 0x118), "beqz\ta0,0x11c");
  EXPECT_EQ(dis(0x6582), "ld\ta1,0(sp)");
  EXPECT_EQ(dis(0xe406), "sd\tra,8(sp)");
  EXPECT_EQ(dis(0xa188), "fsd\tfa0,0(a1)");
}

TEST(Rv64Disasm, CompressedHintsKeepTheirNames) {
  EXPECT_EQ(dis(0x0005), "c.nop\t1");
  EXPECT_EQ(dis(0x4001), "c.li\tzero,0");
  EXPECT_EQ(dis(0x6005), "c.lui\tzero,0x1");
  EXPECT_EQ(dis(0x0002), "c.slli64\tzero");
  EXPECT_EQ(dis(0x0502), "c.slli64\ta0");
  EXPECT_EQ(dis(0x0006), "c.slli\tzero,0x1");
  EXPECT_EQ(dis(0x8001), "c.srli64\ts0");
  EXPECT_EQ(dis(0x802e), "c.mv\tzero,a1");
  EXPECT_EQ(dis(0x902e), "c.add\tzero,a1");
}

TEST(Rv64Disasm, IllegalShowsTheRawBits) {
  EXPECT_EQ(dis(0x2001), ".2byte\t0x2001");
  EXPECT_EQ(dis(0x0000), ".2byte\t0x0");  // objdump says "unimp"; it is not executable
  EXPECT_EQ(dis(0x1015b52f), ".4byte\t0x1015b52f");
  EXPECT_EQ(dis(0xffffffff), ".4byte\t0xffffffff");
}

TEST(Rv64Disasm, Names) {
  EXPECT_EQ(x_reg_name(0), "zero");
  EXPECT_EQ(x_reg_name(8), "s0");
  EXPECT_EQ(x_reg_name(31), "t6");
  EXPECT_EQ(f_reg_name(0), "ft0");
  EXPECT_EQ(f_reg_name(31), "ft11");
  EXPECT_EQ(csr_name(0x300), "mstatus");
  EXPECT_EQ(csr_name(0xc00), "cycle");
  EXPECT_EQ(csr_name(0x00c), "");
  EXPECT_EQ(rm_name(4), "rmm");
  EXPECT_EQ(rm_name(6), "unknown");
}

// The names the debuggers take for registers: numeric and ABI, fp for x8; nothing else.
TEST(Rv64RegNames, NumericAbiAndFp) {
  auto is = [](std::string_view n, bool fp, unsigned i) {
    const auto r = parse_reg_name(n);
    return r && r->fp == fp && r->index == i;
  };
  EXPECT_TRUE(is("x0", false, 0));
  EXPECT_TRUE(is("x31", false, 31));
  EXPECT_TRUE(is("zero", false, 0));
  EXPECT_TRUE(is("a2", false, 12));
  EXPECT_TRUE(is("s0", false, 8));
  EXPECT_TRUE(is("fp", false, 8));
  EXPECT_TRUE(is("f3", true, 3));
  EXPECT_TRUE(is("ft3", true, 3));
  EXPECT_TRUE(is("fs11", true, 27));
  for (std::string_view bad : {"x32", "x05", "f32", "x", "rax", "", "x1a", "a8"})
    EXPECT_FALSE(parse_reg_name(bad)) << bad;
}

}  // namespace
}  // namespace strata::isa::rv64

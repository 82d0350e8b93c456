// x86 disassembly: the same bytes in each CPU mode, branch targets made absolute, and the
// errors for bytes that are not an instruction or are cut off. Expected texts are what gdb and
// objdump print for these encodings (AT&T), in Zydis' spelling.
#include "hwvm/x86/disasm.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace strata::hwvm::x86 {
namespace {

std::string text(std::vector<uint8_t> b, uint64_t addr, CpuMode m, uint32_t* len = nullptr) {
  auto r = disassemble(b, addr, m);
  if (!r) return "error: " + r.error().message;
  if (len) *len = r->length;
  return r->text;
}

TEST(X86Disasm, ModesDecodeTheSameBytesDifferently) {
  // b8 34 12 ...: mov imm to ax (16-bit) or eax (32/64-bit): the operand size follows the mode.
  uint32_t len = 0;
  EXPECT_EQ(text({0xb8, 0x34, 0x12, 0x00, 0x00}, 0, CpuMode::Real16, &len), "mov $0x1234, %ax");
  EXPECT_EQ(len, 3u);
  EXPECT_EQ(text({0xb8, 0x34, 0x12, 0x00, 0x00}, 0, CpuMode::Protected32, &len),
            "mov $0x1234, %eax");
  EXPECT_EQ(len, 5u);
  // 48 89 d8: a REX.W mov in long mode; in 32-bit mode 0x48 is `dec %eax`.
  EXPECT_EQ(text({0x48, 0x89, 0xd8}, 0, CpuMode::Long64, &len), "mov %rbx, %rax");
  EXPECT_EQ(len, 3u);
  EXPECT_EQ(text({0x48, 0x89, 0xd8}, 0, CpuMode::Protected32, &len), "dec %eax");
  EXPECT_EQ(len, 1u);
}

TEST(X86Disasm, BranchTargetsAreAbsolute) {
  EXPECT_EQ(text({0xeb, 0xfe}, 0x1000, CpuMode::Long64), "jmp 0x0000000000001000");
  EXPECT_EQ(text({0xe8, 0x00, 0x01, 0x00, 0x00}, 0x2000, CpuMode::Long64),
            "call 0x0000000000002105");
}

TEST(X86Disasm, PortIoAndSystemInstructions) {
  EXPECT_EQ(text({0xee}, 0, CpuMode::Real16), "out %al, %dx");
  EXPECT_EQ(text({0xf4}, 0, CpuMode::Real16), "hlt");
  EXPECT_EQ(text({0x0f, 0x01, 0x15, 0x00, 0x10, 0x00, 0x00}, 0, CpuMode::Protected32),
            "lgdt 0x00001000");
}

TEST(X86Disasm, InvalidAndTruncatedBytesAreErrors) {
  EXPECT_EQ(text({}, 0x10, CpuMode::Long64), "error: x86: no bytes to disassemble at 0x10");
  EXPECT_EQ(text({0x0f, 0x0b}, 0, CpuMode::Long64), "ud2") << "ud2 is an instruction";
  EXPECT_EQ(text({0x06}, 0x20, CpuMode::Long64),
            "error: x86: no valid instruction at 0x20 (first byte 0x06)")
      << "push %es does not exist in long mode";
  EXPECT_EQ(text({0x48, 0xb8, 0x01, 0x02}, 0x30, CpuMode::Long64),
            "error: x86: the instruction at 0x30 runs past the 4 byte(s) available");
}

}  // namespace
}  // namespace strata::hwvm::x86

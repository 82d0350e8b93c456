#include "hwvm/x86/disasm.hpp"

#include <Zydis/Zydis.h>

namespace strata::hwvm::x86 {

namespace {

ZydisMachineMode machine_mode(CpuMode m) {
  switch (m) {
    case CpuMode::Real16: return ZYDIS_MACHINE_MODE_REAL_16;
    case CpuMode::Protected32: return ZYDIS_MACHINE_MODE_LEGACY_32;
    case CpuMode::Long64: return ZYDIS_MACHINE_MODE_LONG_64;
  }
  return ZYDIS_MACHINE_MODE_LONG_64;
}

// An x86 instruction is at most 15 bytes: with that many and still no instruction, the bytes
// are not one; with fewer, it may be cut off.
constexpr std::size_t kMaxInsnLength = ZYDIS_MAX_INSTRUCTION_LENGTH;

}  // namespace

Result<X86Insn> disassemble(std::span<const std::uint8_t> bytes, std::uint64_t address,
                            CpuMode mode) {
  if (bytes.empty()) return fail("x86: no bytes to disassemble at 0x{:x}", address);
  ZydisDisassembledInstruction insn;
  const ZyanStatus st =
      ZydisDisassembleATT(machine_mode(mode), address, bytes.data(), bytes.size(), &insn);
  if (!ZYAN_SUCCESS(st)) {
    if (st == ZYDIS_STATUS_NO_MORE_DATA && bytes.size() < kMaxInsnLength)
      return fail("x86: the instruction at 0x{:x} runs past the {} byte(s) available", address,
                  bytes.size());
    return fail("x86: no valid instruction at 0x{:x} (first byte 0x{:02x})", address, bytes[0]);
  }
  return X86Insn{insn.info.length, insn.text};
}

}  // namespace strata::hwvm::x86

// x86 disassembly for the monitor (`disas` on a KVM guest, the gdb stub's instruction lengths),
// by Zydis (Debian's libzydis-dev) in AT&T syntax, gdb's default. The mode is the guest's: a
// flat guest starts in 16-bit real mode, a Linux guest runs in 64-bit long mode.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "isa/error.hpp"

namespace strata::hwvm::x86 {

enum class CpuMode { Real16, Protected32, Long64 };

struct X86Insn {
  std::uint32_t length = 0;  // bytes
  std::string text;          // "mov %eax, %ebx" (addresses of branch targets are absolute)
};

// The instruction at the start of `bytes`, which `address` is the guest address of. Errors:
// no bytes, bytes that are not an instruction in this mode, an instruction cut off by the end
// of `bytes` (the message says which).
[[nodiscard]] Result<X86Insn> disassemble(std::span<const std::uint8_t> bytes,
                                          std::uint64_t address, CpuMode mode);

}  // namespace strata::hwvm::x86

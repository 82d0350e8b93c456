// Shared helpers of the instruction-level programs: each runs one class of RV64GC instructions
// over a table of edge-case operands and prints every result in hex. qemu-riscv64 is the oracle.
#pragma once

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

// Operands that stress 64- and 32-bit arithmetic: zero, ±1, the signed limits of both widths,
// the 32-bit boundary and mixed bit patterns.
static const uint64_t kInt[] = {
    0x0000000000000000, 0x0000000000000001, 0xffffffffffffffff, 0x8000000000000000,
    0x7fffffffffffffff, 0x0000000080000000, 0x000000007fffffff, 0x00000000ffffffff,
    0xffffffff80000000, 0x0000000100000001, 0x123456789abcdef0, 0xfedcba9876543210,
    0x000000000000003f, 0x0000000000000040, 0x000000000000001f, 0xfffffffffffffffe,
};

// fflags bits as letters: NV DZ OF UF NX.
static inline const char* flag_text(uint64_t f) {
  static char buf[16];
  snprintf(buf, sizeof buf, "%s%s%s%s%s", f & 16 ? "NV" : "-", f & 8 ? "DZ" : "-",
           f & 4 ? "OF" : "-", f & 2 ? "UF" : "-", f & 1 ? "NX" : "-");
  return buf;
}

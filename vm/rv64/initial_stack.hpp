// The Linux/RISC-V initial process stack: what the kernel leaves at sp on entry to _start.
//
// Layout, low addresses first (sp is 16-byte aligned, RISC-V psABI):
//   sp ->  argc                                  8 bytes
//          argv[0..argc-1], NULL                 8 bytes each
//          envp[0..envc-1], NULL                 8 bytes each
//          auxv: (type, value) pairs ending with (AT_NULL, 0)
//          padding to the strings area
//          AT_RANDOM's 16 bytes
//          argv strings, envp strings, execfn string (NUL-terminated), ending at stack_top
//
// auxv, in the order Linux 6.x create_elf_tables() writes it for RISC-V: AT_HWCAP, AT_PAGESZ,
// AT_CLKTCK, AT_PHDR, AT_PHENT, AT_PHNUM, AT_BASE, AT_FLAGS, AT_ENTRY, AT_UID, AT_EUID, AT_GID,
// AT_EGID, AT_SECURE, AT_RANDOM, AT_EXECFN, AT_NULL. Not provided: AT_PLATFORM (Linux defines
// ELF_PLATFORM as NULL on RISC-V, so it never sends it), AT_SYSINFO_EHDR (no vDSO yet),
// AT_HWCAP2 and the L1/L2 cache-geometry entries (glibc does not need them).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "isa/error.hpp"

namespace strata::vm::rv64 {

// auxv types (linux/auxvec.h).
inline constexpr uint64_t kAtNull = 0, kAtPhdr = 3, kAtPhent = 4, kAtPhnum = 5, kAtPagesz = 6,
                          kAtBase = 7, kAtFlags = 8, kAtEntry = 9, kAtUid = 11, kAtEuid = 12,
                          kAtGid = 13, kAtEgid = 14, kAtHwcap = 16, kAtClktck = 17, kAtSecure = 23,
                          kAtRandom = 25, kAtExecfn = 31;

// AT_HWCAP for RV64GC: bit (letter - 'a') for I, M, A, F, D, C.
inline constexpr uint64_t kHwcapRv64gc = (1u << ('i' - 'a')) | (1u << ('m' - 'a')) |
                                         (1u << ('a' - 'a')) | (1u << ('f' - 'a')) |
                                         (1u << ('d' - 'a')) | (1u << ('c' - 'a'));

struct StackParams {
  uint64_t stack_top = 0;  // one past the highest stack byte; need not be aligned
  std::vector<std::string> argv;
  std::vector<std::string> envp;
  std::string execfn;                        // AT_EXECFN; argv[0] when empty
  uint64_t phdr = 0, phent = 56, phnum = 0;  // from the executable's ElfImage
  uint64_t entry = 0;  // the executable's entry (AT_ENTRY), not the interpreter's
  uint64_t base = 0;   // AT_BASE: interpreter load address, 0 for static executables
  uint64_t uid = 0, gid = 0;
  uint64_t random_seed = 0;     // AT_RANDOM's bytes are derived from it (deterministic)
  uint64_t max_size = 1 << 20;  // refuse images larger than this (argument lists too long)
};

struct StackImage {
  uint64_t sp = 0;             // initial sp: 16-byte aligned, points at argc
  std::vector<uint8_t> bytes;  // to be written at [sp, sp + bytes.size()) ; ends <= stack_top
};

[[nodiscard]] Result<StackImage> build_initial_stack(const StackParams& params);

}  // namespace strata::vm::rv64

// RV64 Linux ELF loader: ELF bytes -> a load plan (what to map where), no execution.
//
// Accepts ELF64 little-endian EM_RISCV executables: ET_EXEC (fixed addresses) and ET_DYN
// (static-pie, or a PIE that needs an interpreter). Every field read from the file is
// guest-controlled: offsets and sizes are checked without overflow before use, and a bad file
// yields an Error whose message says what was wrong, never a crash.
//
// Load biases (where ET_DYN images go; ET_EXEC images are never moved):
//   main executable  LoadOptions::pie_base    default 0x10000 (where ET_EXEC binaries from
//                                              Debian's riscv64 ld start, so static and PIE
//                                              programs share one low layout; brk follows it)
//   interpreter      LoadOptions::interp_base default 0x40000000 (1 GiB): far above any brk
//                                              of the main program, below the mmap area.
// The bias is `base - page_down(lowest PT_LOAD p_vaddr)`, so the first segment starts at base.
//
// Segments are ascending and may not overlap byte-wise; two segments may share a page (the
// mapper must then merge permissions on that page).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "isa/error.hpp"

namespace strata::vm::rv64 {

inline constexpr uint64_t kPageSize = 4096;
// Highest user address + 1 of the Sv39 Linux user address space (256 GiB): every segment
// must end at or below it.
inline constexpr uint64_t kGuestAddrLimit = uint64_t{1} << 38;

// Segment permission bits: the ELF p_flags values.
inline constexpr uint32_t kPermExec = 1;
inline constexpr uint32_t kPermWrite = 2;
inline constexpr uint32_t kPermRead = 4;

struct Segment {
  uint64_t vaddr = 0;          // biased guest address of the first byte
  uint64_t memsz = 0;          // bytes in memory; [bytes.size(), memsz) is zero-filled (bss)
  std::vector<uint8_t> bytes;  // the file bytes (p_filesz of them)
  uint32_t perms = 0;          // kPermRead | kPermWrite | kPermExec
};

// One ELF image placed in guest memory.
struct ElfImage {
  bool is_dyn = false;     // ET_DYN (position-independent), moved by `bias`
  uint64_t bias = 0;       // added to every p_vaddr and e_entry
  uint64_t entry = 0;      // biased e_entry
  uint64_t phdr_addr = 0;  // guest address of the program headers (AT_PHDR); 0 if unmapped
  uint16_t phnum = 0;      // AT_PHNUM
  uint16_t phent = 0;      // AT_PHENT (56)
  uint64_t lowest = 0;     // page-aligned start of the lowest segment
  uint64_t brk_start = 0;  // page-aligned end of the highest segment
  std::vector<Segment> segments;
  std::string interp;  // PT_INTERP path, empty for a static executable
};

struct LoadOptions {
  std::string sysroot;  // directory holding the guest's ld.so and libraries; empty: none
  uint64_t pie_base = 0x10000;
  uint64_t interp_base = 0x40000000;
};

// What the process looks like before its first instruction.
struct LoadPlan {
  ElfImage exe;
  std::optional<ElfImage> interp;  // the dynamic linker, when exe.interp is set
  uint64_t start_pc = 0;           // interp->entry if there is one, exe.entry otherwise
  uint64_t at_base = 0;            // interpreter load address (AT_BASE), 0 without one
  uint64_t brk_start = 0;          // exe.brk_start
};

// Parses one ELF image; ET_DYN images are placed at `dyn_base`. `what` names the file in errors.
[[nodiscard]] Result<ElfImage> parse_elf(std::span<const uint8_t> bytes, uint64_t dyn_base,
                                         const std::string& what = "ELF");

// The full plan for an executable: parses it and, if it names an interpreter, loads
// `options.sysroot + interp` too. Fails for a dynamic executable when sysroot is empty.
[[nodiscard]] Result<LoadPlan> plan_load(std::span<const uint8_t> exe, const LoadOptions& options);

// Reads a whole host file (for the executable and interpreter).
[[nodiscard]] Result<std::vector<uint8_t>> read_host_file(const std::string& path);

}  // namespace strata::vm::rv64

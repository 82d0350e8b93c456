// The call-frame information of an ELF64 file's .eh_frame and .debug_frame: for a code address,
// where its frame's canonical frame address (CFA) is and where the caller's registers were
// saved. glibc's code has .eh_frame; a program's own code has one of the two (RISC-V gcc puts a
// -g build's in .debug_frame). The REPL's `bt` for RV64 unwinds exactly with it instead of
// guessing from frame pointers. The file is untrusted: every offset
// and length is checked, and a table that cannot be read gives no row, never a crash.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "isa/error.hpp"

namespace strata::monitor {

// How to find a register of the caller: unchanged, saved at CFA + offset, or undefined (the
// return address register of the outermost frame, e.g. _start's).
struct SavedReg {
  bool at_cfa = false;
  bool undefined = false;
  int64_t offset = 0;
};

// The unwind rule of one code address.
struct FrameRule {
  uint32_t cfa_reg = 0;  // DWARF register number (RISC-V: x0..x31 are 0..31)
  int64_t cfa_offset = 0;
  uint32_t return_reg = 0;  // where the return address is (RISC-V: ra, x1)
  std::array<SavedReg, 32> saved{};
};

class CallFrameInfo {
 public:
  // An empty table when the file has no .eh_frame; errors only for an unreadable file or one that
  // is not a little-endian ELF64.
  static Result<CallFrameInfo> load(const std::string& path);
  static Result<CallFrameInfo> parse(std::string_view elf);

  // The rule at `pc`, or nullopt when no FDE covers it or its instructions are not understood.
  std::optional<FrameRule> rule_at(uint64_t pc) const;
  bool empty() const { return fdes_.empty(); }

 private:
  struct Cie {
    uint64_t code_align = 1;
    int64_t data_align = 1;
    uint32_t return_reg = 0;
    uint8_t ptr_encoding = 0;
    bool augmented = false;           // 'z': FDEs carry augmentation data
    size_t insns = 0, insns_len = 0;  // in bytes_
  };
  struct Fde {
    uint64_t begin = 0;
    uint64_t end = 0;
    size_t cie = 0;
    size_t insns = 0, insns_len = 0;  // in bytes_
  };
  // Parses bytes_[base, base + size): .eh_frame (`eh`) or .debug_frame, loaded at `addr`.
  void parse_section(size_t base, size_t size, uint64_t addr, bool eh);

  std::string bytes_;  // .eh_frame then .debug_frame
  std::vector<Cie> cies_;
  std::vector<Fde> fdes_;  // sorted by begin
};

}  // namespace strata::monitor

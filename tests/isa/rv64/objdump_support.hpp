// Helpers for the tests that compare the decoder and disassembler with GNU objdump.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace strata::isa::rv64::test {

// Runs a shell command; returns its stdout, and its exit status in *status.
std::string run_shell(const std::string& command, int* status);

// Full path of a program found in PATH, or empty.
std::string find_program(const std::string& name);

// One instruction line of `objdump -d` / `objdump -D` output.
struct ObjdumpLine {
  uint64_t address = 0;
  uint32_t bits = 0;  // the instruction as objdump printed its hex (16 or 32 bits)
  int length = 0;     // 2 or 4 bytes
  std::string text;   // "mnemonic\toperands", normalized (see normalize_objdump_text)
};

// Parses every instruction line of objdump's output (headers, labels and blank lines skipped).
std::vector<ObjdumpLine> parse_objdump(const std::string& output);

// Makes objdump's text comparable with disassemble(): drops "# ..." comments and turns a
// symbolic target "1e <.L4>" into "0x1e".
std::string normalize_objdump_text(const std::string& text);

// objdump's ways of saying "not an instruction".
bool objdump_rejects(const std::string& text);

}  // namespace strata::isa::rv64::test

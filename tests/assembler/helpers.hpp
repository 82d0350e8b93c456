// Shared helpers for the assembler tests.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "assembler/assembler.hpp"
#include "assembler/disassembler.hpp"

namespace strata::as::test {

inline std::string data_path(const std::string& name) {
  return std::string(STRATA_SOURCE_DIR) + "/tests/assembler/data/" + name;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Assembles `src` (named "t.sasm") and fails the test on error.
inline isa::Module asm_ok(std::string_view src, std::string_view name = "t.sasm") {
  auto m = assemble(src, name);
  EXPECT_TRUE(m) << (m ? "" : m.error().message);
  return m ? std::move(*m) : isa::Module{};
}

// The error message of assembling `src`, or "" when it assembles.
inline std::string asm_err(std::string_view src, std::string_view name = "t.sasm") {
  auto m = assemble(src, name);
  return m ? std::string() : m.error().message;
}

}  // namespace strata::as::test

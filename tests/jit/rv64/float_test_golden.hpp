// Golden F/D cases computed on a RISC-V machine (float_test_golden_gen.cpp, run on
// qemu-riscv64): operands, rounding mode, and the result and fflags the machine produced.
#pragma once

#include <cstdint>
#include <vector>

namespace strata::jit::rv64::ftest {

enum class G : uint8_t {
  AddS,
  SubS,
  MulS,
  DivS,
  SqrtS,
  MaddS,
  NmsubS,
  AddD,
  SubD,
  MulD,
  DivD,
  SqrtD,
  MaddD,
  MsubD,
  NmaddD,
  CvtSD,
  CvtWD,
  CvtWuD,
  CvtLD,
  CvtLuD,
  CvtWS,
  CvtLuS,
  CvtSL,
  CvtSLu,
  CvtDL,
  CvtDLu,
  CvtSW,
};

struct Golden {
  G op;
  unsigned rm;
  uint64_t a, b, c;  // register images: f rs1/rs2/rs3 (singles boxed), or x rs1 for int sources
  uint64_t want;     // f rd (boxed single) or x rd
  uint64_t flags;    // fflags after the instruction alone
};

const std::vector<Golden>& golden_cases();

}  // namespace strata::jit::rv64::ftest

// Guest f registers in LLVM's code (jit/opt/translate.cpp, Translator::fp_regs_): a translated
// unit keeps x_i and f_i in i64 SVI registers (bit patterns), and a register that bitsf reads or
// fbits writes is a double to LLVM, so the loop-carried value of an f register is a `phi double`
// kept in a floating-point register. As an i64 phi (its slow path's helper result is an i64)
// each operation moved it to an integer register and back (nbody: 1.30 -> 1.12 s).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "jit/opt/opt_loader.hpp"
#include "tests/jit/opt/unit_ir.hpp"
#include "tests/jit/rv64/float_test_rig.hpp"

namespace strata::jit::rv64::systest {
namespace {

namespace rv = test::rv;

// f1 *= f2; f3 += f1, eight times (round to nearest, so the inline fast paths apply).
std::vector<uint32_t> float_loop() {
  return {rv::addi(5, 0, 8), ftest::fp::fmul(1, 1, 1, 2), ftest::fp::fadd(1, 3, 3, 1),
          rv::addi(5, 5, -1), rv::bne(5, 0, -12)};
}

TEST(OptUnitFloat, GuestFloatRegistersAreDoublePhisInTheLoop) {
  auto tier = opt::OptTier::load();
  ASSERT_TRUE(tier.has_value()) << tier.error().message;
  UnitIr unit(float_loop());
  ASSERT_TRUE(unit.unit().has_loop);
  const std::string ir = unit.optimized(**tier, /*guest_unit=*/true);
  // f1 and f3 around the loop: doubles, never an i64 made a double again.
  EXPECT_GE(count(ir, "= phi double"), 2u) << ir;
  EXPECT_EQ(count(ir, "bitcast i64"), 0u) << ir;
}

}  // namespace
}  // namespace strata::jit::rv64::systest

// Guest f registers in LLVM's code (jit/opt/translate.cpp, Translator::fp_regs_): a translated
// unit keeps x_i and f_i in i64 SVI registers (bit patterns), and a register that bitsf reads or
// fbits writes is a double to LLVM, so the loop-carried value of an f register is a `phi double`
// kept in a floating-point register. As an i64 phi (its slow path's helper result is an i64)
// each operation moved it to an integer register and back (nbody: 1.30 -> 1.12 s).
#include <cstdlib>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "jit/opt/opt_loader.hpp"
#include "tests/jit/rv64/float_test_rig.hpp"
#include "tests/jit/rv64/sys_rig.hpp"
#include "tests/jit/rv64/translate_test_support.hpp"

namespace strata::jit::rv64::systest {
namespace {

namespace rv = test::rv;
using test::translate_words;

// f1 *= f2; f3 += f1, eight times (round to nearest, so the inline fast paths apply).
std::vector<uint32_t> float_loop() {
  return {rv::addi(5, 0, 8), ftest::fp::fmul(1, 1, 1, 2), ftest::fp::fadd(1, 3, 3, 1),
          rv::addi(5, 5, -1), rv::bne(5, 0, -12)};
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(OptUnitFloat, GuestFloatRegistersAreDoublePhisInTheLoop) {
  auto tier = opt::OptTier::load();
  ASSERT_TRUE(tier.has_value()) << tier.error().message;
  const TranslatedBlock tb = translate_words(float_loop(), kCodeVa);
  ASSERT_TRUE(tb.has_loop);
  std::unique_ptr<vm::Instance> inst = std::move(*make_guest_instance(kLinearBytes));
  std::deque<vm::FuncInfo> funcs(1);
  init_block_func(funcs[0], tb.fn, *inst, 1);
  ::setenv("STRATA_OPT_DUMP", "1", 1);
  testing::internal::CaptureStderr();
  const vm::JitEntry entry = (*tier)->translate(funcs[0], tb.fn, /*guest_unit=*/true);
  const std::string ir = testing::internal::GetCapturedStderr();
  ::unsetenv("STRATA_OPT_DUMP");
  ASSERT_NE(entry, nullptr);
  // f1 and f3 around the loop: doubles, never an i64 made a double again.
  EXPECT_GE(count(ir, "= phi double"), 2u) << ir;
  EXPECT_EQ(count(ir, "bitcast i64"), 0u) << ir;
}

}  // namespace
}  // namespace strata::jit::rv64::systest

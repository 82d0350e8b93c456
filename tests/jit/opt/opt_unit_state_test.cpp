// A translated unit's accesses to the state page (its guest registers, loaded at entry and
// written back at every exit: r0 + a constant offset) are not bounds-checked in LLVM's code
// (translate_ops.cpp, Translator::mem_access): r0 is never written, so it is 0, and the page
// lies inside the memory. Each check was a branch and a block in the translated IR, most of them
// in the exits' writebacks (fib's unit: about 800), which the pass pipeline and the code
// generator then worked through. Guest memory accesses keep theirs.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "isa/code_walk.hpp"
#include "jit/opt/opt_loader.hpp"
#include "jit/rv64/block_builder.hpp"
#include "jit/rv64/guest_module.hpp"
#include "tests/jit/opt/unit_ir.hpp"
#include "tests/jit/rv64/float_test_rig.hpp"

namespace strata::jit::rv64::systest {
namespace {

namespace rv = test::rv;

// x6 = sum of the doublewords at x10, x10 + 8, ... (x5 of them), x7 counts them: a loop with
// one guest load, several dirty registers and its exits.
std::vector<uint32_t> load_loop() {
  return {rv::addi(5, 0, 8), rv::ld(11, 10, 0),  rv::add(6, 6, 11), rv::addi(10, 10, 8),
          rv::addi(7, 7, 1), rv::addi(5, 5, -1), rv::bne(5, 0, -20)};
}

// The unit's linear-memory accesses: through r0 (the state page) or through a guest address.
struct Accesses {
  size_t state = 0, guest = 0;
};
Accesses accesses(const isa::Function& f) {
  const isa::Module m = make_guest_module(kLinearBytes);
  Accesses n;
  for (const isa::Insn& in : isa::CodeWalk(m, f)) {
    const isa::OpInfo& info = isa::info(in.op());
    if (!(info.flags & isa::kMem) || in.op() == isa::Op::MSize || in.op() == isa::Op::MGrow)
      continue;
    // A load's address is b, a store's a.
    const uint16_t addr = isa::is_def(info.a) ? isa::b_of(in.word) : isa::a_of(in.word);
    ++(addr == BlockBuilder::kZero ? n.state : n.guest);
  }
  return n;
}

TEST(OptUnitState, OnlyGuestAccessesAreChecked) {
  auto tier = opt::OptTier::load();
  ASSERT_TRUE(tier.has_value()) << tier.error().message;
  UnitIr unit(load_loop());
  ASSERT_TRUE(unit.unit().has_loop);
  const Accesses n = accesses(unit.unit().fn);
  // x5, x6, x7, x10 and x11 are loaded at entry and stored at the exits; `ld x11, 0(x10)` is in
  // the unit once or more (the region may repeat the loop's first block).
  ASSERT_GE(n.state, 10u);
  ASSERT_GE(n.guest, 1u);
  // One check, with its saturating subtraction for the limit, per guest access; none for the
  // state page.
  const std::string ir = unit.translated(**tier);
  EXPECT_EQ(count(ir, "call i64 @llvm.usub.sat.i64"), n.guest) << ir;
}

// x5, x6 and x7 written, then three exits (branches out of the unit) and the jump at its end:
// four exits that store the same registers.
std::vector<uint32_t> exits_alike() {
  return {rv::addi(5, 5, 1),    rv::addi(6, 6, 2),    rv::addi(7, 7, 3), rv::beq(5, 0, 0x400),
          rv::beq(6, 0, 0x500), rv::beq(7, 0, 0x600), rv::jal(0, 0x200)};
}

// f1 += f2 and x5 written, then the same three kinds of exit: each stores f1, a double.
std::vector<uint32_t> exits_with_a_double() {
  return {ftest::fp::fadd(ftest::D, 1, 1, 2), rv::addi(5, 5, 1), rv::beq(5, 0, 0x400),
          rv::beq(5, 6, 0x500), rv::jal(0, 0x200)};
}

// Exits that store the same registers share one block that stores them
// (Translator::emit_shared_writeback); exits that store a double (a guest f register) keep
// their own stores.
TEST(OptUnitState, ExitsStoringTheSameRegistersShareTheirStores) {
  auto tier = opt::OptTier::load();
  ASSERT_TRUE(tier.has_value()) << tier.error().message;
  UnitIr integers(exits_alike());
  const std::string shared = integers.translated_chained(**tier);
  EXPECT_EQ(count(shared, "\nwb.shared:"), 1u) << shared;
  EXPECT_EQ(count(shared, "br label %wb.shared"), 4u) << shared;

  UnitIr doubles(exits_with_a_double());
  const std::string own = doubles.translated_chained(**tier);
  EXPECT_EQ(count(own, "wb.shared"), 0u) << own;
}

}  // namespace
}  // namespace strata::jit::rv64::systest

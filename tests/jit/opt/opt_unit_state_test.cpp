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

namespace strata::jit::rv64::systest {
namespace {

namespace rv = test::rv;

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

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

}  // namespace
}  // namespace strata::jit::rv64::systest

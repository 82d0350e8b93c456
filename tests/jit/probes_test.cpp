// Block probes (jit/baseline/probes.hpp): baseline code sets a probe's byte exactly when control
// passes the instruction it precedes, and computes what it computes without probes.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "isa/code_walk.hpp"
#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "tests/jit/baseline_support.hpp"
#include "tests/jit/tier_harness.hpp"
#include "vm/program.hpp"

namespace strata::jit::baseline::test {
namespace {

// Two paths after one branch: n + 1 for n >= 0, n - 1 below.
constexpr const char* kTwoPaths = R"(
.func main(%n: i64) -> i64 export
  .reg %s: i64
  li %s, 0
  blt %n, %s, neg
  addi %s, %n, 1
  ret %s
neg:
  addi %s, %n, -1
  ret %s
.end
)";

class BlockProbes : public ::testing::Test {
 protected:
  void SetUp() override {
    program_ = testing::load_test_program(kTwoPaths, "main", {}, -1);
    ASSERT_NE(program_, nullptr);
    auto cache = CodeCache::create({});
    ASSERT_TRUE(cache.has_value());
    cache_ = std::move(*cache);
    jit_ = std::make_unique<BaselineJit>(*cache_);
    vm::Instance& inst = *program_->instances().front();
    vm::FuncInfo& f = inst.funcs[0];
    const isa::Function& body = inst.module.funcs[f.index];
    // The two `addi`s start the two paths.
    for (const isa::Insn& in : isa::CodeWalk(inst.module, body))
      if (in.op() == isa::Op::AddI) paths_.push_back(in.pc);
    ASSERT_EQ(paths_.size(), 2u);
    const std::array<BlockProbe, 2> probes{BlockProbe{paths_[0], &ran_[0]},
                                           BlockProbe{paths_[1], &ran_[1]}};
    ASSERT_TRUE(jit_->compile(f, body, nullptr, {}, probes));
    ASSERT_NE(f.jit_entry, nullptr);
  }
  int64_t call(int64_t n) {
    vm::RunResult r;
    bool has_result = false;
    const std::array<vm::Value, 1> args{vi(n)};
    EXPECT_TRUE(testing::run_test_program(*program_, "main", args, &r, &has_result));
    return static_cast<int64_t>(r.value.bits);
  }

  std::unique_ptr<vm::Program> program_;
  std::unique_ptr<CodeCache> cache_;
  std::unique_ptr<BaselineJit> jit_;
  std::vector<uint32_t> paths_;
  std::array<uint8_t, 2> ran_{};
};

TEST_F(BlockProbes, OnlyThePathsThatRanAreMarked) {
  EXPECT_EQ(call(5), 6);
  EXPECT_EQ(ran_[0], 1u);
  EXPECT_EQ(ran_[1], 0u);
  EXPECT_EQ(call(-5), -6);
  EXPECT_EQ(ran_[1], 1u);
}

TEST_F(BlockProbes, AProbeSetAgainStaysSetAndChangesNoResult) {
  for (int64_t n = 0; n < 100; ++n) EXPECT_EQ(call(n), n + 1);
  EXPECT_EQ(ran_[0], 1u);
  EXPECT_EQ(ran_[1], 0u);
}

// A probe before an instruction that overwrites a register after reading it from rax: the
// store of the register's previous value (left out without the probe, Emitter::store_rax) stays,
// as the probe's code ends rax's hold. %a stays in the window (eight registers used more).
TEST(BlockProbesAndStores, AProbeKeepsTheStoreBeforeIt) {
  std::string regs, init, hot;
  for (int i = 0; i < 8; ++i) {
    regs += fmt::format(", %p{}: i64", i);
    init += fmt::format("  li %p{}, {}\n", i, i + 1);
    for (int k = 0; k < 3; ++k) hot += fmt::format("  add %p{}, %p{}, %p{}\n", i, i, (i + 1) % 8);
  }
  const std::string src = fmt::format(R"(
.func main(%n: i64) -> i64 export
  .reg %a: i64{}
{}{}  add %a, %n, %n
  addi %a, %a, 5
  add %a, %a, %p0
  ret %a
.end
)",
                                      regs, init, hot);
  std::unique_ptr<vm::Program> p = testing::load_test_program(src, "main", {}, -1);
  ASSERT_NE(p, nullptr);
  auto cache = CodeCache::create({});
  ASSERT_TRUE(cache.has_value());
  BaselineJit jit(**cache);
  vm::Instance& inst = *p->instances().front();
  vm::FuncInfo& f = inst.funcs[0];
  const isa::Function& body = inst.module.funcs[f.index];
  uint32_t addi = 0;
  for (const isa::Insn& in : isa::CodeWalk(inst.module, body))
    if (in.op() == isa::Op::AddI) addi = in.pc;
  uint8_t ran = 0;
  const std::array<BlockProbe, 1> probes{BlockProbe{addi, &ran}};
  ASSERT_TRUE(jit.compile(f, body, nullptr, {}, probes));
  vm::RunResult r;
  bool has_result = false;
  const std::array<vm::Value, 1> args{vi(7)};
  ASSERT_TRUE(testing::run_test_program(*p, "main", args, &r, &has_result));
  // %a = 7 + 7, + 5, + p0 (1 + 2 + 2 + 2: p1 is still 2 when p0's adds run).
  EXPECT_EQ(static_cast<int64_t>(r.value.bits), 14 + 5 + 7);
  EXPECT_EQ(ran, 1u);
}

}  // namespace
}  // namespace strata::jit::baseline::test

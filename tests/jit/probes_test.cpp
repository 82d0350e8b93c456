// Block probes (jit/baseline/probes.hpp): baseline code sets a probe's byte exactly when control
// passes the instruction it precedes, and computes what it computes without probes.
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

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

}  // namespace
}  // namespace strata::jit::baseline::test

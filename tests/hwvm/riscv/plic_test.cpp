// The PLIC model (stdlib/devices/plic.sasm) driven as Linux's irq-sifive-plic driver drives it,
// with recorded output lines and no CPU.
#include <map>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "tests/hwvm/riscv/model_rig.hpp"

namespace strata::hwvm::riscv {
namespace {

struct Lines {
  int64_t count = 2;  // hart 0: context 0 (M), context 1 (S)
  std::map<int64_t, int64_t> level;
  std::vector<std::pair<int64_t, int64_t>> changes;
};

void hw_irq_out(vm::NativeContext& cx, const vm::Value* a, vm::Value*) {
  auto* l = static_cast<Lines*>(cx.user_data());
  l->level[a[0].i] = a[1].i;
  l->changes.emplace_back(a[0].i, a[1].i);
}
void hw_lines(vm::NativeContext& cx, const vm::Value*, vm::Value* r) {
  r->i = static_cast<Lines*>(cx.user_data())->count;
}
constexpr vm::NativeDef kNatives[] = {
    {"hw", "irq_out", "(i64, i64) -> void", hw_irq_out, ""},
    {"hw", "lines", "() -> i64", hw_lines, ""},
};

constexpr uint64_t kPrio = 0x0, kPending = 0x1000, kEnable = 0x2000, kContext = 0x200000;

// The host (the recorded lines) is declared before the rig, so it exists when the rig's
// constructor resets the model.
struct Plic {
  Lines lines;
  test::ModelRig rig;
  explicit Plic(int64_t contexts = 2)
      : lines{contexts, {}, {}}, rig("devices.plic", kNatives, &lines) {}
  uint64_t rd(uint64_t off, int64_t size = 4) { return rig.rd(off, size); }
  void wr(uint64_t off, uint64_t v, int64_t size = 4) { rig.wr(off, v, size); }
  void input(int64_t line, int64_t level) { rig.call("input", {line, level}); }
  uint64_t claim(int ctx) { return rd(kContext + 0x1000 * ctx + 4); }
  void complete(int ctx, uint64_t id) { wr(kContext + 0x1000 * ctx + 4, id); }
};

TEST(Plic, ResetStateIsQuiet) {
  Plic p;
  EXPECT_TRUE(p.lines.changes.empty());
  EXPECT_EQ(p.rd(kPending), 0u);
  EXPECT_EQ(p.rd(kPrio + 4 * 10), 0u);
  EXPECT_EQ(p.claim(1), 0u) << "nothing to claim";
}

TEST(Plic, PriorityAndThresholdAreThreeBits) {
  Plic p;
  p.wr(kPrio + 4 * 10, 0xff);
  EXPECT_EQ(p.rd(kPrio + 4 * 10), 7u);
  p.wr(kPrio, 5);
  EXPECT_EQ(p.rd(kPrio), 0u) << "source 0 does not exist";
  p.wr(kContext + 0x1000, 0x1f);
  EXPECT_EQ(p.rd(kContext + 0x1000), 7u);
  p.wr(kEnable + 0x80, ~0u);
  EXPECT_EQ(p.rd(kEnable + 0x80), 0xfffffffeu) << "source 0 cannot be enabled";
}

// Linux: enable the UART (10) for the S context, priority 1, threshold 0; the UART raises its
// line; the hart takes the external interrupt, claims, handles, completes.
TEST(Plic, ClaimCompleteCycleOfALevelInterrupt) {
  Plic p;
  p.wr(kPrio + 4 * 10, 1);
  p.wr(kEnable + 0x80 * 1, 1u << 10);
  p.wr(kContext + 0x1000 * 1, 0);
  p.input(10, 1);
  EXPECT_EQ(p.rd(kPending), 1u << 10);
  EXPECT_EQ(p.lines.level[1], 1);
  EXPECT_EQ(p.lines.level.count(0), 0u) << "the M context has nothing enabled";
  EXPECT_EQ(p.claim(1), 10u);
  EXPECT_EQ(p.rd(kPending), 0u);
  EXPECT_EQ(p.lines.level[1], 0) << "claimed: the output drops";
  EXPECT_EQ(p.claim(1), 0u) << "a claimed source is not claimed twice";
  p.complete(1, 10);  // the line is still high: it pends again
  EXPECT_EQ(p.lines.level[1], 1);
  p.input(10, 0);  // the driver emptied the UART
  EXPECT_EQ(p.lines.level[1], 0);
  EXPECT_EQ(p.claim(1), 0u);
}

TEST(Plic, HighestPriorityFirstThenLowestId) {
  Plic p;
  for (int s : {3, 5, 7}) p.wr(kPrio + 4 * s, s == 5 ? 6 : 2);
  p.wr(kEnable + 0x80, (1u << 3) | (1u << 5) | (1u << 7));
  for (int s : {7, 3, 5}) p.input(s, 1);
  EXPECT_EQ(p.claim(1), 5u);
  EXPECT_EQ(p.claim(1), 3u) << "equal priority: the lower id";
  EXPECT_EQ(p.claim(1), 7u);
  EXPECT_EQ(p.claim(1), 0u);
}

TEST(Plic, ThresholdMasksAndPriorityZeroNeverFires) {
  Plic p;
  p.wr(kPrio + 4 * 2, 3);
  p.wr(kEnable + 0x80, 1u << 2 | 1u << 4);
  p.input(4, 1);  // priority 0: never
  p.wr(kContext + 0x1000, 3);
  p.input(2, 1);
  EXPECT_EQ(p.lines.level[1], 0) << "priority 3 is not above threshold 3";
  EXPECT_EQ(p.claim(1), 0u);
  p.wr(kContext + 0x1000, 2);
  EXPECT_EQ(p.lines.level[1], 1);
  EXPECT_EQ(p.claim(1), 2u);
}

TEST(Plic, CompletionOfASourceNotEnabledIsIgnored) {
  Plic p;
  p.wr(kPrio + 4 * 6, 1);
  p.wr(kEnable + 0x80, 1u << 6);
  p.input(6, 1);
  EXPECT_EQ(p.claim(1), 6u);
  p.complete(0, 6);  // the M context has 6 disabled
  EXPECT_EQ(p.lines.level[1], 0) << "still in flight";
  p.complete(1, 6);
  EXPECT_EQ(p.lines.level[1], 1);
}

TEST(Plic, ContextsAreSeparate) {
  Plic p(4);  // two harts
  p.wr(kPrio + 4 * 1, 1);
  p.wr(kEnable + 0x80 * 3, 1u << 1);
  p.input(1, 1);
  EXPECT_EQ(p.lines.level[3], 1);
  EXPECT_EQ(p.lines.level.count(1), 0u);
  EXPECT_EQ(p.claim(1), 0u);
  EXPECT_EQ(p.claim(3), 1u);
}

TEST(Plic, HostileAccessesReadZeroAndChangeNothing) {
  Plic p;
  p.wr(kPrio + 4 * 9, 3);
  EXPECT_EQ(p.rd(kPrio + 4 * 9, 1), 0u) << "byte access";
  EXPECT_EQ(p.rd(kPrio + 4 * 9, 8), 0u) << "doubleword access";
  p.wr(kPrio + 4 * 9, 1, 2);
  EXPECT_EQ(p.rd(kPrio + 4 * 9), 3u);
  EXPECT_EQ(p.rd(kPrio + 4 * 9 + 2), 0u) << "misaligned";
  EXPECT_EQ(p.rd(kPrio + 4 * 40), 0u) << "source past the last";
  EXPECT_EQ(p.rd(kContext + 0x1000 * 5 + 4), 0u) << "context past the last";
  p.wr(kEnable + 0x80 * 9, ~0u);
  EXPECT_EQ(p.rd(kEnable + 0x80 * 9), 0u);
  EXPECT_EQ(p.rd(0x3fffffc), 0u);
  EXPECT_EQ(p.rd(0x7fffffff), 0u);
  p.input(0, 1);
  p.input(99, 1);
  p.input(-1, 1);
  EXPECT_EQ(p.rd(kPending), 0u);
  p.complete(1, 77);
  p.complete(1, static_cast<uint64_t>(-1));
}

}  // namespace
}  // namespace strata::hwvm::riscv

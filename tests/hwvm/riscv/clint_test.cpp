// The CLINT model (stdlib/devices/clint.sasm) as OpenSBI drives it: IPIs through msip, the
// timer through mtimecmp, 32-bit halves and 64-bit accesses, a machine clock the test moves.
#include <map>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "tests/hwvm/riscv/model_rig.hpp"

namespace strata::hwvm::riscv {
namespace {

struct Machine {
  int64_t lines = 4;  // two harts
  int64_t now = 1000;
  std::map<int64_t, int64_t> level;
  std::map<int64_t, int64_t> deadline;  // hart -> the machine-clock time asked for
};

Machine& mach(vm::NativeContext& cx) {
  return *static_cast<Machine*>(cx.user_data());
}
void hw_irq_out(vm::NativeContext& cx, const vm::Value* a, vm::Value*) {
  mach(cx).level[a[0].i] = a[1].i;
}
void hw_lines(vm::NativeContext& cx, const vm::Value*, vm::Value* r) {
  r->i = mach(cx).lines;
}
void hw_time(vm::NativeContext& cx, const vm::Value*, vm::Value* r) {
  r->i = mach(cx).now;
}
void hw_timer_at(vm::NativeContext& cx, const vm::Value* a, vm::Value*) {
  mach(cx).deadline[a[0].i] = a[1].i;
}
constexpr vm::NativeDef kNatives[] = {
    {"hw", "irq_out", "(i64, i64) -> void", hw_irq_out, ""},
    {"hw", "lines", "() -> i64", hw_lines, ""},
    {"hw", "time", "() -> i64", hw_time, ""},
    {"hw", "timer_at", "(i64, i64) -> void", hw_timer_at, ""},
};

constexpr uint64_t kMsip = 0, kMtimecmp = 0x4000, kMtime = 0xbff8;

// The machine is declared before the rig, so it exists when the rig's constructor resets the
// model.
struct Clint {
  Machine m;
  test::ModelRig rig{"devices.clint", kNatives, &m};
  int64_t call(std::string_view fn, std::vector<int64_t> args) { return rig.call(fn, args); }
  uint64_t rd(uint64_t off, int64_t size) { return rig.rd(off, size); }
  void wr(uint64_t off, uint64_t v, int64_t size) { rig.wr(off, v, size); }
};

TEST(Clint, MsipRaisesTheSoftwareInterruptOfOneHart) {
  Clint c;
  c.wr(kMsip + 4, 1, 4);
  EXPECT_EQ(c.m.level[2], 1) << "hart 1's MSIP is line 2";
  EXPECT_EQ(c.m.level.count(0), 0u);
  EXPECT_EQ(c.rd(kMsip + 4, 4), 1u);
  c.wr(kMsip + 4, 0xfffffffe, 4);  // only bit 0 counts
  EXPECT_EQ(c.m.level[2], 0);
  EXPECT_EQ(c.rd(kMsip + 4, 4), 0u);
}

TEST(Clint, MtimeFollowsTheMachineClockAndCanBeSet) {
  Clint c;
  EXPECT_EQ(c.rd(kMtime, 8), 1000u);
  c.m.now = 0x1'2345'6789;
  EXPECT_EQ(c.rd(kMtime, 4), 0x2345'6789u);
  EXPECT_EQ(c.rd(kMtime + 4, 4), 1u);
  c.wr(kMtime, 50, 8);
  EXPECT_EQ(c.rd(kMtime, 8), 50u);
  c.m.now += 10;
  EXPECT_EQ(c.rd(kMtime, 8), 60u);
}

TEST(Clint, TimerInterruptAtTheDeadline) {
  Clint c;
  c.wr(kMtimecmp, 1500, 8);  // hart 0
  EXPECT_EQ(c.m.level[1], 0) << "not yet";
  ASSERT_EQ(c.m.deadline.count(0), 1u);
  EXPECT_EQ(c.m.deadline[0], 1500) << "the machine is asked to call back at the deadline";
  c.m.now = 1500;
  c.call("timer", {0});
  EXPECT_EQ(c.m.level[1], 1) << "MTIP of hart 0 is line 1";
  // The handler moves mtimecmp on: MTIP drops, as OpenSBI expects.
  c.wr(kMtimecmp, 3000, 8);
  EXPECT_EQ(c.m.level[1], 0);
  EXPECT_EQ(c.m.deadline[0], 3000);
  // A deadline already past raises MTIP at once.
  c.wr(kMtimecmp, 10, 8);
  EXPECT_EQ(c.m.level[1], 1);
}

TEST(Clint, MtimecmpByHalvesAsRv32SoftwareWritesIt) {
  Clint c;
  c.wr(kMtimecmp + 8 + 4, 0xffffffff, 4);  // hart 1: high half first, as the spec advises
  c.wr(kMtimecmp + 8, 0x2000, 4);
  c.wr(kMtimecmp + 8 + 4, 0, 4);
  EXPECT_EQ(c.rd(kMtimecmp + 8, 8), 0x2000u);
  EXPECT_EQ(c.rd(kMtimecmp + 8 + 4, 4), 0u);
  EXPECT_EQ(c.m.level[3], 0);
  c.m.now = 0x2000;
  c.call("timer", {1});
  EXPECT_EQ(c.m.level[3], 1);
}

TEST(Clint, DeadlinesFollowAnMtimeWrite) {
  Clint c;
  c.wr(kMtimecmp, 5000, 8);
  c.wr(kMtime, 4000, 8);  // mtime jumps forward by 3000 (offset 3000)
  EXPECT_EQ(c.m.deadline[0], 2000) << "5000 in guest time is 2000 on the machine's clock";
  c.wr(kMtime, 6000, 8);
  EXPECT_EQ(c.m.level[1], 1) << "mtime passed mtimecmp";
}

TEST(Clint, HostileAccessesReadZeroAndChangeNothing) {
  Clint c;
  EXPECT_EQ(c.rd(kMsip + 4 * 2, 4), 0u) << "hart 2 does not exist";
  c.wr(kMsip + 4 * 2, 1, 4);
  EXPECT_EQ(c.m.level.count(4), 0u);
  EXPECT_EQ(c.rd(kMsip, 8), 0u) << "msip is 32-bit";
  EXPECT_EQ(c.rd(kMsip + 1, 4), 0u);
  EXPECT_EQ(c.rd(kMtimecmp + 4, 8), 0u) << "a misaligned 64-bit access";
  EXPECT_EQ(c.rd(kMtime, 2), 0u);
  EXPECT_EQ(c.rd(0xc000, 4), 0u);
  EXPECT_EQ(c.rd(0x7fffffff, 4), 0u);
  c.call("timer", {7});  // a callback for a hart that does not exist
  c.call("timer", {-1});
  EXPECT_EQ(c.rd(kMtimecmp, 8), ~0ull) << "reset value: never";
}

}  // namespace
}  // namespace strata::hwvm::riscv

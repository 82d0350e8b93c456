// KvmDebugVcpu on a real flat machine (skipped where /dev/kvm is unusable): the entry state as
// registers, single steps, a hardware breakpoint and the step over it, request_stop from
// another thread while the guest spins and while it is paused, the four-breakpoint limit, and
// memory writes that fail whole.
#include "hwvm/monitor/kvm_debug_vcpu.hpp"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "hwvm/monitor/flat_machine.hpp"

namespace {

using strata::hwvm::Console;
using strata::hwvm::KvmDebugVcpu;
using Kind = strata::vm::StopReason::Kind;

// 1000:0000  mov $0x1234, %bx ; 1000:0003  inc %bx ; 1000:0004  jmp 1000:0004
constexpr std::uint8_t kSpin[] = {0xbb, 0x34, 0x12, 0x43, 0xeb, 0xfe};

class KvmDebugVcpuTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kvm = strata::hwvm::Kvm::open();
    if (!kvm) GTEST_SKIP() << "KVM unusable here: " << kvm.error().message;
    if (auto dbg = kvm->require(KVM_CAP_SET_GUEST_DEBUG); !dbg)
      GTEST_SKIP() << "no guest debugging on this KVM: " << dbg.error().message;
    strata::hwvm::FlatOptions options;
    auto m = strata::hwvm::create_flat_machine(kSpin, options, console_);
    ASSERT_TRUE(m) << m.error().message;
    cpu_ = std::make_unique<KvmDebugVcpu>(std::move(*m));
  }
  std::uint64_t reg(const char* name) {
    auto v = cpu_->read_reg(name);
    EXPECT_TRUE(v) << name;
    return v ? *v : ~0ull;
  }

  Console console_{-1, 1, false};
  std::unique_ptr<KvmDebugVcpu> cpu_;
};

TEST_F(KvmDebugVcpuTest, StepsBreaksAndStopsFromAnotherThread) {
  EXPECT_EQ(cpu_->pc(), 0x10000u);
  EXPECT_EQ(reg("rip"), 0u);
  EXPECT_EQ(reg("cs"), 0x1000u);
  EXPECT_EQ(reg("cs_base"), 0x10000u);
  EXPECT_EQ(cpu_->mode(), strata::hwvm::x86::CpuMode::Real16);
  auto insn = cpu_->disassemble(0x10000);
  ASSERT_TRUE(insn) << insn.error().message;
  EXPECT_EQ(insn->text, "mov $0x1234, %bx");
  EXPECT_EQ(insn->length, 3u);

  auto s = cpu_->step(1);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->kind, Kind::Stepped);
  EXPECT_EQ(cpu_->pc(), 0x10003u);
  EXPECT_EQ(reg("rbx"), 0x1234u);

  ASSERT_TRUE(cpu_->set_breakpoint(0x10004));
  auto b = cpu_->run({});
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->kind, Kind::Breakpoint);
  EXPECT_EQ(b->addr, 0x10004u);
  EXPECT_EQ(reg("rbx"), 0x1235u);
  // Continuing from the breakpoint steps over it: `jmp .` comes back to it at once.
  auto again = cpu_->run({});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->kind, Kind::Breakpoint);

  // Without breakpoints the guest spins for good: only request_stop ends the run.
  EXPECT_TRUE(cpu_->clear_breakpoint(0x10004));
  EXPECT_FALSE(cpu_->clear_breakpoint(0x10004));
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cpu_->request_stop();
  });
  const auto t0 = std::chrono::steady_clock::now();
  auto stopped = cpu_->run({});
  stopper.join();
  ASSERT_TRUE(stopped) << stopped.error().message;
  EXPECT_EQ(stopped->kind, Kind::Stopped);
  EXPECT_EQ(cpu_->pc(), 0x10004u);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));

  // A request made while paused stops the next run before it executes anything.
  ASSERT_TRUE(cpu_->write_reg("pc", 0x10003));
  cpu_->request_stop();
  auto at_once = cpu_->run({});
  ASSERT_TRUE(at_once);
  EXPECT_EQ(at_once->kind, Kind::Stopped);
  EXPECT_EQ(cpu_->pc(), 0x10003u);
  EXPECT_EQ(reg("rbx"), 0x1235u);
  EXPECT_NE(cpu_->stats().find("  debug steps     "), std::string::npos);
}

TEST_F(KvmDebugVcpuTest, FourHardwareBreakpointsAtMost) {
  for (std::uint64_t a = 0; a < 4; ++a) ASSERT_TRUE(cpu_->set_breakpoint(0x10000 + a));
  EXPECT_TRUE(cpu_->set_breakpoint(0x10002));  // already there: no new register needed
  auto fifth = cpu_->set_breakpoint(0x10005);
  ASSERT_FALSE(fifth);
  EXPECT_NE(fifth.error().message.find("all 4 hardware breakpoints"), std::string::npos);
  EXPECT_TRUE(cpu_->clear_breakpoint(0x10001));
  EXPECT_TRUE(cpu_->set_breakpoint(0x10005));
}

TEST_F(KvmDebugVcpuTest, MemoryIsLinearAndAFailedWriteChangesNothing) {
  const std::uint8_t word[2] = {0xaa, 0x55};
  ASSERT_TRUE(cpu_->write_memory(0x20000, word));
  std::uint8_t back[2] = {};
  ASSERT_TRUE(cpu_->read_physical(0x20000, back));
  EXPECT_EQ(back[0], 0xaa);
  EXPECT_EQ(back[1], 0x55);
  // 16 MiB of RAM: a write straddling its end fails, and its first bytes are not written.
  const std::uint64_t end = strata::hwvm::kFlatDefaultMem;
  const std::uint8_t four[4] = {1, 2, 3, 4};
  auto r = cpu_->write_memory(end - 0x1002, std::span<const std::uint8_t>(four, 4));
  EXPECT_TRUE(r);  // inside RAM
  static std::uint8_t big[0x2000] = {};
  auto across = cpu_->write_memory(end - 0x1000, big);
  ASSERT_FALSE(across);
  EXPECT_NE(across.error().message.find("is not guest RAM"), std::string::npos)
      << across.error().message;
  // Bytes 3 and 4 of the first write lie where the failed write began: still there.
  std::uint8_t kept[2] = {};
  ASSERT_TRUE(cpu_->read_memory(end - 0x1000, kept));
  EXPECT_EQ(kept[0], 3);
  EXPECT_EQ(kept[1], 4);
  auto read_past = cpu_->read_memory(end - 1, std::span<std::uint8_t>(back, 2));
  EXPECT_FALSE(read_past);
}

}  // namespace

// The SviDevice adapter's side of the interrupt-controller and timer contracts
// (stdlib/devices/README.md): the PLIC and CLINT models and the test device run through
// hwvm::make_device with a DeviceHost of the test's own, as a machine runs them.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "assembler/assembler.hpp"
#include "hwvm/devices/registry.hpp"
#include "hwvm/devices/svi_device.hpp"

namespace strata::hwvm {
namespace {

struct FakeHost : DeviceHost {
  std::int64_t lines = 2;
  std::uint64_t now = 1000;
  std::vector<std::pair<std::int64_t, bool>> outs;  // irq_out calls
  std::map<std::int64_t, std::uint64_t> deadlines;  // timer_at calls
  std::vector<std::int64_t> power_offs;
  int resets = 0;
  void irq_set(SviDevice&, bool) override {}
  void console_write(std::uint8_t) override {}
  int console_read() override { return -1; }
  void reset_system() override { ++resets; }
  void power_off(SviDevice&, std::int64_t code) override { power_offs.push_back(code); }
  void irq_out(SviDevice&, std::int64_t line, bool level) override {
    outs.emplace_back(line, level);
  }
  std::int64_t irq_lines(SviDevice&) override { return lines; }
  std::uint64_t time() override { return now; }
  void timer_at(SviDevice&, std::int64_t n, std::uint64_t deadline) override {
    deadlines[n] = deadline;
  }
};

std::unique_ptr<SviDevice> make(std::string_view kind, FakeHost& host) {
  auto d = make_device(kind, std::string(kind), host);
  EXPECT_TRUE(d) << d.error().message;
  return d ? std::move(*d) : nullptr;
}

constexpr std::uint64_t kPrio = 0x0, kEnable = 0x2000, kContext = 0x200000;

TEST(ControllerAdapter, PlicInputDrivesTheContextOutputThroughTheHost) {
  FakeHost host;
  auto plic = make("plic", host);
  ASSERT_TRUE(plic);
  plic->write(kPrio + 4 * 10, 4, 1);
  plic->write(kEnable + 0x80 * 1, 4, 1u << 10);  // context 1 (hart 0, S-mode)
  EXPECT_TRUE(host.outs.empty());
  EXPECT_TRUE(plic->input(10, true));
  ASSERT_EQ(host.outs.size(), 1u);
  EXPECT_EQ(host.outs[0], std::make_pair(std::int64_t{1}, true));
  EXPECT_EQ(plic->read(kContext + 0x1000 + 4, 4), 10u) << "claim";
  EXPECT_EQ(host.outs.back(), std::make_pair(std::int64_t{1}, false));
  plic->input(10, false);
  plic->write(kContext + 0x1000 + 4, 4, 10);  // complete; the line is low now
  EXPECT_EQ(host.outs.back(), std::make_pair(std::int64_t{1}, false));
  EXPECT_EQ(plic->faults(), 0u);
}

TEST(ControllerAdapter, PlicAsksTheHostHowManyOutputsItHas) {
  FakeHost host;
  host.lines = 1;  // only context 0 wired
  auto plic = make("plic", host);
  ASSERT_TRUE(plic);
  plic->write(kPrio + 4 * 3, 4, 1);
  plic->write(kEnable + 0x80 * 1, 4, 1u << 3);
  plic->input(3, true);
  EXPECT_TRUE(host.outs.empty()) << "context 1 is not wired, so it never drives a line";
  plic->write(kEnable, 4, 1u << 3);
  ASSERT_FALSE(host.outs.empty());
  EXPECT_EQ(host.outs.back(), std::make_pair(std::int64_t{0}, true));
}

TEST(ControllerAdapter, ClintTimerGoesThroughTimerAtAndTimer) {
  FakeHost host;
  auto clint = make("clint", host);
  ASSERT_TRUE(clint);
  EXPECT_EQ(clint->read(0xbff8, 8), 1000u) << "mtime is the host's clock";
  clint->write(0x4000, 8, 1500);
  ASSERT_EQ(host.deadlines.count(0), 1u);
  EXPECT_EQ(host.deadlines[0], 1500u);
  EXPECT_TRUE(host.outs.empty()) << "not due yet";
  host.now = 1500;
  EXPECT_TRUE(clint->timer(0));
  ASSERT_EQ(host.outs.size(), 1u);
  EXPECT_EQ(host.outs[0], std::make_pair(std::int64_t{1}, true)) << "MTIP of hart 0";
  clint->write(0x0, 4, 1);
  EXPECT_EQ(host.outs.back(), std::make_pair(std::int64_t{0}, true)) << "MSIP of hart 0";
  EXPECT_EQ(clint->faults(), 0u);
}

TEST(ControllerAdapter, ModelsWithoutTheExportsSayNo) {
  FakeHost host;
  auto uart = make("uart16550", host);
  ASSERT_TRUE(uart);
  EXPECT_FALSE(uart->input(1, true));
  EXPECT_FALSE(uart->timer(0));
}

TEST(ControllerAdapter, WrongExportSignaturesAreRefused) {
  FakeHost host;
  auto m = as::assemble(R"(.module bad
.func reset() export
  ret
.end
.func read(%o: i64, %s: i64) -> i64 export
  ret 0
.end
.func write(%o: i64, %s: i64, %v: i64) export
  ret
.end
.func input(%line: i64) export
  ret
.end
)",
                        "bad.sasm");
  ASSERT_TRUE(m) << m.error().message;
  auto d = SviDevice::create("pic", std::move(*m), host);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().message,
            "device pic: model 'bad' exports input as (i64) -> void, expected (i64, i64) -> void");
}

TEST(ControllerAdapter, TestDeviceEndsTheRunWithACode) {
  FakeHost host;
  auto t = make("sifive-test", host);
  ASSERT_TRUE(t);
  t->write(0, 4, 0x5555);
  t->write(0, 4, (42u << 16) | 0x3333);
  t->write(0, 4, 0x7777);
  t->write(0, 4, 0x1234);  // unknown command: ignored
  t->write(4, 4, 0x5555);  // not the register
  t->write(0, 2, 0x5555);  // not a 32-bit access
  EXPECT_EQ(host.power_offs, (std::vector<std::int64_t>{0, 42}));
  EXPECT_EQ(host.resets, 1);
  EXPECT_EQ(t->read(0, 4), 0u);
}

// A host that keeps DeviceHost's defaults for the new calls: the x86 machine's situation.
struct PlainHost : DeviceHost {
  int resets = 0;
  void irq_set(SviDevice&, bool) override {}
  void console_write(std::uint8_t) override {}
  int console_read() override { return -1; }
  void reset_system() override { ++resets; }
};

TEST(ControllerAdapter, DefaultHostWiresNothingAndPowerOffIsAReset) {
  PlainHost host;
  auto plic = make_device("plic", "plic", host);
  ASSERT_TRUE(plic) << plic.error().message;
  (*plic)->write(kPrio + 4, 4, 1);
  (*plic)->write(kEnable, 4, 2);
  (*plic)->input(1, true);  // no outputs wired: nothing to see, nothing breaks
  EXPECT_EQ((*plic)->faults(), 0u);
  auto t = make_device("sifive-test", "test", host);
  ASSERT_TRUE(t);
  (*t)->write(0, 4, 0x5555);
  EXPECT_EQ(host.resets, 1);
}

}  // namespace
}  // namespace strata::hwvm

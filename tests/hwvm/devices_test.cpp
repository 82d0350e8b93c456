// The device bus and the SVI device models, driven by scripted register accesses with no KVM
// at all (STYLE lesson 14): the 16550 UART, the i8042 reset line, and a buggy model that traps.
#include <deque>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "assembler/assembler.hpp"
#include "hwvm/devices/bus.hpp"
#include "hwvm/devices/registry.hpp"
#include "hwvm/devices/svi_device.hpp"

namespace strata::hwvm {
namespace {

// A scripted machine: console input queued by the test, output and IRQ changes recorded.
struct FakeHost : DeviceHost {
  void irq_set(SviDevice& d, bool level) override {
    irq_events.push_back(level);
    irq_level = level;
    irq_line = d.irq();
  }
  void console_write(std::uint8_t b) override { out.push_back(static_cast<char>(b)); }
  int console_read() override {
    if (in.empty()) return -1;
    int b = static_cast<unsigned char>(in.front());
    in.pop_front();
    return b;
  }
  void reset_system() override { ++resets; }

  std::string out;
  std::deque<char> in;
  std::vector<bool> irq_events;
  bool irq_level = false;
  int irq_line = -1;
  int resets = 0;
};

struct Dev {
  FakeHost host;
  std::vector<std::string> faults;
  std::unique_ptr<SviDevice> dev;
};

std::unique_ptr<Dev> make(std::string_view kind, int irq = 4) {
  auto d = std::make_unique<Dev>();
  auto model = device_model(kind);
  EXPECT_TRUE(model) << model.error().message;
  if (!model) return nullptr;
  auto dev = SviDevice::create(std::string(kind) + "0", std::move(*model), d->host, irq,
                               [p = d.get()](std::string_view l) { p->faults.emplace_back(l); });
  EXPECT_TRUE(dev) << dev.error().message;
  if (!dev) return nullptr;
  d->dev = std::move(*dev);
  d->host.irq_events.clear();  // reset() lowers the line once; tests watch what follows
  return d;
}

// 16550 register offsets.
constexpr unsigned kRbr = 0, kIer = 1, kIir = 2, kLcr = 3, kMcr = 4, kLsr = 5, kMsr = 6, kScr = 7;

TEST(Bus, DispatchesOffsetsAndRejectsOverlaps) {
  struct Probe : BusDevice {
    std::string_view name() const override { return "probe"; }
    std::uint64_t read(std::uint64_t off, unsigned size) override { return off * 16 + size; }
    void write(std::uint64_t off, unsigned, std::uint64_t v) override { last = {off, v}; }
    std::pair<std::uint64_t, std::uint64_t> last{};
  } a, b;
  Bus bus;
  ASSERT_TRUE(bus.insert(Space::kPio, 0x3f8, 8, &a));
  ASSERT_TRUE(bus.insert(Space::kPio, 0x60, 1, &b));
  ASSERT_TRUE(bus.insert(Space::kPio, 0x64, 1, &b, 4));
  ASSERT_TRUE(bus.insert(Space::kMmio, 0xd0000000, 0x1000, &a));
  auto clash = bus.insert(Space::kPio, 0x3fc, 8, &b);
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().message,
            "bus: port range 0x3fc-0x403 for probe overlaps 0x3f8-0x3ff of probe");
  EXPECT_FALSE(bus.insert(Space::kPio, 0x3f0, 9, &b));  // overlaps from below
  EXPECT_FALSE(bus.insert(Space::kPio, 0x100, 0, &b));
  EXPECT_FALSE(bus.insert(Space::kMmio, ~0ull - 1, 4, &b));
  EXPECT_TRUE(bus.insert(Space::kPio, 0x3f0, 8, &b));  // adjacent is fine

  std::uint64_t v = 0;
  ASSERT_TRUE(bus.read(Space::kPio, 0x3fd, 1, &v));
  EXPECT_EQ(v, 5u * 16 + 1);  // the device saw offset 5, never 0x3fd
  ASSERT_TRUE(bus.read(Space::kPio, 0x64, 1, &v));
  EXPECT_EQ(v, 4u * 16 + 1);  // offset_base
  ASSERT_TRUE(bus.write(Space::kMmio, 0xd0000010, 4, 99));
  EXPECT_EQ(a.last, std::make_pair(std::uint64_t{0x10}, std::uint64_t{99}));
  EXPECT_FALSE(bus.read(Space::kPio, 0x3ff, 2, &v));  // straddles the end of the range
  EXPECT_FALSE(bus.read(Space::kPio, 0x500, 1, &v));
  EXPECT_FALSE(bus.read(Space::kMmio, 0x3f8, 1, &v));  // spaces are separate
  EXPECT_EQ(all_ones(1), 0xffu);
  EXPECT_EQ(all_ones(8), ~0ull);
}

TEST(Registry, EveryKindHasAModelThatLoads) {
  ASSERT_GE(device_kinds().size(), 2u);
  for (const DeviceKind& k : device_kinds()) {
    auto d = make(k.kind);
    ASSERT_TRUE(d) << k.kind;
  }
  EXPECT_EQ(find_device_kind("nope"), nullptr);
  EXPECT_FALSE(device_model("nope"));
}

TEST(Uart16550, ResetStateAndTransmit) {
  auto d = make("uart16550");
  ASSERT_TRUE(d);
  SviDevice& u = *d->dev;
  EXPECT_EQ(u.read(kLsr, 1), 0x60u);  // THRE | TEMT, no data
  EXPECT_EQ(u.read(kIir, 1), 0x01u);  // nothing pending
  EXPECT_EQ(u.read(kIer, 1), 0x00u);
  EXPECT_EQ(u.read(kMsr, 1), 0xb0u);  // DCD DSR CTS
  for (char c : std::string("hi\n")) u.write(kRbr, 1, static_cast<unsigned char>(c));
  EXPECT_EQ(d->host.out, "hi\n");
  u.write(kScr, 1, 0x5a);
  EXPECT_EQ(u.read(kScr, 1), 0x5au);
  EXPECT_EQ(u.read(8, 1), 0xffu);           // past the registers
  EXPECT_TRUE(d->host.irq_events.empty());  // no interrupt enabled, no edge
  EXPECT_EQ(u.faults(), 0u);
}

TEST(Uart16550, DivisorLatch) {
  auto d = make("uart16550");
  ASSERT_TRUE(d);
  SviDevice& u = *d->dev;
  u.write(kLcr, 1, 0x83);  // DLAB, 8N1
  u.write(kRbr, 1, 0x01);  // DLL: 115200 baud
  u.write(kIer, 1, 0x00);  // DLM
  EXPECT_EQ(u.read(kRbr, 1), 0x01u);
  EXPECT_EQ(u.read(kIer, 1), 0x00u);
  EXPECT_TRUE(d->host.out.empty());  // DLL writes are not transmitted
  u.write(kLcr, 1, 0x03);
  EXPECT_EQ(u.read(kLcr, 1), 0x03u);
  u.write(kIer, 1, 0xff);
  EXPECT_EQ(u.read(kIer, 1), 0x0fu);  // only 4 bits
  u.write(kLcr, 1, 0x83);
  EXPECT_EQ(u.read(kRbr, 1), 0x01u);  // the latch kept its value
}

TEST(Uart16550, ReceiveWithFifoAndDataReady) {
  auto d = make("uart16550");
  ASSERT_TRUE(d);
  SviDevice& u = *d->dev;
  u.write(kIir, 1, 0x07);  // FCR: FIFOs on, cleared
  EXPECT_EQ(u.read(kIir, 1), 0xc1u);
  for (char c : std::string("abc")) d->host.in.push_back(c);
  EXPECT_EQ(u.read(kLsr, 1), 0x61u);  // DR
  std::string got;
  while (u.read(kLsr, 1) & 1) got.push_back(static_cast<char>(u.read(kRbr, 1)));
  EXPECT_EQ(got, "abc");
  EXPECT_EQ(u.read(kLsr, 1), 0x60u);
}

TEST(Uart16550, OverrunWithoutFifo) {
  auto d = make("uart16550");
  ASSERT_TRUE(d);
  SviDevice& u = *d->dev;
  d->host.in.push_back('x');
  EXPECT_EQ(u.read(kLsr, 1), 0x61u);  // one byte pulled into the holding register
  u.write(kMcr, 1, 0x10);             // loopback: a THR write lands in the full receiver
  u.write(kRbr, 1, 'y');
  EXPECT_EQ(u.read(kLsr, 1), 0x63u);  // DR | OE
  EXPECT_EQ(u.read(kLsr, 1), 0x61u);  // OE cleared by the read
  EXPECT_EQ(u.read(kRbr, 1), static_cast<unsigned>('x'));
  EXPECT_TRUE(d->host.out.empty());
}

TEST(Uart16550, LoopbackModemLines) {
  auto d = make("uart16550");
  ASSERT_TRUE(d);
  SviDevice& u = *d->dev;
  u.write(kMcr, 1, 0x1f);  // loop + OUT2 OUT1 RTS DTR
  EXPECT_EQ(u.read(kMsr, 1), 0xf0u);
  u.write(kMcr, 1, 0x12);  // loop + RTS
  EXPECT_EQ(u.read(kMsr, 1), 0x10u);
  u.write(kRbr, 1, 'Q');
  EXPECT_EQ(u.read(kLsr, 1), 0x61u);
  EXPECT_EQ(u.read(kRbr, 1), static_cast<unsigned>('Q'));
}

TEST(Uart16550, InterruptsFollowIerAndIir) {
  auto d = make("uart16550");
  ASSERT_TRUE(d);
  SviDevice& u = *d->dev;
  FakeHost& h = d->host;
  u.write(kIer, 1, 0x02);  // ETBEI with THR empty: THRE interrupt at once
  EXPECT_TRUE(h.irq_level);
  EXPECT_EQ(h.irq_line, 4);
  EXPECT_EQ(u.read(kIir, 1), 0x02u);
  EXPECT_FALSE(h.irq_level);  // reading IIR acknowledged THRE
  EXPECT_EQ(u.read(kIir, 1), 0x01u);
  u.write(kRbr, 1, 'z');  // transmitted: THRE again
  EXPECT_TRUE(h.irq_level);
  u.write(kIer, 1, 0x01);  // only receive interrupts now
  EXPECT_FALSE(h.irq_level);
  h.in.push_back('k');
  u.poll();  // the host says input may have arrived
  EXPECT_TRUE(h.irq_level);
  EXPECT_EQ(u.read(kIir, 1), 0x04u);
  EXPECT_EQ(u.read(kRbr, 1), static_cast<unsigned>('k'));
  EXPECT_FALSE(h.irq_level);
  // Line status has the highest priority.
  u.write(kIer, 1, 0x05);
  u.write(kMcr, 1, 0x10);
  u.write(kRbr, 1, '1');
  u.write(kRbr, 1, '2');  // overrun
  EXPECT_EQ(u.read(kIir, 1), 0x06u);
  EXPECT_EQ(u.read(kLsr, 1) & 0x02, 0x02u);
  EXPECT_EQ(u.read(kIir, 1), 0x04u);  // then the data
  u.write(kIer, 1, 0);
  EXPECT_FALSE(h.irq_level);
  std::vector<bool> want = {true, false, true, false, true, false, true, false};
  EXPECT_EQ(h.irq_events, want);
}

TEST(I8042, ResetCommandAndProbes) {
  auto d = make("i8042", 1);
  ASSERT_TRUE(d);
  SviDevice& k = *d->dev;
  EXPECT_EQ(k.read(4, 1), 0x04u);  // SYS, output buffer empty
  k.write(4, 1, 0xaa);             // self-test
  EXPECT_EQ(k.read(4, 1), 0x0du);  // OBF, SYS, last write a command
  EXPECT_TRUE(d->host.irq_level);  // keyboard interrupt enabled by default
  EXPECT_EQ(k.read(0, 1), 0x55u);
  EXPECT_FALSE(d->host.irq_level);
  k.write(4, 1, 0x60);  // write the command byte
  k.write(0, 1, 0x00);  // interrupts off
  k.write(4, 1, 0x20);
  EXPECT_EQ(k.read(0, 1), 0x00u);
  k.write(0, 1, 0xf4);  // a keyboard command: ACK
  EXPECT_EQ(k.read(0, 1), 0xfau);
  EXPECT_EQ(d->host.resets, 0);
  k.write(4, 1, 0xff);  // pulse nothing (bit 0 set)
  EXPECT_EQ(d->host.resets, 0);
  k.write(4, 1, 0xfe);  // pulse reset
  EXPECT_EQ(d->host.resets, 1);
  k.write(4, 1, 0xd1);  // output port with the reset bit clear
  k.write(0, 1, 0xfe);
  EXPECT_EQ(d->host.resets, 2);
  EXPECT_EQ(k.read(2, 1), 0xffu);
}

// A model with a bug: reading offset 3 divides by zero; writes count into its memory.
constexpr const char* kBuggy = R"(.module buggy
.memory 65536
.func reset() export
  .reg %z: i64
  li %z, 0
  st.i64 %z, %z, 0
  ret
.end
.func read(%off: i64, %size: i64) -> i64 export
  .reg %z: i64, %three: i64, %v: i64
  li %z, 0
  li %three, 3
  beq %off, %three, boom
  ld.i64 %v, %z, 0
  ret %v
boom:
  div %v, %off, %z
  ret %v
.end
.func write(%off: i64, %size: i64, %value: i64) export
  .reg %z: i64, %v: i64
  li %z, 0
  ld.i64 %v, %z, 0
  add %v, %v, %value
  st.i64 %z, %v, 0
  ret
.end
)";

TEST(SviDevice, ATrappingModelIsResetAndKeepsServing) {
  auto model = as::assemble(kBuggy, "buggy.sasm");
  ASSERT_TRUE(model) << model.error().message;
  FakeHost host;
  std::vector<std::string> faults;
  auto dev = SviDevice::create("buggy0", std::move(*model), host, -1,
                               [&](std::string_view l) { faults.emplace_back(l); });
  ASSERT_TRUE(dev) << dev.error().message;
  SviDevice& b = **dev;
  b.write(0, 1, 5);
  b.write(0, 1, 6);
  EXPECT_EQ(b.read(0, 1), 11u);
  EXPECT_EQ(b.read(3, 2), 0xffffu);  // the trap: all-ones of the access size
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_TRUE(faults[0].starts_with("device buggy0: trap in read: ")) << faults[0];
  EXPECT_NE(faults[0].find("; device reset"), std::string::npos) << faults[0];
  EXPECT_EQ(b.faults(), 1u);
  EXPECT_FALSE(b.disabled());
  EXPECT_EQ(b.read(0, 1), 0u);  // state is fresh after the reset
  b.write(0, 1, 7);
  EXPECT_EQ(b.read(0, 1), 7u);  // and the device still works
}

TEST(SviDevice, ContractIsChecked) {
  FakeHost host;
  auto no_write = as::assemble(R"(.func reset() export
  ret
.end
.func read(%o: i64, %s: i64) -> i64 export
  ret 0
.end
)",
                               "m.sasm");
  ASSERT_TRUE(no_write);
  auto d = SviDevice::create("x0", std::move(*no_write), host);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().message, "device x0: model 'm' does not export write");
  auto bad_import = as::assemble(R"(.import "std.io" println(ref)
.func reset() export
  ret
.end
.func read(%o: i64, %s: i64) -> i64 export
  ret 0
.end
.func write(%o: i64, %s: i64, %v: i64) export
  ret
.end
)",
                                 "n.sasm");
  ASSERT_TRUE(bad_import);
  auto e = SviDevice::create("x1", std::move(*bad_import), host);
  ASSERT_FALSE(e);  // device models get "hw" only
  EXPECT_TRUE(e.error().message.starts_with("device x1: ")) << e.error().message;
}

}  // namespace
}  // namespace strata::hwvm

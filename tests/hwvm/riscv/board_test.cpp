// The virt board (hwvm/riscv/board.hpp) with a fake hart: MMIO at the virt addresses reaches
// the models, device interrupts go through the PLIC to MEIP/SEIP, the CLINT drives MSIP and
// the hart's MTIP timer, the test device ends the run.
#include <fcntl.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hwvm/riscv/board.hpp"
#include "hwvm/riscv/virt_layout.hpp"
#include "vm/rv64sys/csr_file.hpp"

namespace strata::hwvm::riscv {
namespace {

namespace csr = vm::rv64sys;

struct FakeHart : HartPins {
  std::uint64_t now = 5000;
  std::map<std::uint64_t, bool> irq;
  std::map<std::uint64_t, std::uint64_t> timer;
  std::vector<int> exits;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> written;
  void set_irq(std::uint64_t bit, bool level) override { irq[bit] = level; }
  void set_timer(std::uint64_t bit, std::uint64_t deadline) override { timer[bit] = deadline; }
  std::uint64_t time() const override { return now; }
  void ram_written(std::uint64_t pa, std::uint64_t len) override { written.emplace_back(pa, len); }
  void request_exit(int code) override { exits.push_back(code); }
};

// The console writes into a pipe the test reads.
struct Rig {
  int fds[2] = {-1, -1};
  FakeHart hart;
  std::unique_ptr<Console> console;
  std::unique_ptr<VirtBoard> board;
  std::vector<std::string> faults;
  Rig() {
    EXPECT_EQ(pipe2(fds, O_NONBLOCK), 0);
    console = std::make_unique<Console>(-1, fds[1], true);
    auto b = VirtBoard::create(hart, *console, {},
                               [this](std::string_view l) { faults.emplace_back(l); });
    EXPECT_TRUE(b) << b.error().message;
    if (b) board = std::move(*b);
  }
  ~Rig() { close(fds[0]); }
  std::string output() {
    console->flush();
    std::string s;
    char buf[256];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
      s.append(buf, static_cast<std::size_t>(n));
    return s;
  }
  std::uint64_t rd(std::uint64_t pa, unsigned size) {
    std::uint64_t v = 0;
    EXPECT_TRUE(board->mmio_read(pa, size, &v)) << std::hex << pa;
    return v;
  }
  void wr(std::uint64_t pa, unsigned size, std::uint64_t v) {
    EXPECT_TRUE(board->mmio_write(pa, size, v)) << std::hex << pa;
  }
};

constexpr std::uint64_t kUartIer = 1, kUartIir = 2;

TEST(VirtBoard, UartAtItsAddressWritesTheConsole) {
  Rig r;
  ASSERT_TRUE(r.board);
  for (char c : std::string("ok\n")) r.wr(kUartBase, 1, static_cast<unsigned char>(c));
  EXPECT_EQ(r.output(), "ok\n");
  EXPECT_EQ(r.rd(kUartBase + 5, 1), 0x60u) << "LSR: transmitter empty";
  EXPECT_TRUE(r.board->virtio_slots().empty());
}

TEST(VirtBoard, NothingAtOtherAddresses) {
  Rig r;
  ASSERT_TRUE(r.board);
  std::uint64_t v = 0;
  EXPECT_FALSE(r.board->mmio_read(0x3000'0000, 4, &v));
  EXPECT_FALSE(r.board->mmio_write(virtio_slot_base(0), 4, 0)) << "no disk: slot 0 is empty";
  EXPECT_EQ(r.board->stats().unclaimed, 2u);
}

TEST(VirtBoard, UartInterruptReachesSeipThroughThePlic) {
  Rig r;
  ASSERT_TRUE(r.board);
  r.wr(kPlicBase + 4 * kUartIrq, 4, 1);                    // priority
  r.wr(kPlicBase + 0x2000 + 0x80 * 1, 4, 1u << kUartIrq);  // enable for context 1 (S)
  r.wr(kPlicBase + 0x200000 + 0x1000 * 1, 4, 0);           // threshold
  EXPECT_FALSE(r.hart.irq[csr::kSeip]);
  r.wr(kUartBase + kUartIer, 1, 0x02);  // THR-empty interrupt: pending at once
  EXPECT_TRUE(r.hart.irq[csr::kSeip]);
  EXPECT_FALSE(r.hart.irq[csr::kMeip]) << "context 0 has nothing enabled";
  EXPECT_EQ(r.rd(kPlicBase + 0x200000 + 0x1000 * 1 + 4, 4), kUartIrq) << "claim";
  EXPECT_FALSE(r.hart.irq[csr::kSeip]) << "claimed";
  EXPECT_EQ(r.rd(kUartBase + kUartIir, 1) & 0x0f, 0x02u) << "THR empty";  // reading IIR clears it
  r.wr(kPlicBase + 0x200000 + 0x1000 * 1 + 4, 4, kUartIrq);               // complete
  EXPECT_FALSE(r.hart.irq[csr::kSeip]) << "the UART's line went low when IIR was read";
  EXPECT_GE(r.board->stats().irq_changes, 2u);
}

TEST(VirtBoard, ClintDrivesMsipAndTheMtipTimer) {
  Rig r;
  ASSERT_TRUE(r.board);
  r.wr(kClintBase, 4, 1);
  EXPECT_TRUE(r.hart.irq[csr::kMsip]);
  r.wr(kClintBase, 4, 0);
  EXPECT_FALSE(r.hart.irq[csr::kMsip]);

  EXPECT_EQ(r.rd(kClintBase + 0xbff8, 8), 5000u) << "mtime is the hart's clock";
  r.wr(kClintBase + 0x4000, 8, 6000);
  EXPECT_EQ(r.hart.timer[csr::kMtip], 6000u) << "the hart raises MTIP at the deadline";
  r.hart.now = 6001;
  r.board->tick();  // the model learns it is due
  EXPECT_EQ(r.hart.timer[csr::kMtip], 0u) << "due now";
  r.wr(kClintBase + 0x4000, 8, 9000);
  EXPECT_EQ(r.hart.timer[csr::kMtip], 9000u) << "a later deadline clears MTIP until then";
  r.wr(kClintBase + 0x4000, 8, 100);
  EXPECT_EQ(r.hart.timer[csr::kMtip], 0u) << "a deadline in the past is due at once";
}

TEST(VirtBoard, TestDeviceEndsTheRun) {
  Rig r;
  ASSERT_TRUE(r.board);
  r.wr(kTestBase, 4, (7u << 16) | 0x3333);
  ASSERT_TRUE(r.board->ending());
  EXPECT_EQ(r.board->ending()->exit_code, 7);
  EXPECT_EQ(r.board->ending()->message, "guest powered off with exit code 7 (test device)");
  EXPECT_EQ(r.hart.exits, std::vector<int>{7});
}

TEST(VirtBoard, TestDevicePowerOffAndReset) {
  Rig a;
  ASSERT_TRUE(a.board);
  a.wr(kTestBase, 4, 0x5555);
  ASSERT_TRUE(a.board->ending());
  EXPECT_EQ(a.board->ending()->exit_code, 0);
  EXPECT_EQ(a.board->ending()->message, "guest powered off (test device)");
  Rig b;
  ASSERT_TRUE(b.board);
  b.wr(kTestBase, 4, 0x7777);
  ASSERT_TRUE(b.board->ending());
  EXPECT_EQ(b.board->ending()->message, "guest reset the machine (test device)");
  EXPECT_EQ(b.hart.exits, std::vector<int>{0});
}

}  // namespace
}  // namespace strata::hwvm::riscv

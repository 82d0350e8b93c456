// Rv64Vcpu::request_stop() from another host thread (the REPL's Ctrl-C): it stops a guest that
// spins inside one translated unit (its loop back-edge checks the time slice), a guest whose
// every thread waits on a futex for ever and one whose threads are parked in blocking syscalls (a
// read of a pipe nobody writes, a long sleep: the runner's idle wait), in every JitMode; the
// guest can then be run on and stopped again.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>

#include "jit/rv64/rv64_vcpu.hpp"
#include "tests/vm/rv64/rv64_test_util.hpp"

namespace strata::jit::rv64 {
namespace {

namespace t = vm::rv64::test;

constexpr const char* kSpin = R"(int main(void) {
  volatile unsigned long n = 0;
  for (;;) n++;
})";

constexpr const char* kDeadlock = R"(#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void) {
  int w = 0;
  syscall(SYS_futex, &w, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0);
  return 3;
})";

constexpr const char* kParked = R"(#include <pthread.h>
#include <unistd.h>
static int fds[2];
static void* reader(void* arg) {
  char b;
  (void)arg;
  return (void*)read(fds[0], &b, 1);
}
int main(void) {
  pthread_t t;
  if (pipe(fds) != 0 || pthread_create(&t, 0, reader, 0) != 0) return 1;
  sleep(1000);
  return 3;
})";

class StopTest : public ::testing::TestWithParam<JitMode> {
 protected:
  void SetUp() override {
    if (!t::have_tool(t::kCrossGcc)) GTEST_SKIP() << "riscv64-linux-gnu-gcc is not installed";
  }
  void TearDown() override {
    if (null_ >= 0) ::close(null_);
  }

  std::unique_ptr<Rv64Vcpu> load(const std::string& elf) {
    EXPECT_FALSE(elf.empty()) << "the cross compiler failed";
    if (elf.empty()) return nullptr;
    null_ = ::open("/dev/null", O_RDWR);
    RunOptions opts;
    opts.jit = GetParam();
    opts.hot_threshold = 4;
    opts.guest_top = uint64_t{1} << 30;
    opts.process.path = elf;
    opts.process.argv = {elf};
    opts.process.stdin_fd = opts.process.stdout_fd = opts.process.stderr_fd = null_;
    opts.process.diag_fd = null_;
    auto v = Rv64Vcpu::create(opts);
    EXPECT_TRUE(v.has_value()) << v.error().message;
    return v ? std::move(*v) : nullptr;
  }

  // Runs `v` while another thread asks it to stop after `delay`. A run that ignores the request
  // would never return: the watchdog then fails the test by aborting.
  vm::StopReason run_until_stopped(Rv64Vcpu& v, std::chrono::milliseconds delay) {
    std::atomic<bool> done{false};
    std::thread stopper([&] {
      std::this_thread::sleep_for(delay);
      v.request_stop();
      for (int i = 0; i < 2000 && !done.load(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (!done.load()) {
        std::fprintf(stderr, "request_stop did not stop the guest within 20 s\n");
        std::abort();
      }
    });
    auto r = v.run(vm::RunLimit{});
    done.store(true);
    stopper.join();
    EXPECT_TRUE(r.has_value());
    return r ? *r : vm::StopReason{};
  }

  int null_ = -1;
};

TEST_P(StopTest, StopsAGuestSpinningInsideOneUnit) {
  static const std::string elf = t::build_c("stop_spin", "-static", kSpin);
  auto v = load(elf);
  ASSERT_NE(v, nullptr);
  const vm::StopReason r = run_until_stopped(*v, std::chrono::milliseconds(100));
  EXPECT_EQ(r.kind, vm::StopReason::Kind::Stopped);
  // The loop is one unit with a loop, and the stop left it at its head.
  auto unit = v->describe_code(v->pc());
  ASSERT_TRUE(unit.has_value());
  EXPECT_NE(unit->find("with a loop"), std::string::npos) << *unit;
  const uint64_t blocks = v->blocks_executed();
  const vm::StopReason again = run_until_stopped(*v, std::chrono::milliseconds(50));
  EXPECT_EQ(again.kind, vm::StopReason::Kind::Stopped);
  EXPECT_GT(v->blocks_executed(), blocks);
}

TEST_P(StopTest, StopsAGuestWhoseThreadsAllWaitForEver) {
  static const std::string elf = t::build_c("stop_deadlock", "-static", kDeadlock);
  auto v = load(elf);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(run_until_stopped(*v, std::chrono::milliseconds(100)).kind,
            vm::StopReason::Kind::Stopped);
  EXPECT_TRUE(v->process().idle());
  // Still deadlocked when run again.
  EXPECT_EQ(run_until_stopped(*v, std::chrono::milliseconds(100)).kind,
            vm::StopReason::Kind::Stopped);
}

TEST_P(StopTest, StopsAGuestWhoseThreadsAreAllParkedInBlockingCalls) {
  static const std::string elf = t::build_c("stop_parked", "-static -pthread", kParked);
  auto v = load(elf);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(run_until_stopped(*v, std::chrono::milliseconds(100)).kind,
            vm::StopReason::Kind::Stopped);
  EXPECT_TRUE(v->process().idle());
  EXPECT_EQ(v->process().thread_count(), 2u);
  EXPECT_EQ(run_until_stopped(*v, std::chrono::milliseconds(100)).kind,
            vm::StopReason::Kind::Stopped);
}

std::string mode_name(const ::testing::TestParamInfo<JitMode>& p) {
  switch (p.param) {
    case JitMode::Off: return "off";
    case JitMode::Baseline: return "baseline";
    default: return "auto";
  }
}

INSTANTIATE_TEST_SUITE_P(AllModes, StopTest,
                         ::testing::Values(JitMode::Off, JitMode::Baseline, JitMode::Auto),
                         mode_name);

}  // namespace
}  // namespace strata::jit::rv64

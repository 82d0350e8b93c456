// Hostile syscalls: every number with argument values a guest can make up (NULL, -1, the state
// page alias, the end of the space, random bytes) must come back as a result or an outcome,
// never as a host crash, a host fd touched, or memory outside the guest space written.
#include <fcntl.h>
#include <unistd.h>

#include <random>

#include "tests/vm/rv64/process_test_util.hpp"

namespace strata::vm::rv64::test {
namespace {

class HostileSyscalls : public ProcessTest {
 protected:
  void SetUp() override {
    null_ = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    ASSERT_GE(null_, 0);
    ProcessTest::SetUp();
  }
  void customize(ProcessOptions& o) override { o.stdin_fd = o.stdout_fd = o.stderr_fd = null_; }
  void TearDown() override {
    ProcessTest::TearDown();
    ::close(null_);
  }
  int null_ = -1;
};

// The syscalls fuzzed: an allow-list, so that a syscall added later is not fed garbage until
// someone has checked it is safe to. Left out on purpose: everything that creates, removes,
// renames or changes files named by a path (garbage bytes or the cwd that getcwd wrote into
// guest memory could name real files; these tests run as root), fchmod/fchown (guest fds 0-2
// are /dev/null here), and calls that can block (ppoll, futex, the sleeps).
constexpr uint64_t kFuzzed[] = {17,  23,  24,  25,  29,  46,  48,  57,  59,  61,  62,  63,  64,
                                65,  66,  67,  68,  69,  70,  78,  79,  80,  82,  83,  96,  99,
                                113, 114, 123, 124, 129, 130, 131, 134, 135, 136, 153, 160, 163,
                                164, 165, 169, 172, 173, 174, 175, 176, 177, 178, 179, 214, 215,
                                216, 222, 226, 233, 259, 261, 278, 291, 439};

TEST_F(HostileSyscalls, RandomArgumentsNeverHurtTheHost) {
  const uint64_t scratch = alloc(64 << 10);
  std::vector<uint8_t> noise(64 << 10);
  std::mt19937_64 rng(12345);
  for (auto& b : noise) b = static_cast<uint8_t>(rng());
  ASSERT_TRUE(mem_->write(scratch, noise.data(), noise.size()));
  const uint64_t top = mem_->top();
  const uint64_t values[] = {0,
                             1,
                             static_cast<uint64_t>(-1),
                             static_cast<uint64_t>(-100),
                             0x7000,
                             0x8000,
                             kGuestMinAddr,
                             scratch,
                             scratch + 4093,
                             top - 1,
                             top,
                             uint64_t{1} << 63,
                             proc_->entry_pc(),
                             3,
                             4096};
  // The test process's own descriptors must survive whatever the guest does with numbers.
  const int probe = ::dup(null_);
  ASSERT_GE(probe, 0);
  int ok = 0, served = 0;
  for (int i = 0; i < 40000; ++i) {
    // Mostly the implemented calls, sometimes a number nothing implements.
    const uint64_t nr =
        rng() % 8 == 0 ? 1000 + rng() % 100000 : kFuzzed[rng() % std::size(kFuzzed)];
    uint64_t a[6];
    for (auto& v : a) v = (rng() % 4 == 0) ? rng() : values[rng() % std::size(values)];
    // Keep the guest's 0/1/2 (here /dev/null) from being replaced by garbage mid-run.
    if ((nr == 24 || nr == 57) && a[1] < 3) continue;
    if (nr == 57 && a[0] < 3) continue;
    call(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    if (outcome_.kind != SyscallOutcome::Kind::Continue) continue;
    const int64_t r = static_cast<int64_t>(mem_->x(10));
    // A result is a value or a Linux errno, never anything in between.
    EXPECT_GE(r, -4095) << "syscall " << nr;
    ok += r >= 0;
    ++served;
  }
  // Not all refused: the random values reach the syscalls' real work too.
  EXPECT_GT(ok, served / 10) << ok << " of " << served;
  EXPECT_GE(::fcntl(probe, F_GETFD), 0);
  EXPECT_GE(::fcntl(null_, F_GETFD), 0);
  ::close(probe);
}

}  // namespace
}  // namespace strata::vm::rv64::test

// Blocking syscalls with several guest threads (vm/rv64/blocked_call.hpp): the running thread
// parks instead of blocking the host, the others run, and the parked one comes back at its
// ecall (arguments intact, the ecall counted once) when its fd is ready, its deadline passes or
// its child exits; the call run again goes on from its first attempt (the timeout, the bytes a
// pipe write moved). Driven like the runner drives the Process: syscall(), preempt() at slice
// ends, wait_runnable() when every thread waits.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include <array>
#include <chrono>

#include "tests/vm/rv64/process_test_util.hpp"

namespace strata::vm::rv64::test {
namespace {

using Kind = SyscallOutcome::Kind;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kClone = 220, kPpoll = 73, kWait4 = 260;
constexpr uint64_t kThreadFlags = 0x3d0f00;  // glibc's pthread_create flags
constexpr uint64_t kSigchld = 17, kWaitPrivate = 128;
constexpr uint64_t kEcallPc = 0x10100;   // where the tests pretend each ecall is
constexpr uint64_t kSliceEnd = 0x40000;  // where the tests pretend a slice ends
constexpr uint64_t kChildSp = 0x2000;    // the second thread's stack pointer

int64_t ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

class BlockingSyscalls : public ProcessTest {
 protected:
  int64_t sys(uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
              uint64_t a4 = 0, uint64_t a5 = 0) {
    mem_->set_state(state::kPc, kEcallPc);
    return call(nr, a0, a1, a2, a3, a4, a5);
  }
  // The runner's part when a parked thread runs again: its ecall, with the registers as they are.
  int64_t rerun() {
    outcome_ = proc_->syscall();
    return static_cast<int64_t>(mem_->x(10));
  }
  void spawn_second_thread() {
    main_sp_ = mem_->x(2);
    ASSERT_GT(sys(kClone, kThreadFlags, kChildSp), 0);
  }
  // A guest pipe: {read end, write end}; `flags` as pipe2's.
  std::array<uint64_t, 2> guest_pipe(uint64_t flags = 0) {
    const uint64_t at = alloc(8);
    EXPECT_EQ(sys(kPipe2, at, flags), 0);
    return {static_cast<uint64_t>(get_as<int32_t>(at)),
            static_cast<uint64_t>(get_as<int32_t>(at + 4))};
  }
  // The running thread waits on a futex for ever.
  void wait_for_ever() {
    const uint32_t zero = 0;
    sys(kFutex, put(&zero, 4), kWaitPrivate, 0);
  }
  bool main_runs() { return mem_->x(2) == main_sp_; }
  bool second_runs() { return mem_->x(2) == kChildSp; }

  uint64_t main_sp_ = 0;
};

TEST_F(BlockingSyscalls, AReadOfAnEmptyPipeParksUntilDataComes) {
  const auto fds = guest_pipe();
  spawn_second_thread();
  const uint64_t buf = alloc(16);
  mem_->set_state(state::kInstret, 1000);
  sys(kRead, fds[0], buf, 16);
  EXPECT_EQ(outcome_.kind, Kind::Redirect);
  ASSERT_TRUE(second_runs());
  // Nothing to read: at a slice end the second thread goes on.
  EXPECT_EQ(proc_->preempt(kSliceEnd), kSliceEnd);
  EXPECT_TRUE(second_runs());
  EXPECT_EQ(sys(kWrite, fds[1], put("hello", 5), 5), 5);
  // Now main's read can go on: it runs its ecall again, a0..a7 untouched, counted once.
  EXPECT_EQ(proc_->preempt(kSliceEnd), kEcallPc);
  ASSERT_TRUE(main_runs());
  EXPECT_EQ(mem_->x(17), kRead);
  EXPECT_EQ(mem_->x(10), fds[0]);
  EXPECT_EQ(mem_->state(state::kInstret), 999u);
  EXPECT_EQ(rerun(), 5);
  EXPECT_EQ(outcome_.kind, Kind::Continue);
  EXPECT_EQ(get(buf, 5), "hello");
}

TEST_F(BlockingSyscalls, ANonBlockingFdSaysEagainAndNeverParks) {
  const auto fds = guest_pipe(0x800);  // O_NONBLOCK
  spawn_second_thread();
  EXPECT_EQ(sys(kRead, fds[0], alloc(16), 16), -EAGAIN);
  EXPECT_EQ(outcome_.kind, Kind::Continue);
  EXPECT_TRUE(main_runs());
}

TEST_F(BlockingSyscalls, ASleepParksUntilItsDeadline) {
  spawn_second_thread();
  const int64_t d[2] = {0, 30'000'000};
  const auto start = Clock::now();
  sys(kNanosleep, put(d, 16), 0);
  EXPECT_EQ(outcome_.kind, Kind::Redirect);
  ASSERT_TRUE(second_runs());
  wait_for_ever();
  EXPECT_EQ(outcome_.kind, Kind::Idle);
  EXPECT_TRUE(proc_->wait_runnable(5'000'000'000));
  EXPECT_GE(ms_since(start), 30);
  ASSERT_TRUE(main_runs());
  EXPECT_EQ(mem_->state(state::kPc), kEcallPc);
  EXPECT_EQ(rerun(), 0);
  EXPECT_EQ(outcome_.kind, Kind::Continue);
}

TEST_F(BlockingSyscalls, APollTimesOutCountingFromItsFirstAttempt) {
  const auto fds = guest_pipe();
  spawn_second_thread();
  const pollfd p{static_cast<int>(fds[0]), POLLIN, 0};
  const uint64_t pfd = put(&p, sizeof p);
  const int64_t timeout[2] = {0, 40'000'000};
  const auto start = Clock::now();
  sys(kPpoll, pfd, 1, put(timeout, 16), 0, 8);
  ASSERT_TRUE(second_runs());
  wait_for_ever();
  EXPECT_TRUE(proc_->wait_runnable(5'000'000'000));
  ASSERT_TRUE(main_runs());
  // Run again after its deadline, the poll returns 0 at once rather than wait 40 ms more.
  EXPECT_EQ(rerun(), 0);
  EXPECT_EQ(outcome_.kind, Kind::Continue);
  EXPECT_GE(ms_since(start), 40);
}

TEST_F(BlockingSyscalls, APollWakesWhenItsFdBecomesReady) {
  const auto fds = guest_pipe();
  spawn_second_thread();
  const pollfd p{static_cast<int>(fds[0]), POLLIN, 0};
  const uint64_t pfd = put(&p, sizeof p);
  sys(kPpoll, pfd, 1, 0, 0, 8);  // no timeout
  ASSERT_TRUE(second_runs());
  EXPECT_EQ(sys(kWrite, fds[1], put("x", 1), 1), 1);
  EXPECT_EQ(proc_->preempt(kSliceEnd), kEcallPc);
  EXPECT_EQ(rerun(), 1);
  EXPECT_EQ(get_as<pollfd>(pfd).revents, POLLIN);
}

TEST_F(BlockingSyscalls, APollOfAClosedFdReturnsAtOnce) {
  spawn_second_thread();
  const pollfd p{77, POLLIN, 0};  // not open in the guest
  const uint64_t pfd = put(&p, sizeof p);
  EXPECT_EQ(sys(kPpoll, pfd, 1, 0, 0, 8), 1);
  EXPECT_EQ(outcome_.kind, Kind::Continue);
  EXPECT_EQ(get_as<pollfd>(pfd).revents, POLLNVAL);
}

TEST_F(BlockingSyscalls, AWriteLargerThanThePipeGoesInPiecesAndReturnsWhenAllIsWritten) {
  const auto fds = guest_pipe();
  spawn_second_thread();
  constexpr uint64_t kSize = 200'000;
  std::string data(kSize, '\0');
  for (uint64_t i = 0; i < kSize; ++i) data[i] = static_cast<char>(i * 7 + i / 1000);
  const uint64_t src = put(data.data(), kSize), dst = alloc(65536);
  sys(kWrite, fds[1], src, kSize);  // fills the pipe, parks
  std::string got;
  for (int rounds = 0;; ++rounds) {
    ASSERT_LT(rounds, 100);
    ASSERT_TRUE(second_runs());
    const int64_t n = sys(kRead, fds[0], dst, 65536);
    ASSERT_GT(n, 0);
    got += get(dst, static_cast<uint64_t>(n));
    ASSERT_EQ(proc_->preempt(kSliceEnd), kEcallPc);
    if (rerun(); outcome_.kind == Kind::Continue) break;
  }
  EXPECT_EQ(static_cast<int64_t>(mem_->x(10)), static_cast<int64_t>(kSize));
  while (got.size() < kSize) {
    const int64_t n = sys(kRead, fds[0], dst, 65536);
    ASSERT_GT(n, 0);
    got += get(dst, static_cast<uint64_t>(n));
  }
  EXPECT_TRUE(got == data);
}

// A parked write run again after the other threads ended goes on from where it stopped: the
// bytes it already moved are not written twice (the pipe is grown meanwhile, so a write that
// started over would fit and go unnoticed but for the data).
TEST_F(BlockingSyscalls, AParkedWriteRunAgainAloneGoesOnFromWhereItStopped) {
  const auto fds = guest_pipe();
  spawn_second_thread();
  constexpr uint64_t kSize = 100'000;
  std::string data(kSize, '\0');
  for (uint64_t i = 0; i < kSize; ++i) data[i] = static_cast<char>(i * 13 + i / 777);
  const uint64_t src = put(data.data(), kSize), dst = alloc(kSize);
  sys(kWrite, fds[1], src, kSize);  // fills the pipe, parks
  ASSERT_TRUE(second_runs());
  ASSERT_GE(sys(kFcntl, fds[1], 1031, 1 << 20), int64_t{kSize});  // F_SETPIPE_SZ
  std::string got;
  while (got.size() < 4096) {
    const int64_t n = sys(kRead, fds[0], dst, kSize);
    ASSERT_GT(n, 0);
    got += get(dst, static_cast<uint64_t>(n));
  }
  sys(kExit, 0);  // the second thread ends: main is alone with its parked write
  if (outcome_.kind == Kind::Idle) {
    ASSERT_TRUE(proc_->wait_runnable(5'000'000'000));
  }
  ASSERT_TRUE(main_runs());
  ASSERT_EQ(mem_->state(state::kPc), kEcallPc);
  EXPECT_EQ(rerun(), static_cast<int64_t>(kSize));
  EXPECT_EQ(outcome_.kind, Kind::Continue);
  ASSERT_EQ(sys(kClose, fds[1]), 0);
  for (int64_t n; (n = sys(kRead, fds[0], dst, kSize)) > 0;)
    got += get(dst, static_cast<uint64_t>(n));
  EXPECT_EQ(got.size(), kSize);
  EXPECT_TRUE(got == data);
}

TEST_F(BlockingSyscalls, AWaitForAChildParksUntilItExitsAndTheChildKeepsOneThread) {
  const auto fds = guest_pipe();
  spawn_second_thread();
  sys(kRead, fds[0], alloc(16), 16);  // main parks
  ASSERT_TRUE(second_runs());
  // Forked while main is parked: the child has only the forking thread.
  const int64_t pid = sys(kClone, kSigchld);
  if (pid == 0) {
    ::usleep(100'000);
    ::_exit(proc_->thread_count() == 1 && !proc_->idle() ? 9 : 1);
  }
  ASSERT_GT(pid, 0);
  const uint64_t status = alloc(4);
  sys(kWait4, static_cast<uint64_t>(pid), status, 0, 0);
  EXPECT_EQ(outcome_.kind, Kind::Idle);  // both threads parked
  // The child's exit wakes the wait (a pidfd), well before the 5 s limit.
  const auto start = Clock::now();
  ASSERT_TRUE(proc_->wait_runnable(5'000'000'000));
  EXPECT_LT(ms_since(start), 3000);
  ASSERT_TRUE(second_runs());
  EXPECT_EQ(rerun(), pid);
  EXPECT_EQ(get_as<int32_t>(status), 9 << 8);
  EXPECT_TRUE(proc_->preempt(kSliceEnd) == kSliceEnd && second_runs());  // main still waits
}

// A signal pending when a woken thread is switched in waits until its call has run again and
// returned: a handler's own syscalls would otherwise end the call's record.
TEST_F(BlockingSyscalls, ASignalWaitsUntilAParkedCallRunningAgainHasReturned) {
  const auto fds = guest_pipe();
  constexpr uint64_t kHandler = 0x50000;
  const uint64_t act[3] = {kHandler, 0, 0};
  ASSERT_EQ(sys(kRtSigaction, SIGUSR1, put(act, 24), 0, 8), 0);
  spawn_second_thread();
  ASSERT_GT(sys(kClone, kThreadFlags, 0x3000), 0);  // a third thread
  const uint64_t buf = alloc(16);
  sys(kRead, fds[0], buf, 16);  // main parks
  ASSERT_TRUE(second_runs());
  // The second thread leaves SIGUSR1 pending (it blocks it) and wakes main's read.
  const uint64_t usr1 = uint64_t{1} << (SIGUSR1 - 1);
  ASSERT_EQ(sys(kRtSigprocmask, 0, put(&usr1, 8), 0, 8), 0);  // SIG_BLOCK
  ASSERT_EQ(sys(kKill, static_cast<uint64_t>(call(kGetpid)), SIGUSR1), 0);
  EXPECT_EQ(sys(kWrite, fds[1], put("y", 1), 1), 1);
  // Its slice ends: main may run again, but the third thread is next round the list.
  EXPECT_EQ(proc_->preempt(kSliceEnd), kEcallPc + 4);
  ASSERT_EQ(mem_->x(2), 0x3000u);
  // The third thread waits: main is switched in at its read's ecall, no handler yet.
  wait_for_ever();
  EXPECT_EQ(outcome_.kind, Kind::Redirect);
  ASSERT_TRUE(main_runs());
  EXPECT_EQ(mem_->state(state::kPc), kEcallPc);
  // The read runs again and returns; then the handler runs.
  rerun();
  EXPECT_EQ(outcome_.kind, Kind::Redirect);
  EXPECT_EQ(mem_->state(state::kPc), kHandler);
  EXPECT_EQ(mem_->x(10), static_cast<uint64_t>(SIGUSR1));
  EXPECT_EQ(get(buf, 1), "y");
}

TEST_F(BlockingSyscalls, ExitGroupEndsAProcessWithParkedThreads) {
  const auto fds = guest_pipe();
  spawn_second_thread();
  sys(kRead, fds[0], alloc(16), 16);
  ASSERT_TRUE(second_runs());
  sys(kExitGroup, 4);
  EXPECT_EQ(outcome_.kind, Kind::Exit);
  EXPECT_EQ(outcome_.status, 4);
}

}  // namespace
}  // namespace strata::vm::rv64::test

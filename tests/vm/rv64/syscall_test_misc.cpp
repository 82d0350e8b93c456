// Time, identity, limits, randomness, signals, futex, exit and unknown syscalls.
#include <sys/utsname.h>
#include <time.h>

#include <fmt/format.h>

#include <csignal>

#include "tests/vm/rv64/process_test_util.hpp"

namespace strata::vm::rv64::test {
namespace {

using Kind = SyscallOutcome::Kind;

class MiscSyscalls : public ProcessTest {
 protected:
  int64_t sigaction(int sig, uint64_t handler) {
    const uint64_t act[3] = {handler, 0, 0};
    return call(kRtSigaction, sig, put(act, sizeof act), 0, 8);
  }
  int64_t sigprocmask(uint64_t how, uint64_t set) {
    return call(kRtSigprocmask, how, put(&set, 8), 0, 8);
  }
};

TEST_F(MiscSyscalls, ClockGettimeFollowsTheHost) {
  const uint64_t ts = alloc(16);
  timespec before, after;
  ::clock_gettime(CLOCK_MONOTONIC, &before);
  ASSERT_EQ(call(kClockGettime, 1, ts), 0);
  ::clock_gettime(CLOCK_MONOTONIC, &after);
  const int64_t sec = get_as<int64_t>(ts), nsec = get_as<int64_t>(ts + 8);
  const auto ns = [](int64_t s, int64_t n) { return s * 1000000000 + n; };
  EXPECT_GE(ns(sec, nsec), ns(before.tv_sec, before.tv_nsec));
  EXPECT_LE(ns(sec, nsec), ns(after.tv_sec, after.tv_nsec));
  ASSERT_EQ(call(kClockGettime, 0, ts), 0);  // CLOCK_REALTIME
  EXPECT_GT(get_as<int64_t>(ts), 1600000000);
  EXPECT_EQ(call(kClockGettime, 99, ts), -EINVAL);
  EXPECT_EQ(call(kClockGettime, static_cast<uint64_t>(-2), ts), -EINVAL);
  EXPECT_EQ(call(kClockGetres, 1, ts), 0);
  EXPECT_EQ(get_as<int64_t>(ts), 0);
  EXPECT_GT(get_as<int64_t>(ts + 8), 0);
  const uint64_t tv = alloc(16);
  ASSERT_EQ(call(kGettimeofday, tv, 0), 0);
  EXPECT_GT(get_as<int64_t>(tv), 1600000000);
  EXPECT_LT(get_as<int64_t>(tv + 8), 1000000);
}

TEST_F(MiscSyscalls, NanosleepSleepsAndValidates) {
  const int64_t req[2] = {0, 2000000};  // 2 ms
  timespec before, after;
  ::clock_gettime(CLOCK_MONOTONIC, &before);
  EXPECT_EQ(call(kNanosleep, put(req, 16), 0), 0);
  ::clock_gettime(CLOCK_MONOTONIC, &after);
  EXPECT_GE((after.tv_sec - before.tv_sec) * 1000000000 + (after.tv_nsec - before.tv_nsec),
            2000000);
  const int64_t bad[2] = {0, 1000000000};
  EXPECT_EQ(call(kNanosleep, put(bad, 16), 0), -EINVAL);
}

TEST_F(MiscSyscalls, UnameSaysLinuxRiscv64) {
  const uint64_t u = alloc(390);
  ASSERT_EQ(call(kUname, u), 0);
  std::string s;
  ASSERT_TRUE(mem_->read_cstring(u, &s));
  EXPECT_EQ(s, "Linux");
  utsname host;
  ::uname(&host);
  ASSERT_TRUE(mem_->read_cstring(u + 65, &s));
  EXPECT_EQ(s, host.nodename);
  ASSERT_TRUE(mem_->read_cstring(u + 130, &s));
  EXPECT_EQ(s.rfind("6.", 0), 0u) << s;
  ASSERT_TRUE(mem_->read_cstring(u + 260, &s));
  EXPECT_EQ(s, "riscv64");
}

TEST_F(MiscSyscalls, GetrandomFillsTheBuffer) {
  const uint64_t a = alloc(64), b = alloc(64);
  EXPECT_EQ(call(kGetrandom, a, 64, 0), 64);
  EXPECT_EQ(call(kGetrandom, b, 64, 1), 64);  // GRND_NONBLOCK
  EXPECT_NE(get(a, 64), get(b, 64));
  EXPECT_NE(get(a, 64), std::string(64, '\0'));
  EXPECT_EQ(call(kGetrandom, a, 64, 8), -EINVAL);
  EXPECT_EQ(call(kGetrandom, a, 0, 0), 0);
}

TEST_F(MiscSyscalls, IdsLimitsAndSystemInformation) {
  const int64_t pid = call(kGetpid);
  EXPECT_EQ(pid, ::getpid());
  EXPECT_EQ(call(kGettid), pid);
  EXPECT_EQ(call(kSetTidAddress, alloc(4)), pid);
  EXPECT_EQ(call(kSetRobustList, alloc(24), 24), 0);
  EXPECT_EQ(call(174), ::getuid());
  EXPECT_EQ(call(176), ::getgid());
  const uint64_t rl = alloc(16);
  ASSERT_EQ(call(kPrlimit64, 0, 3, 0, rl), 0);  // RLIMIT_STACK
  EXPECT_EQ(get_as<uint64_t>(rl), 8u << 20);
  const uint64_t lim[2] = {4 << 20, 8 << 20};
  EXPECT_EQ(call(kPrlimit64, 0, 3, put(lim, 16), 0), 0);
  ASSERT_EQ(call(kGetrlimit, 3, rl), 0);
  EXPECT_EQ(get_as<uint64_t>(rl), 4u << 20);
  EXPECT_EQ(get_as<uint64_t>(rl + 8), 8u << 20);
  const uint64_t inverted[2] = {2, 1};
  EXPECT_EQ(call(kPrlimit64, 0, 3, put(inverted, 16), 0), -EINVAL);
  EXPECT_EQ(call(kPrlimit64, 0, 99, 0, rl), -EINVAL);
  EXPECT_EQ(call(kPrlimit64, 1, 3, 0, rl), -ESRCH);
  const uint64_t si = alloc(112);
  ASSERT_EQ(call(kSysinfo, si), 0);
  EXPECT_GT(get_as<uint64_t>(si + 32), 0u);  // totalram
  const uint64_t mask = alloc(128);
  EXPECT_EQ(call(kSchedGetaffinity, 0, 128, mask), 8);
  EXPECT_EQ(get_as<uint64_t>(mask), 1u);
  EXPECT_EQ(call(kSchedGetaffinity, 0, 4, mask), -EINVAL);
  EXPECT_GE(call(kTimes, alloc(32)), 0);
  EXPECT_EQ(call(kGetrusage, 0, alloc(144)), 0);
}

TEST_F(MiscSyscalls, PointerTakingCallsFaultOnBadPointers) {
  for (uint64_t bad : {uint64_t{0x8000}, unmapped(), static_cast<uint64_t>(-16)}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(call(kClockGettime, 1, bad), -EFAULT);
    EXPECT_EQ(call(kClockGetres, 1, bad), -EFAULT);
    EXPECT_EQ(call(kGettimeofday, bad, 0), -EFAULT);
    EXPECT_EQ(call(kNanosleep, bad, 0), -EFAULT);
    EXPECT_EQ(call(kTimes, bad), -EFAULT);
    EXPECT_EQ(call(kGetrusage, 0, bad), -EFAULT);
    EXPECT_EQ(call(kUname, bad), -EFAULT);
    EXPECT_EQ(call(kGetrandom, bad, 16, 0), -EFAULT);
    EXPECT_EQ(call(kSysinfo, bad), -EFAULT);
    EXPECT_EQ(call(kPrlimit64, 0, 3, bad, 0), -EFAULT);
    EXPECT_EQ(call(kPrlimit64, 0, 3, 0, bad), -EFAULT);
    EXPECT_EQ(call(kGetrlimit, 3, bad), -EFAULT);
    EXPECT_EQ(call(kSchedGetaffinity, 0, 8, bad), -EFAULT);
    EXPECT_EQ(call(kRtSigaction, 6, bad, 0, 8), -EFAULT);
    EXPECT_EQ(call(kRtSigaction, 6, 0, bad, 8), -EFAULT);
    EXPECT_EQ(call(kRtSigprocmask, 0, bad, 0, 8), -EFAULT);
    EXPECT_EQ(call(kRtSigprocmask, 0, 0, bad, 8), -EFAULT);
    EXPECT_EQ(call(kFutex, bad, 0, 0, 0), -EFAULT);
    EXPECT_EQ(call(136, bad, 8), -EFAULT);        // rt_sigpending
    EXPECT_EQ(call(115, 1, 0, bad, 0), -EFAULT);  // clock_nanosleep
  }
}

TEST_F(MiscSyscalls, UnknownSyscallIsEnosysReportedOncePerNumber) {
  EXPECT_EQ(call(437), -ENOSYS);
  EXPECT_EQ(call(437), -ENOSYS);
  EXPECT_EQ(call(434), -ENOSYS);
  EXPECT_EQ(call(100000), -ENOSYS);
  EXPECT_EQ(outcome_.kind, Kind::Continue);
  EXPECT_EQ(diag(),
            "strata: rv64: unsupported syscall 437 (openat2), returning ENOSYS\n"
            "strata: rv64: unsupported syscall 434 (pidfd_open), returning ENOSYS\n"
            "strata: rv64: unsupported syscall 100000 (unknown), returning ENOSYS\n");
  EXPECT_EQ(proc_->stats().unsupported, 4u);
  EXPECT_EQ(proc_->stats().syscalls, 4u);
}

class TracedSyscalls : public MiscSyscalls {
 protected:
  void customize(ProcessOptions& o) override { o.trace_syscalls = true; }
};

TEST_F(TracedSyscalls, EachSyscallIsOneDiagLine) {
  EXPECT_EQ(call(kGetpid), ::getpid());
  EXPECT_EQ(call(kClose, 77), -EBADF);
  call(kExitGroup, 3);
  EXPECT_EQ(diag(), fmt::format("strata: rv64: getpid(0x0, 0x0, 0x0, 0x0, 0x0, 0x0) = {}\n"
                                "strata: rv64: close(0x4d, 0x0, 0x0, 0x0, 0x0, 0x0) = -9\n"
                                "strata: rv64: exit_group(0x3, 0x0, 0x0, 0x0, 0x0, 0x0) ends the "
                                "process (3)\n",
                                ::getpid()));
}

TEST_F(MiscSyscalls, ExitGroupEndsWithTheLowByte) {
  mem_->set_x(10, 0);
  call(kExitGroup, 0x1234);
  EXPECT_EQ(outcome_.kind, Kind::Exit);
  EXPECT_EQ(outcome_.status, 0x34);
  call(kExit, 7);
  EXPECT_EQ(outcome_.kind, Kind::Exit);
  EXPECT_EQ(outcome_.status, 7);
}

TEST_F(MiscSyscalls, TgkillSigabrtToSelfEndsWithTheSignal) {
  const int64_t pid = call(kGetpid);
  call(kTgkill, pid, pid, SIGABRT);
  EXPECT_EQ(outcome_.kind, Kind::Signal);
  EXPECT_EQ(outcome_.status, SIGABRT);
}

TEST_F(MiscSyscalls, SignalsToOthersAndSignalZero) {
  const int64_t pid = call(kGetpid);
  EXPECT_EQ(call(kKill, pid, 0), 0);
  EXPECT_EQ(outcome_.kind, Kind::Continue);
  EXPECT_EQ(call(kKill, 1, SIGTERM), -ESRCH);  // not a child of the guest's
  EXPECT_EQ(call(kKill, static_cast<uint64_t>(-1), SIGTERM), -EPERM);
  EXPECT_EQ(call(kTgkill, pid, pid + 1, SIGTERM), -ESRCH);
  EXPECT_EQ(call(kTkill, 0, SIGTERM), -EINVAL);
  EXPECT_EQ(call(kKill, pid, 65), -EINVAL);
  // Ignored by default, or set to SIG_IGN: nothing happens.
  EXPECT_EQ(call(kKill, pid, SIGCHLD), 0);
  EXPECT_EQ(sigaction(SIGTERM, 1), 0);
  EXPECT_EQ(call(kTkill, pid, SIGTERM), 0);
  EXPECT_EQ(outcome_.kind, Kind::Continue);
  // SIGKILL cannot be caught.
  EXPECT_EQ(sigaction(SIGKILL, 1), -EINVAL);
  call(kKill, 0, SIGKILL);
  EXPECT_EQ(outcome_.kind, Kind::Signal);
  EXPECT_EQ(outcome_.status, SIGKILL);
}

TEST_F(MiscSyscalls, BlockedSignalIsDeliveredWhenUnblocked) {
  const int64_t pid = call(kGetpid);
  const uint64_t abrt = uint64_t{1} << (SIGABRT - 1);
  EXPECT_EQ(sigprocmask(0, abrt), 0);  // SIG_BLOCK
  EXPECT_EQ(call(kTgkill, pid, pid, SIGABRT), 0);
  EXPECT_EQ(outcome_.kind, Kind::Continue);
  const uint64_t old = alloc(8);
  EXPECT_EQ(call(kRtSigprocmask, 0, 0, old, 8), 0);
  EXPECT_EQ(get_as<uint64_t>(old), abrt);
  sigprocmask(1, abrt);  // SIG_UNBLOCK
  EXPECT_EQ(outcome_.kind, Kind::Signal);
  EXPECT_EQ(outcome_.status, SIGABRT);
}

TEST_F(MiscSyscalls, SigactionRecordsHandlersAndTheyRun) {
  const uint64_t act[3] = {0x12340, 0x4000000, 0x5};
  EXPECT_EQ(call(kRtSigaction, SIGABRT, put(act, 24), 0, 8), 0);
  const uint64_t old = alloc(24);
  EXPECT_EQ(call(kRtSigaction, SIGABRT, 0, old, 8), 0);
  EXPECT_EQ(get_as<uint64_t>(old), 0x12340u);
  EXPECT_EQ(get_as<uint64_t>(old + 8), 0x4000000u);
  EXPECT_EQ(get_as<uint64_t>(old + 16), 0x5u);
  EXPECT_EQ(call(kRtSigaction, SIGABRT, 0, old, 4), -EINVAL);  // sigsetsize
  EXPECT_EQ(call(kRtSigaction, 0, 0, old, 8), -EINVAL);
  const int64_t pid = call(kGetpid);
  call(kTgkill, pid, pid, SIGABRT);
  // The handler is entered as tgkill returns (tests/vm/rv64/signal_test.cpp has the details).
  EXPECT_EQ(outcome_.kind, Kind::Redirect);
  EXPECT_EQ(mem_->state(state::kPc), 0x12340u);
  EXPECT_EQ(mem_->x(10), static_cast<uint64_t>(SIGABRT));
}

TEST_F(MiscSyscalls, FutexWithOneThread) {
  const uint32_t word = 5;
  const uint64_t w = put(&word, 4);
  EXPECT_EQ(call(kFutex, w, 128, 4), -EAGAIN);      // FUTEX_WAIT_PRIVATE, value differs
  EXPECT_EQ(call(kFutex, w, 129, 1), 0);            // FUTEX_WAKE_PRIVATE: nobody waits
  EXPECT_EQ(call(kFutex, w + 1, 128, 5), -EINVAL);  // misaligned
  const int64_t zero[2] = {0, 0};
  EXPECT_EQ(call(kFutex, w, 128, 5, put(zero, 16)), -ETIMEDOUT);  // already over
  EXPECT_EQ(call(kFutex, w, 4, 0, 0, 0, 6), -EAGAIN);  // FUTEX_CMP_REQUEUE, value differs
  EXPECT_EQ(call(kFutex, w, 6), -ENOSYS);              // FUTEX_LOCK_PI
  EXPECT_EQ(outcome_.kind, Kind::Continue);
  // A wait with a timeout parks the only thread: the runner sleeps it out.
  const int64_t ms[2] = {0, 1000000};
  call(kFutex, w, 128, 5, put(ms, 16));
  EXPECT_EQ(outcome_.kind, Kind::Idle);
  EXPECT_TRUE(proc_->wait_runnable(2'000'000'000));
  EXPECT_EQ(static_cast<int64_t>(mem_->x(10)), -ETIMEDOUT);
  // Waiting with nobody to wake us is a deadlock: as on Linux, the process waits for ever.
  call(kFutex, w, 128, 5);
  EXPECT_EQ(outcome_.kind, Kind::Idle);
  EXPECT_FALSE(proc_->wait_runnable(1'000'000));
  EXPECT_TRUE(proc_->idle());
}

}  // namespace
}  // namespace strata::vm::rv64::test

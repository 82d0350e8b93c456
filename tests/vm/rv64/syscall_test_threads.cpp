// Guest threads through the syscalls: clone's flag checks and the new thread's registers, the
// switches the Process makes (futex wait, yield, exit) and the runner asks for (preempt), futex
// wake counts, bitsets, requeue and timeouts, and the CHILD_CLEARTID handshake of pthread_join.
#include <climits>
#include <csignal>

#include "tests/vm/rv64/process_test_util.hpp"

namespace strata::vm::rv64::test {
namespace {

using Kind = SyscallOutcome::Kind;

constexpr uint64_t kClone = 220, kSchedYield = 124;
// glibc's pthread_create flags.
constexpr uint64_t kThreadFlags = 0x3d0f00;  // VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|
                                             // PARENT_SETTID|CHILD_CLEARTID
constexpr uint64_t kWaitPrivate = 128, kWakePrivate = 129, kWaitBitset = 9, kWakeBitset = 10,
                   kRequeue = 3;
constexpr uint64_t kEcallPc = 0x10100;  // where the tests pretend each ecall is

class ThreadSyscalls : public ProcessTest {
 protected:
  // A syscall made by the running thread at kEcallPc; returns its a0, or, when the syscall
  // switched threads, the a0 of the thread that now runs.
  int64_t sys(uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
              uint64_t a4 = 0, uint64_t a5 = 0) {
    mem_->set_state(state::kPc, kEcallPc);
    return call(nr, a0, a1, a2, a3, a4, a5);
  }
  // A thread of the test's own, with its stack pointer at `sp` and tp = `tls`.
  int64_t spawn(uint64_t sp, uint64_t tls = 0, uint64_t ptid = 0, uint64_t ctid = 0,
                uint64_t flags = kThreadFlags) {
    return sys(kClone, flags, sp, ptid, tls, ctid);
  }
  uint64_t word(uint32_t v) { return put(&v, 4); }
  int tid() { return static_cast<int>(sys(kGettid)); }
};

TEST_F(ThreadSyscalls, CloneStartsAThreadAfterTheEcallWithItsStackTlsAndA0Zero) {
  const uint64_t ptid = word(0), ctid = word(0);
  mem_->set_x(8, 0x5858);  // s0: copied to the child
  const int64_t child = spawn(0x123450, 0x777000, ptid, ctid);
  ASSERT_GT(child, 1 << 22);
  EXPECT_EQ(outcome_.kind, Kind::Continue);
  EXPECT_EQ(get_as<int32_t>(ptid), child);  // PARENT_SETTID
  EXPECT_EQ(proc_->thread_count(), 2u);
  // The runner ends the parent's slice: the child runs.
  const uint64_t pc = proc_->preempt(0x20000);
  EXPECT_EQ(pc, kEcallPc + 4);
  EXPECT_EQ(mem_->x(10), 0u);
  EXPECT_EQ(mem_->x(2), 0x123450u);
  EXPECT_EQ(mem_->x(4), 0x777000u);
  EXPECT_EQ(mem_->x(8), 0x5858u);
  EXPECT_EQ(tid(), child);
  // And back: the parent goes on where its slice ended, with the tid as clone's result.
  EXPECT_EQ(proc_->preempt(0x30000), 0x20000u);
  EXPECT_EQ(tid(), static_cast<int>(call(kGetpid)));
  EXPECT_EQ(proc_->thread_stats().created, 1u);
  EXPECT_EQ(proc_->thread_stats().switches, 2u);
}

TEST_F(ThreadSyscalls, UnsupportedCloneFlagsAreEinvalWithOneNote) {
  EXPECT_EQ(spawn(0x1000, 0, 0, 0, 0x100 | 0x10000), -EINVAL);    // VM|THREAD without SIGHAND
  EXPECT_EQ(spawn(0x1000, 0, 0, 0, kThreadFlags | 17), -EINVAL);  // a thread with exit signal
  EXPECT_EQ(spawn(0x1000, 0, 0, 0, 0x100 | 17), -EINVAL);         // VM without VFORK or THREAD
  EXPECT_EQ(spawn(0x1000, 0, 0, 0, 0x20000 | 17), -EINVAL);       // CLONE_NEWNS
  EXPECT_EQ(proc_->thread_count(), 1u);
  const std::string d = diag();
  EXPECT_NE(d.find("clone flags 0x10100 are not supported"), std::string::npos) << d;
  // One note per distinct flag set, not per call.
  EXPECT_EQ(spawn(0x1000, 0, 0, 0, 0x100 | 0x10000), -EINVAL);
  EXPECT_EQ(diag(), "");
}

// Linux ignores a failed store of the tid, and so does Strata: no fault, the thread exists.
TEST_F(ThreadSyscalls, CloneWithAnUnwritableParentTidStillMakesTheThread) {
  EXPECT_GT(spawn(0x1000, 0, unmapped()), 1 << 22);
  EXPECT_EQ(proc_->thread_count(), 2u);
}

TEST_F(ThreadSyscalls, FutexWaitSwitchesAndWakeCountsWaiters) {
  const uint64_t w = word(3);
  spawn(0x2000);
  spawn(0x3000);
  const int main_tid = tid();
  // The main thread waits: the next thread (the first child) runs.
  EXPECT_EQ(sys(kFutex, w, kWaitPrivate, 3), 0);
  EXPECT_EQ(outcome_.kind, Kind::Redirect);
  EXPECT_EQ(mem_->x(2), 0x2000u);
  // A value that differs does not wait.
  EXPECT_EQ(sys(kFutex, w, kWaitPrivate, 4), -EAGAIN);
  EXPECT_EQ(outcome_.kind, Kind::Continue);
  // The first child waits too; the second runs and wakes one (the oldest waiter: main).
  sys(kFutex, w, kWaitPrivate, 3);
  EXPECT_EQ(mem_->x(2), 0x3000u);
  EXPECT_EQ(sys(kFutex, w, kWakePrivate, 1), 1);
  EXPECT_EQ(sys(kFutex, w, kWakePrivate, INT_MAX), 1);  // the child
  EXPECT_EQ(sys(kFutex, w, kWakePrivate, INT_MAX), 0);  // nobody left
  // Main resumes after its ecall with a0 = 0.
  EXPECT_EQ(sys(kSchedYield), 0);
  EXPECT_EQ(mem_->state(state::kPc), kEcallPc + 4);
  EXPECT_EQ(tid(), main_tid);
}

TEST_F(ThreadSyscalls, BitsetsChooseWhomAWakeReaches) {
  const uint64_t w = word(0);
  spawn(0x2000);
  sys(kFutex, w, kWaitBitset | kWaitPrivate, 0, 0, 0, 0x1);  // main waits on bit 0
  EXPECT_EQ(mem_->x(2), 0x2000u);
  EXPECT_EQ(sys(kFutex, w, kWakeBitset | kWaitPrivate, INT_MAX, 0, 0, 0x2), 0);
  EXPECT_EQ(sys(kFutex, w, kWakeBitset | kWaitPrivate, INT_MAX, 0, 0, 0), -EINVAL);
  EXPECT_EQ(sys(kFutex, w, kWakeBitset | kWaitPrivate, INT_MAX, 0, 0, 0x3), 1);
}

TEST_F(ThreadSyscalls, RequeueMovesWaitersToAnotherWord) {
  const uint64_t a = word(0), b = word(0);
  spawn(0x2000);
  spawn(0x3000);
  sys(kFutex, a, kWaitPrivate, 0);  // main
  sys(kFutex, a, kWaitPrivate, 0);  // first child; the second runs
  EXPECT_EQ(mem_->x(2), 0x3000u);
  // Wake none, move one: main now waits on b.
  EXPECT_EQ(sys(kFutex, a, kRequeue, 0, 1, b), 1);
  EXPECT_EQ(sys(kFutex, a, kWakePrivate, INT_MAX), 1);  // the first child only
  EXPECT_EQ(sys(kFutex, b, kWakePrivate, INT_MAX), 1);  // main
}

TEST_F(ThreadSyscalls, EveryThreadWaitingIsIdleUntilTheEarliestTimeout) {
  const uint64_t w = word(0);
  spawn(0x2000);
  const int64_t long_wait[2] = {30, 0}, short_wait[2] = {0, 2000000};
  sys(kFutex, w, kWaitPrivate, 0, put(long_wait, 16));  // main
  EXPECT_EQ(outcome_.kind, Kind::Redirect);
  sys(kFutex, w, kWaitPrivate, 0, put(short_wait, 16));  // the child
  EXPECT_EQ(outcome_.kind, Kind::Idle);
  EXPECT_TRUE(proc_->idle());
  EXPECT_TRUE(proc_->wait_runnable(5'000'000'000));
  // The child timed out; main still waits.
  EXPECT_EQ(mem_->x(2), 0x2000u);
  EXPECT_EQ(static_cast<int64_t>(mem_->x(10)), -ETIMEDOUT);
  EXPECT_EQ(mem_->state(state::kPc), kEcallPc + 4);
  EXPECT_EQ(sys(kFutex, w, kWakePrivate, 1), 1);
}

TEST_F(ThreadSyscalls, ExitClearsTheChildTidAndWakesItsJoiner) {
  const uint64_t ctid = word(0);
  const int64_t child = spawn(0x2000, 0, 0, ctid, kThreadFlags | 0x1000000);  // +CHILD_SETTID
  EXPECT_EQ(get_as<int32_t>(ctid), child);
  // Main joins: waits on the tid word; the child runs and exits.
  sys(kFutex, ctid, kWaitPrivate, static_cast<uint64_t>(child));
  EXPECT_EQ(tid(), child);
  sys(kExit, 5);
  EXPECT_EQ(outcome_.kind, Kind::Redirect);
  EXPECT_EQ(get_as<int32_t>(ctid), 0);
  EXPECT_EQ(proc_->thread_count(), 1u);
  EXPECT_EQ(mem_->x(10), 0u);  // main woken
  // The last thread's exit ends the process with its status.
  sys(kExit, 6);
  EXPECT_EQ(outcome_.kind, Kind::Exit);
  EXPECT_EQ(outcome_.status, 6);
}

TEST_F(ThreadSyscalls, ThreadsAreCappedWithEagain) {
  int64_t last = 0;
  while (proc_->thread_count() < 4096) {
    last = spawn(0);
    ASSERT_GT(last, 0);
  }
  EXPECT_EQ(spawn(0), -EAGAIN);
  EXPECT_EQ(proc_->thread_count(), 4096u);
}

TEST_F(ThreadSyscalls, TgkillFindsLiveThreadsOnly) {
  const int64_t pid = call(kGetpid);
  const int64_t child = spawn(0x2000);
  EXPECT_EQ(sys(kTgkill, pid, child, 0), 0);
  EXPECT_EQ(sys(kTgkill, pid, child + 1, 0), -ESRCH);
  EXPECT_EQ(sys(kTkill, child, 0), 0);
  EXPECT_EQ(sys(kSetTidAddress, 0), pid);  // main's tid is the pid
}

}  // namespace
}  // namespace strata::vm::rv64::test

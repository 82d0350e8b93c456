// Time syscalls. struct timespec and struct timeval are two 64-bit fields on RISC-V and on
// x86-64, struct tms four longs and struct rusage the same 144 bytes, so the host's results
// are copied as they are. With several guest threads a sleep parks the thread until its deadline
// (blocked_call.hpp) instead of sleeping the host.
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

#include "vm/rv64/blocked_call.hpp"
#include "vm/rv64/syscall_context.hpp"

namespace strata::vm::rv64 {

namespace {

static_assert(sizeof(timespec) == 16 && sizeof(timeval) == 16 && sizeof(tms) == 32);
static_assert(sizeof(rusage) == 144);

// Clock ids 0..11 (REALTIME ... BOOTTIME_ALARM, TAI) are the same everywhere; the negative ones
// name other processes' CPU clocks or fds, which the guest does not have.
bool valid_clock(uint64_t id) {
  const int64_t c = arg_int(id);
  return c >= 0 && c <= 11;
}

int64_t sys_clock_gettime(SysContext& c, const SyscallArgs& a) {
  if (!valid_clock(a[0])) return -EINVAL;
  timespec ts;
  if (::clock_gettime(static_cast<clockid_t>(a[0]), &ts) < 0) return neg_errno();
  return c.copy_out(a[1], &ts, sizeof ts) ? 0 : -EFAULT;
}

int64_t sys_clock_getres(SysContext& c, const SyscallArgs& a) {
  if (!valid_clock(a[0])) return -EINVAL;
  timespec ts;
  if (::clock_getres(static_cast<clockid_t>(a[0]), &ts) < 0) return neg_errno();
  if (a[1] == 0) return 0;
  return c.copy_out(a[1], &ts, sizeof ts) ? 0 : -EFAULT;
}

// Reads and validates a guest timespec; 0 or -errno.
int64_t read_timespec(SysContext& c, uint64_t addr, timespec* ts) {
  if (!c.copy_in(addr, ts, sizeof *ts)) return -EFAULT;
  if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000) return -EINVAL;
  return 0;
}

constexpr int64_t kNsPerSec = 1'000'000'000;

int64_t to_ns(const timespec& t) {
  return t.tv_sec >= INT64_MAX / kNsPerSec - 1 ? INT64_MAX : t.tv_sec * kNsPerSec + t.tv_nsec;
}

// Clocks a sleep may park on: their time runs with CLOCK_MONOTONIC's (the CPU-time clocks and
// the alarm clocks sleep on the host as before).
bool parkable_clock(int64_t clock) {
  return clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC || clock == CLOCK_BOOTTIME ||
         clock == CLOCK_TAI;
}

// A sleep until `wake` (on `clock`, absolute, or relative to the first attempt) by a thread that
// may park, or whose sleep was parked before: 0 once over; parks the thread otherwise (its value
// is then ignored). On the host (one thread left) it sleeps out the rest.
int64_t park_sleep(SysContext& c, clockid_t clock, bool absolute, const timespec& wake) {
  BlockedCall& b = blocked_call(c);
  if (!b.retry) {
    int64_t offset = 0;  // the clock's time at the start, for an absolute wake-up
    if (absolute) {
      timespec now;
      ::clock_gettime(clock, &now);
      offset = to_ns(now);
    }
    const int64_t ns = to_ns(wake) - offset;
    b.deadline_ns = ns > INT64_MAX - b.start_ns ? -1 : b.start_ns + std::max<int64_t>(0, ns);
  }
  if (b.deadline_ns >= 0 && b.deadline_ns <= monotonic_ns()) return 0;
  if (can_park(c)) {
    park(c, b.deadline_ns);
    return 0;
  }
  const int64_t deadline = b.deadline_ns < 0 ? INT64_MAX : b.deadline_ns;
  const timespec until{deadline / kNsPerSec, deadline % kNsPerSec};
  return -static_cast<int64_t>(::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr));
}

int64_t sys_nanosleep(SysContext& c, const SyscallArgs& a) {
  timespec req, rem{};
  if (int64_t e = read_timespec(c, a[0], &req)) return e;
  if (can_park(c) || retried_call(c)) return park_sleep(c, CLOCK_MONOTONIC, false, req);
  if (::nanosleep(&req, &rem) == 0) return 0;
  const int64_t err = neg_errno();
  if (err == -EINTR && a[1] != 0 && !c.copy_out(a[1], &rem, sizeof rem)) return -EFAULT;
  return err;
}

int64_t sys_clock_nanosleep(SysContext& c, const SyscallArgs& a) {
  if (!valid_clock(a[0])) return -EINVAL;
  if ((a[1] & ~uint64_t{TIMER_ABSTIME}) != 0) return -EINVAL;
  timespec req, rem{};
  if (int64_t e = read_timespec(c, a[2], &req)) return e;
  if (parkable_clock(arg_int(a[0])) && (can_park(c) || retried_call(c)))
    return park_sleep(c, static_cast<clockid_t>(a[0]), (a[1] & TIMER_ABSTIME) != 0, req);
  const int r = ::clock_nanosleep(static_cast<clockid_t>(a[0]), static_cast<int>(a[1]), &req, &rem);
  if (r == EINTR && !(a[1] & TIMER_ABSTIME) && a[3] != 0 && !c.copy_out(a[3], &rem, sizeof rem))
    return -EFAULT;
  return -static_cast<int64_t>(r);
}

int64_t sys_gettimeofday(SysContext& c, const SyscallArgs& a) {
  timeval tv;
  ::gettimeofday(&tv, nullptr);
  if (a[0] != 0 && !c.copy_out(a[0], &tv, sizeof tv)) return -EFAULT;
  if (a[1] != 0) {
    const int32_t tz[2] = {0, 0};  // struct timezone: UTC, no DST
    if (!c.copy_out(a[1], tz, sizeof tz)) return -EFAULT;
  }
  return 0;
}

int64_t sys_times(SysContext& c, const SyscallArgs& a) {
  tms t;
  const clock_t r = ::times(&t);
  if (a[0] != 0 && !c.copy_out(a[0], &t, sizeof t)) return -EFAULT;
  return static_cast<int64_t>(r);
}

int64_t sys_getrusage(SysContext& c, const SyscallArgs& a) {
  const int64_t who = arg_int(a[0]);
  if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD) return -EINVAL;
  rusage u;
  // The guest is the whole host process as far as it can tell (its only thread runs here).
  if (::getrusage(static_cast<int>(who), &u) < 0) return neg_errno();
  return c.copy_out(a[1], &u, sizeof u) ? 0 : -EFAULT;
}

}  // namespace

void add_time_syscalls(SyscallTable& t) {
  t[101] = sys_nanosleep;
  t[113] = sys_clock_gettime;
  t[114] = sys_clock_getres;
  t[115] = sys_clock_nanosleep;
  t[153] = sys_times;
  t[165] = sys_getrusage;
  t[169] = sys_gettimeofday;
}

}  // namespace strata::vm::rv64

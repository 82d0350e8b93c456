// futex: WAIT and WAKE (plain and _BITSET), REQUEUE and CMP_REQUEUE, on the guest threads of
// guest_threads.hpp. FUTEX_PRIVATE_FLAG changes nothing (there is one guest process per host
// process, and its futexes are never shared with another: a futex on a MAP_SHARED mapping does
// not reach a forked child). A wait that blocks parks the running thread; the value check and
// the parking are one step, as nothing else runs meanwhile.
#include <time.h>

#include <fmt/format.h>

#include "vm/rv64/guest_threads.hpp"
#include "vm/rv64/syscall_context.hpp"

namespace strata::vm::rv64 {

namespace {

constexpr uint64_t kWait = 0, kWake = 1, kRequeue = 3, kCmpRequeue = 4, kWaitBitset = 9,
                   kWakeBitset = 10;
constexpr uint64_t kPrivateFlag = 128, kClockRealtime = 256;
constexpr int64_t kNsPerSec = 1'000'000'000;

// A guest timespec as nanoseconds; 0 or -errno. A time too far to count saturates (no deadline).
int64_t read_ns(SysContext& c, uint64_t addr, int64_t* ns) {
  timespec ts;
  if (!c.copy_in(addr, &ts, sizeof ts)) return -EFAULT;
  if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= kNsPerSec) return -EINVAL;
  *ns = ts.tv_sec >= INT64_MAX / kNsPerSec - 1 ? INT64_MAX : ts.tv_sec * kNsPerSec + ts.tv_nsec;
  return 0;
}

int64_t futex_wait(SysContext& c, uint64_t uaddr, uint32_t val, uint64_t timeout, bool absolute,
                   bool realtime, uint32_t bitset) {
  if (bitset == 0) return -EINVAL;
  uint32_t word;
  if (!c.copy_in(uaddr, &word, 4)) return -EFAULT;
  int64_t deadline = -1;
  if (timeout != 0) {
    int64_t t;
    if (int64_t e = read_ns(c, timeout, &t)) return e;
    const int64_t now = monotonic_ns();
    if (t != INT64_MAX) {
      if (!absolute) {
        deadline = t > INT64_MAX - now ? -1 : now + t;
      } else if (realtime) {
        timespec rt;
        ::clock_gettime(CLOCK_REALTIME, &rt);
        deadline = now + (t - (rt.tv_sec * kNsPerSec + rt.tv_nsec));
      } else {
        deadline = t;
      }
    }
    if (word == val && deadline >= 0 && deadline <= now) return -ETIMEDOUT;
  }
  if (word != val) return -EAGAIN;
  ThreadTable& tt = c.threads;
  GuestThread& self = tt.running();
  self.waiting = true;
  self.futex_addr = uaddr;
  self.futex_bitset = bitset;
  self.deadline_ns = deadline;
  self.wait_seq = tt.next_wait_seq++;
  tt.leave = ThreadTable::Leave::Block;
  return 0;  // the thread's a0 is set when it is woken or times out
}

// Linux wakes at least one waiter, whatever the count says.
int64_t wake_count(uint64_t raw) {
  const int64_t n = arg_int(raw);
  return n < 1 ? 1 : n;
}

int64_t futex_requeue(SysContext& c, uint64_t uaddr, uint64_t nwake, uint64_t nmove,
                      uint64_t uaddr2) {
  if (uaddr2 % 4 != 0) return -EINVAL;
  const int64_t move_max = arg_int(nmove);
  if (move_max < 0) return -EINVAL;
  const int64_t woken = futex_wake(c, uaddr, arg_int(nwake) < 0 ? 0 : arg_int(nwake), ~0u);
  int64_t moved = 0;
  for (uint64_t seq = 0; moved < move_max;) {
    // The remaining waiters on uaddr, oldest first.
    GuestThread* next = nullptr;
    for (GuestThread& t : c.threads.list)
      if (futex_waiting(t) && t.futex_addr == uaddr && t.wait_seq >= seq &&
          (next == nullptr || t.wait_seq < next->wait_seq))
        next = &t;
    if (next == nullptr) break;
    next->futex_addr = uaddr2;
    seq = next->wait_seq + 1;
    ++moved;
  }
  return woken + moved;
}

int64_t sys_futex(SysContext& c, const SyscallArgs& a) {
  const uint64_t uaddr = a[0], op = a[1], timeout = a[3];
  const uint32_t val = static_cast<uint32_t>(a[2]), val3 = static_cast<uint32_t>(a[5]);
  const uint64_t cmd = op & ~(kPrivateFlag | kClockRealtime);
  const bool realtime = (op & kClockRealtime) != 0;
  // GUEST: the futex word must be an aligned, mapped u32.
  if (uaddr % 4 != 0) return -EINVAL;
  if (realtime && cmd != kWait && cmd != kWaitBitset) return -ENOSYS;
  switch (cmd) {
    case kWait: return futex_wait(c, uaddr, val, timeout, false, realtime, ~0u);
    case kWaitBitset: return futex_wait(c, uaddr, val, timeout, true, realtime, val3);
    case kWake: return futex_wake(c, uaddr, wake_count(a[2]), ~0u);
    case kWakeBitset:
      if (val3 == 0) return -EINVAL;
      return futex_wake(c, uaddr, wake_count(a[2]), val3);
    case kRequeue: return futex_requeue(c, uaddr, a[2], a[3], a[4]);
    case kCmpRequeue: {
      uint32_t word;
      if (!c.copy_in(uaddr, &word, 4)) return -EFAULT;
      if (word != val3) return -EAGAIN;
      return futex_requeue(c, uaddr, a[2], a[3], a[4]);
    }
    default:
      c.note_once(
          fmt::format("strata: rv64: futex operation {} is not supported, returning ENOSYS", cmd));
      return -ENOSYS;
  }
}

}  // namespace

void add_futex_syscalls(SyscallTable& t) {
  t[98] = sys_futex;
}

}  // namespace strata::vm::rv64

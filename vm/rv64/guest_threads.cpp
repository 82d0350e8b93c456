// Guest threads: saving, loading and choosing the running thread, futex wake, timeouts of futex
// waits and parked calls.
#include "vm/rv64/guest_threads.hpp"

#include <time.h>

#include <algorithm>
#include <cerrno>

#include "vm/rv64/syscall_context.hpp"

namespace strata::vm::rv64 {

namespace {

constexpr size_t kA0 = 10;

void set_a0(GuestThread& t, int64_t v) {
  t.regs[x_offset(kA0) / 8] = static_cast<uint64_t>(v);
}

void load(SysContext& c, size_t i) {
  ThreadTable& tt = c.threads;
  GuestThread& t = tt.list[i];
  for (uint32_t off = 0; off < state::kThreadEnd; off += 8) c.mem.set_state(off, t.regs[off / 8]);
  // A reservation never survives a switch: the SC after it fails, as the spec allows.
  c.mem.set_state(state::kResValid, 0);
  c.signals.blocked = t.blocked;
  if (i != tt.current) ++tt.stats.switches;
  tt.current = i;
  tt.idle = false;
}

}  // namespace

int64_t monotonic_ns() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void save_running(SysContext& c) {
  GuestThread& t = c.threads.running();
  for (uint32_t off = 0; off < state::kThreadEnd; off += 8) t.regs[off / 8] = c.mem.state(off);
  t.blocked = c.signals.blocked;
}

bool schedule_from(SysContext& c, size_t from) {
  ThreadTable& tt = c.threads;
  const size_t n = tt.list.size();
  for (size_t k = 0; k < n; ++k) {
    const size_t i = (from + k) % n;
    if (!tt.list[i].waiting) {
      load(c, i);
      return true;
    }
  }
  tt.idle = true;
  return false;
}

void expire_waits(SysContext& c, int64_t now_ns) {
  for (GuestThread& t : c.threads.list) {
    if (t.waiting && t.deadline_ns >= 0 && t.deadline_ns <= now_ns) {
      t.waiting = false;
      t.deadline_ns = -1;
      // A parked thread runs its call again, which sees its own timeout (blocked_call.hpp).
      if (t.parked)
        t.parked = false;
      else
        set_a0(t, -ETIMEDOUT);
    }
  }
}

int64_t earliest_deadline(const SysContext& c) {
  int64_t best = -1;
  for (const GuestThread& t : c.threads.list)
    if (t.waiting && t.deadline_ns >= 0 && (best < 0 || t.deadline_ns < best)) best = t.deadline_ns;
  return best;
}

int64_t futex_wake(SysContext& c, uint64_t addr, int64_t n, uint32_t bitset) {
  std::vector<GuestThread*> waiters;
  for (GuestThread& t : c.threads.list)
    if (futex_waiting(t) && t.futex_addr == addr && (t.futex_bitset & bitset) != 0)
      waiters.push_back(&t);
  std::sort(waiters.begin(), waiters.end(),
            [](const GuestThread* a, const GuestThread* b) { return a->wait_seq < b->wait_seq; });
  int64_t woken = 0;
  for (GuestThread* t : waiters) {
    if (woken >= n) break;
    t->waiting = false;
    set_a0(*t, 0);
    ++woken;
  }
  return woken;
}

GuestThread* find_thread(SysContext& c, int64_t tid) {
  for (GuestThread& t : c.threads.list)
    if (t.tid == tid) return &t;
  return nullptr;
}

}  // namespace strata::vm::rv64

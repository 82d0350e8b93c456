// Guest threads: green threads, all run by the one host thread that runs the CPU loop.
//
// The state page (guest_layout.hpp) holds the RUNNING thread's registers; every other thread's
// are saved in its record ([0, state::kThreadEnd): x, f, fcsr, pc, the LR/SC reservation,
// instret) with its signal mask. A switch saves the running thread, loads the next and clears
// the reservation (an SC may always fail). Guest atomics are then atomic for free: nothing else
// runs while a unit runs. Threads switch when one blocks in futex wait, yields, exits, or its
// time slice runs out (the runner's preempt, rv64_vcpu.hpp).
//
// A syscall that would block the host (a read of an empty pipe, a sleep, a wait for a child:
// blocked_call.hpp) parks the thread instead while other threads exist: it waits like a futex
// waiter, but for a BlockedCall's condition, and when that holds it runs its ecall again. With
// one thread the call blocks the host directly.
//
// Thread ids start above Linux's PID_MAX_LIMIT (2^22), so they never name a host process; the
// main thread's is the pid, as on Linux. A forked child keeps only the forking thread, whose tid
// becomes the child's pid.
//
// A futex waiter records the word's guest address and bitset, and a CLOCK_MONOTONIC deadline
// when it has a timeout; wakes go to waiters in the order they started waiting. Its a0 is set
// when it is woken (0) or times out (-ETIMEDOUT). Internal to vm/rv64.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "vm/rv64/blocked_call.hpp"
#include "vm/rv64/guest_layout.hpp"

namespace strata::vm::rv64 {

struct SysContext;

inline constexpr int kFirstTid = (1 << 22) + 1;

struct GuestThread {
  int tid = 0;
  std::array<uint64_t, state::kThreadEnd / 8> regs{};  // valid while not running
  uint64_t blocked = 0;                                // its signal mask, while not running
  uint64_t clear_tid = 0;  // CLONE_CHILD_CLEARTID / set_tid_address: zeroed and woken at exit
  bool waiting = false;    // cannot run: in futex wait, or parked (below)
  bool parked = false;     // the wait is `call`'s, not a futex's; it ends by retrying the call
  uint64_t futex_addr = 0;
  uint32_t futex_bitset = 0;
  int64_t deadline_ns = -1;  // CLOCK_MONOTONIC; -1: no timeout (parked: when to retry anyway)
  uint64_t wait_seq = 0;     // order of the waits, for FIFO wakes
  // The blocking syscall this thread is in (parked, or retrying after its wait ended); empty
  // once the call completes.
  std::optional<BlockedCall> call;
};

struct ThreadStats {
  uint64_t created = 0;   // by clone
  uint64_t switches = 0;  // loads of another thread's registers
};

struct ThreadTable {
  std::vector<GuestThread> list;  // list[current] is running (its registers: the state page)
  size_t current = 0;
  // No thread can run (all wait): the state page holds the last one's stale registers.
  bool idle = false;
  // Set by a syscall after which the running thread gives the CPU up: Process::syscall then
  // saves it (Block, Yield: it goes on after the ecall; Park: at the ecall, to run it again, a0
  // untouched) or drops it (Exit) and switches.
  enum class Leave { None, Block, Yield, Park, Exit };
  Leave leave = Leave::None;
  int next_tid = kFirstTid;
  uint64_t next_wait_seq = 0;
  ThreadStats stats;

  GuestThread& running() { return list[current]; }
};

int64_t monotonic_ns();

// Copies the running thread's registers (and signal mask) into its record.
void save_running(SysContext& c);
// Makes the first thread able to run, looking from list[from] round the list, the running one;
// false (and ThreadTable::idle) when all wait. The previous running thread must be saved or gone.
bool schedule_from(SysContext& c, size_t from);
// Ends the timed-out waits: a futex waiter's a0 = -ETIMEDOUT, a parked thread will retry.
void expire_waits(SysContext& c, int64_t now_ns);
// In futex wait (not parked).
inline bool futex_waiting(const GuestThread& t) {
  return t.waiting && !t.parked;
}
// The earliest deadline of a waiting thread, or -1.
int64_t earliest_deadline(const SysContext& c);
// Wakes at most n waiters on the word at `addr` whose bitset meets `bitset`; their a0 = 0.
// Returns how many.
int64_t futex_wake(SysContext& c, uint64_t addr, int64_t n, uint32_t bitset);
// The thread with tid `tid`, or null.
GuestThread* find_thread(SysContext& c, int64_t tid);

}  // namespace strata::vm::rv64

// The unprivileged counters cycle, time and instret (rdcycle/rdtime/rdinstret and the csrr
// forms). Their values differ from run to run, so only their properties print: each can be
// read, none goes backwards, instret grows with the instructions executed, and time advances
// across a 20 ms sleep.
#include <time.h>

#include "insn.h"

struct Counters {
  uint64_t cycle, time, instret;
};

static struct Counters read_counters(void) {
  struct Counters c;
  __asm__ volatile("rdcycle %0\n\trdtime %1\n\trdinstret %2"
                   : "=r"(c.cycle), "=r"(c.time), "=r"(c.instret));
  return c;
}

int main(void) {
  struct Counters first = read_counters();
  int monotonic[3] = {1, 1, 1};
  struct Counters prev = first;
  for (int i = 0; i < 1000; ++i) {
    struct Counters now = read_counters();
    monotonic[0] &= now.cycle >= prev.cycle;
    monotonic[1] &= now.time >= prev.time;
    monotonic[2] &= now.instret > prev.instret;
    prev = now;
  }
  printf("monotonic over 1000 reads: cycle=%d time=%d instret=%d\n", monotonic[0], monotonic[1],
         monotonic[2]);
  printf("instret advanced by at least 1000: %d\n", prev.instret - first.instret >= 1000);
  uint64_t t0, t1;
  __asm__ volatile("csrr %0, time" : "=r"(t0));
  struct timespec pause = {0, 20 * 1000 * 1000};
  nanosleep(&pause, NULL);
  __asm__ volatile("csrrs %0, time, x0" : "=r"(t1));
  printf("time advanced across a 20 ms sleep: %d\n", t1 > t0);
  return 0;
}

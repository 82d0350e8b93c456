/* S-mode with the built-in SBI: the timer through the SBI TIME extension, wfi until it fires,
 * the interrupt taken through stvec, then the timer stopped (STIP clears). */
#include "test.h"
  .section .text.start
  .globl _start
_start:
  la t0, handler
  csrw stvec, t0
  li t0, 1 << 5
  csrs sie, t0                /* STIE */
  rdtime t1
  li t2, 20000                /* 2 ms at 10 MHz */
  add a0, t1, t2
  li a7, 0x54494D45
  li a6, 0
  ecall                       /* sbi_set_timer */
  li s0, 0
  /* The timer may have fired already (a slow start: --jit opt), so the handler's flag is
   * tested with SIE off before each wfi, which wakes on STIP whatever SIE says. */
wait:
  csrci sstatus, 2            /* SIE off */
  bnez s0, woke
  wfi
  csrsi sstatus, 2            /* SIE: the pending interrupt is taken here */
  j wait
woke:
  rdtime t2
  sub t2, t2, t1
  li t3, 20000
  bltu t2, t3, early
  PASS
early:
  FAIL(13)

  .align 2
handler:
  csrr t0, scause
  li t3, (1 << 63) | 5
  beq t0, t3, 3f
  FAIL(10)
3:
  csrr t0, sip
  andi t0, t0, 1 << 5
  EXPECT(t0, 1 << 5, 11)
  li a0, -1
  li a7, 0x54494D45
  li a6, 0
  ecall                       /* no more timer: STIP clears */
  csrr t0, sip
  andi t0, t0, 1 << 5
  EXPECT(t0, 0, 12)
  li s0, 1
  sret

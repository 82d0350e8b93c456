/* --jit=auto, the optimizing tier: a function whose loop makes it hot on its first entry (its
 * compile is requested as the unit returns) rewrites one of its own instructions before it
 * returns, so the hart drops it in the same step: every call's compile is in flight when its
 * unit goes. Each call's result shows the code it ran: 500500 plus the rewritten immediate,
 * which alternates 0, 1, 0... Rounds go on until the test host has seen a compile come back for
 * a dropped unit (TEST_GO). (rv64sys_hart_tests HartOpt) */
#include "test.h"
  .section .text.start
  .globl _start
_start:
  li s2, 0                    /* calls made */
round:
  call flip
  fence.i
  andi t1, s2, 1
  li t2, 500500
  add t1, t1, t2
  bne a0, t1, bad
  addi s2, s2, 1
  li t0, TEST_GO
  lw t1, 0(t0)
  beqz t1, round
  PASS
bad:
  FAIL(1)

flip:
  li t0, 1000
  .option push
  .option norvc
init:
  addi a0, zero, 0            /* the immediate alternates 0 and 1 */
  .option pop
flip_loop:
  add a0, a0, t0
  addi t0, t0, -1
  bnez t0, flip_loop
  la t1, init
  lw t2, 0(t1)
  li t3, 1 << 20              /* bit 0 of the I-type immediate */
  xor t2, t2, t3
  sw t2, 0(t1)                /* into this unit's own page: it is dropped once it returns */
  ret

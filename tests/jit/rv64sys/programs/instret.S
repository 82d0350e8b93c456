/* minstret across the instructions that leave a unit for the hart (vm/rv64sys/sys_layout.hpp,
 * "Retired instructions"), round a loop (so under each tier): an ecall that traps does not
 * retire; mret, sret and a store into a page with translations (CodeWritten) do. Each check
 * reads the counter right before and right after the instruction, so the difference is exactly
 * 2 (the first read and the instruction), or 1 for the trapping ecall. */
#include "test.h"
#define N 5

  .option norvc
  .section .text.start
  .globl _start
_start:
  la t0, handler
  csrw mtvec, t0
  li t0, 7
  csrw mcounteren, t0         /* S-mode may read instret */
  li s8, N
loop:
  /* An ecall from M-mode: the handler reads minstret first (t1) and last, before its mret (t3). */
  csrr s0, minstret
  ecall
  csrr s1, minstret
  sub a1, t1, s0
  EXPECT(a1, 1, 1)            /* the ecall raised an exception: not retired */
  sub a1, s1, t3
  EXPECT(a1, 2, 2)            /* the handler's mret retired */
  /* mret from M-mode to M-mode. */
  li t0, 3 << 11
  csrs mstatus, t0            /* MPP = M (the last mret left U) */
  la t0, 10f
  csrw mepc, t0
  csrr s2, minstret
  mret
10:
  csrr s3, minstret
  sub a1, s3, s2
  EXPECT(a1, 2, 3)
  /* A store into the page of the running unit (CodeWritten), on a page of its own so that the
   * loop's units stay. */
  j smc_part
smc_back:
  sub a1, s5, s4
  EXPECT(a1, 2, 4)
  addi s8, s8, -1
  bnez s8, loop
  /* sret from M-mode to S-mode, where instret is readable (mcounteren). */
  li t0, 1 << 8
  csrs mstatus, t0            /* SPP = S */
  la t0, 11f
  csrw sepc, t0
  csrr s6, minstret
  sret
11:
  csrr s7, instret
  sub a1, s7, s6
  EXPECT(a1, 2, 5)
  PASS

  .balign 4
handler:
  csrr t1, minstret
  csrr t0, mepc
  addi t0, t0, 4
  csrw mepc, t0
  li t2, 3 << 11
  csrs mstatus, t2            /* MPP = M: return to M-mode */
  csrr t3, minstret
  mret

  .balign 4096
smc_part:
  la t1, smc_word
  csrr s4, minstret
  sw zero, 0(t1)
  csrr s5, minstret
  j smc_back
smc_word:
  .word 0

/* Links across a change of sstatus.SUM in S-mode under Sv39. Each pass calls one of three
 * load_k through a register (so the calling unit's two successor links keep missing and its exit
 * looks in the recent records), first with SUM set, then with it clear; load_k loads from a user
 * page, which faults without SUM (the handler skips the load). A CSR write that changes only the
 * data MMU index keeps the link epoch, so the unit found at load_k with SUM set is the newest at
 * that pc when the call without SUM comes: a chained exit must look only among its own index's
 * units. s1 counts the loads that succeeded, s4 the faults. */
#include "test.h"
#include "sv39.h"
#define SUM (1 << 18)
#define N 30

  .option norvc
  .section .text.start
  .globl _start
_start:
  sv39_base
  li t0, L0
  li t1, PTE(0x80103000, V | R | W | U | A | D)   /* 0x4000_0000: a user page */
  sd t1, 0(t0)
  li t0, 0x80103000
  li t1, 1
  sd t1, 0(t0)
  li t0, 1 << 13              /* load page faults go to S */
  csrw medeleg, t0
  la t0, s_handler
  csrw stvec, t0
  enter_s_sv39 s_code

s_code:
  li s1, 0
  li s2, 0
  li s3, 0                    /* s2 % 3 */
  li s4, 0
  li a1, 0x40000000
  li s5, SUM
loop:
  la a5, load_0
  slli t0, s3, 4              /* the load_k are 16 bytes apart */
  add a5, a5, t0
  csrs sstatus, s5
  jalr ra, a5                 /* loads */
  csrc sstatus, s5
  jalr ra, a5                 /* faults */
  addi s2, s2, 1
  addi s3, s3, 1
  li t0, 3
  bne s3, t0, 1f
  li s3, 0
1:
  li t0, N
  blt s2, t0, loop
  EXPECT(s1, N, 1)
  EXPECT(s4, N, 2)
  PASS

  .align 4
load_0:
  li t1, 0
  ld t1, 0(a1)
  add s1, s1, t1
  ret
load_1:
  li t1, 0
  ld t1, 0(a1)
  add s1, s1, t1
  ret
load_2:
  li t1, 0
  ld t1, 0(a1)
  add s1, s1, t1
  ret

  .align 2
s_handler:
  csrr t0, scause
  EXPECT(t0, 13, 3)
  addi s4, s4, 1
  csrr t6, sepc
  addi t6, t6, 4
  csrw sepc, t6
  sret

/* Misaligned loads and stores in M-mode (allowed, done by the hart), one across a page end;
 * a misaligned AMO raises cause 6 with the address in mtval. */
#include "test.h"
  .section .text.start
  .globl _start
_start:
  la t0, handler
  csrw mtvec, t0
  li a0, 0x80003ffd
  li t1, 0x1122334455667788
  sd t1, 0(a0)
  ld t2, 0(a0)
  bne t1, t2, bad
  li a1, 0x80004000
  lbu t2, 0(a1)
  EXPECT(t2, 0x55, 10)
  li a1, 0x80003ffe
  lw t2, 0(a1)
  li t3, 0x44556677
  bne t2, t3, bad
  li a1, 0x80003fff
  lhu t2, 0(a1)
  EXPECT(t2, 0x5566, 11)
  li a1, 0x80002002
amo:
  amoadd.w t2, t1, (a1)
  FAIL(12)
  .align 2
handler:
  csrr t0, mcause
  csrr t1, mtval
  EXPECT(t0, 6, 13)
  li t3, 0x80002002
  bne t1, t3, bad
  PASS
bad:
  FAIL(14)

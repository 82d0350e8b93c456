/* A store into the page of the unit the loop entered, made by a unit that unit chained into:
 * the loop's unit must outlive the run it started (its page's units go after the run). Each
 * pass runs x -> y five times; x follows a fence.i (a special exit), so the loop enters it, and
 * from the second time on x's code jumps straight into y's; the fifth time y stores into x's
 * page. */
#include "test.h"
  .section .text.start
  .globl _start
_start:
  li s0, 0                    /* passes */
  la s2, scratch
outer:
  li s1, 0                    /* times x ran this pass */
inner:
  fence.i
x:
  addi s1, s1, 1
  j y
back:
  li t2, 5
  blt s1, t2, inner
  EXPECT(s1, 5, 1)
  addi s0, s0, 1
  li t2, 20
  blt s0, t2, outer
  lw t0, 0(s2)
  EXPECT(t0, 20, 2)
  PASS
scratch:
  .word 0

  .balign 4096
y:
  li t2, 5
  bne s1, t2, 1f
  lw t3, 0(s2)
  addi t3, t3, 1
  sw t3, 0(s2)                /* x's page */
1:
  j back

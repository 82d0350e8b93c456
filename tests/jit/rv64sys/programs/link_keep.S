/* A loop that calls the unit of virtual page V (as link_remap.S) and flushes another page, W,
 * with sfence.vma on every pass: no link stands for W's translation, so the hart's loop keeps
 * following its successor links (the test counts them). Halfway, V is remapped and flushed: a
 * link that stands for V's translation ends there, and the new code must run (s1 = 2). */
#include "test.h"
#include "sv39.h"
#define P1 0x80103000
#define P2 0x80104000
#define N 40

  .option norvc
  .section .text.start
  .globl _start
_start:
  sv39_base
  li t0, L0
  li t1, PTE(P1, V | R | X | A)
  sd t1, 0(t0)
  set_s1_code P1, 1
  set_s1_code P2, 2
  enter_s_sv39 s_code

s_code:
  li s2, 0
  li s3, 1                    /* what V's code must set */
  li a3, L0                   /* V's PTE */
  li a4, PTE(P2, V | R | X | A)
  li a5, 0x40000000           /* V */
  li a6, 0x40005000           /* W: never fetched from */
loop:
  li s1, 0
  jalr a5
  bne s1, s3, fail
  sfence.vma a6, zero
  addi s2, s2, 1
  li t0, N
  bne s2, t0, 1f
  sd a4, 0(a3)
  sfence.vma a5, zero
  li s3, 2
1:
  li t0, 2 * N
  blt s2, t0, loop
  PASS

fail:
  FAIL(1)

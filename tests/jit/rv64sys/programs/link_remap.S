/* A return to virtual page V from the same S-mode code, again and again, so the hart's loop
 * follows a successor link to V's unit; then that code remaps V to another physical page and
 * runs sfence.vma for V (a unit that goes on: V is not its page) before the same jump: the new
 * page's code must run (s1 = 2), not the linked unit of the old one (s1 = 1). */
#include "test.h"
#include "sv39.h"
#define P1 0x80103000
#define P2 0x80104000
#define N 20

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
  li a3, L0                   /* the PTE of 0x4000_0000 */
  li a4, PTE(P2, V | R | X | A)
  li a5, 0x40000000
loop:
  li s1, 0
  jalr a5
  bne s1, s3, fail
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

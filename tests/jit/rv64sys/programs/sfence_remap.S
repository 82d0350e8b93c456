/* S-mode code at a virtual page remaps that very page and runs sfence.vma (for the page, then
 * for all): the next instruction must come from the new physical page, although the unit
 * running was translated from the old one. The two pages hold the same code but for one
 * instruction (s1 = 1 in P1, 2 in P2), copied there by M before it drops to S. */
#include "test.h"
#include "sv39.h"
#define P1 0x80103000
#define P2 0x80104000
#define ADDI_S1_2 0x00200493  /* addi s1, x0, 2 */
#define N 20

  .option norvc
  .section .text.start
  .globl _start
_start:
  sv39_base
  /* Both templates into both pages, P2's with s1 = 2. */
  la a0, tmpl_page
  li a1, P1
  call copy
  la a0, tmpl_page
  li a1, P2
  call copy
  la a0, tmpl_all
  li a1, P1 + 0x100
  call copy
  la a0, tmpl_all
  li a1, P2 + 0x100
  call copy
  li t0, ADDI_S1_2
  li t1, P2 + 8
  sw t0, 0(t1)
  li t1, P2 + 0x100 + 8
  sw t0, 0(t1)
  enter_s_sv39 s_code

s_code:
  li s2, 0
  li a3, L0                   /* the PTE of 0x4000_0000 */
  li a4, PTE(P2, V | R | X | A)
  li a5, 0x40000000
loop:
  li t0, PTE(P1, V | R | X | A)
  sd t0, 0(a3)
  sfence.vma
  li s1, 0
  jalr a5                     /* sfence.vma a5 */
  li t4, 2
  li a0, 1
  bne s1, t4, fail
  li t0, PTE(P1, V | R | X | A)
  sd t0, 0(a3)
  sfence.vma
  li s1, 0
  addi t1, a5, 0x100
  jalr t1                     /* sfence.vma x0 */
  li t4, 2
  li a0, 2
  bne s1, t4, fail
  addi s2, s2, 1
  li t0, N
  blt s2, t0, loop
  PASS

fail:
  li t6, TEST_DEVICE
  slli a0, a0, 16
  li t5, 0x3333
  or a0, a0, t5
  sw a0, 0(t6)
1: j 1b

/* Copies the 16-byte template at a0 to a1. */
copy:
  li t2, 16
1:
  lw t0, 0(a0)
  sw t0, 0(a1)
  addi a0, a0, 4
  addi a1, a1, 4
  addi t2, t2, -4
  bnez t2, 1b
  ret

/* Run at 0x4000_0000 (+0x100): remap it to P2, flush, then the instruction P2 changes. */
tmpl_page:
  sd a4, 0(a3)
  sfence.vma a5, zero
  addi s1, x0, 1
  ret
tmpl_all:
  sd a4, 0(a3)
  sfence.vma zero, zero
  addi s1, x0, 1
  ret

/* As link_remap.S, but V lies in a 2 MiB superpage (0x4020_0000 -> 0x8020_0000), which the S-mode
 * code remaps (to 0x8000_0000) and flushes with a sfence.vma at another 4 KiB page of it: that
 * flush must drop the whole superpage's translation, so the code of the new mapping must run
 * (s1 = 2), not the linked unit of the old one (s1 = 1). */
#include "test.h"
#include "sv39.h"
#define P1 0x80203000 /* V's bytes under the first mapping */
#define P2 0x80003000 /* and under the second */
#define VA 0x40203000
#define N 20

  .option norvc
  .section .text.start
  .globl _start
_start:
  sv39_base
  li t0, L1 + 8
  li t1, PTE(0x80200000, V | R | X | A)
  sd t1, 0(t0)
  set_s1_code P1, 1
  set_s1_code P2, 2
  enter_s_sv39 s_code

s_code:
  li s2, 0
  li s3, 1                    /* what V's code must set */
  li a3, L1 + 8               /* the superpage's PTE */
  li a4, PTE(0x80000000, V | R | X | A)
  li a5, VA
  li a6, 0x40200000           /* the superpage's first 4 KiB page: not V's */
loop:
  li s1, 0
  jalr a5
  bne s1, s3, fail
  addi s2, s2, 1
  li t0, N
  bne s2, t0, 1f
  sd a4, 0(a3)
  sfence.vma a6, zero
  li s3, 2
1:
  li t0, 2 * N
  blt s2, t0, loop
  PASS

fail:
  FAIL(1)

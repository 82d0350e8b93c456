/* S-mode with the built-in SBI (illegal instructions delegated): a CSR S may not touch and an
 * unknown encoding both reach stvec with scause 2 and the instruction bits in stval. */
#include "test.h"
  .section .text.start
  .globl _start
_start:
  la t0, handler
  csrw stvec, t0
  li s0, 1
site1:
  csrw mscratch, t0           /* 0x34029073 */
  EXPECT(s0, 2, 10)
site2:
  .word 0xffffffff
  EXPECT(s0, 3, 11)
  PASS

  .align 2
handler:
  csrr t0, scause
  csrr t1, sepc
  csrr t2, stval
  EXPECT(t0, 2, 12)
  li t3, 1
  beq s0, t3, h1
  la t3, site2
  bne t1, t3, bad
  li t3, 0xffffffff
  bne t2, t3, bad
  j next
h1:
  la t3, site1
  bne t1, t3, bad
  li t3, 0x34029073
  bne t2, t3, bad
next:
  addi s0, s0, 1
  addi t1, t1, 4
  csrw sepc, t1
  sret
bad:
  FAIL(13)

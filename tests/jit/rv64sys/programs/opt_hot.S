/* --jit=auto, the optimizing tier: a function whose loop makes it hot at once (1000 back-edges
 * a call), called round after round, each result checked, until the test host has seen an LLVM
 * unit installed (TEST_GO); then 1000 more checked rounds run, in the installed code
 * (rv64sys_hart_tests HartOpt). */
#include "test.h"
  .section .text.start
  .globl _start
_start:
  li s3, 0                    /* rounds left once the host said go; 0: not yet */
round:
  call spin
  li t1, 500500
  bne a0, t1, bad
  bnez s3, counting
  li t0, TEST_GO
  lw t1, 0(t0)
  beqz t1, round
  li s3, 1000
counting:
  addi s3, s3, -1
  bnez s3, round
  PASS
bad:
  FAIL(1)

spin:
  li t0, 1000
  li a0, 0
spin_loop:
  add a0, a0, t0
  addi t0, t0, -1
  bnez t0, spin_loop
  ret

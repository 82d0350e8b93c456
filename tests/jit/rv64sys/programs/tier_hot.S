/* --jit=auto tiering: a function whose loop goes round 1000 times, called 5 times. Its unit is
 * entered 5 times only; the back-edges are what make it hot (rv64sys_hart_tests HartTiering). */
#include "test.h"
  .section .text.start
  .globl _start
_start:
  li s0, 5
  li s1, 0
1:
  call spin
  addi s0, s0, -1
  bnez s0, 1b
  EXPECT(s1, 5000, 1)
  PASS

spin:
  li t0, 1000
2:
  addi t0, t0, -1
  addi s1, s1, 1
  bnez t0, 2b
  ret

/* --jit=auto tiering: one unit whose loop goes round a few times, entered once. It must stay
 * interpreted (rv64sys_hart_tests HartTiering). */
#include "test.h"
  .section .text.start
  .globl _start
_start:
  li t0, 5
1:
  addi t0, t0, -1
  bnez t0, 1b
  PASS

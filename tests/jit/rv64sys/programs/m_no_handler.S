/* An illegal instruction with no handler: with the built-in SBI and medeleg cleared it traps to
 * M-mode, which has no code; in M-mode with mtvec 0 its vector cannot be fetched. */
#include "test.h"
  .section .text.start
  .globl _start
  .option norvc
_start:
  li a0, 0x1234               /* lui + addiw: the illegal instruction is at +8 */
  .word 0xffffffff
  FAIL(10)

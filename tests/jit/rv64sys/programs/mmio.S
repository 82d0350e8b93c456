/* M-mode device access: a register of the test host read, bytes written to its UART, and a load
 * from an address with nothing behind it (load access fault). */
#include "test.h"
  .section .text.start
  .globl _start
_start:
  la t0, handler
  csrw mtvec, t0
  li t0, TEST_SCRATCH
  lw t1, 0(t0)
  li t2, 0x1234abcd
  bne t1, t2, bad
  li t0, UART
  li t1, 'o'
  sb t1, 0(t0)
  li t1, 'k'
  sb t1, 0(t0)
  li t1, '\n'
  sb t1, 0(t0)
  li t0, 0x200000
nothing:
  lw t1, 0(t0)
  FAIL(10)
  .align 2
handler:
  csrr t0, mcause
  csrr t1, mtval
  csrr t2, mepc
  EXPECT(t0, 5, 11)
  EXPECT(t1, 0x200000, 12)
  la t3, nothing
  bne t2, t3, bad
  PASS
bad:
  FAIL(13)

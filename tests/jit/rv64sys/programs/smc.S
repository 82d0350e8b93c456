/* Self-modifying code in M-mode: a function rewritten then called again after fence.i, and an
 * instruction of the running block rewritten just before it runs (no fence.i: the hart leaves
 * the unit after the store, so the new instruction is what runs). */
#include "test.h"
  .section .text.start
  .globl _start
_start:
  call f
  EXPECT(a0, 1, 10)
  la t0, f
  li t1, 0x00200513           /* addi a0, zero, 2 */
  sw t1, 0(t0)
  fence.i
  call f
  EXPECT(a0, 2, 11)
  la t0, site
  li t1, 0x00300513           /* addi a0, zero, 3 */
  sw t1, 0(t0)
site:
  .word 0x00900513            /* addi a0, zero, 9: replaced by the store above */
  EXPECT(a0, 3, 12)
  /* A loop that patches itself: the second pass runs the new instruction. */
  li s1, 0
  la t0, loop_site
loop:
loop_site:
  .word 0x00100493            /* addi s1, zero, 1 -> addi s1, zero, 7 */
  li t1, 0x00700493
  sw t1, 0(t0)
  li t2, 7
  bne s1, t2, loop
  PASS

f:
  .word 0x00100513            /* addi a0, zero, 1 */
  ret

/* Sv39 built by the program: S-mode runs through an identity gigapage and uses a 4 KiB table
 * at 0x4000_0000: SUM (a U page faults without it), a page fault handled in S that maps the page
 * and retries, A/D set by a store, a misaligned store across two pages mapped apart. */
#include "test.h"
#include "sv39.h"
  .section .text.start
  .globl _start
_start:
  sv39_base
  li t0, L0
  li t1, PTE(0x80103000, V | R | W | U | A | D)
  sd t1, 0(t0)
  li t1, PTE(0x80105000, V | R | W)          /* A = D = 0 */
  sd t1, 16(t0)
  li t1, PTE(0x80108000, V | R | W | A | D)
  sd t1, 24(t0)
  li t1, PTE(0x80106000, V | R | W | A | D)
  sd t1, 32(t0)
  li t0, 0x80103000
  li t1, 0x77
  sd t1, 0(t0)
  li t0, 0x80104000
  li t1, 0x99
  sd t1, 0(t0)
  li t0, (1 << 12) | (1 << 13) | (1 << 15)
  csrw medeleg, t0
  la t0, s_handler
  csrw stvec, t0
  enter_s_sv39 supervisor

supervisor:
  li s0, 1
  li a0, 0x40000000
  ld t1, 0(a0)                /* faults (no SUM), handler sets SUM, retried */
  EXPECT(s0, 2, 10)
  EXPECT(t1, 0x77, 11)
  li a0, 0x40001000
  ld t1, 0(a0)                /* not mapped: the handler maps it */
  EXPECT(s0, 3, 12)
  EXPECT(t1, 0x99, 13)
  li a0, 0x40002000
  li t1, 5
  sd t1, 0(a0)                /* clean page: the walk sets A and D */
  li t0, L0 + 16
  ld t1, 0(t0)
  andi t1, t1, A | D
  EXPECT(t1, A | D, 14)
  li a0, 0x40002000
  ld t1, 0(a0)
  EXPECT(t1, 5, 15)
  li a0, 0x40003ffc           /* 8 bytes over two pages mapped to 0x80108ffc and 0x80106000 */
  li t1, 0x1122334455667788
  sd t1, 0(a0)
  ld t2, 0(a0)
  bne t1, t2, bad
  li t0, 0x80108ffc
  lwu t2, 0(t0)
  EXPECT(t2, 0x55667788, 16)
  li t0, 0x80106000
  lwu t2, 0(t0)
  EXPECT(t2, 0x11223344, 17)
  EXPECT(s0, 3, 18)
  PASS
bad:
  FAIL(19)

  .align 2
s_handler:
  csrr t0, scause
  csrr t2, stval
  li t3, 1
  beq s0, t3, h_sum
  li t3, 2
  beq s0, t3, h_map
  addi t0, t0, 50
  mv a0, t0
  li t6, TEST_DEVICE
  slli a0, a0, 16
  li t5, 0x3333
  or a0, a0, t5
  sw a0, 0(t6)
3: j 3b
h_sum:
  EXPECT(t0, 13, 20)
  li t3, 0x40000000
  bne t2, t3, bad_tval
  li t3, 1 << 18
  csrs sstatus, t3
  li s0, 2
  sret
h_map:
  EXPECT(t0, 13, 21)
  li t3, 0x40001000
  bne t2, t3, bad_tval
  li t3, L0 + 8
  li t4, PTE(0x80104000, V | R | W | A | D)
  sd t4, 0(t3)
  sfence.vma
  li s0, 3
  sret
bad_tval:
  FAIL(22)

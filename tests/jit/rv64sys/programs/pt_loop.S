/* A page table that points to itself: the walk ends in a page fault (the guest's), not a hang. */
#include "test.h"
#define ROOT 0x80100000
  .section .text.start
  .globl _start
_start:
  li t0, ROOT
  li t1, (ROOT >> 2) | 1      /* root[1] -> root */
  sd t1, 8(t0)
  li t1, 0xc7                 /* root[0]: identity gigapage for the test device */
  sd t1, 0(t0)
  li t1, (0x80000000 >> 2) | 0xcf
  sd t1, 16(t0)               /* root[2]: identity gigapage for the code */
  li t0, (1 << 12) | (1 << 13) | (1 << 15)
  csrw medeleg, t0
  la t0, s_handler
  csrw stvec, t0
  li t0, (8 << 60) | (ROOT >> 12)
  csrw satp, t0
  li t0, 3 << 11
  csrc mstatus, t0
  li t0, 1 << 11
  csrs mstatus, t0
  la t0, supervisor
  csrw mepc, t0
  mret
supervisor:
  li a0, 0x40201000          /* VPN 1, 1, 1: root[1] at every level */
  ld a1, 0(a0)
  FAIL(10)
  .align 2
s_handler:
  csrr t0, scause
  csrr t1, stval
  EXPECT(t0, 13, 11)
  EXPECT(t1, 0x40201000, 12)
  PASS

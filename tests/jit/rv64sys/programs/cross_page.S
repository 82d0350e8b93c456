/* An instruction crossing a page end (addi a0, a0, imm at virtual 0x4000_0ffe, its second
 * parcel with the immediate on the next page) run several times: its translation is cached, and
 * must go when the second half's physical page is written and when the virtual page is mapped
 * elsewhere. S-mode under Sv39; the code pages are written through the identity gigapage. */
#include "test.h"
#define ROOT 0x80100000
#define L1 0x80101000
#define L0 0x80102000
#define P0 0x80104000 /* 0x4000_0000: first parcel at +0xffe */
#define P1 0x80105000 /* 0x4000_1000: second parcel (imm 1), then c.ret */
#define P2 0x80106000 /* the same with imm 3 */
#define PTE(pa, flags) (((pa) >> 2) | (flags))
#define V 1
#define R 2
#define W 4
#define X 8
#define A 64
#define D 128
#define CROSS 0x40000ffe

  .section .text.start
  .globl _start
_start:
  li t0, ROOT                 /* devices and RAM by identity gigapages */
  li t1, PTE(0, V | R | W | A | D)
  sd t1, 0(t0)
  li t1, PTE(0x80000000, V | R | W | X | A | D)
  sd t1, 16(t0)
  li t1, PTE(L1, V)
  sd t1, 8(t0)
  li t0, L1
  li t1, PTE(L0, V)
  sd t1, 0(t0)
  li t0, L0
  li t1, PTE(P0, V | R | X | A)
  sd t1, 0(t0)
  li t1, PTE(P1, V | R | X | A)
  sd t1, 8(t0)
  li t0, P0 + 0xffe
  li t1, 0x0513               /* addi a0, a0, imm: opcode, rd, rs1 */
  sh t1, 0(t0)
  li t0, P1
  li t1, 0x0015               /* imm = 1 */
  sh t1, 0(t0)
  li t1, 0x8082               /* c.ret */
  sh t1, 2(t0)
  li t0, P2
  li t1, 0x0035               /* imm = 3 */
  sh t1, 0(t0)
  li t1, 0x8082
  sh t1, 2(t0)
  li t0, (8 << 60) | (ROOT >> 12)
  csrw satp, t0
  li t0, 3 << 11
  csrc mstatus, t0
  li t0, 1 << 11
  csrs mstatus, t0            /* MPP = S */
  la t0, supervisor
  csrw mepc, t0
  mret

supervisor:
  li s1, CROSS
  li a0, 0
  jalr s1
  jalr s1
  jalr s1
  EXPECT(a0, 3, 1)
  li t0, P1                   /* the second half rewritten: imm = 2 */
  li t1, 0x0025
  sh t1, 0(t0)
  fence.i
  jalr s1
  EXPECT(a0, 5, 2)
  jalr s1
  EXPECT(a0, 7, 3)
  li t0, L0 + 8               /* 0x4000_1000 now maps P2: imm = 3 */
  li t1, PTE(P2, V | R | X | A)
  sd t1, 0(t0)
  sfence.vma
  jalr s1
  EXPECT(a0, 10, 4)
  jalr s1
  EXPECT(a0, 13, 5)
  li t0, L0 + 8               /* back to P1 (imm = 2) */
  li t1, PTE(P1, V | R | X | A)
  sd t1, 0(t0)
  sfence.vma
  jalr s1
  EXPECT(a0, 15, 6)
  PASS

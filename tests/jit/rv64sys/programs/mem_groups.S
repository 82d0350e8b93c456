/* Runs of loads and stores off one base register, which the translator checks against the TLB
 * once for their whole span (jit/rv64/mem_groups.hpp), run often enough to be compiled: spans
 * inside a page, misaligned, across a page end, on a device, and in S-mode under Sv39 a span
 * whose second page is not mapped (the fault comes at the member that reaches it, after the
 * members before it). */
#include "test.h"
#include "sv39.h"
#define BUF 0x80200000  /* two RAM pages: BUF + 0x1000 is the second */
#define P0 0x80104000   /* 0x4000_0000 maps it; 0x4000_1000 is not mapped */
#define P2 0x80108000   /* 0x4000_2000 maps it, and 0x4000_3000 the page below it */
#define P3 0x80106000

  .section .text.start
  .globl _start
_start:
  la t0, m_handler
  csrw mtvec, t0
  li s0, 0x1111111111111111
  li s1, 0x2222222222222222
  li s2, 0x3333333333333333
  li s3, 200                  /* rounds: the unit gets hot and compiled */
round:
  li a0, BUF + 0x100          /* inside the page */
  call stores_loads
  EXPECT(a0, 0x6666666666666666, 10)
  li a0, BUF + 0x203          /* misaligned: RISC-V allows it, inside the page too */
  call stores_loads
  EXPECT(a0, 0x6666666666666666, 11)
  li a0, BUF + 0x1000 - 8     /* the first member on one page, the others on the next */
  call stores_loads
  EXPECT(a0, 0x6666666666666666, 12)
  li t0, BUF + 0x1000 - 8     /* ... and the bytes where they belong */
  ld t1, 0(t0)
  bne t1, s0, bad
  ld t1, 8(t0)
  bne t1, s1, bad
  ld t1, 16(t0)
  bne t1, s2, bad
  li a0, BUF + 0x1000 - 4     /* misaligned across the page end */
  call stores_loads
  EXPECT(a0, 0x6666666666666666, 13)
  li a0, TEST_SCRATCH         /* a device: each load reaches it */
  call two_loads
  EXPECT(a0, 0x2469579a, 14)
  li a0, BUF + 0x300          /* a load into the base ends the run */
  li t0, BUF + 0x340
  sd t0, 0(a0)
  li t0, 5
  sd t0, 8(a0)
  li t0, 72
  sd t0, 0x48(a0)
  call chase
  EXPECT(a0, 77, 15)
  addi s3, s3, -1
  bnez s3, round

  /* S-mode, 0x4000_0000 mapped read/write, 0x4000_1000 not. */
  sv39_base
  li t0, L0
  li t1, PTE(P0, V | R | W | A | D)
  sd t1, 0(t0)
  li t1, PTE(P2, V | R | W | A | D)
  sd t1, 16(t0)
  li t1, PTE(P3, V | R | W | A | D)
  sd t1, 24(t0)
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
  li s4, 100
s_round:
  li a0, 0x40000100
  call stores_loads
  EXPECT(a0, 0x6666666666666666, 20)
  li a0, 0x40002ff8           /* across to a page mapped elsewhere (below) */
  call stores_loads
  EXPECT(a0, 0x6666666666666666, 23)
  li t0, P3                   /* the later members' bytes are there, not after P2 */
  ld t1, 0(t0)
  bne t1, s1, bad
  ld t1, 8(t0)
  bne t1, s2, bad
  li t0, P2 + 0x1000
  ld t1, 0(t0)
  bnez t1, bad
  addi s4, s4, -1
  bnez s4, s_round
  li a0, 0x40000ff8           /* the second store faults */
  call stores_loads
  FAIL(21)

  .align 2
m_handler:
  csrr t0, mcause
  csrr t1, mtval
  csrr t2, mepc
  EXPECT(t0, 15, 22)          /* store page fault */
  li t3, 0x40001000
  bne t1, t3, bad
  la t3, second_store
  bne t2, t3, bad
  li t0, P0 + 0xff8           /* the first store happened */
  ld t1, 0(t0)
  bne t1, s0, bad
  PASS
bad:
  FAIL(30)

/* Stores s0, s1, s2 at a0, a0 + 8, a0 + 16 (other work between them), loads them back and
 * returns their sum in a0. */
stores_loads:
  sd s0, 0(a0)
  addi t3, a0, 1
second_store:
  sd s1, 8(a0)
  li t4, BUF + 0x800
  lw t5, 0(t4)                /* another base between the members */
  sd s2, 16(a0)
  ld t0, 0(a0)
  ld t1, 8(a0)
  add t0, t0, t1
  ld t1, 16(a0)
  add a0, t0, t1
  ret

/* Two loads of one device register, summed. */
two_loads:
  lw t0, 0(a0)
  lw t1, 0(a0)
  add a0, t0, t1
  ret

/* a0[1] + (*a0)[1]: the load that writes the base ends the run, the one after it reads the
 * new base. */
chase:
  ld t0, 8(a0)
  ld a0, 0(a0)
  ld t1, 8(a0)
  add a0, t0, t1
  ret

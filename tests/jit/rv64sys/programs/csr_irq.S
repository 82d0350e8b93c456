/* An interrupt made takeable by a CSR write in the middle of a unit is taken before the next
 * instruction, every time round a loop (so under each tier): M-mode's mstatus.MIE and mie.SSIE,
 * then S-mode's sstatus.SIE as Linux's local_irq_enable sets it. The interrupt is a supervisor
 * software interrupt (mip.SSIP, written by M), pending throughout: each handler checks the
 * return pc is just after the enabling instruction and that the instruction there has not run,
 * then returns with the enable off again. */
#include "test.h"
#define SSIP 2
#define MPP (3 << 11)
#define MPP_S (1 << 11)
#define MPIE (1 << 7)
#define SPIE (1 << 5)
#define N 40

/* Fails with `code` unless a == b. */
#define SAME(a, b, code) \
  li a0, code;           \
  bne a, b, fail

  .option norvc
  .section .text.start
  .globl _start
_start:
  li t0, SSIP
  csrw mie, t0
  csrs mip, t0                /* pending and enabled in mie; mstatus.MIE is 0 */

  /* 1. mstatus.MIE, not delegated: an M-level interrupt. */
  la t0, m_handler
  csrw mtvec, t0
  li s2, 0                    /* interrupts taken */
  li s3, 0                    /* passes over the instruction after the enabling one */
  li s4, 0                    /* iterations */
  la s5, m_after
m_loop:
  csrci mstatus, 8            /* already off: nothing */
  addi s4, s4, 1
  csrsi mstatus, 8
m_after:
  addi s3, s3, 1
  SAME(s2, s4, 1)
  SAME(s3, s4, 2)
  li t0, N
  blt s4, t0, m_loop

  /* 2. mie.SSIE with mstatus.MIE on. */
  li t0, SSIP
  csrc mie, t0
  csrsi mstatus, 8
  la t0, mie_handler
  csrw mtvec, t0
  li s2, 0
  li s3, 0
  li s4, 0
  la s5, mie_after
  li s7, SSIP
mie_loop:
  addi s4, s4, 1
  csrs mie, s7
mie_after:
  addi s3, s3, 1
  SAME(s2, s4, 11)
  SAME(s3, s4, 12)
  li t0, N
  blt s4, t0, mie_loop
  csrci mstatus, 8

  /* 3. Delegated to S, enabled by sstatus.SIE. */
  li t0, SSIP
  csrw mie, t0
  csrw mideleg, t0
  la t0, s_handler
  csrw stvec, t0
  li t0, MPP
  csrc mstatus, t0
  li t0, MPP_S
  csrs mstatus, t0
  la t0, s_code
  csrw mepc, t0
  mret
s_code:
  li s2, 0
  li s3, 0
  li s4, 0
  la s5, s_after
  li s7, 2
s_loop:
  csrrci t1, sstatus, 2       /* local_irq_save: SIE was off */
  andi t1, t1, 2
  li a0, 21
  bnez t1, fail
  addi s4, s4, 1
  csrs sstatus, s7            /* local_irq_enable */
s_after:
  addi s3, s3, 1
  SAME(s2, s4, 22)
  SAME(s3, s4, 23)
  li t0, N
  blt s4, t0, s_loop
  PASS

fail:
  li t6, TEST_DEVICE
  slli a0, a0, 16
  li t5, 0x3333
  or a0, a0, t5
  sw a0, 0(t6)
1: j 1b

  .align 2
m_handler:
  csrr t0, mcause
  li t1, (1 << 63) | 1
  SAME(t0, t1, 3)
  csrr t0, mepc
  SAME(t0, s5, 4)
  addi t0, s3, 1              /* the addi at m_after has not run */
  SAME(t0, s4, 5)
  addi s2, s2, 1
  li t0, MPIE                 /* mret leaves MIE off */
  csrc mstatus, t0
  mret

  .align 2
mie_handler:
  csrr t0, mcause
  li t1, (1 << 63) | 1
  SAME(t0, t1, 13)
  csrr t0, mepc
  SAME(t0, s5, 14)
  addi t0, s3, 1
  SAME(t0, s4, 15)
  addi s2, s2, 1
  li t0, SSIP                 /* mret restores MIE: the enable goes in mie */
  csrc mie, t0
  mret

  .align 2
s_handler:
  csrr t0, scause
  li t1, (1 << 63) | 1
  SAME(t0, t1, 24)
  csrr t0, sepc
  SAME(t0, s5, 25)
  addi t0, s3, 1
  SAME(t0, s4, 26)
  addi s2, s2, 1
  li t0, SPIE                 /* sret leaves SIE off */
  csrc sstatus, t0
  sret

/* CSR instructions in the middle of a unit, round a loop (so under each tier): illegal ones
 * (no such CSR, a write to a read-only one) trap with mepc and mtval exact and the registers
 * written before them kept, while reads of a read-only CSR are legal; minstret, instret and
 * cycle count the instructions between two reads exactly; time does not go back. */
#include "test.h"
#define N 30

/* Fails with `code` unless a == b. */
#define SAME(a, b, code) \
  li a0, code;           \
  bne a, b, fail
/* Fails with `code` unless reg == value (uses t4). */
#define CHECK(reg, value, code) \
  li t4, value;                 \
  li a0, code;                  \
  bne reg, t4, fail

  .option norvc
  .section .text.start
  .globl _start
_start:
  la t0, m_handler
  csrw mtvec, t0
  li s8, 0                    /* iterations */
  li s9, 0                    /* traps taken */
loop:
  li s6, 0
  li s2, 0x1111
  li s3, 0x2222
  li s5, 0x5555
  la a3, bad1
bad1:
  csrr s5, 0x7c0              /* no such CSR */
  li s6, 1
  CHECK(s5, 0x5555, 1)
  CHECK(s9, 1, 2)
  la a3, bad2
  li s6, 0
bad2:
  csrw mhartid, s2            /* read-only */
  li s6, 1
  CHECK(s9, 2, 3)
  csrr s7, mhartid            /* csrrs with x0: no write, legal */
  csrrsi s7, mhartid, 0
  CHECK(s9, 2, 4)
  CHECK(s7, 0, 5)
  la a3, bad3
  li s6, 0
bad3:
  csrrs s5, mhartid, s2       /* csrrs with a register: a write, illegal */
  li s6, 1
  CHECK(s9, 3, 6)
  CHECK(s5, 0x5555, 7)
  li s9, 0

  csrr t0, minstret
  addi x0, x0, 0
  addi x0, x0, 0
  addi x0, x0, 0
  csrr t1, minstret           /* the first csrr and the three addi retired since */
  sub t1, t1, t0
  CHECK(t1, 4, 8)
  rdinstret t0
  rdcycle t1                  /* a cycle is an instruction */
  sub t1, t1, t0
  CHECK(t1, 1, 9)
  rdtime t0
  rdtime t1
  li a0, 10
  bltu t1, t0, fail

  addi s8, s8, 1
  li t0, N
  blt s8, t0, loop
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
  CHECK(t0, 2, 20)
  csrr t0, mepc
  SAME(t0, a3, 21)
  lwu t1, 0(t0)
  csrr t2, mtval
  SAME(t1, t2, 22)            /* the instruction's bits */
  CHECK(s2, 0x1111, 23)       /* written before it in its unit */
  CHECK(s3, 0x2222, 24)
  CHECK(s6, 0, 25)            /* nothing after it ran */
  addi s9, s9, 1
  addi t0, t0, 4
  csrw mepc, t0
  mret

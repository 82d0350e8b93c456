/* S-mode under Sv39 changes sstatus.SUM between two accesses to a user page in one straight
 * run of code, round a loop (so with translations of the page cached under both settings, and
 * under each tier): each access must use the permission of the moment, also in a unit entered
 * with SUM set whose inline TLB index allowed the page. Load and store page
 * faults are delegated to S, whose handler puts scause in s1, stval in s7 and skips the access. */
#include "test.h"
#include "sv39.h"
#define SUM (1 << 18)
#define N 30

/* Fails with `code` unless reg == value (uses t4). */
#define CHECK(reg, value, code) \
  li t4, value;                 \
  li a0, code;                  \
  bne reg, t4, fail

  .option norvc
  .section .text.start
  .globl _start
_start:
  sv39_base
  li t0, L0
  li t1, PTE(0x80103000, V | R | W | U | A | D)   /* 0x4000_0000: a user page */
  sd t1, 0(t0)
  li t0, 0x80103000
  li t1, 0x77
  sd t1, 0(t0)
  li t0, (1 << 13) | (1 << 15)
  csrw medeleg, t0
  la t0, s_handler
  csrw stvec, t0
  enter_s_sv39 s_code

s_code:
  li s6, 0
  li a1, 0x40000000
  li a2, 0x40002000
  li t3, SUM
loop:
  li s1, 0
  li t1, 0
  li t2, 0
  csrs sstatus, t3
  ld t1, 0(a1)                /* SUM: loads */
  csrc sstatus, t3
  ld t2, 0(a1)                /* no SUM: load page fault, t2 stays 0 */
  CHECK(t1, 0x77, 1)
  CHECK(s1, 13, 2)
  CHECK(s7, 0x40000000, 3)
  CHECK(t2, 0, 4)
  li s1, 0
  sd s6, 8(a1)                /* no SUM: store page fault */
  csrs sstatus, t3
  sd t3, 8(a1)                /* SUM: stores */
  ld t1, 8(a1)
  csrc sstatus, t3
  CHECK(s1, 15, 5)
  CHECK(s7, 0x40000008, 6)
  CHECK(t1, SUM, 7)
  li s1, 0
  csrs sstatus, t3
  sd s6, 8(a1)                /* SUM again, with the no-SUM fault just taken */
  csrc sstatus, t3
  CHECK(s1, 0, 8)
  li s1, 0                    /* a unit entered with SUM set (after the handler's sret), */
  csrs sstatus, t3            /* the user page cached for it, then SUM cleared in it */
  ld t5, 0(a2)                /* unmapped: load page fault */
  CHECK(s1, 13, 10)
  ld t1, 0(a1)
  csrc sstatus, t3
  li t2, 0
  ld t2, 0(a1)                /* faults although the unit's index had the page */
  CHECK(t1, 0x77, 11)
  CHECK(t2, 0, 12)
  CHECK(s7, 0x40000000, 13)
  li t0, 0x80103008           /* the page through the RAM gigapage: this pass's value */
  ld t1, 0(t0)
  li a0, 9
  bne t1, s6, fail
  addi s6, s6, 1
  li t0, N
  blt s6, t0, loop
  PASS

fail:
  li t6, TEST_DEVICE
  slli a0, a0, 16
  li t5, 0x3333
  or a0, a0, t5
  sw a0, 0(t6)
1: j 1b

  .align 2
s_handler:
  csrr s1, scause
  csrr s7, stval
  csrr t6, sepc
  addi t6, t6, 4
  csrw sepc, t6
  sret

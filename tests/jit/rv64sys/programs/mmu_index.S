/* SUM, MPRV/MPP and MXR changed with translations of the same pages cached: SUM, MPRV and MPP
 * only select the MMU index of data accesses (no TLB flush), MXR flushes. M-mode with an Sv39
 * satp; every load below runs in a unit of its own (each follows a CSR write). A fault is taken
 * in M (nothing delegated): the handler puts mcause in s1 and skips the load. */
#include "test.h"
#include "sv39.h"
#define MPP_S (1 << 11)
#define MPP_M (3 << 11)
#define MPRV (1 << 17)
#define SUM (1 << 18)
#define MXR (1 << 19)

/* Fails with `code` unless reg == value (uses t4). */
#define CHECK(reg, value, code) \
  li t4, value;                 \
  li a0, code;                  \
  bne reg, t4, fail

/* Loads the doubleword at `va` into t1 with s1 (the fault cause) cleared first. */
#define LOAD(va)  \
  li s1, 0;       \
  li a1, va;      \
  ld t1, 0(a1)

/* mstatus.MPP = `mpp` (MPP_S, MPP_M or 0 for U). */
#define SET_MPP(mpp)  \
  li t0, MPP_M;       \
  csrc mstatus, t0;   \
  li t0, mpp;         \
  csrs mstatus, t0

  .option norvc
  .section .text.start
  .globl _start
_start:
  sv39_base
  li t0, L0
  li t1, PTE(0x80103000, V | R | W | U | A | D)   /* 0x4000_0000: a user page */
  sd t1, 0(t0)
  li t1, PTE(0x80104000, V | X | A)               /* 0x4000_1000: execute-only */
  sd t1, 8(t0)
  li t0, 0x80103000
  li t1, 0x77
  sd t1, 0(t0)
  li t0, 0x80104000
  li t1, 0x99
  sd t1, 0(t0)
  la t0, m_handler
  csrw mtvec, t0
  li t0, (8 << 60) | (ROOT >> 12)
  csrw satp, t0

  li t0, MPRV                 /* loads as S, without SUM: the user page faults */
  csrs mstatus, t0
  SET_MPP(MPP_S)
  LOAD(0x40000000)
  CHECK(s1, 13, 1)
  SET_MPP(MPP_S)
  li t0, SUM                  /* with SUM it loads (cached in the S+SUM index) */
  csrs mstatus, t0
  LOAD(0x40000000)
  CHECK(s1, 0, 2)
  CHECK(t1, 0x77, 3)
  li t0, SUM                  /* without SUM again: faults, the cached entry is not used */
  csrc mstatus, t0
  LOAD(0x40000000)
  CHECK(s1, 13, 4)
  SET_MPP(MPP_S)
  li t0, SUM
  csrs mstatus, t0
  LOAD(0x40000000)
  CHECK(s1, 0, 5)
  CHECK(t1, 0x77, 6)
  SET_MPP(MPP_M)              /* MPRV with MPP = M: physical, and 0x4000_0000 is no RAM */
  LOAD(0x40000000)
  CHECK(s1, 5, 7)
  SET_MPP(MPP_M)
  LOAD(0x80103000)
  CHECK(s1, 0, 8)
  CHECK(t1, 0x77, 9)
  SET_MPP(0)                  /* as U, SUM clear: the user page loads */
  li t0, SUM
  csrc mstatus, t0
  LOAD(0x40000000)
  CHECK(s1, 0, 10)
  CHECK(t1, 0x77, 11)
  li t0, MPRV                 /* M's own accesses: physical again */
  csrc mstatus, t0
  LOAD(0x40000000)
  CHECK(s1, 5, 12)

  li t0, MPRV                 /* MXR: an execute-only page loads only with it */
  csrs mstatus, t0
  SET_MPP(MPP_S)
  LOAD(0x40001000)
  CHECK(s1, 13, 13)
  SET_MPP(MPP_S)
  li t0, MXR
  csrs mstatus, t0
  LOAD(0x40001000)
  CHECK(s1, 0, 14)
  CHECK(t1, 0x99, 15)
  li t0, MXR                  /* cleared: the entry that allowed the load is gone */
  csrc mstatus, t0
  LOAD(0x40001000)
  CHECK(s1, 13, 16)
  li t0, MPRV
  csrc mstatus, t0
  PASS

fail:
  li t0, MPRV                 /* the test device is reached physically */
  csrc mstatus, t0
  li t6, TEST_DEVICE
  slli a0, a0, 16
  li t5, 0x3333
  or a0, a0, t5
  sw a0, 0(t6)
1: j 1b

  .align 2
m_handler:
  csrr s1, mcause
  csrr t6, mepc
  addi t6, t6, 4
  csrw mepc, t6
  mret

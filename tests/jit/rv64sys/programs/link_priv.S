/* The same unit under two privileges: code at RAM's start runs in S-mode (RAM identity-mapped,
 * but virtual page VA mapped to P2) and then in M-mode with MPRV set and MPP = S, where its data
 * MMU index, and so its unit, is the same, but its fetches are physical (VA is P1 itself). The
 * loop jumps to VA from that unit; the successor link made in S-mode must not be followed in
 * M-mode after the trap between them: VA's code sets s1 = 2 through P2, 1 at P1. */
#include "test.h"
#include "sv39.h"
#define P1 0x80103000
#define P2 0x80104000
#define VA P1
#define MPP (3 << 11)
#define MPP_S (1 << 11)
#define MPRV (1 << 17)
#define N 20

  .option norvc
  .section .text.start
  .globl _start
_start:
  la t0, m_trap
  csrw mtvec, t0
  li t0, ROOT                 /* the devices (test device) by an identity gigapage */
  li t1, PTE(0, V | R | W | A | D)
  sd t1, 0(t0)
  li t0, ROOT + 2 * 8         /* RAM 0x8000_0000-0xbfff_ffff by L1 */
  li t1, PTE(L1, V)
  sd t1, 0(t0)
  li t0, L1                   /* 0x8000_0000-0x801f_ffff by L0, the rest of the first 2 MiB */
  li t1, PTE(L0, V)
  sd t1, 0(t0)
  li t0, L0                   /* L0: identity 4 KiB pages but for VA (-> P2) */
  li t1, 0x80000000
  li t2, 512
1:
  srli t3, t1, 2
  ori t3, t3, V | R | W | X | A | D
  sd t3, 0(t0)
  addi t0, t0, 8
  li t4, 4096
  add t1, t1, t4
  addi t2, t2, -1
  bnez t2, 1b
  li t0, L0 + ((VA - 0x80000000) >> 12) * 8
  li t1, PTE(P2, V | R | X | A)
  sd t1, 0(t0)
  set_s1_code P1, 1
  set_s1_code P2, 2
  li s3, 2                    /* in S-mode, VA is P2 */
  enter_s_sv39 shared

/* Run in S-mode, then in M-mode with MPRV (no loads or stores: their translation differs). */
shared:
  li s2, 0
  li a5, VA
loop:
  li s1, 0
  jalr a5
  bne s1, s3, fail
  addi s2, s2, 1
  li t0, N
  blt s2, t0, loop
  ecall

fail:
  FAIL(1)

/* The S-mode ecall: again in M-mode with MPRV and MPP = S. The M-mode ecall: done. Data
 * accesses here go through the S-mode mapping once MPRV is set: the test device is mapped. */
m_trap:
  csrr t0, mcause
  li t1, 11
  beq t0, t1, done
  li t1, 9
  bne t0, t1, bad_trap
  li t0, MPP
  csrc mstatus, t0
  li t0, MPP_S | MPRV
  csrs mstatus, t0
  li s3, 1                    /* in M-mode, VA is P1 */
  la t0, shared
  jr t0
done:
  PASS
bad_trap:
  FAIL(2)

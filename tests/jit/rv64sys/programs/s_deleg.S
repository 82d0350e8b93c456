/* Delegation: M delegates ecall-from-U and illegal instructions to S (medeleg); S runs U with
 * sret; the U traps land in S's handler (scause, sepc, stval, SPP); an ecall from S goes to M. */
#include "test.h"
  .section .text.start
  .globl _start
_start:
  la t0, m_handler
  csrw mtvec, t0
  li t0, (1 << 8) | (1 << 2)
  csrw medeleg, t0
  la t0, s_handler
  csrw stvec, t0
  /* mret to S at supervisor. */
  li t0, 3 << 11
  csrc mstatus, t0
  li t0, 1 << 11
  csrs mstatus, t0
  la t0, supervisor
  csrw mepc, t0
  li s0, 0
  mret

supervisor:
  /* sret to U at user: SPP = 0. */
  li t0, 1 << 8
  csrc sstatus, t0
  la t0, user
  csrw sepc, t0
  li s0, 1
  sret

user:
u_ecall:
  ecall                       /* s0 = 1: to S, scause 8 */
u_illegal:
  .word 0x00000000            /* s0 = 2: to S, scause 2, stval 0 */
  FAIL(10)

  .align 2
s_handler:
  csrr t0, scause
  csrr t1, sepc
  csrr t2, stval
  csrr t3, sstatus
  andi t3, t3, 1 << 8         /* SPP: came from U */
  EXPECT(t3, 0, 11)
  li t3, 1
  beq s0, t3, s_ecall
  li t3, 2
  beq s0, t3, s_illegal
  FAIL(12)
s_ecall:
  EXPECT(t0, 8, 13)
  la t3, u_ecall
  bne t1, t3, fail_epc
  addi t1, t1, 4
  csrw sepc, t1
  li s0, 2
  sret
s_illegal:
  EXPECT(t0, 2, 14)
  EXPECT(t2, 0, 15)
  la t3, u_illegal
  bne t1, t3, fail_epc
  li s0, 3
s_ecall_site:
  ecall                       /* from S: not delegated, to M */
  FAIL(16)

  .align 2
m_handler:
  csrr t0, mcause
  csrr t1, mepc
  EXPECT(s0, 3, 17)
  EXPECT(t0, 9, 18)
  la t3, s_ecall_site
  bne t1, t3, fail_epc
  /* MPP = S */
  csrr t3, mstatus
  srli t3, t3, 11
  andi t3, t3, 3
  EXPECT(t3, 1, 19)
  PASS
fail_epc:
  FAIL(20)

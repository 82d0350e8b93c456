/* U-mode traps to S and sret back, round a loop: with satp Bare both privileges fetch the same
 * code, and each shared_k reads sscratch, legal in S-mode, an illegal instruction in U-mode. Each
 * pass of the U-mode loop calls one of three shared_k through a register (so its unit's two
 * successor links keep missing and its exit looks in the recent records); the call traps to S,
 * whose handler then calls the same shared_k (it returns there). s1 counts the calls that
 * returned (S-mode's), s4 the U-mode traps. */
#include "test.h"
#define N 30

  .option norvc
  .section .text.start
  .globl _start
_start:
  la t0, m_trap
  csrw mtvec, t0
  li t0, (1 << 8) | (1 << 2)  /* ecall from U and illegal instructions go to S */
  csrw medeleg, t0
  la t0, s_trap
  csrw stvec, t0
  li t0, 3 << 11              /* mret to S */
  csrc mstatus, t0
  li t0, 1 << 11
  csrs mstatus, t0
  la t0, supervisor
  csrw mepc, t0
  mret

supervisor:
  li s1, 0
  li s4, 0
  li t0, 1 << 8               /* sret to U */
  csrc sstatus, t0
  la t0, user
  csrw sepc, t0
  sret

user:
  li s2, 0
  li s3, 0                    /* s2 % 3 */
u_loop:
  la a5, shared_0
  slli t0, s3, 4              /* the shared_k are 16 bytes apart */
  add a5, a5, t0
  jalr ra, a5                 /* traps; the handler resumes at the next instruction */
  addi s2, s2, 1
  addi s3, s3, 1
  li t0, 3
  bne s3, t0, 1f
  li s3, 0
1:
  li t0, N
  blt s2, t0, u_loop
  ecall

  .align 4
shared_0:
  csrr t1, sscratch
  addi s1, s1, 1
  ret
  nop
shared_1:
  csrr t1, sscratch
  addi s1, s1, 1
  ret
  nop
shared_2:
  csrr t1, sscratch
  addi s1, s1, 1
  ret
  nop

  .align 2
s_trap:
  csrr t0, scause
  li t1, 8
  beq t0, t1, s_done
  EXPECT(t0, 2, 1)            /* an illegal instruction */
  csrr t0, sepc
  bne t0, a5, bad_epc         /* at the shared_k U-mode called */
  addi s4, s4, 1
  mv s5, ra                   /* the U-mode return address */
  jalr ra, a5                 /* in S-mode it returns */
  csrw sepc, s5
  sret
s_done:
  EXPECT(s4, N, 3)
  EXPECT(s1, N, 4)
  PASS
bad_epc:
  FAIL(5)

m_trap:
  FAIL(6)

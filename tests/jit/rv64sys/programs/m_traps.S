/* M-mode traps: ecall from M and from U, ebreak, an illegal instruction in U, mret; the
 * handler checks mcause, mepc and mtval itself. s0 says which trap is expected next. */
#include "test.h"
  .section .text.start
  .globl _start
_start:
  la t0, handler
  csrw mtvec, t0
  li s0, 1
ecall_m:
  ecall                       /* 1: ecall from M */
  EXPECT(s0, 2, 10)
ebreak_m:
  ebreak                      /* 2: breakpoint, mtval = pc */
  EXPECT(s0, 3, 11)
  /* To U-mode: MPP = 0, mepc = user. */
  li t0, 3 << 11
  csrc mstatus, t0
  la t0, user
  csrw mepc, t0
  mret

user:
ecall_u:
  ecall                       /* 3: ecall from U */
illegal_u:
  .word 0xffffffff            /* 4: illegal instruction, mtval = its bits */
  FAIL(12)

  .align 2
handler:
  csrr t0, mcause
  csrr t1, mepc
  csrr t2, mtval
  li t3, 1
  beq s0, t3, h_ecall_m
  li t3, 2
  beq s0, t3, h_ebreak
  li t3, 3
  beq s0, t3, h_ecall_u
  li t3, 4
  beq s0, t3, h_illegal
  FAIL(20)
h_ecall_m:
  EXPECT(t0, 11, 21)
  la t3, ecall_m
  bne t1, t3, bad_epc
  j next
h_ebreak:
  EXPECT(t0, 3, 22)
  la t3, ebreak_m
  bne t1, t3, bad_epc
  bne t2, t3, bad_tval
  j next
h_ecall_u:
  EXPECT(t0, 8, 23)
  la t3, ecall_u
  bne t1, t3, bad_epc
  /* MPP must say U. */
  csrr t3, mstatus
  srli t3, t3, 11
  andi t3, t3, 3
  EXPECT(t3, 0, 24)
  addi s0, s0, 1
  addi t1, t1, 4
  csrw mepc, t1
  mret                        /* back to U, at the illegal instruction */
h_illegal:
  EXPECT(t0, 2, 25)
  la t3, illegal_u
  bne t1, t3, bad_epc
  li t3, 0xffffffff
  bne t2, t3, bad_tval
  PASS
next:
  addi s0, s0, 1
  addi t1, t1, 4
  csrw mepc, t1
  mret
bad_epc:
  FAIL(30)
bad_tval:
  FAIL(31)

# A bare-metal S-mode payload packaged as a RISC-V Linux Image, for the machine's boot test
# (machine_boot_test.cpp). Entered like a kernel: a0 = hartid, a1 = the device tree. It prints
# one line per check through the UART or the SBI console, then ends the run the way sector 0 of
# the virtio disk says (byte 16): 'S' SBI system reset, 'T' the test device's "pass", 'F' the
# test device's "fail" with code 42.
    .option norelax
    .section .text
    .globl _head
_head:
    .option push
    .option norvc                   # a 4-byte jump: the header's fields are at fixed offsets
    j       start                   # code0
    .option pop
    .word   0                       # code1
    .dword  0x200000                # text_offset
    .dword  0x10000                 # image_size: 64 KiB, more than the file (the loader checks)
    .dword  0                       # flags: little-endian
    .word   2                       # version 0.2
    .word   0
    .dword  0
    .ascii  "RISCV\0\0\0"           # magic (deprecated)
    .ascii  "RSC\x05"               # magic2
    .word   0

    .equ UART, 0x10000000
    .equ TEST, 0x100000
    .equ PLIC_PENDING, 0x0c001000
    .equ VIO, 0x10001000
    .equ SBI_TIME, 0x54494D45
    .equ SBI_DBCN, 0x4442434E
    .equ SBI_SRST, 0x53525354

start:
    mv      s0, a1                  # the device tree
    la      a0, msg_uart
    call    uart_puts

    # The device tree's magic is big-endian 0xd00dfeed.
    lbu     t0, 0(s0)
    li      t1, 0xd0
    bne     t0, t1, fdt_bad
    lbu     t0, 3(s0)
    li      t1, 0xed
    bne     t0, t1, fdt_bad
    la      a0, msg_fdt
    call    uart_puts
    j       sbi_console
fdt_bad:
    la      a0, msg_fdt_bad
    call    uart_puts
    j       fail_out

sbi_console:
    # Legacy console_putchar (extension 1) for each byte.
    la      s1, msg_putchar
1:  lbu     a0, 0(s1)
    beqz    a0, 2f
    li      a7, 1
    ecall
    addi    s1, s1, 1
    j       1b
2:  # DBCN console_write(len, addr_lo, addr_hi).
    la      a1, msg_dbcn
    li      a0, 8                   # strlen("dbcn ok\n")
    li      a2, 0
    li      a6, 0
    li      a7, SBI_DBCN
    ecall
    beqz    a0, timer_test
    la      a0, msg_dbcn_none
    call    uart_puts

timer_test:
    la      t0, trap_handler
    csrw    stvec, t0
    la      t0, timer_fired
    sw      zero, 0(t0)
    rdtime  s2
    li      t0, 20000               # 2 ms at 10 MHz
    add     s2, s2, t0
    mv      a0, s2
    li      a6, 0
    li      a7, SBI_TIME
    ecall
    li      t0, 1 << 5              # STIE
    csrs    sie, t0
    # The flag is tested with SIE clear: an interrupt taken between the test and the wfi would
    # leave the wfi nothing to wake it. wfi wakes on a pending interrupt whatever SIE says;
    # setting SIE then takes it.
3:  la      t0, timer_fired
    lw      t1, 0(t0)
    bnez    t1, 4f
    wfi
    csrsi   sstatus, 2              # SIE: the handler runs here
    csrci   sstatus, 2
    j       3b
4:
    rdtime  t0
    bltu    t0, s2, timer_early
    la      a0, msg_timer
    call    uart_puts
    j       disk_test
timer_early:
    la      a0, msg_timer_early
    call    uart_puts
    j       fail_out

disk_test:
    li      s3, VIO
    lw      t0, 0(s3)               # MagicValue "virt"
    li      t1, 0x74726976
    bne     t0, t1, disk_bad
    lw      t0, 8(s3)               # DeviceID: block
    li      t1, 2
    bne     t0, t1, disk_bad
    sw      zero, 0x70(s3)          # Status: reset
    li      t0, 3                   # ACKNOWLEDGE | DRIVER
    sw      t0, 0x70(s3)
    li      t0, 1
    sw      t0, 0x24(s3)            # DriverFeaturesSel 1
    sw      t0, 0x20(s3)            # VERSION_1 (bit 32)
    sw      zero, 0x24(s3)
    sw      zero, 0x20(s3)
    li      t0, 11                  # | FEATURES_OK
    sw      t0, 0x70(s3)
    lw      t0, 0x70(s3)
    andi    t0, t0, 8
    beqz    t0, disk_bad
    sw      zero, 0x30(s3)          # QueueSel 0
    li      t0, 8
    sw      t0, 0x38(s3)            # QueueNum 8
    la      t0, vq_desc
    sw      t0, 0x80(s3)
    srli    t1, t0, 32
    sw      t1, 0x84(s3)
    la      t0, vq_avail
    sw      t0, 0x90(s3)
    srli    t1, t0, 32
    sw      t1, 0x94(s3)
    la      t0, vq_used
    sw      t0, 0xa0(s3)
    srli    t1, t0, 32
    sw      t1, 0xa4(s3)
    li      t0, 1
    sw      t0, 0x44(s3)            # QueueReady
    li      t0, 15                  # | DRIVER_OK
    sw      t0, 0x70(s3)
    # Three descriptors: header (IN, sector 0), 512 data bytes, status.
    la      t0, vq_desc
    la      t1, blk_header
    sd      t1, 0(t0)
    li      t1, 16
    sw      t1, 8(t0)
    li      t1, 1                   # NEXT
    sh      t1, 12(t0)
    li      t1, 1
    sh      t1, 14(t0)
    la      t1, blk_data
    sd      t1, 16(t0)
    li      t1, 512
    sw      t1, 24(t0)
    li      t1, 3                   # NEXT | WRITE
    sh      t1, 28(t0)
    li      t1, 2
    sh      t1, 30(t0)
    la      t1, blk_status
    li      t2, 0xff
    sb      t2, 0(t1)
    sd      t1, 32(t0)
    li      t1, 1
    sw      t1, 40(t0)
    li      t1, 2                   # WRITE
    sh      t1, 44(t0)
    la      t0, vq_avail
    sh      zero, 4(t0)             # ring[0] = descriptor 0
    fence   rw, rw
    li      t1, 1
    sh      t1, 2(t0)               # idx = 1
    fence   rw, rw
    sw      zero, 0x50(s3)          # QueueNotify 0
    rdtime  t2
    li      t0, 10000000            # wait up to 1 s for the used ring
    add     t2, t2, t0
4:  la      t0, vq_used
    lhu     t1, 2(t0)
    bnez    t1, 5f
    rdtime  t0
    bltu    t0, t2, 4b
    j       disk_bad
5:  fence   rw, rw
    la      t0, blk_status
    lbu     t1, 0(t0)
    bnez    t1, disk_bad
    # Sector 0 starts "STRATA-DISK".
    la      t0, blk_data
    lbu     t1, 0(t0)
    li      t2, 'S'
    bne     t1, t2, disk_bad
    lbu     t1, 10(t0)
    li      t2, 'K'
    bne     t1, t2, disk_bad
    la      a0, msg_disk
    call    uart_puts
    # The device's interrupt line reaches PLIC source 1 (pending while high).
    li      t0, PLIC_PENDING
    lw      t1, 0(t0)
    andi    t1, t1, 2
    beqz    t1, plic_bad
    la      a0, msg_plic
    call    uart_puts
    lw      t0, 0x60(s3)            # InterruptStatus
    sw      t0, 0x64(s3)            # InterruptACK
    j       finish
plic_bad:
    la      a0, msg_plic_bad
    call    uart_puts
    j       fail_out
disk_bad:
    la      a0, msg_disk_bad
    call    uart_puts
    j       fail_out

finish:
    la      a0, msg_bye
    call    uart_puts
    la      t0, blk_data
    lbu     t1, 16(t0)
    li      t2, 'S'
    beq     t1, t2, end_sbi
    li      t2, 'F'
    beq     t1, t2, end_fail
    li      t0, TEST                # 'T' and anything else: pass
    li      t1, 0x5555
    sw      t1, 0(t0)
    j       hang
end_fail:
    li      t0, TEST
    li      t1, (42 << 16) | 0x3333
    sw      t1, 0(t0)
    j       hang
end_sbi:
    li      a0, 0                   # shutdown
    li      a1, 0                   # no reason
    li      a6, 0
    li      a7, SBI_SRST
    ecall
    j       hang
fail_out:
    li      t0, TEST
    li      t1, (99 << 16) | 0x3333
    sw      t1, 0(t0)
hang:
    wfi
    j       hang

# The timer interrupt: note it, and push the next one out of sight (clears STIP).
    .balign 4
trap_handler:
    csrr    t5, scause
    li      t6, (1 << 63) | 5
    bne     t5, t6, unexpected_trap
    li      t6, 1
    la      t5, timer_fired
    sw      t6, 0(t5)
    li      a0, -1
    li      a6, 0
    li      a7, SBI_TIME
    ecall
    sret
unexpected_trap:
    la      a0, msg_trap
    call    uart_puts
    j       fail_out

# uart_puts(a0 = NUL-terminated string): polls LSR.THRE.
uart_puts:
    li      t0, UART
1:  lbu     t1, 0(a0)
    beqz    t1, 3f
2:  lbu     t2, 5(t0)
    andi    t2, t2, 0x20
    beqz    t2, 2b
    sb      t1, 0(t0)
    addi    a0, a0, 1
    j       1b
3:  ret

msg_uart:        .asciz "uart ok\n"
msg_fdt:         .asciz "fdt ok\n"
msg_fdt_bad:     .asciz "fdt bad magic\n"
msg_putchar:     .asciz "putchar ok\n"
msg_dbcn:        .ascii "dbcn ok\n"
msg_dbcn_none:   .asciz "dbcn unsupported\n"
msg_timer:       .asciz "timer ok\n"
msg_timer_early: .asciz "timer fired early\n"
msg_disk:        .asciz "disk ok\n"
msg_disk_bad:    .asciz "disk failed\n"
msg_plic:        .asciz "plic ok\n"
msg_plic_bad:    .asciz "plic: virtio line not pending\n"
msg_trap:        .asciz "unexpected trap\n"
msg_bye:         .asciz "bye\n"

    .balign 16
blk_header:      .word 0, 0             # type IN, reserved
                 .dword 0               # sector
blk_status:      .byte 0
    .balign 4
timer_fired:     .word 0
    .balign 4096
vq_desc:         .zero 16 * 8
vq_avail:        .zero 4 + 2 * 8 + 2
    .balign 4
vq_used:         .zero 4 + 8 * 8 + 2
    .balign 512
blk_data:        .zero 512
    .balign 8
_payload_end:

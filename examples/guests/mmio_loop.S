/* mmio_loop.S: an MMIO exit benchmark for `strata boot --flat`. Switches to flat 32-bit
 * protected mode (0xd0000000 is out of real mode's reach), reads the 32-bit register at
 * 0xd0000000 + OFFSET (default 0, the virtio-mmio MagicValue) 200000 times, then halts: nearly
 * every VM exit is one MMIO read handled by the device at 0xd0000000. Compare the SVI
 * virtio-blk model (which needs a disk) with the bare C++ stand-in:
 *
 *   as --32 --defsym OFFSET=0 -o /tmp/mmio.o examples/guests/mmio_loop.S
 *   ld -m elf_i386 -Ttext=0x10000 --oformat=binary -o /tmp/mmio.bin /tmp/mmio.o
 *   truncate -s 1M /tmp/mmio.img
 *   build/strata boot --flat /tmp/mmio.bin --stats --disk /tmp/mmio.img </dev/null
 *   build/strata boot --flat /tmp/mmio.bin --stats --bare-mmio </dev/null
 */
        .ifndef OFFSET
        .set    OFFSET, 0
        .endif
        .code16
        .globl  _start
_start: cli
        mov     %cs, %ax
        mov     %ax, %ds
        lgdtl   gdtr - _start           /* ds = cs: offsets from _start, linked at 0x10000 */
        mov     %cr0, %eax
        or      $1, %eax
        mov     %eax, %cr0
        ljmpl   $0x08, $pm32

        .code32
pm32:   mov     $0x10, %ax
        mov     %ax, %ds
        mov     $200000, %ecx
1:      mov     0xd0000000 + OFFSET, %eax
        dec     %ecx
        jnz     1b
        hlt

        .p2align 3
gdt:    .quad   0
        .quad   0x00cf9a000000ffff      /* 0x08: flat 32-bit code */
        .quad   0x00cf92000000ffff      /* 0x10: flat data */
gdtr:   .word   gdtr - gdt - 1
        .long   gdt

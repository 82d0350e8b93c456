/* pio_loop.S: a port-I/O exit benchmark for `strata boot --flat`. Reads port PORT (default
 * 0x3fd, the UART's LSR) 200000 times, then halts: nearly every VM exit is one port read
 * handled by the device model. Compare the SVI UART with the bare C++ stand-in:
 *
 *   as --32 --defsym PORT=0x3fd -o /tmp/pio.o examples/guests/pio_loop.S
 *   ld -m elf_i386 -Ttext=0 --oformat=binary -o /tmp/pio.bin /tmp/pio.o
 *   build/strata boot --flat /tmp/pio.bin --stats </dev/null
 *   build/strata boot --flat /tmp/pio.bin --stats --bare-uart </dev/null
 */
        .ifndef PORT
        .set    PORT, 0x3fd
        .endif
        .code16
        .globl _start
_start:
        mov     $PORT, %dx
        mov     $200000, %ecx
1:      inb     %dx, %al
        dec     %ecx
        jnz     1b
        cli
        hlt

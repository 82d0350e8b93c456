/* hello16.S: the smallest useful guest for `strata boot --flat`. It runs in 16-bit real mode
 * (loaded at guest physical 0x10000, entered at 0x1000:0000), prints a line through the 16550
 * UART at port 0x3f8 — waiting for LSR.THRE before each byte, as a real driver does — and
 * halts, which ends the run with exit code 0.
 *
 * Build and run:
 *   as --32 -o /tmp/hello16.o examples/guests/hello16.S
 *   ld -m elf_i386 -Ttext=0 --oformat=binary -o /tmp/hello16.bin /tmp/hello16.o
 *   build/strata boot --flat /tmp/hello16.bin --stats
 */
        .code16
        .text
        .globl _start
_start:
        mov     %cs, %ax                /* data lives in the code segment (0x1000) */
        mov     %ax, %ds
        mov     $msg, %si
next:
        lodsb                           /* al = next byte of the message */
        test    %al, %al
        jz      done
        mov     %al, %bl
        mov     $0x3fd, %dx             /* LSR */
wait:
        inb     %dx, %al
        test    $0x20, %al              /* THRE: the transmitter takes a byte */
        jz      wait
        mov     $0x3f8, %dx             /* THR */
        mov     %bl, %al
        outb    %al, %dx
        jmp     next
done:
        cli
        hlt
msg:
        .asciz  "Hello from a flat guest\n"

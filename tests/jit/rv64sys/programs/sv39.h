/* What the Sv39 programs share: three table pages (ROOT at level 2, L1, L0), the PTE bits, and
 * sv39_base, which maps the devices (the test device) and RAM by identity gigapages (RAM
 * read/write/execute for supervisor code) and links ROOT[1] -> L1[0] -> L0, so each program only
 * fills L0 entries for its own 4 KiB pages at 0x4000_0000. Clobbers t0 and t1. */
#define ROOT 0x80100000
#define L1 0x80101000
#define L0 0x80102000
#define PTE(pa, flags) (((pa) >> 2) | (flags))
#define V 1
#define R 2
#define W 4
#define X 8
#define U 16
#define A 64
#define D 128

.macro sv39_base
  li t0, ROOT
  li t1, PTE(0, V | R | W | A | D)
  sd t1, 0(t0)
  li t0, ROOT + 2 * 8
  li t1, PTE(0x80000000, V | R | W | X | A | D)
  sd t1, 0(t0)
  li t0, ROOT + 1 * 8
  li t1, PTE(L1, V)
  sd t1, 0(t0)
  li t0, L1
  li t1, PTE(L0, V)
  sd t1, 0(t0)
.endm

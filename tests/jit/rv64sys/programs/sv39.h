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

/* `addi s1, x0, value; ret` at physical address p: the code a test's virtual page maps to, which
 * tells by s1 which mapping ran. Clobbers t0 and t1. */
.macro set_s1_code p, value
  li t0, ((\value) << 20) | 0x493
  li t1, \p
  sw t0, 0(t1)
  li t0, 0x00008067
  sw t0, 4(t1)
.endm

/* Sv39 on ROOT, then mret to `label` in S-mode. Clobbers t0. */
.macro enter_s_sv39 label
  li t0, (8 << 60) | (ROOT >> 12)
  csrw satp, t0
  li t0, 3 << 11
  csrc mstatus, t0
  li t0, 1 << 11
  csrs mstatus, t0
  la t0, \label
  csrw mepc, t0
  mret
.endm

// A differential fuzzer in one program: for each seed it generates a random block of RV64GC
// instructions (integer, M, W forms, loads/stores of every width and alignment on a stack
// scratch area, forward branches, lui, compressed forms, double and single floating point with
// random static rounding modes, fused multiply-adds, conversions, fmv, frm and fflags accesses),
// writes it into the same executable page (so every seed also replaces code that has run
// before), runs it on a random register state and prints a hash of the final integer registers,
// f registers, fflags and scratch memory. qemu-riscv64 is the oracle. `random_blocks.elf SEED`
// prints the seed's instruction words and full final state, for debugging one mismatch.
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "insn.h"

enum {
  kSeeds = 1000,
  kBodyEntries = 64,
  kFrame = 400,         // stack frame of the generated function
  kStatePtrSlot = 120,  // where the state pointer is kept during the body
  kStashSlot = 128,     // the epilogue's spare register
  kScratch = 136,       // 256 bytes of scratch memory the body loads and stores
  kScratchWords = 32,
  kFpRegs = 8,  // f0..f7
};

// State passed in and out: x0..x31, f0..f7, fflags, scratch.
struct State {
  uint64_t x[32];
  uint64_t f[kFpRegs];
  uint64_t fflags;
  uint64_t scratch[kScratchWords];
};

static uint64_t rng;
static uint64_t next(void) {  // xorshift64*
  rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
  return rng * 2685821657736338717ULL;
}
static unsigned pick(unsigned n) {
  return (unsigned)(next() >> 33) % n;
}

// Instruction formats.
static uint32_t r_type(unsigned f7, unsigned rs2, unsigned rs1, unsigned f3, unsigned rd,
                       unsigned op) {
  return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}
static uint32_t i_type(int imm, unsigned rs1, unsigned f3, unsigned rd, unsigned op) {
  return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}
static uint32_t s_type(int imm, unsigned rs2, unsigned rs1, unsigned f3) {
  uint32_t u = (uint32_t)imm & 0xfff;
  return (u >> 5) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (u & 31) << 7 | 0x23;
}
static uint32_t b_type(int imm, unsigned rs2, unsigned rs1, unsigned f3) {
  uint32_t u = (uint32_t)imm & 0x1fff;
  return (u >> 12 & 1) << 31 | (u >> 5 & 63) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
         (u >> 1 & 15) << 8 | (u >> 11 & 1) << 7 | 0x63;
}
static uint32_t r4_type(unsigned rs3, unsigned fmt, unsigned rs2, unsigned rs1, unsigned rm,
                        unsigned rd, unsigned op) {
  return rs3 << 27 | fmt << 25 | rs2 << 20 | rs1 << 15 | rm << 12 | rd << 7 | op;
}

// The generated code: 16-bit parcels; a branch entry is patched once all sizes are known.
static uint16_t code[4096];
static unsigned code_len;  // in parcels
struct Entry {
  unsigned at;    // parcel index
  int skip;       // branch: how many following entries to jump over (0: not a branch)
  uint32_t word;  // branch: the instruction without its offset
};
static struct Entry body[kBodyEntries];

static void emit32(uint32_t w) {
  code[code_len++] = (uint16_t)w;
  code[code_len++] = (uint16_t)(w >> 16);
}
static void emit16(uint16_t h) {
  code[code_len++] = h;
}

// Registers the body may write: everything but x0 and sp (gp, tp and the saved ones included;
// the prologue saves and the epilogue restores them).
static unsigned any_reg(void) {
  unsigned r = 1 + pick(30);
  return r >= 2 ? r + 1 : r;
}
// Registers the body may read: any but sp, whose value is an address that differs between
// emulators (x0 is fine).
static unsigned src_reg(void) {
  unsigned r = pick(31);
  return r >= 2 ? r + 1 : r;
}
static unsigned c_reg(void) {  // x8..x15, the compressed three-bit register field
  return pick(8);
}
static unsigned rm(void) {
  static const unsigned modes[] = {0, 1, 2, 3, 4, 7};
  return modes[pick(6)];
}

static void random_entry(struct Entry* e) {
  unsigned rd = any_reg(), rs1 = src_reg(), rs2 = src_reg();
  unsigned fd = pick(kFpRegs), fs1 = pick(kFpRegs), fs2 = pick(kFpRegs), fs3 = pick(kFpRegs);
  switch (pick(16)) {
    case 0:
    case 1: {  // OP: base and M
      static const unsigned f7f3[][2] = {{0, 0}, {0x20, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4},
                                         {0, 5}, {0x20, 5}, {0, 6}, {0, 7}, {1, 0}, {1, 1},
                                         {1, 2}, {1, 3},    {1, 4}, {1, 5}, {1, 6}, {1, 7}};
      unsigned k = pick(18);
      emit32(r_type(f7f3[k][0], rs2, rs1, f7f3[k][1], rd, 0x33));
      break;
    }
    case 2: {  // OP-32
      static const unsigned f7f3[][2] = {{0, 0}, {0x20, 0}, {0, 1}, {0, 5}, {0x20, 5},
                                         {1, 0}, {1, 4},    {1, 5}, {1, 6}, {1, 7}};
      unsigned k = pick(10);
      emit32(r_type(f7f3[k][0], rs2, rs1, f7f3[k][1], rd, 0x3b));
      break;
    }
    case 3: {  // OP-IMM and OP-IMM-32
      static const unsigned f3s[] = {0, 2, 3, 4, 6, 7};
      int imm = (int)pick(4096) - 2048;
      switch (pick(8)) {
        case 0: emit32(i_type((int)pick(64), rs1, 1, rd, 0x13)); break;          // slli
        case 1: emit32(i_type((int)pick(64), rs1, 5, rd, 0x13)); break;          // srli
        case 2: emit32(i_type(0x400 | (int)pick(64), rs1, 5, rd, 0x13)); break;  // srai
        case 3: emit32(i_type(imm, rs1, 0, rd, 0x1b)); break;                    // addiw
        case 4: emit32(i_type((int)pick(32), rs1, 1 + 4 * pick(2), rd, 0x1b)); break;
        case 5: emit32(i_type(0x400 | (int)pick(32), rs1, 5, rd, 0x1b)); break;  // sraiw
        default: emit32(i_type(imm, rs1, f3s[pick(6)], rd, 0x13)); break;
      }
      break;
    }
    case 4:  // lui
      emit32((uint32_t)(next() & 0xfffff000u) | rd << 7 | 0x37);
      break;
    case 5: {  // load, any width and alignment inside the scratch area
      static const unsigned f3s[] = {0, 1, 2, 3, 4, 5, 6};
      emit32(i_type(kScratch + (int)pick(8 * kScratchWords - 7), 2, f3s[pick(7)], rd, 0x03));
      break;
    }
    case 6:  // store
      emit32(s_type(kScratch + (int)pick(8 * kScratchWords - 7), rs2, 2, pick(4)));
      break;
    case 7: {  // forward branch over 1..3 entries; its offset is patched in later
      static const unsigned f3s[] = {0, 1, 4, 5, 6, 7};
      e->word = r_type(0, rs2, rs1, f3s[pick(6)], 0, 0x63);
      e->skip = 1 + (int)pick(3);
      emit32(0);
      break;
    }
    case 8: {  // compressed, full register field
      unsigned crd = any_reg(), crs = any_reg();
      int imm = (int)pick(64);
      switch (pick(5)) {
        case 0: emit16((uint16_t)((imm >> 5 & 1) << 12 | crd << 7 | (imm & 31) << 2 | 1)); break;
        case 1:
          emit16((uint16_t)(2 << 13 | (imm >> 5 & 1) << 12 | crd << 7 | (imm & 31) << 2 | 1));
          break;
        case 2: emit16((uint16_t)(4 << 13 | crd << 7 | crs << 2 | 2)); break;            // c.mv
        case 3: emit16((uint16_t)(4 << 13 | 1 << 12 | crd << 7 | crs << 2 | 2)); break;  // c.add
        default:
          emit16((uint16_t)(1 << 13 | (imm >> 5 & 1) << 12 | crd << 7 | (imm & 31) << 2 | 1));
      }
      break;
    }
    case 9: {  // compressed, three-bit register fields
      unsigned a = c_reg(), b = c_reg(), sh = pick(64);
      switch (pick(4)) {
        case 0: emit16((uint16_t)(4 << 13 | 3 << 10 | a << 7 | pick(4) << 5 | b << 2 | 1)); break;
        case 1:
          emit16((uint16_t)(4 << 13 | 1 << 12 | 3 << 10 | a << 7 | pick(2) << 5 | b << 2 | 1));
          break;
        default:  // c.srli, c.srai, c.andi
          emit16(
              (uint16_t)(4 << 13 | (sh >> 5) << 12 | pick(3) << 10 | a << 7 | (sh & 31) << 2 | 1));
      }
      break;
    }
    case 10:
    case 11: {  // double arithmetic with a random rounding mode
      static const unsigned f7s[] = {0x01, 0x05, 0x09, 0x0d, 0x00, 0x08, 0x04, 0x0c};
      emit32(r_type(f7s[pick(8)], fs2, fs1, rm(), fd, 0x53));
      break;
    }
    case 12: {  // sign injection, min/max, sqrt, comparisons, class
      switch (pick(6)) {
        case 0: emit32(r_type(0x11 - pick(2) * 0x01, fs2, fs1, pick(3), fd, 0x53)); break;
        case 1: emit32(r_type(0x15 - pick(2) * 0x01, fs2, fs1, pick(2), fd, 0x53)); break;
        case 2: emit32(r_type(0x2d - pick(2) * 0x01, 0, fs1, rm(), fd, 0x53)); break;
        case 3: emit32(r_type(0x51 - pick(2) * 0x01, fs2, fs1, pick(3), rd, 0x53)); break;
        case 4: emit32(r_type(0x71 - pick(2) * 0x01, 0, fs1, 1, rd, 0x53)); break;
        default: emit32(r_type(0x71, 0, fs1, 0, rd, 0x53)); break;  // fmv.x.d
      }
      break;
    }
    case 13: {  // conversions
      switch (pick(5)) {
        case 0: emit32(r_type(0x61 - pick(2) * 0x01, pick(4), fs1, rm(), rd, 0x53)); break;
        case 1: emit32(r_type(0x69 - pick(2) * 0x01, pick(4), rs1, rm(), fd, 0x53)); break;
        case 2: emit32(r_type(0x20, 1, fs1, rm(), fd, 0x53)); break;          // fcvt.s.d
        case 3: emit32(r_type(0x21, 0, fs1, 0, fd, 0x53)); break;             // fcvt.d.s
        default: emit32(r_type(0x79 - pick(2), 0, rs1, 0, fd, 0x53)); break;  // fmv.d.x/w.x
      }
      break;
    }
    case 14: {  // fused multiply-add, double or single
      static const unsigned ops[] = {0x43, 0x47, 0x4b, 0x4f};
      emit32(r4_type(fs3, pick(2) ? 1 : 0, fs2, fs1, rm(), fd, ops[pick(4)]));
      break;
    }
    default: {  // the floating-point CSRs mid-block: change frm, read or clear flags
      unsigned uimm = pick(32);
      switch (pick(4)) {
        case 0: emit32(i_type(2, pick(5), 5, rd, 0x73)); break;  // csrrwi rd, frm, 0..4
        case 1: emit32(i_type(1, 0, 2, rd, 0x73)); break;        // csrrs rd, fflags, x0
        case 2: emit32(i_type(1, uimm, 7, rd, 0x73)); break;     // csrrci rd, fflags, uimm
        default: emit32(i_type(3, 0, 2, rd, 0x73)); break;       // csrrs rd, fcsr, x0
      }
      break;
    }
  }
}

static void generate(void) {
  code_len = 0;
  // Prologue: frame, save ra, gp, tp, s0-s11, keep the state pointer, copy scratch, set f
  // registers and clear fcsr, then load x1..x31 (a0 last).
  static const unsigned saved[] = {1, 3, 4, 8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27};
  emit32(i_type(-kFrame, 2, 0, 2, 0x13));
  for (int i = 0; i < 15; ++i) emit32(s_type(8 * i, saved[i], 2, 3));
  emit32(s_type(kStatePtrSlot, 10, 2, 3));
  for (int j = 0; j < kScratchWords; ++j) {
    emit32(i_type((int)offsetof(struct State, scratch) + 8 * j, 10, 3, 5, 0x03));
    emit32(s_type(kScratch + 8 * j, 5, 2, 3));
  }
  for (int k = 0; k < kFpRegs; ++k) {
    emit32(i_type((int)offsetof(struct State, f) + 8 * k, 10, 3, 5, 0x03));
    emit32(r_type(0x79, 0, 5, 0, (unsigned)k, 0x53));  // fmv.d.x
  }
  emit32(i_type(0, 0, 1, 0, 0x73) | 3u << 20);  // csrrw x0, fcsr, x0
  for (unsigned r = 1; r < 32; ++r)
    if (r != 2 && r != 10) emit32(i_type(8 * (int)r, 10, 3, r, 0x03));
  emit32(i_type(80, 10, 3, 10, 0x03));
  // Body.
  for (int e = 0; e < kBodyEntries; ++e) {
    body[e].at = code_len;
    body[e].skip = 0;
    random_entry(&body[e]);
  }
  unsigned end = code_len;
  for (int e = 0; e < kBodyEntries; ++e) {
    if (!body[e].skip) continue;
    unsigned target = e + body[e].skip < kBodyEntries ? body[e + body[e].skip].at : end;
    uint32_t w = body[e].word | b_type(2 * (int)(target - body[e].at), 0, 0, 0);
    code[body[e].at] = (uint16_t)w;
    code[body[e].at + 1] = (uint16_t)(w >> 16);
  }
  // Epilogue: stash t0, store everything into the state, restore, return.
  emit32(s_type(kStashSlot, 5, 2, 3));
  emit32(i_type(kStatePtrSlot, 2, 3, 5, 0x03));
  for (unsigned r = 1; r < 32; ++r)
    if (r != 2 && r != 5) emit32(s_type(8 * (int)r, r, 5, 3));
  emit32(i_type(kStashSlot, 2, 3, 6, 0x03));
  emit32(s_type(40, 6, 5, 3));
  for (int k = 0; k < kFpRegs; ++k) {
    emit32(r_type(0x71, 0, (unsigned)k, 0, 6, 0x53));  // fmv.x.d t1, fk
    emit32(s_type((int)offsetof(struct State, f) + 8 * k, 6, 5, 3));
  }
  emit32(i_type(1, 0, 2, 6, 0x73));  // csrrs t1, fflags, x0
  emit32(s_type((int)offsetof(struct State, fflags), 6, 5, 3));
  for (int j = 0; j < kScratchWords; ++j) {
    emit32(i_type(kScratch + 8 * j, 2, 3, 6, 0x03));
    emit32(s_type((int)offsetof(struct State, scratch) + 8 * j, 6, 5, 3));
  }
  for (int i = 0; i < 15; ++i) emit32(i_type(8 * i, 2, 3, saved[i], 0x03));
  emit32(i_type(kFrame, 2, 0, 2, 0x13));
  emit32(0x00008067);  // ret
}

static uint64_t interesting(void) {
  static const uint64_t values[] = {0,
                                    1,
                                    0xffffffffffffffffULL,
                                    0x8000000000000000ULL,
                                    0x7fffffffffffffffULL,
                                    0x80000000ULL,
                                    0xffffffff80000000ULL,
                                    0x7fffffffULL,
                                    0x3ff0000000000000ULL,
                                    0x7ff8000000000000ULL,
                                    0x7ff0000000000001ULL,
                                    0xfff0000000000000ULL,
                                    0x0000000000000001ULL,
                                    0xffffffff3f800000ULL,
                                    0xffffffff7fc00000ULL,
                                    0x43e0000000000000ULL,
                                    0x0010000000000000ULL,
                                    0xffffffff00800000ULL};
  switch (pick(4)) {
    case 0: return values[pick(COUNT(values))];
    case 1: return (uint64_t)(int64_t)(int32_t)next();
    case 2: return next() & 0xff;
    default: return next();
  }
}

static uint64_t fnv(const uint64_t* v, int n) {
  uint64_t h = 1469598103934665603ULL;
  for (int i = 0; i < n; ++i)
    for (int b = 0; b < 8; ++b) h = (h ^ (v[i] >> (8 * b) & 0xff)) * 1099511628211ULL;
  return h;
}

int main(int argc, char** argv) {
  long page = sysconf(_SC_PAGESIZE);
  size_t size = (sizeof code + (size_t)page - 1) / (size_t)page * (size_t)page;
  uint8_t* exec = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (exec == MAP_FAILED) return 1;
  int only = argc > 1 ? atoi(argv[1]) : 0;
  if (only) setvbuf(stdout, NULL, _IONBF, 0);  // the listing must survive a crash
  for (int seed = only ? only : 1; seed <= (only ? only : kSeeds); ++seed) {
    rng = 0x9e3779b97f4a7c15ULL * (uint64_t)seed;
    generate();
    struct State st;
    memset(&st, 0, sizeof st);
    for (int r = 1; r < 32; ++r) st.x[r] = interesting();
    for (int k = 0; k < kFpRegs; ++k) st.f[k] = interesting();
    for (int j = 0; j < kScratchWords; ++j) st.scratch[j] = interesting();
    mprotect(exec, size, PROT_READ | PROT_WRITE);
    memcpy(exec, code, 2 * code_len);
    mprotect(exec, size, PROT_READ | PROT_EXEC);
    __builtin___clear_cache((char*)exec, (char*)exec + 2 * code_len);
    if (only) {
      printf("seed %d body:", seed);
      for (unsigned p = body[0].at; p < body[kBodyEntries - 1].at + 2; ++p)
        printf(" %04x", code[p]);
      printf("\n");
    }
    ((void (*)(struct State*))(uintptr_t)exec)(&st);
    st.x[2] = 0;  // sp is an address; it is not part of the result
    printf("seed %3d: x=%016" PRIx64 " f=%016" PRIx64 " fflags=%s mem=%016" PRIx64 "\n", seed,
           fnv(st.x, 32), fnv(st.f, kFpRegs), flag_text(st.fflags), fnv(st.scratch, kScratchWords));
    if (only) {
      for (int r = 1; r < 32; ++r) printf("  x%-2d %016" PRIx64 "\n", r, st.x[r]);
      for (int k = 0; k < kFpRegs; ++k) printf("  f%d  %016" PRIx64 "\n", k, st.f[k]);
      for (int j = 0; j < kScratchWords; ++j) printf("  m%-2d %016" PRIx64 "\n", j, st.scratch[j]);
    }
  }
  return 0;
}

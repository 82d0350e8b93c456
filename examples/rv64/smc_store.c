// Self-modifying code WITHOUT fence.i: code in an RWX mapping that has run before is overwritten
// by plain stores (or by the kernel, through read()) and run again, with no
// __builtin___clear_cache in between. RISC-V only promises the new code after fence.i, but
// qemu-riscv64 and Linux on real harts with coherent instruction fetch run it: an emulator that
// keeps its translation of the old code prints the old numbers. Every new instruction here is
// reached after the store through an indirect call, a return or a system call, the points where
// a translated unit ends (a store into the unit that is running may finish that unit on old code).
// The JIT-style part writes many functions, with and without the flush.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef long (*Fn)(long);
typedef long (*PatchFn)(uint32_t* at, uint32_t insn);

enum { kA0 = 10, kA1 = 11, kA7 = 17, kT0 = 5, kT1 = 6 };

static uint32_t i_type(uint32_t opcode, int rd, int funct3, int rs1, int imm) {
  return ((uint32_t)imm & 0xfff) << 20 | (uint32_t)rs1 << 15 | (uint32_t)funct3 << 12 |
         (uint32_t)rd << 7 | opcode;
}
static uint32_t s_type(int funct3, int rs1, int rs2, int imm) {
  return ((uint32_t)imm >> 5 & 0x7f) << 25 | (uint32_t)rs2 << 20 | (uint32_t)rs1 << 15 |
         (uint32_t)funct3 << 12 | ((uint32_t)imm & 0x1f) << 7 | 0x23;
}
static uint32_t addi(int rd, int rs1, int imm) {
  return i_type(0x13, rd, 0, rs1, imm);
}
static uint32_t li(int rd, int imm) {
  return addi(rd, 0, imm);
}
static uint32_t lw(int rd, int rs1, int imm) {
  return i_type(0x03, rd, 2, rs1, imm);
}
static uint32_t sw(int rs1, int rs2, int imm) {
  return s_type(2, rs1, rs2, imm);
}
static uint32_t auipc(int rd) {
  return 0x17u | (uint32_t)rd << 7;
}
static const uint32_t kRet = 0x00008067;
static const uint32_t kEcall = 0x00000073;
static const int kGetpid = 172;

// Calls through a pointer the compiler cannot see through: each call site is its own jalr.
static long call_a(Fn f, long x) {
  return f(x);
}
static long __attribute__((noinline)) call_b(Fn f, long x) {
  __asm__ volatile("" ::: "memory");
  return f(x);
}

static long sum_calls(Fn f, int times) {
  long s = 0;
  for (int i = 0; i < times; ++i) s += f(i);
  return s;
}

int main(void) {
  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  uint32_t* rwx =
      mmap(NULL, 4 * page, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (rwx == MAP_FAILED) return perror("mmap"), 1;

  // 1. A function that ran (and got hot) is patched by a store, then called from another site
  // after a system call.
  Fn f = (Fn)(uintptr_t)rwx;
  rwx[0] = addi(kA0, kA0, 1);
  rwx[1] = kRet;
  __builtin___clear_cache((char*)rwx, (char*)(rwx + 2));
  printf("before: f(10) = %ld, sum over 3000 calls = %ld\n", call_a(f, 10), sum_calls(f, 3000));
  rwx[0] = addi(kA0, kA0, 2);
  (void)getpid();
  printf("after a store and a syscall: f(10) = %ld\n", call_b(f, 10));
  // ... and without the system call: the call itself is the next unit.
  rwx[0] = addi(kA0, kA0, 3);
  printf("after a store: f(10) = %ld, sum over 3000 calls = %ld\n", call_a(f, 10),
         sum_calls(f, 3000));

  // 2. Patched in a loop: every call runs the instruction the iteration just wrote.
  long s = 0;
  for (int i = 0; i < 500; ++i) {
    rwx[0] = addi(kA0, kA0, i % 7);
    s += call_b(f, i);
  }
  printf("patched every iteration: sum = %ld\n", s);

  // 3. A whole function replaced with memcpy by a longer one of the same entry.
  uint32_t longer[4] = {addi(kA1, kA0, 0), addi(kA0, kA0, 5), 0x00b50533 /* add a0,a0,a1 */, kRet};
  memcpy(rwx, longer, sizeof longer);
  printf("replaced by memcpy: f(10) = %ld\n", call_a(f, 10));

  // 4. A function that patches its own next instruction, then makes a system call before it:
  //    sw a1, 0(a0); li a7, getpid; ecall; T: li a0, 1; ret
  uint32_t* g_code = rwx + 64;
  g_code[0] = sw(kA0, kA1, 0);
  g_code[1] = li(kA7, kGetpid);
  g_code[2] = kEcall;
  g_code[3] = li(kA0, 1);
  g_code[4] = kRet;
  __builtin___clear_cache((char*)g_code, (char*)(g_code + 5));
  PatchFn g = (PatchFn)(uintptr_t)g_code;
  for (int v = 7; v <= 10; ++v) printf("patched itself: g = %ld\n", g(g_code + 3, li(kA0, v)));

  // 5. The kernel writes the code: read() from a pipe over a function that ran.
  int fds[2];
  if (pipe(fds) != 0) return perror("pipe"), 1;
  Fn h = (Fn)(uintptr_t)(rwx + 128);
  rwx[128] = li(kA0, 40);
  rwx[129] = kRet;
  __builtin___clear_cache((char*)(rwx + 128), (char*)(rwx + 130));
  printf("before read(): h = %ld\n", sum_calls(h, 100) / 100);
  const uint32_t fresh = li(kA0, 41);
  if (write(fds[1], &fresh, 4) != 4 || read(fds[0], rwx + 128, 4) != 4) return perror("pipe"), 1;
  printf("after read(): h = %ld\n", call_b(h, 0));
  close(fds[0]);
  close(fds[1]);

  // 6. Code and the data it updates share a page: each call stores next to its own code.
  //    auipc t0, 0; lw t1, 64(t0); addi t1, t1, 1; sw t1, 64(t0); mv a0, t1; ret
  uint32_t* k_code = (uint32_t*)((char*)rwx + page);
  const uint32_t counter[] = {auipc(kT0),       lw(kT1, kT0, 64),  addi(kT1, kT1, 1),
                              sw(kT0, kT1, 64), addi(kA0, kT1, 0), kRet};
  memcpy(k_code, counter, sizeof counter);
  k_code[16] = 1000;
  __builtin___clear_cache((char*)k_code, (char*)(k_code + 6));
  Fn k = (Fn)(uintptr_t)k_code;
  long last = 0;
  for (int i = 0; i < 300; ++i) last = call_a(k, 0);
  printf("counter next to its code: %ld (memory says %u)\n", last, k_code[16]);

  // 7. A JIT: 200 functions in fresh memory, each called as soon as it is written (no flush:
  // never-run code), then all rewritten in place and called again, once without and once with
  // the flush.
  uint32_t* jit = (uint32_t*)((char*)rwx + 2 * page);
  for (int pass = 0; pass < 3; ++pass) {
    long total = 0;
    for (int i = 0; i < 200; ++i) {
      uint32_t* fn = jit + 4 * i;
      fn[0] = li(kA1, i * (pass + 1));
      fn[1] = 0x00b50533;  // add a0, a0, a1
      fn[2] = kRet;
      if (pass == 2) __builtin___clear_cache((char*)fn, (char*)(fn + 3));
      total += call_b((Fn)(uintptr_t)fn, pass);
    }
    printf("jit pass %d%s: total = %ld\n", pass, pass == 2 ? " (flushed)" : "", total);
  }
  munmap(rwx, 4 * page);
  return 0;
}

// Self-modifying, JIT-style code: machine code written at run time into an mmap'ed region, made
// executable, called through a function pointer, then overwritten and called again. Each rewrite
// is followed by __builtin___clear_cache (fence.i / the riscv_flush_icache system call). A
// translator that keeps stale translations of the old code prints the old constants.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef long (*Fn)(long);

// addi a0, a0, imm (imm in [-2048, 2047]); then ret (jalr x0, 0(ra)).
static uint32_t addi_a0(int imm) {
  return ((uint32_t)imm & 0xfff) << 20 | 10u << 15 | 10u << 7 | 0x13;
}
static const uint32_t kRet = 0x00008067;

static void emit_add(uint32_t* code, int imm) {
  code[0] = addi_a0(imm);
  code[1] = kRet;
}

static long call_many(Fn f, int times) {
  long s = 0;
  for (int i = 0; i < times; ++i) s += f(i);
  return s;
}

int main(void) {
  long page = sysconf(_SC_PAGESIZE);
  // 1. W^X discipline: write while RW, then mprotect to RX.
  uint32_t* code =
      mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (code == MAP_FAILED) return perror("mmap"), 1;
  Fn f = (Fn)(uintptr_t)code;
  for (int round = 1; round <= 3; ++round) {
    mprotect(code, (size_t)page, PROT_READ | PROT_WRITE);
    emit_add(code, round * 100);
    mprotect(code, (size_t)page, PROT_READ | PROT_EXEC);
    __builtin___clear_cache((char*)code, (char*)(code + 2));
    printf("wx round %d: f(1) = %ld, sum over 2000 calls = %ld\n", round, f(1), call_many(f, 2000));
  }
  munmap(code, (size_t)page);

  // 2. An RWX page patched in place, the way simple JITs do it.
  uint32_t* rwx = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE | PROT_EXEC,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (rwx == MAP_FAILED) return perror("mmap rwx"), 1;
  f = (Fn)(uintptr_t)rwx;
  for (int round = 1; round <= 3; ++round) {
    emit_add(rwx, -round);
    __builtin___clear_cache((char*)rwx, (char*)(rwx + 2));
    printf("rwx round %d: f(10) = %ld, sum over 2000 calls = %ld\n", round, f(10),
           call_many(f, 2000));
  }
  // 3. Patch one word in the middle of a longer function: a0 = (a0 + 1) * 3 becomes
  // (a0 + 1) * 2.
  rwx[0] = addi_a0(1);
  rwx[1] = 0x00151593;  // slli a1, a0, 1
  rwx[2] = 0x00b50533;  // add a0, a0, a1  -> a0 * 3
  rwx[3] = kRet;
  __builtin___clear_cache((char*)rwx, (char*)(rwx + 4));
  printf("patched body: f(4) = %ld\n", f(4));
  rwx[2] = 0x00058513;  // addi a0, a1, 0  -> a0 * 2
  __builtin___clear_cache((char*)rwx, (char*)(rwx + 4));
  printf("patched one word: f(4) = %ld\n", f(4));
  // 4. Compressed code: c.li a0, 5; c.jr ra.
  uint16_t* c = (uint16_t*)(rwx + 8);
  c[0] = 0x4515;
  c[1] = 0x8082;
  __builtin___clear_cache((char*)c, (char*)(c + 2));
  printf("compressed: %ld\n", ((Fn)(uintptr_t)c)(0));
  c[0] = 0x557d;  // c.li a0, -1
  __builtin___clear_cache((char*)c, (char*)(c + 2));
  printf("compressed patched: %ld\n", ((Fn)(uintptr_t)c)(0));
  munmap(rwx, (size_t)page);
  return 0;
}
